package pcsc

import (
	"errors"

	"github.com/apcvkit/apcvkit/apcverr"
)

// ErrNotBuilt is wrapped by NewContext (and so by every entry point) in a
// build without PC/SC: on Linux and macOS the PC/SC client library is C
// (libpcsclite, the PCSC framework) and needs cgo, so a build with
// CGO_ENABLED=0 there, such as a cross-compilation, has no PC/SC; Supported
// is false. Windows needs no cgo (winscard.dll is called directly).
var ErrNotBuilt = apcverr.New("pcsc-not-built",
	"This program was built without support for contactless (NFC) readers. Use the QR code, or ask your software vendor for a version with NFC reader support.",
	"Ce logiciel a été compilé sans la prise en charge des lecteurs sans contact (NFC). Utilisez le QR code, ou demandez à votre éditeur une version avec la prise en charge des lecteurs NFC.")

// ErrCardClosed is returned by the calls made on a closed Card, or on a Card
// whose PC/SC session was cut to stop a hung call.
var ErrCardClosed = errors.New("pcsc: card closed")

// ErrNoStatusWord is wrapped, with nfc.ErrPhoneRemoved, when a transmit
// returns an answer shorter than a status word: vpcd does so when the phone
// leaves the field during the exchange, and no card answers that way.
var ErrNoStatusWord = errors.New("pcsc: answer without status word")
