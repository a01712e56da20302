package hid_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// apcvText returns a well-formed ApCV text of exactly n characters (n ≥ 51,
// n-6 not 1 mod 3) whose payload holds every Base45 character: it starts
// with the 45 triples (i, i, 0), then random Base45 groups from seed.
func apcvText(n int, seed uint64) string {
	if n < 6+3*45 || (n-6)%3 == 1 {
		panic(fmt.Sprintf("apcvText(%d)", n))
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString(credential.QRPrefix)
	for i := range 45 {
		b.WriteByte(base45Alphabet[i])
		b.WriteByte(base45Alphabet[i])
		b.WriteByte('0')
	}
	for b.Len()+3 <= n {
		v := rng.IntN(65536)
		b.WriteByte(base45Alphabet[v%45])
		b.WriteByte(base45Alphabet[v/45%45])
		b.WriteByte(base45Alphabet[v/2025])
	}
	if b.Len() < n { // a final pair
		v := rng.IntN(256)
		b.WriteByte(base45Alphabet[v%45])
		b.WriteByte(base45Alphabet[v/45])
	}
	return b.String()
}

func TestAPCVText(t *testing.T) {
	for _, n := range []int{480, 479, 960} {
		s := apcvText(n, 7)
		if len(s) != n || !credential.LooksLikeQRText(s) {
			t.Fatalf("apcvText(%d): len %d, well-formed %v", n, len(s), credential.LooksLikeQRText(s))
		}
		for _, c := range base45Alphabet {
			if !strings.ContainsRune(s[6:], c) {
				t.Fatalf("apcvText(%d) lacks %q", n, c)
			}
		}
	}
}

// stream is one generated device stream, named for the test row.
type stream struct {
	name    string
	reports []hid.Report
	layout  *hid.Layout // wedge: the layout expected to be detected
}

// streams returns every way a scanner can deliver text: wedge on both
// layouts (press/release, rollover, separate modifiers, Tab end key) and
// HID POS in both layouts (standard also padded to 64 bytes).
func streams(t testing.TB, text string) []stream {
	t.Helper()
	var out []stream
	must := func(r []hid.Report, err error) []hid.Report {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, l := range []struct {
		gen *hidgen.Layout
		dec *hid.Layout
	}{{hidgen.US, hid.LayoutUS}, {hidgen.FR, hid.LayoutFR}} {
		for _, o := range []struct {
			name string
			opt  hidgen.WedgeOptions
		}{
			{"press-release", hidgen.WedgeOptions{}},
			{"rollover", hidgen.WedgeOptions{Rollover: true}},
			{"separate-modifiers", hidgen.WedgeOptions{SeparateModifiers: true}},
			{"rollover-separate-modifiers", hidgen.WedgeOptions{Rollover: true, SeparateModifiers: true}},
			{"tab", hidgen.WedgeOptions{EndKey: hid.KeyTab}},
			{"keypad-enter", hidgen.WedgeOptions{EndKey: hid.KeyKPEnter}},
		} {
			o.opt.Layout = l.gen
			out = append(out, stream{"wedge-" + l.gen.Name + "-" + o.name, must(hidgen.Wedge(text, o.opt)), l.dec})
		}
	}
	for _, o := range []struct {
		name string
		opt  hidgen.POSOptions
	}{
		{"pos-honeywell", hidgen.POSOptions{Layout: hid.POSHoneywell}},
		{"pos-standard", hidgen.POSOptions{Layout: hid.POSStandard}},
		{"pos-standard-padded", hidgen.POSOptions{Layout: hid.POSStandard, Pad: true}},
	} {
		out = append(out, stream{o.name, must(hidgen.POS(text, o.opt)), nil})
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{480, 960} {
		text := apcvText(n, uint64(n))
		for _, st := range streams(t, text) {
			t.Run(fmt.Sprintf("%s/%d", st.name, n), func(t *testing.T) {
				replay := hid.NewReplay(st.reports, false)
				src := hid.NewSource(replay, hid.Config{Name: "test"})
				defer src.Close()
				scan, err := src.Next(ctx)
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				if scan.Text != text {
					t.Fatalf("text differs:\n got %.60q...\nwant %.60q...", scan.Text, text)
				}
				if scan.Source != "test" || scan.At.IsZero() {
					t.Errorf("Source %q At %v", scan.Source, scan.At)
				}
				if st.layout != nil {
					if src.Layout() != st.layout {
						t.Errorf("detected layout %v, want %v", src.Layout(), st.layout)
					}
					if scan.Symbology != "" {
						t.Errorf("wedge symbology %q", scan.Symbology)
					}
				} else if scan.Symbology != "]Q1" {
					t.Errorf("symbology %q, want ]Q1", scan.Symbology)
				}
				if _, err := src.Next(ctx); !errors.Is(err, io.EOF) {
					t.Errorf("after the scan: %v, want io.EOF", err)
				}
				if replay.Remaining() != 0 {
					t.Errorf("%d reports left", replay.Remaining())
				}
			})
		}
	}
}

// One-character texts cannot be ApCV: they are refused, and delivered
// exactly under AcceptAny with the layout fixed (auto-detection needs the
// prefix to tell layouts apart).
func TestRoundTripOneChar(t *testing.T) {
	ctx := context.Background()
	for _, c := range base45Alphabet {
		text := string(c)
		for _, st := range streams(t, text) {
			t.Run(fmt.Sprintf("%s/%q", st.name, c), func(t *testing.T) {
				src := hid.NewSource(hid.NewReplay(st.reports, false), hid.Config{})
				defer src.Close()
				if _, err := src.Next(ctx); !errors.Is(err, qrscan.ErrNotApCV) {
					t.Fatalf("auto: %v, want ErrNotApCV", err)
				}
				cfg := hid.Config{AcceptAny: true}
				if st.layout != nil {
					cfg.Layouts = []*hid.Layout{st.layout}
				}
				src2 := hid.NewSource(hid.NewReplay(st.reports, false), cfg)
				defer src2.Close()
				scan, err := src2.Next(ctx)
				if err != nil || scan.Text != text {
					t.Fatalf("AcceptAny: %q, %v; want %q", scan.Text, err, text)
				}
			})
		}
	}
}

// Several scans in one stream, mixing both device modes and layouts, with
// gaps: every scan comes out in order, the wedge layout detected per scan.
func TestMixedStream(t *testing.T) {
	texts := []string{apcvText(480, 1), apcvText(960, 2), apcvText(479, 3), apcvText(200, 4)}
	var all []hid.Report
	var layouts []*hid.Layout
	for i, text := range texts {
		var r []hid.Report
		var err error
		switch i % 4 {
		case 0:
			r, err = hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR})
			layouts = append(layouts, hid.LayoutFR)
		case 1:
			r, err = hidgen.POS(text, hidgen.POSOptions{Layout: hid.POSStandard})
			layouts = append(layouts, hid.LayoutFR) // unchanged by a POS scan
		case 2:
			r, err = hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.US})
			layouts = append(layouts, hid.LayoutUS)
		case 3:
			r, err = hidgen.POS(text, hidgen.POSOptions{Layout: hid.POSStandard, Pad: true})
			layouts = append(layouts, hid.LayoutUS)
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, r...)
	}
	src := hid.NewSource(hid.NewReplay(all, false), hid.Config{})
	defer src.Close()
	for i, text := range texts {
		scan, err := src.Next(context.Background())
		if err != nil || scan.Text != text {
			t.Fatalf("scan %d: %v (text ok: %v)", i, err, scan.Text == text)
		}
		if src.Layout() != layouts[i] {
			t.Errorf("scan %d: layout %v, want %v", i, src.Layout(), layouts[i])
		}
	}
}

