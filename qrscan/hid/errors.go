package hid

import (
	"errors"
	"fmt"

	"github.com/apcvkit/apcvkit/qrscan"
)

// ErrClosed is returned by a ReportSource read after Close, and by
// Source.Next once its ReportSource is closed.
var ErrClosed = errors.New("hid: report source closed")

// DecodeError says why a report or a scan could not be decoded. It wraps
// qrscan.ErrGarbled (malformed report, truncated or garbled scan) or
// qrscan.ErrNotApCV (a well-read code that is not an ApCV code), so
// errors.Is(err, qrscan.ErrGarbled) and apcverr.Message work on it. It
// never holds scanned text (which may carry personal data).
type DecodeError struct {
	Mode   string // "pos" or "wedge"
	Report int    // index of the report that revealed the problem (0-based, per decoder)
	Reason string // what was wrong, for logs: no scanned data in it
	Err    error  // qrscan.ErrGarbled or qrscan.ErrNotApCV
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("hid: %s report %d: %s: %v", e.Mode, e.Report, e.Reason, e.Err)
}

// Unwrap returns e.Err.
func (e *DecodeError) Unwrap() error { return e.Err }

func garbled(mode string, report int, format string, args ...any) *DecodeError {
	return &DecodeError{Mode: mode, Report: report, Reason: fmt.Sprintf(format, args...), Err: qrscan.ErrGarbled}
}

// Result is what a decoder delivers for one scan: the text, or the error
// that ended it.
type Result struct {
	Text      string  // the scanned text (empty when Err != nil)
	Symbology string  // AIM identifier such as "]Q1" when the device sent one
	Layout    *Layout // wedge: the layout the text was decoded under; nil for POS
	Err       error   // a *DecodeError, or nil
}
