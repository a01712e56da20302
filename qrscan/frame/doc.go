// Package frame turns the byte stream of a QR scanner that types its scans
// as text (serial port, USB keyboard wedge) into scanned ApCV texts.
//
// A scanner sends, for each scan, an optional prefix it was set to, an
// optional AIM symbology identifier ("]Q1"), the text, and a suffix (CR by
// factory default). Feed the bytes as they arrive and collect the results:
//
//	f := frame.New(frame.Config{Suffix: frame.CR})
//	results = f.Feed(results[:0], buf[:n], time.Now())
//
// Each Result holds either a qrscan.Scan whose Text starts with
// credential.QRPrefix and whose rest is Base45, or an *Error that wraps
// qrscan.ErrGarbled (bad bytes, too long, interrupted, truncated, junk) or
// qrscan.ErrNotApCV (a readable text that is not an ApCV code). Data of two
// scans never mix: a bad frame is dropped up to the next CR, LF or Tab, or
// the next idle gap (Deadline and Expire let the caller's read loop detect
// one without a goroutine).
package frame
