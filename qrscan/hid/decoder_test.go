package hid

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/qrscan"
)

// boot builds a boot keyboard report.
func boot(mods Modifiers, keys ...Key) []byte {
	r := make([]byte, BootReportSize)
	r[0] = byte(mods)
	for i, k := range keys {
		r[2+i] = byte(k)
	}
	return r
}

// typeUS types s (letters, digits) on a US keyboard, press and release.
func typeUS(s string) [][]byte {
	var out [][]byte
	for _, c := range s {
		var k Key
		var m Modifiers
		switch {
		case c >= 'a' && c <= 'z':
			k = KeyA + Key(c-'a')
		case c >= 'A' && c <= 'Z':
			k, m = KeyA+Key(c-'A'), ModLeftShift
		case c == '0':
			k = Key0
		case c >= '1' && c <= '9':
			k = Key1 + Key(c-'1')
		case c == ':':
			k, m = KeySemicolon, ModLeftShift
		}
		out = append(out, boot(m, k), boot(0))
	}
	return out
}

func cat(parts ...[][]byte) [][]byte {
	var out [][]byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func one(r ...[]byte) [][]byte { return r }

var enter = one(boot(0, KeyEnter), boot(0))

// want is one expected result: a text, or an error sentinel.
type want struct {
	text string
	err  error
}

// shortText has the form of a short QR text (protocol version 2).
var shortText = credential.ShortQRPrefix + strings.Repeat("NCF", (credential.ShortQRLen-len(credential.ShortQRPrefix))/3)

var wedgeTests = []struct {
	name    string
	cfg     WedgeConfig
	reports [][]byte
	want    []want
}{
	{"apcv us", WedgeConfig{}, cat(typeUS("APCV1:00"), enter), []want{{text: "APCV1:00"}}},
	{"short qr", WedgeConfig{}, cat(typeUS(shortText), enter), []want{{text: shortText}}},
	{"short qr lost character", WedgeConfig{}, cat(typeUS(shortText[:len(shortText)-1]), enter), []want{{err: qrscan.ErrGarbled}}},
	{"lost end key splits on short prefix", WedgeConfig{},
		cat(typeUS("APCV1:00"+shortText), enter), []want{{text: "APCV1:00"}, {text: shortText}}},
	{"held key types once", WedgeConfig{AcceptAny: true},
		one(boot(0, KeyA), boot(0, KeyA), boot(0, KeyA), boot(0), boot(0, KeyEnter)), []want{{text: "a"}}},
	{"rollover", WedgeConfig{AcceptAny: true},
		one(boot(0, KeyA), boot(0, KeyA, KeyA+1), boot(0, KeyA+1), boot(0), boot(0, KeyEnter)), []want{{text: "ab"}}},
	{"rollover new key listed first", WedgeConfig{AcceptAny: true},
		one(boot(0, KeyA), boot(0, KeyA+1, KeyA), boot(0, KeyEnter)), []want{{text: "ab"}}},
	{"two new keys in one report type in slot order", WedgeConfig{AcceptAny: true},
		one(boot(0, KeyA+2, KeyA), boot(0), boot(0, KeyEnter)), []want{{text: "ca"}}},
	{"phantom state is skipped", WedgeConfig{AcceptAny: true},
		one(boot(0, KeyA), boot(0, 1, 1, 1, 1, 1, 1), boot(0, KeyA, KeyA+1), boot(0, KeyEnter)), []want{{text: "ab"}}},
	{"duplicate key in one report", WedgeConfig{AcceptAny: true},
		one(boot(0, KeyA, KeyA), boot(0, KeyEnter)), []want{{text: "a"}}},
	{"modifier keys listed as keys", WedgeConfig{AcceptAny: true},
		one(boot(ModLeftShift, 0xE1), boot(ModLeftShift, 0xE1, KeyA), boot(0), boot(0, KeyEnter)), []want{{text: "A"}}},
	{"shift in its own report", WedgeConfig{AcceptAny: true},
		one(boot(ModLeftShift), boot(ModLeftShift, KeyA), boot(0), boot(0, KeyEnter)), []want{{text: "A"}}},
	{"altgr on fr", WedgeConfig{Layouts: []*Layout{LayoutFR}, AcceptAny: true},
		one(boot(ModRightAlt, Key0), boot(0), boot(0, KeyEnter)), []want{{text: "@"}}},
	{"tab ends", WedgeConfig{AcceptAny: true}, one(boot(0, KeyA), boot(0, KeyTab)), []want{{text: "a"}}},
	{"keypad enter ends", WedgeConfig{AcceptAny: true}, one(boot(0, KeyA), boot(0, KeyKPEnter)), []want{{text: "a"}}},
	{"custom end key", WedgeConfig{AcceptAny: true, EndKeys: []Key{KeyEscape}},
		one(boot(0, KeyA), boot(0, KeyEnter), boot(0, KeyEscape)), []want{{err: qrscan.ErrGarbled}}}, // Enter types nothing
	{"stray end keys", WedgeConfig{}, cat(enter, enter), nil},
	{"no end key: flushed", WedgeConfig{}, typeUS("APCV1:00"), []want{{text: "APCV1:00"}}},
	{"not apcv", WedgeConfig{}, cat(typeUS("hello"), enter), []want{{err: qrscan.ErrNotApCV}}},
	{"prefix but not base45", WedgeConfig{}, cat(typeUS("APCV1:ab"), enter), []want{{err: qrscan.ErrGarbled}}},
	{"ctrl types nothing", WedgeConfig{}, cat(one(boot(ModLeftCtrl, KeyA)), enter), []want{{err: qrscan.ErrGarbled}}},
	{"short report", WedgeConfig{}, one(boot(0, KeyA)[:7]), []want{{err: qrscan.ErrGarbled}}},
	{"long report", WedgeConfig{}, one(append(boot(0, KeyA), 0)), []want{{err: qrscan.ErrGarbled}}},
	{"empty report", WedgeConfig{}, one([]byte{}), []want{{err: qrscan.ErrGarbled}}},
	{"POSTFail", WedgeConfig{}, one(boot(0, KeyPOSTFail)), []want{{err: qrscan.ErrGarbled}}},
	{"ErrorUndefined", WedgeConfig{}, one(boot(0, KeyErrorUndef)), []want{{err: qrscan.ErrGarbled}}},
	{"rollover mixed with keys", WedgeConfig{}, one(boot(0, KeyRollOver, KeyA)), []want{{err: qrscan.ErrGarbled}}},
	{"malformed mid-scan skips to end key", WedgeConfig{},
		cat(typeUS("APCV1:0"), one(boot(0)[:3]), typeUS("00"), enter, typeUS("APCV1:00"), enter),
		[]want{{err: qrscan.ErrGarbled}, {text: "APCV1:00"}}},
	{"malformed mid-scan resyncs on prefix", WedgeConfig{},
		cat(typeUS("APCV1:0"), one(boot(0)[:3]), typeUS("00APCV1:00"), enter),
		[]want{{err: qrscan.ErrGarbled}, {text: "APCV1:00"}}},
	{"lost end key splits on prefix", WedgeConfig{},
		cat(typeUS("APCV1:00APCV1:000"), enter), []want{{text: "APCV1:00"}, {text: "APCV1:000"}}},
	{"lost end key after garbage", WedgeConfig{},
		cat(typeUS("xyzAPCV1:000"), enter), []want{{err: qrscan.ErrNotApCV}, {text: "APCV1:000"}}},
	{"over-long scan", WedgeConfig{},
		cat(typeUS("APCV1:"+strings.Repeat("0", credential.MaxQRText)), enter, typeUS("APCV1:"), enter),
		[]want{{err: qrscan.ErrGarbled}, {text: "APCV1:"}}},
}

func check(t *testing.T, got []Result, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, g := range got {
			t.Logf("got %.40q %v", g.Text, g.Err)
		}
		t.Fatalf("%d results, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if w.err != nil {
			var de *DecodeError
			if !errors.Is(g.Err, w.err) || !errors.As(g.Err, &de) {
				t.Errorf("result %d: %v, want a *DecodeError wrapping %v", i, g.Err, w.err)
			}
			if g.Text != "" {
				t.Errorf("result %d: error with text", i)
			}
			continue
		}
		if g.Err != nil || g.Text != w.text {
			t.Errorf("result %d: %.40q, %v; want %q", i, g.Text, g.Err, w.text)
		}
	}
}