// The classic misconfiguration: the scanner types QWERTY keycodes, the host
// is AZERTY. Forcing the host's layout fails; auto-detection recovers.
func TestScannerLayoutMismatch(t *testing.T) {
	text := apcvText(480, 9)
	for _, tt := range []struct {
		name          string
		scanner       *hidgen.Layout
		host          *hid.Layout
		wantRecovered *hid.Layout
	}{
		{"qwerty scanner on azerty host", hidgen.US, hid.LayoutFR, hid.LayoutUS},
		{"azerty scanner on qwerty host", hidgen.FR, hid.LayoutUS, hid.LayoutFR},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reports, err := hidgen.Wedge(text, hidgen.WedgeOptions{
				Faults: []hidgen.Fault{hidgen.WrongLayout{Layout: tt.scanner}}})
			if err != nil {
				t.Fatal(err)
			}
			forced := hid.NewSource(hid.NewReplay(reports, false), hid.Config{Layouts: []*hid.Layout{tt.host}})
			defer forced.Close()
			if _, err := forced.Next(context.Background()); !errors.Is(err, qrscan.ErrNotApCV) && !errors.Is(err, qrscan.ErrGarbled) {
				t.Errorf("host layout forced: %v, want a refusal", err)
			}
			auto := hid.NewSource(hid.NewReplay(reports, false), hid.Config{})
			defer auto.Close()
			scan, err := auto.Next(context.Background())
			if err != nil || scan.Text != text || auto.Layout() != tt.wantRecovered {
				t.Errorf("auto: err %v, text ok %v, layout %v", err, scan.Text == text, auto.Layout())
			}
		})
	}
}

