package frame

import (
	"fmt"

	"github.com/apcvkit/apcvkit/qrscan"
)

// Reason tells why a frame was refused.
type Reason uint8

// Reasons a frame is refused. All but NotApCV wrap qrscan.ErrGarbled.
const (
	BadByte     Reason = iota + 1 // a byte outside printable ASCII, or outside Base45 after the ApCV prefix
	TooLong                       // more than Config.MaxLen characters
	Interrupted                   // the line went idle in the middle of a scan
	Truncated                     // the stream ended or the frame stopped before the scan was complete, or a frame is the tail of an interrupted one
	Junk                          // bytes before the ApCV prefix (an unconfigured scanner prefix or AIM identifier, or line noise)
	BadLength                     // a Base45 payload whose length is 1 modulo 3, or a short QR text (credential.ShortQRPrefix) not of credential.ShortQRLen characters: a character was lost or added
	NotApCV                       // a well-formed text without the ApCV prefix; wraps qrscan.ErrNotApCV
)

var reasonText = [...]string{
	BadByte:     "bad byte",
	TooLong:     "too long",
	Interrupted: "interrupted by an idle gap",
	Truncated:   "truncated",
	Junk:        "junk before the ApCV prefix",
	BadLength:   "bad Base45 length",
	NotApCV:     "not an ApCV text",
}

// String describes r.
func (r Reason) String() string {
	if int(r) < len(reasonText) && reasonText[r] != "" {
		return reasonText[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// Error is a refused frame. Its message carries offsets and byte values,
// never the scanned text, which holds personal data. errors.Is(err,
// qrscan.ErrGarbled) or errors.Is(err, qrscan.ErrNotApCV) holds, so
// apcverr.Message gives the desk message.
type Error struct {
	Reason Reason
	Offset int  // offset in the frame of the offending byte or text
	Byte   byte // the offending byte, for BadByte
	Len    int  // bytes of the frame as received, terminator excluded
}

// Error describes the fault for a log or a developer.
func (e *Error) Error() string {
	switch e.Reason {
	case BadByte:
		return fmt.Sprintf("qrscan/frame: %s 0x%02x at offset %d of a %d-byte frame", e.Reason, e.Byte, e.Offset, e.Len)
	case Junk:
		return fmt.Sprintf("qrscan/frame: %d bytes before the ApCV prefix of a %d-byte frame (scanner prefix or AIM identifier not configured?)", e.Offset, e.Len)
	}
	return fmt.Sprintf("qrscan/frame: %s (%d-byte frame)", e.Reason, e.Len)
}

// Unwrap returns qrscan.ErrNotApCV for NotApCV, else qrscan.ErrGarbled.
func (e *Error) Unwrap() error {
	if e.Reason == NotApCV {
		return qrscan.ErrNotApCV
	}
	return qrscan.ErrGarbled
}
