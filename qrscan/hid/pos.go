package hid

import (
	"bytes"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/qrscan"
)

// POSLayout names the byte layout of a HID POS (usage page 0x8C, Barcode
// Scanner) scanned-data input report. Both layouts carry at most 56 data
// bytes per report; a longer code is split over several reports, all but the
// last with the continuation bit set.
type POSLayout uint8

const (
	// POSAuto picks the layout of each report by its shape: 64 bytes with
	// byte 1 ≤ 56 is POSHoneywell, 61 to 64 bytes otherwise is POSStandard.
	// (A standard report padded to 64 bytes that sends no symbology
	// identifier must be configured as POSStandard explicitly.)
	POSAuto POSLayout = iota

	// POSHoneywell is the layout of Honeywell scanners in "USB HID POS"
	// mode (and of the many OEM engines that copy it), 64 bytes:
	//
	//	offset 0      report ID 0x02
	//	offset 1      N, count of valid data bytes in this report, 0..56
	//	offset 2..4   AIM symbology identifier, e.g. "]Q1" for QR Code
	//	offset 5..60  data: 56 bytes, the first N valid, the rest 0
	//	offset 61..62 Honeywell code ID (e.g. 's' 0x00 for QR), ignored
	//	offset 63     flags: bit 0 = decode data continued (more reports
	//	              follow for this scan); bits 1..7 reserved, ignored
	POSHoneywell

	// POSStandard is the Scanned Data Report of the HID Point of Sale
	// Usage Tables (usage 0x8C:0x12) as Zebra, Datalogic and the Windows
	// HID POS scanner driver lay it out, 61 bytes, optionally padded to
	// the 64-byte packet:
	//
	//	offset 0      report ID 0x02
	//	offset 1..3   Symbology Identifier 1, 2, 3 (usages 0x8C:0xFB..0xFD):
	//	              the AIM identifier, e.g. "]Q1"
	//	offset 4..59  Decoded Data (0x8C:0xFE): 56 bytes, NUL-padded; the
	//	              data length is the position of the first NUL
	//	offset 60     bit 0 = Decode Data Continued (0x8C:0xFF); bits 1..7
	//	              padding, ignored
	//	offset 61..63 optional padding, ignored
	POSStandard
)

// POS report constants.
const (
	POSReportID      = 0x02 // the report ID of scanned-data reports in both layouts
	POSChunk         = 56   // data bytes per report
	POSHoneywellSize = 64
	POSStandardSize  = 61
	posMaxSize       = 64
)

// String names the layout.
func (l POSLayout) String() string {
	switch l {
	case POSAuto:
		return "auto"
	case POSHoneywell:
		return "honeywell"
	case POSStandard:
		return "standard"
	}
	return "unknown"
}

// POSReport is one parsed scanned-data report.
type POSReport struct {
	Layout    POSLayout
	AIM       [3]byte // AIM symbology identifier as sent (zeros when none)
	Data      []byte  // the data bytes of this report; aliases the report
	Continued bool    // more reports follow for this scan
}

// Symbology returns the AIM identifier as a string ("]Q1"), or "" when the
// report carries none.
func (r POSReport) Symbology() string {
	if r.AIM[0] != ']' || r.AIM[1] < 0x21 || r.AIM[1] > 0x7E || r.AIM[2] < 0x21 || r.AIM[2] > 0x7E {
		return ""
	}
	return string(r.AIM[:])
}

// ParsePOSReport parses a scanned-data report in layout (POSAuto: by
// shape). A malformed report gives a *DecodeError wrapping
// qrscan.ErrGarbled. The result's Data aliases r.
func ParsePOSReport(r []byte, layout POSLayout) (POSReport, error) {
	rep, reason := parsePOS(r, layout)
	if reason != "" {
		return POSReport{}, garbled("pos", 0, "%s", reason)
	}
	return rep, nil
}

func parsePOS(r []byte, layout POSLayout) (rep POSReport, reason string) {
	if len(r) == 0 {
		return rep, "empty report"
	}
	if r[0] != POSReportID {
		return rep, "not a scanned-data report (report ID 0x" + hex2(r[0]) + ")"
	}
	if layout == POSAuto {
		switch {
		case len(r) == POSHoneywellSize && r[1] <= POSChunk:
			layout = POSHoneywell
		case len(r) >= POSStandardSize && len(r) <= posMaxSize:
			layout = POSStandard
		default:
			return rep, "report size fits no HID POS layout"
		}
	}
	rep.Layout = layout
	switch layout {
	case POSHoneywell:
		if len(r) != POSHoneywellSize {
			return rep, "Honeywell report is not 64 bytes"
		}
		n := int(r[1])
		if n > POSChunk {
			return rep, "Honeywell data length exceeds 56"
		}
		copy(rep.AIM[:], r[2:5])
		rep.Data = r[5 : 5+n]
		rep.Continued = r[63]&1 != 0
	case POSStandard:
		if len(r) < POSStandardSize || len(r) > posMaxSize {
			return rep, "standard report is not 61 to 64 bytes"
		}
		copy(rep.AIM[:], r[1:4])
		data := r[4:60]
		n := bytes.IndexByte(data, 0)
		if n < 0 {
			n = len(data)
		}
		for _, b := range data[n:] {
			if b != 0 {
				return rep, "decoded data has bytes after its NUL padding"
			}
		}
		rep.Data = data[:n]
		rep.Continued = r[60]&1 != 0
	default:
		return rep, "unknown layout " + layout.String()
	}
	return rep, ""
}