// Garbage is refused with a typed error under auto-detection, and the
// decoder is ready for the next scan afterwards.
func TestRefusesGarbage(t *testing.T) {
	good := apcvText(480, 11)
	goodReports, _ := hidgen.Wedge(good, hidgen.WedgeOptions{Layout: hidgen.FR})
	rng := rand.New(rand.NewPCG(5, 5))
	randomKeys := func(n int) []hid.Report {
		var r []hid.Report
		for range n {
			k := hid.Key(4 + rng.IntN(0x60))
			for k == hid.KeyEnter || k == hid.KeyTab || k == hid.KeyKPEnter {
				k = hid.Key(4 + rng.IntN(0x60))
			}
			r = append(r, hid.Report{Data: []byte{byte(rng.IntN(256)) & 0x22, 0, byte(k)}})
			r[len(r)-1].Data = append(r[len(r)-1].Data, 0, 0, 0, 0, 0)
			r = append(r, hid.Report{Data: make([]byte, 8)})
		}
		return append(r, hid.Report{Data: []byte{0, 0, 0x28, 0, 0, 0, 0, 0}}, hid.Report{Data: make([]byte, 8)})
	}
	wedge := func(text string, o hidgen.WedgeOptions) []hid.Report {
		r, err := hidgen.Wedge(text, o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	pos := func(text string) []hid.Report {
		r, err := hidgen.POS(text, hidgen.POSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name    string
		reports []hid.Report
		want    error
	}{
		{"random keys", randomKeys(300), nil}, // ErrGarbled or ErrNotApCV
		{"not apcv fr", wedge("HELLO 123", hidgen.WedgeOptions{Layout: hidgen.FR}), qrscan.ErrNotApCV},
		{"not apcv us", wedge("https://example.org/a?b=c", hidgen.WedgeOptions{}), qrscan.ErrNotApCV},
		{"prefix then lowercase", wedge("APCV1:abc", hidgen.WedgeOptions{}), qrscan.ErrGarbled},
		{"prefix then bad base45", wedge("APCV1:GGW", hidgen.WedgeOptions{Layout: hidgen.FR}), qrscan.ErrGarbled},
		{"layout switch midway", wedge(apcvText(480, 12), hidgen.WedgeOptions{Layout: hidgen.FR,
			Faults: []hidgen.Fault{hidgen.WrongLayout{From: 100, Layout: hidgen.US}}}), qrscan.ErrGarbled},
		{"ctrl shortcuts", []hid.Report{{Data: []byte{1, 0, 6, 0, 0, 0, 0, 0}}, {Data: make([]byte, 8)},
			{Data: []byte{0, 0, 0x28, 0, 0, 0, 0, 0}}}, qrscan.ErrGarbled},
		{"pos not apcv", pos("3400930000000"), qrscan.ErrNotApCV},
		{"pos bad base45", pos("APCV1:" + strings.Repeat("Z", 100)), qrscan.ErrGarbled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reports := append(append([]hid.Report{}, tt.reports...), goodReports...)
			src := hid.NewSource(hid.NewReplay(reports, false), hid.Config{})
			defer src.Close()
			_, err := src.Next(context.Background())
			var de *hid.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err %v, want a *DecodeError", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if !errors.Is(err, qrscan.ErrGarbled) && !errors.Is(err, qrscan.ErrNotApCV) {
				t.Fatalf("err %v wraps neither sentinel", err)
			}
			scan, err := src.Next(context.Background())
			if err != nil || scan.Text != good {
				t.Fatalf("next scan: %v (text ok %v)", err, scan.Text == good)
			}
		})
	}
}

// Faults in the field: each gives the errors listed, then the decoder
// resynchronises and the following good scan decodes.
func TestFaultsThenResync(t *testing.T) {
	// 479 characters: payload length 2 mod 3, so losing one character is
	// caught by the length rule whatever the position.
	text := apcvText(479, 21)
	next := apcvText(480, 22)
	repeat := -1 // a character immediately repeated
	for i := 7; i < len(text); i++ {
		if text[i] == text[i-1] {
			repeat = i - 1
			break
		}
	}
	if repeat < 0 {
		t.Fatal("test text has no repeated character")
	}
	tests := []struct {
		name    string
		faults  []hidgen.Fault
		pos     hid.POSLayout // 0: wedge
		errs    int           // errors before the good scan(s)
		recover []string      // scans expected after the errors
	}{
		{name: "wedge drop a press", faults: []hidgen.Fault{hidgen.DropReport{Index: 2 * 100}}, errs: 1},
		{name: "wedge drop a release between repeats", faults: []hidgen.Fault{hidgen.DropReport{Index: 2*repeat + 1}}, errs: 1},
		{name: "wedge stuck key over a repeat", faults: []hidgen.Fault{hidgen.StuckKey{Char: repeat, Reports: 3}}, errs: 1},
		{name: "wedge short report", faults: []hidgen.Fault{hidgen.Truncate{Index: 50, Len: 5}}, errs: 1},
		{name: "wedge empty report", faults: []hidgen.Fault{hidgen.Truncate{Index: 50, Len: 0}}, errs: 1},
		{name: "pos short report", pos: hid.POSStandard, faults: []hidgen.Fault{hidgen.Truncate{Index: 4, Len: 30}}, errs: 1},
		{name: "wedge dropped enter splits on prefix", faults: []hidgen.Fault{hidgen.DropReport{Index: 2 * len(text)}},
			recover: []string{text}},
		{name: "pos honeywell drop middle", pos: hid.POSHoneywell, faults: []hidgen.Fault{hidgen.DropReport{Index: 3}}, errs: 1},
		{name: "pos honeywell drop last", pos: hid.POSHoneywell, faults: []hidgen.Fault{hidgen.DropReport{Index: 8}}, errs: 1},
		{name: "pos standard drop last", pos: hid.POSStandard, faults: []hidgen.Fault{hidgen.DropReport{Index: 8}}, errs: 1},
		{name: "pos honeywell bad length", pos: hid.POSHoneywell, faults: []hidgen.Fault{hidgen.Corrupt{Index: 2, Offset: 1, Mask: 0x80}}, errs: 1},
		{name: "pos standard garbage after padding", pos: hid.POSStandard, faults: []hidgen.Fault{hidgen.Corrupt{Index: 8, Offset: 59, Mask: 0x41}}, errs: 1},
		{name: "pos honeywell continuation lost on last", pos: hid.POSHoneywell, faults: []hidgen.Fault{hidgen.Corrupt{Index: 8, Offset: 63, Mask: 1}}, errs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bad, good []hid.Report
			var err error
			if tt.pos == 0 {
				// The fault is injected in the first of two scans.
				bad, err = hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR, Faults: tt.faults})
				if err == nil {
					good, err = hidgen.Wedge(next, hidgen.WedgeOptions{Layout: hidgen.FR})
				}
			} else {
				bad, err = hidgen.POS(text, hidgen.POSOptions{Layout: tt.pos, Faults: tt.faults})
				if err == nil {
					good, err = hidgen.POS(next, hidgen.POSOptions{Layout: tt.pos})
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			src := hid.NewSource(hid.NewReplay(append(bad, good...), false), hid.Config{})
			defer src.Close()
			ctx := context.Background()
			for i := range tt.errs {
				scan, err := src.Next(ctx)
				if !errors.Is(err, qrscan.ErrGarbled) {
					t.Fatalf("result %d: %v (text ok %v), want ErrGarbled", i, err, scan.Text == text)
				}
			}
			for i, want := range append(tt.recover, next) {
				scan, err := src.Next(ctx)
				if err != nil || scan.Text != want {
					t.Fatalf("scan %d after the fault: %v (text ok %v)", i, err, scan.Text == want)
				}
			}
			if _, err := src.Next(ctx); !errors.Is(err, io.EOF) {
				t.Fatalf("extra result: %v", err)
			}
		})
	}
}

