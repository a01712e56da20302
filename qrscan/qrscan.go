// Package qrscan turns what QR scanning devices deliver (serial lines, USB HID
// reports, camera frames) into scanned texts, ready for the credential
// decode-verify path. Subpackages hold one device family each. The text
// format is credential's: credential.QRPrefix, credential.MaxQRText and
// credential.LooksLikeQRText.
package qrscan

import (
	"context"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
)

// Scan is one scanned text.
type Scan struct {
	Text      string    // the payload, prefix included, framing and AIM identifier removed
	Symbology string    // AIM symbology identifier when the device sent one ("]Q1"), else ""
	Source    string    // the device it came from, e.g. "serial:/dev/ttyACM0"
	At        time.Time // when the last byte arrived
}

// Source delivers scans. Next blocks until a scan is complete, ctx is done or
// the device fails; Close releases the device and ends any goroutine. Name
// identifies the device, as in Scan.Source ("serial:/dev/ttyACM0",
// "camera:files", "hid"): the reader facade names the device with it in
// events and errors.
type Source interface {
	Name() string
	Next(ctx context.Context) (Scan, error)
	Close() error
}

// A Starter is a Source that can tell when a scan starts arriving, before it
// is complete: the first bytes of a serial or keyboard-wedge scan, the first
// report of a HID POS scan. A wedge scanner types about 8 ms per character,
// so a long code takes a second or more from the first character to the
// last; the reader facade uses OnStart to show "reading" at the desk at
// once instead of after the last character. Camera sources are not
// Starters: a frame holds the whole code.
type Starter interface {
	// OnStart sets f, called once per scan when its first bytes arrive,
	// whether or not a Next call is waiting (f == nil removes it). f is
	// called from the source's own goroutine or from Next: it must return
	// quickly and must not call the source. A scan that then turns out
	// garbled or not an ApCV code still started: Next reports it as usual.
	OnStart(f func())
}

// Errors shared by every source.
var (
	// ErrScannerNotFound: no scanner at the given path, USB id or vendor
	// and product IDs (serial.ErrNoScanner and usb.ErrNotFound are this
	// error).
	ErrScannerNotFound = apcverr.New("scanner-not-found",
		"No QR scanner was found. Check that it is plugged in.",
		"Aucun lecteur de QR code n'a été trouvé. Vérifiez qu'il est branché.")
	// ErrNotApCV: a well-read code that is not an ApCV QR code.
	ErrNotApCV = apcverr.New("qr-not-apcv",
		"This QR code is not a carte Vitale app code. Ask the patient to open the carte Vitale app.",
		"Ce QR code n'est pas celui de l'appli carte Vitale. Demandez au patient d'ouvrir l'appli carte Vitale.")
	// ErrGarbled: partial, garbled or over-long scanner input.
	ErrGarbled = apcverr.New("qr-garbled",
		"The scan was incomplete or garbled. Scan the QR code again.",
		"La lecture du QR code est incomplète ou illisible. Scannez-le à nouveau.")
	// ErrNoCode: no QR code was found in a camera frame or image.
	ErrNoCode = apcverr.New("qr-not-found",
		"No QR code was found. Hold the phone steady in front of the camera.",
		"Aucun QR code n'a été trouvé. Tenez le téléphone immobile face à la caméra.")
	// ErrDeviceGone: the scanner was unplugged or its port closed.
	ErrDeviceGone = apcverr.New("scanner-unplugged",
		"The QR scanner was unplugged. Plug it back in and try again.",
		"Le lecteur de QR code a été débranché. Rebranchez-le puis réessayez.")
)
