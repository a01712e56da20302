//go:build cgo || windows

package pcsctest

import (
	"errors"
	"fmt"
	"time"

	"github.com/ebfe/scard"
)

// built is true: this build has PC/SC.
const built = true

func waitCard(reader string, present bool, timeout time.Duration) error {
	sc, err := scard.EstablishContext()
	if err != nil {
		return fmt.Errorf("pcsctest: establish context: %w", err)
	}
	defer sc.Release()
	states := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("pcsctest: reader %q: card present=%v not seen within %v (state %#x)", reader, present, timeout, states[0].EventState)
		}
		err := sc.GetStatusChange(states, left)
		if err != nil && !errors.Is(err, scard.ErrTimeout) {
			return fmt.Errorf("pcsctest: reader %q: %w", reader, err)
		}
		ev := states[0].EventState
		if err == nil && (ev&scard.StatePresent != 0) == present && ev&scard.StateMute == 0 {
			return nil
		}
		states[0].CurrentState = ev &^ scard.StateChanged
	}
}
