//go:build !cgo && !windows

package pcsctest

import (
	"errors"
	"time"
)

// built is false: PC/SC needs cgo on this system and the build had none;
// Require skips (or fails) with that reason.
const built = false

func waitCard(reader string, present bool, timeout time.Duration) error {
	return errors.New("pcsctest: built without PC/SC (no cgo)")
}