func TestWedgeDecoder(t *testing.T) {
	for _, tt := range wedgeTests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewWedgeDecoder(tt.cfg)
			var got []Result
			for _, r := range tt.reports {
				got = d.Feed(got, r)
			}
			got = d.Flush(got)
			check(t, got, tt.want)
			if d.Pending() {
				t.Error("pending after Flush")
			}
		})
	}
}

// posReport builds a report in layout l.
func posReport(l POSLayout, aim string, data string, more bool) []byte {
	var r []byte
	switch l {
	case POSHoneywell:
		r = make([]byte, 64)
		r[1] = byte(len(data))
		copy(r[2:5], aim)
		copy(r[5:], data)
		if more {
			r[63] = 1
		}
	default:
		r = make([]byte, 61)
		copy(r[1:4], aim)
		copy(r[4:60], data)
		if more {
			r[60] = 1
		}
	}
	r[0] = POSReportID
	return r
}

func with(r []byte, off int, b byte) []byte {
	r = append([]byte(nil), r...)
	r[off] = b
	return r
}

var chunk56 = "APCV1:" + strings.Repeat("0", 50)

var parsePOSTests = []struct {
	name   string
	layout POSLayout
	report []byte
	want   POSReport // Layout 0: malformed
}{
	{"honeywell", POSAuto, posReport(POSHoneywell, "]Q1", "APCV1:", false),
		POSReport{Layout: POSHoneywell, AIM: [3]byte{']', 'Q', '1'}, Data: []byte("APCV1:")}},
	{"honeywell full continued", POSAuto, posReport(POSHoneywell, "]Q1", chunk56, true),
		POSReport{Layout: POSHoneywell, AIM: [3]byte{']', 'Q', '1'}, Data: []byte(chunk56), Continued: true}},
	{"honeywell empty", POSHoneywell, posReport(POSHoneywell, "]Q1", "", false),
		POSReport{Layout: POSHoneywell, AIM: [3]byte{']', 'Q', '1'}, Data: []byte{}}},
	{"honeywell reserved flag bits ignored", POSAuto, with(posReport(POSHoneywell, "]Q1", "AB", false), 63, 0xFE),
		POSReport{Layout: POSHoneywell, AIM: [3]byte{']', 'Q', '1'}, Data: []byte("AB")}},
	{"honeywell length 57", POSHoneywell, with(posReport(POSHoneywell, "]Q1", "", false), 1, 57), POSReport{}},
	{"honeywell length 255", POSHoneywell, with(posReport(POSHoneywell, "]Q1", "", false), 1, 255), POSReport{}},
	{"honeywell 63 bytes", POSHoneywell, posReport(POSHoneywell, "]Q1", "A", false)[:63], POSReport{}},
	{"standard", POSAuto, posReport(POSStandard, "]Q1", "APCV1:", false),
		POSReport{Layout: POSStandard, AIM: [3]byte{']', 'Q', '1'}, Data: []byte("APCV1:")}},
	{"standard full continued", POSAuto, posReport(POSStandard, "]Q1", chunk56, true),
		POSReport{Layout: POSStandard, AIM: [3]byte{']', 'Q', '1'}, Data: []byte(chunk56), Continued: true}},
	{"standard padded to 64", POSAuto, append(posReport(POSStandard, "]Q1", "AB", false), 0, 0, 0),
		POSReport{Layout: POSStandard, AIM: [3]byte{']', 'Q', '1'}, Data: []byte("AB")}},
	{"standard no symbology", POSStandard, posReport(POSStandard, "\x00\x00\x00", "AB", false),
		POSReport{Layout: POSStandard, Data: []byte("AB")}},
	{"standard bytes after padding", POSAuto, with(posReport(POSStandard, "]Q1", "AB", false), 10, 'X'), POSReport{}},
	{"standard 60 bytes", POSStandard, posReport(POSStandard, "]Q1", "AB", false)[:60], POSReport{}},
	{"standard 65 bytes", POSStandard, append(posReport(POSStandard, "]Q1", "AB", false), 0, 0, 0, 0), POSReport{}},
	{"wrong report id", POSAuto, with(posReport(POSHoneywell, "]Q1", "AB", false), 0, 0x04), POSReport{}},
	{"empty", POSAuto, []byte{}, POSReport{}},
	{"one byte", POSAuto, []byte{POSReportID}, POSReport{}},
	{"auto 40 bytes", POSAuto, posReport(POSStandard, "]Q1", "AB", false)[:40], POSReport{}},
	{"unknown layout", POSLayout(9), posReport(POSStandard, "]Q1", "AB", false), POSReport{}},
}