func hex2(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// POSConfig configures a POSDecoder. The zero value is ready to use.
type POSConfig struct {
	Layout    POSLayout // POSAuto (zero) picks it per report
	AcceptAny bool      // deliver texts that are not ApCV codes instead of ErrNotApCV
}

// POSDecoder reassembles HID POS scanned-data reports into scans.
//
// A scan is the data of consecutive reports up to and including the first
// one whose continuation bit is clear. Report IDs other than POSReportID
// (status and trigger reports) are skipped. A malformed report ends the scan
// under way with a *DecodeError wrapping qrscan.ErrGarbled, and the decoder
// then drops reports until one ends a scan or one starts a new ApCV scan (its
// data begins with credential.QRPrefix or credential.ShortQRPrefix); a report starting with the prefix, or
// carrying another symbology identifier, while a scan is under way means the
// last report of that scan was lost: that scan is reported garbled and the
// new one goes on. HID POS reports have no sequence number, so a lost middle
// report is only seen when the text stops passing credential.LooksLikeQRText; the credential
// signature catches any other alteration.
//
// With POSAuto the first report that parses fixes the layout for the
// decoder's life (a device does not change layout; a corrupted report must
// not pass for the other one).
//
// A POSDecoder is not safe for concurrent use.
type POSDecoder struct {
	cfg      POSConfig
	locked   POSLayout // cfg.Layout, or the layout of the first report parsed
	buf      []byte
	aim      [3]byte
	symAIM   [3]byte // AIM bytes sym was made from (symbology string reused across scans)
	sym      string
	inScan   bool
	skipping bool
	n        int
}

// NewPOSDecoder returns a decoder for cfg.
func NewPOSDecoder(cfg POSConfig) *POSDecoder { return &POSDecoder{cfg: cfg, locked: cfg.Layout} }

// Pending reports whether a scan is under way.
func (d *POSDecoder) Pending() bool { return d.inScan || d.skipping }

// Reset forgets any scan under way.
func (d *POSDecoder) Reset() { d.reset(); d.skipping = false }

func (d *POSDecoder) reset() {
	d.buf = d.buf[:0]
	d.inScan = false
}

// Feed decodes one report and appends to dst the result of the scan it
// ends, if any (a garbled scan cut short and a new complete one can both
// come from one report). Feed never keeps report.
func (d *POSDecoder) Feed(dst []Result, report []byte) []Result {
	idx := d.n
	d.n++
	if len(report) > 0 && report[0] != POSReportID {
		return dst
	}
	rep, reason := parsePOS(report, d.locked)
	if reason == "" && d.locked == POSAuto {
		d.locked = rep.Layout
	}
	if reason != "" {
		if !d.skipping {
			dst = append(dst, Result{Err: garbled("pos", idx, "%s", reason)})
		}
		d.reset()
		d.skipping = true
		return dst
	}
	starts := credential.HasQRPrefix(rep.Data)
	if d.inScan && (starts || rep.AIM != d.aim) {
		dst = append(dst, Result{Err: garbled("pos", idx, "scan cut short: a new scan began before its last report")})
		d.reset()
	}
	if d.skipping {
		if !starts {
			d.skipping = rep.Continued
			return dst
		}
		d.skipping = false
	}
	if !d.inScan {
		d.inScan, d.aim = true, rep.AIM
	}
	if len(d.buf)+len(rep.Data) > credential.MaxQRText {
		dst = append(dst, Result{Err: garbled("pos", idx, "scan longer than %d bytes", credential.MaxQRText)})
		d.reset()
		d.skipping = rep.Continued
		return dst
	}
	d.buf = append(d.buf, rep.Data...)
	if rep.Continued {
		return dst
	}
	dst = append(dst, d.decide(idx, rep))
	d.reset()
	return dst
}

// Flush ends the scan under way (idle gap, end of input): a scan still
// waiting for its last report is garbled.
func (d *POSDecoder) Flush(dst []Result) []Result {
	if d.inScan && !d.skipping {
		dst = append(dst, Result{Err: garbled("pos", d.n-1, "scan ended without its last report")})
	}
	d.Reset()
	return dst
}

func (d *POSDecoder) decide(idx int, last POSReport) Result {
	if last.AIM != d.symAIM {
		d.symAIM, d.sym = last.AIM, last.Symbology()
	}
	sym := d.sym
	switch {
	case credential.LooksLikeQRText(d.buf):
		return Result{Text: string(d.buf), Symbology: sym}
	case credential.HasQRPrefix(d.buf):
		return Result{Err: garbled("pos", idx, "%d bytes start with the ApCV prefix but the rest is not Base45", len(d.buf))}
	case d.cfg.AcceptAny:
		return Result{Text: string(d.buf), Symbology: sym}
	}
	return Result{Err: &DecodeError{Mode: "pos", Report: idx, Reason: "no ApCV prefix", Err: qrscan.ErrNotApCV}}
}
