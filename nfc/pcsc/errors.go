//go:build cgo || windows

package pcsc

import (
	"errors"
	"fmt"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/nfc"
)

// sentinelFor is the table from PC/SC return codes to the nfc sentinel a
// caller acts on. Codes absent from it are returned unmapped (still wrapped
// with the step).
var sentinelFor = map[scard.Error]error{
	// The phone left the field: before pcscd's next presence poll the
	// transmit fails with "transaction failed", after it with "removed card".
	scard.ErrNotTransacted: nfc.ErrPhoneRemoved,
	scard.ErrRemovedCard:   nfc.ErrPhoneRemoved,
	// Another application reset the card: the phone's session is gone.
	scard.ErrResetCard: nfc.ErrPhoneRemoved,
	// Card present but not answering at power on.
	scard.ErrUnresponsiveCard:   nfc.ErrPhoneTimeout,
	scard.ErrNoSmartcard:        nfc.ErrNoPhone,
	scard.ErrTimeout:            nfc.ErrNoPhone,
	scard.ErrUnknownReader:      nfc.ErrUnknownReader,
	scard.ErrNoReadersAvailable: nfc.ErrUnknownReader,
	scard.ErrReaderUnavailable:  nfc.ErrReaderUnplugged,
	scard.ErrSharingViolation:   nfc.ErrSharingViolation,
	scard.ErrNoService:          nfc.ErrNoService,
	scard.ErrServiceStopped:     nfc.ErrNoService,
}

// wrap adds the step to a PC/SC error and, when the table knows the code,
// the nfc sentinel: both errors.Is(err, nfc.ErrPhoneRemoved) and
// errors.As(err, new(scard.Error)) see through the result.
func wrap(step string, err error) error {
	if err == nil {
		return nil
	}
	var code scard.Error
	if errors.As(err, &code) {
		if s, ok := sentinelFor[code]; ok {
			return fmt.Errorf("pcsc: %s: %w (%w)", step, s, err)
		}
	}
	return fmt.Errorf("pcsc: %s: %w", step, err)
}