func TestParsePOSReport(t *testing.T) {
	for _, tt := range parsePOSTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePOSReport(tt.report, tt.layout)
			if tt.want.Layout == POSAuto {
				if !errors.Is(err, qrscan.ErrGarbled) {
					t.Fatalf("err %v, want ErrGarbled", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Layout != tt.want.Layout || got.AIM != tt.want.AIM || !bytes.Equal(got.Data, tt.want.Data) || got.Continued != tt.want.Continued {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

var posTests = []struct {
	name    string
	cfg     POSConfig
	reports [][]byte
	want    []want
}{
	{"one report", POSConfig{}, one(posReport(POSHoneywell, "]Q1", "APCV1:00", false)), []want{{text: "APCV1:00"}}},
	{"short qr", POSConfig{}, one(posReport(POSStandard, "]Q1", shortText[:20], true), posReport(POSStandard, "]Q1", shortText[20:40], true),
		posReport(POSStandard, "]Q1", shortText[40:], false)), []want{{text: shortText}}},
	{"short qr lost report", POSConfig{}, one(posReport(POSStandard, "]Q1", shortText[:20], true),
		posReport(POSStandard, "]Q1", shortText[40:], false)), []want{{err: qrscan.ErrGarbled}}},
	{"new short scan before last report", POSConfig{}, one(posReport(POSHoneywell, "]Q1", chunk56, true), posReport(POSHoneywell, "]Q1", "APCV2:00", false)),
		[]want{{err: qrscan.ErrGarbled}, {err: qrscan.ErrGarbled}}},
	{"three reports", POSConfig{}, one(posReport(POSStandard, "]Q1", chunk56, true), posReport(POSStandard, "]Q1", strings.Repeat("0", 56), true),
		posReport(POSStandard, "]Q1", "0", false)), []want{{text: chunk56 + strings.Repeat("0", 57)}}},
	{"other report ids skipped", POSConfig{}, one(posReport(POSHoneywell, "]Q1", "APCV1:", true), []byte{0x04, 1},
		posReport(POSHoneywell, "]Q1", "00", false)), []want{{text: "APCV1:00"}}},
	{"not apcv", POSConfig{}, one(posReport(POSHoneywell, "]E0", "3400930000000", false)), []want{{err: qrscan.ErrNotApCV}}},
	{"accept any", POSConfig{AcceptAny: true}, one(posReport(POSHoneywell, "]E0", "3400930000000", false)), []want{{text: "3400930000000"}}},
	{"prefix not base45", POSConfig{}, one(posReport(POSHoneywell, "]Q1", "APCV1:0", false)), []want{{err: qrscan.ErrGarbled}}},
	{"aim changes mid-scan", POSConfig{}, one(posReport(POSHoneywell, "]Q1", chunk56, true), posReport(POSHoneywell, "]E0", "123", false)),
		[]want{{err: qrscan.ErrGarbled}, {err: qrscan.ErrNotApCV}}},
	{"new scan before last report", POSConfig{}, one(posReport(POSHoneywell, "]Q1", chunk56, true), posReport(POSHoneywell, "]Q1", "APCV1:00", false)),
		[]want{{err: qrscan.ErrGarbled}, {text: "APCV1:00"}}},
	{"last report never comes", POSConfig{}, one(posReport(POSHoneywell, "]Q1", chunk56, true)), []want{{err: qrscan.ErrGarbled}}},
	{"malformed skips to end of scan", POSConfig{}, one(posReport(POSHoneywell, "]Q1", chunk56, true), with(posReport(POSHoneywell, "]Q1", "", true), 1, 99),
		posReport(POSHoneywell, "]Q1", "00", true), posReport(POSHoneywell, "]Q1", "00", false), posReport(POSHoneywell, "]Q1", "APCV1:", false)),
		[]want{{err: qrscan.ErrGarbled}, {text: "APCV1:"}}},
	{"malformed resyncs on prefix", POSConfig{Layout: POSHoneywell}, one(with(posReport(POSHoneywell, "]Q1", "", true), 1, 99),
		posReport(POSHoneywell, "]Q1", "APCV1:", false)), []want{{err: qrscan.ErrGarbled}, {text: "APCV1:"}}},
	{"layout locked by first report", POSConfig{}, one(posReport(POSHoneywell, "]Q1", "APCV1:", false), append(posReport(POSStandard, "]Q1", "APCV1:", false), 0, 0, 0)),
		[]want{{text: "APCV1:"}, {err: qrscan.ErrGarbled}}},
	{"over-long", POSConfig{}, func() [][]byte {
		r := [][]byte{posReport(POSStandard, "]Q1", chunk56, true)}
		for range credential.MaxQRText/56 + 2 {
			r = append(r, posReport(POSStandard, "]Q1", strings.Repeat("0", 56), true))
		}
		return append(r, posReport(POSStandard, "]Q1", "0", true), posReport(POSStandard, "]Q1", "0", false),
			posReport(POSStandard, "]Q1", "APCV1:", false))
	}(), []want{{err: qrscan.ErrGarbled}, {text: "APCV1:"}}},
}

func TestPOSDecoder(t *testing.T) {
	for _, tt := range posTests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewPOSDecoder(tt.cfg)
			var got []Result
			for _, r := range tt.reports {
				got = d.Feed(got, r)
			}
			got = d.Flush(got)
			check(t, got, tt.want)
			for _, g := range got {
				if g.Err == nil && g.Symbology == "" {
					t.Errorf("no symbology for %q", g.Text)
				}
			}
		})
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	d := NewPOSDecoder(POSConfig{})
	got := d.Feed(nil, posReport(POSHoneywell, "]Q1", "SECRET", false))
	if len(got) != 1 {
		t.Fatalf("%d results", len(got))
	}
	msg := got[0].Err.Error()
	if strings.Contains(msg, "SECRET") || !strings.Contains(msg, "pos report 0") {
		t.Errorf("error message %q: must say where, never what was scanned", msg)
	}
}

// encodeStream frames reports for the fuzzers: a length byte, then the report.
func encodeStream(reports [][]byte) []byte {
	var b []byte
	for _, r := range reports {
		b = append(b, byte(len(r)))
		b = append(b, r...)
	}
	return b
}

func decodeStream(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := min(int(b[0]), len(b)-1)
		out = append(out, b[1:1+n])
		b = b[1+n:]
	}
	return out
}

func checkFuzzResults(t *testing.T, got []Result) {
	for _, g := range got {
		if g.Err != nil {
			if !errors.Is(g.Err, qrscan.ErrGarbled) && !errors.Is(g.Err, qrscan.ErrNotApCV) {
				t.Fatalf("error %v wraps neither sentinel", g.Err)
			}
			continue
		}
		if !credential.LooksLikeQRText(g.Text) {
			t.Fatalf("delivered a text that is not well-formed: %q", g.Text)
		}
		if len(g.Text) > credential.MaxQRText*4 {
			t.Fatalf("text of %d bytes", len(g.Text))
		}
	}
}

func FuzzWedgeDecoder(f *testing.F) {
	for _, tt := range wedgeTests {
		f.Add(encodeStream(tt.reports))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewWedgeDecoder(WedgeConfig{})
		var got []Result
		for _, r := range decodeStream(b) {
			got = d.Feed(got, r)
		}
		checkFuzzResults(t, d.Flush(got))
	})
}

func FuzzPOSDecoder(f *testing.F) {
	for _, tt := range posTests {
		f.Add(encodeStream(tt.reports))
	}
	for _, tt := range parsePOSTests {
		f.Add(encodeStream([][]byte{tt.report}))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewPOSDecoder(POSConfig{})
		var got []Result
		for _, r := range decodeStream(b) {
			got = d.Feed(got, r)
			if rep, err := ParsePOSReport(r, POSAuto); err == nil && len(rep.Data) > POSChunk {
				t.Fatalf("chunk of %d bytes", len(rep.Data))
			}
		}
		checkFuzzResults(t, d.Flush(got))
	})
}