// stallProof is the idle gap of the timed replays that do not test it. A
// replayed report is awaited inside Next, beside the idle gap's timer: when
// a loaded machine stalls Next longer than the gap, both have fired when it
// runs again and the gap may win, splitting the scan (the default 300 ms
// did, under load 27: "73 keystrokes ... the rest is not Base45").
const stallProof = 5 * time.Second

// A wedge scan with no end key ends after the idle gap; a POS scan whose
// last report never comes is garbled after it. Timing is real (the replay
// honours the generated delays). The idle gap (500 ms) is longer than a
// loaded machine stalls Next (a stall longer than the gap while a report
// is awaited is a gap: with 40 ms, it could split a scan), and the next scan
// comes 3 s later, so that "garbled before the next scan" has seconds of
// margin.
func TestIdle(t *testing.T) {
	const idle = 500 * time.Millisecond
	text := apcvText(200, 31)
	wedge, err := hidgen.Wedge(text, hidgen.WedgeOptions{NoEnd: true, KeyDelay: 200 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	pos, err := hidgen.POS(text, hidgen.POSOptions{Lead: 2 * idle, Faults: []hidgen.Fault{hidgen.DropReport{Index: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	next, _ := hidgen.POS(text, hidgen.POSOptions{Lead: 3 * time.Second})
	src := hid.NewSource(hid.NewReplay(append(append(wedge, pos...), next...), true), hid.Config{Idle: idle})
	defer src.Close()
	ctx := context.Background()
	scan, err := src.Next(ctx)
	if err != nil || scan.Text != text {
		t.Fatalf("wedge without end key: %v", err)
	}
	start := time.Now()
	if _, err := src.Next(ctx); !errors.Is(err, qrscan.ErrGarbled) {
		t.Fatalf("POS without last report: %v, want ErrGarbled", err)
	}
	// Not before a whole idle gap (the reports are read only in Next, the
	// gap's timer starts in it), and long before the next scan, 3 s after.
	if d := time.Since(start); d < idle || d > 2*time.Second {
		t.Errorf("garbled after %v, want after the %v idle gap and before the next scan", d, idle)
	}
	if scan, err := src.Next(ctx); err != nil || scan.Text != text {
		t.Fatalf("next POS scan: %v", err)
	}
}

// Cancelling Next mid-scan keeps the scan: the next call finishes it.
func TestContextCancel(t *testing.T) {
	text := apcvText(200, 41)
	// 5 ms a key: the scan takes 1 s, so the deadline falls inside it even
	// when a loaded machine fires its timer late (at 1 ms a key, the scan
	// could be whole first, and Next returned it).
	reports, err := hidgen.Wedge(text, hidgen.WedgeOptions{KeyDelay: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	src := hid.NewSource(hid.NewReplay(reports, true), hid.Config{Idle: stallProof})
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond) // about 12 of 200 characters
	defer cancel()
	if _, err := src.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next with deadline: %v", err)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := src.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with cancelled ctx: %v", err)
	}
	scan, err := src.Next(context.Background())
	if err != nil || scan.Text != text {
		t.Fatalf("resumed scan: %v (text ok %v)", err, scan.Text == text)
	}
}

// Close unblocks a Next waiting for a report; nothing keeps running.
func TestCloseUnblocksNext(t *testing.T) {
	reports, _ := hidgen.POS(apcvText(200, 51), hidgen.POSOptions{Lead: time.Hour})
	replay := hid.NewReplay(reports, true)
	src := hid.NewSource(replay, hid.Config{})
	errc := make(chan error, 1)
	go func() {
		_, err := src.Next(context.Background())
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, hid.ErrClosed) {
			t.Fatalf("Next after Close: %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Next still blocked after Close")
	}
	if err := src.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, hid.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}

// A device that fails mid-scan: the partial scan is reported, then the
// device error, wrapped, on every call.
func TestDeviceGone(t *testing.T) {
	text := apcvText(480, 61)
	reports, _ := hidgen.POS(text, hidgen.POSOptions{})
	src := hid.NewSource(&failing{reports: reports[:3], err: fmt.Errorf("usb: %w", qrscan.ErrDeviceGone)}, hid.Config{})
	defer src.Close()
	if _, err := src.Next(context.Background()); !errors.Is(err, qrscan.ErrGarbled) {
		t.Fatalf("partial scan: %v", err)
	}
	for range 2 {
		if _, err := src.Next(context.Background()); !errors.Is(err, qrscan.ErrDeviceGone) {
			t.Fatalf("after unplug: %v", err)
		}
	}
}

type failing struct {
	reports []hid.Report
	err     error
}

func (f *failing) ReadReport(ctx context.Context) ([]byte, error) {
	if len(f.reports) == 0 {
		return nil, f.err
	}
	r := f.reports[0]
	f.reports = f.reports[1:]
	return r.Data, nil
}

func (f *failing) Close() error { return nil }

// A Recorder captures a stream with its timing; replaying the capture
// decodes the same.
func TestRecorder(t *testing.T) {
	text := apcvText(200, 71)
	reports, _ := hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR})
	now := time.Unix(0, 0)
	clock := func() time.Time { now = now.Add(3 * time.Millisecond); return now }
	rec := hid.NewRecorder(hid.NewReplay(reports, false), clock)
	src := hid.NewSource(rec, hid.Config{})
	if scan, err := src.Next(context.Background()); err != nil || scan.Text != text {
		t.Fatalf("through recorder: %v", err)
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("end of stream: %v", err)
	}
	src.Close()
	got := rec.Reports()
	if len(got) != len(reports) || got[0].Delay != 0 || got[1].Delay != 3*time.Millisecond {
		t.Fatalf("recorded %d reports, delays %v %v", len(got), got[0].Delay, got[1].Delay)
	}
	src2 := hid.NewSource(hid.NewReplay(got, false), hid.Config{})
	defer src2.Close()
	if scan, err := src2.Next(context.Background()); err != nil || scan.Text != text {
		t.Fatalf("replayed capture: %v", err)
	}
}

// The replay honours the generated timing: a 555-character wedge scan at
// the default 8 ms per character takes 4.44 s of typing. Checked here on a
// shorter text at the default pace: 202 keys, 1.6 s, never less, and less
// than 1 s more (a loaded machine's late wake-ups; a replay that waited
// each delay twice would take 3.2 s).
func TestReplayTiming(t *testing.T) {
	text := credential.QRPrefix + strings.Repeat("A%A", 65)
	reports, _ := hidgen.Wedge(text, hidgen.WedgeOptions{})
	var total time.Duration
	for _, r := range reports {
		total += r.Delay
	}
	if want := time.Duration(len(text)+1) * hidgen.DefaultKeyDelay; total != want {
		t.Fatalf("generated timing %v, want %v", total, want)
	}
	src := hid.NewSource(hid.NewReplay(reports, true), hid.Config{Idle: stallProof})
	defer src.Close()
	start := time.Now()
	if scan, err := src.Next(context.Background()); err != nil || scan.Text != text {
		t.Fatalf("Next: %v", err)
	}
	if d := time.Since(start); d < total-hidgen.DefaultKeyDelay || d > total+time.Second {
		t.Errorf("timed replay took %v, want about %v", d, total)
	}
}
