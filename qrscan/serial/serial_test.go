package serial_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	bugst "go.bug.st/serial"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/frame"
	"github.com/apcvkit/apcvkit/qrscan/serial"
)

// apcv returns an ApCV text of n characters whose payload cycles through
// the Base45 alphabet (n-6 must not be 1 mod 3).
func apcv(n int) string {
	const alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	var b strings.Builder
	b.WriteString(credential.QRPrefix)
	for i := 0; b.Len() < n; i++ {
		b.WriteByte(alpha[i%len(alpha)])
	}
	return b.String()
}

// rig is an emulated scanner and the SDK source on its pty.
type rig struct {
	sc  *serialpty.Scanner
	src *serial.Source
}

// needPty skips t where serialpty has no pseudo-terminals (Windows): the
// emulated scanner needs one. TestOpenErrors, TestNewOnReplay and ExampleNew
// run everywhere.
func needPty(t testing.TB) {
	t.Helper()
	if !serialpty.Supported {
		t.Skipf("no pseudo-terminals on %s to stand for the serial scanner (serialpty.Supported is false)", runtime.GOOS)
	}
}

// start opens an emulated scanner and serial.Open on its tty; cleanup
// closes both and checks that no goroutine is left. It skips t without a pty.
func start(t testing.TB, emu serialpty.Config, cfg serial.Config) rig {
	t.Helper()
	needPty(t)
	before := runtime.NumGoroutine()
	sc, err := serialpty.Open(emu)
	if err != nil {
		t.Fatal(err)
	}
	src, err := serial.Open(sc.Path(), cfg)
	if err != nil {
		sc.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Errorf("source Close: %v", err)
		}
		if err := sc.Close(); err != nil {
			t.Errorf("scanner Close: %v", err)
		}
		noLeak(t, before)
	})
	return rig{sc, src}
}

func noLeak(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutine leak: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// scan sends text with faults in the background; the returned function
// waits for the send and reports its error.
func (r rig) scan(t testing.TB, text string, faults ...serialpty.Fault) func() {
	errc := make(chan error, 1)
	go func() { errc <- r.sc.Scan(context.Background(), text, faults...) }()
	return func() {
		t.Helper()
		if err := <-errc; err != nil {
			t.Errorf("emulator Scan: %v", err)
		}
	}
}

func next(t testing.TB, src *serial.Source) (qrscan.Scan, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return src.Next(ctx)
}

func TestEndToEnd(t *testing.T) {
	needPty(t) // once, rather than in each of the 40 rows
	type variant struct {
		name   string
		emu    serialpty.Config
		fr     frame.Config
		symbol string
	}
	variants := []variant{
		{name: "plain"},
		{name: "prefix", emu: serialpty.Config{Prefix: "SCN>"}, fr: frame.Config{Prefix: "SCN>"}},
		{name: "aim", emu: serialpty.Config{AIM: "]Q1"}, fr: frame.Config{StripAIM: true}, symbol: "]Q1"},
		{name: "prefix and aim", emu: serialpty.Config{Prefix: "#", AIM: "]Q1"}, fr: frame.Config{Prefix: "#", StripAIM: true}, symbol: "]Q1"},
	}
	suffixes := []frame.Suffix{frame.CR, frame.LF, frame.CRLF, frame.Tab, frame.None}
	for _, baud := range []int{9600, 115200} {
		text := apcv(126) // 120 Base45 characters: 0.13 s at 9600 baud
		if baud == 115200 {
			text = apcv(966)
		}
		for _, sfx := range suffixes {
			for _, v := range variants {
				t.Run(fmt.Sprintf("%d/%v/%s", baud, sfx, v.name), func(t *testing.T) {
					emu, fr := v.emu, v.fr
					emu.Baud, emu.Suffix, fr.Suffix = baud, sfx, sfx
					// Generous idle timeouts: the emulator shares a
					// loaded machine and can stall for tens of ms.
					fr.IdleTimeout = 2 * time.Second
					scans := 2 // the second checks the resync after the first
					if sfx == frame.None {
						// Ends the scan: longer than a stall of the
						// emulator's writer, up to about 1 s at load 25.
						fr.IdleTimeout = 1500 * time.Millisecond
						if v.name != "plain" {
							scans = 1 // each scan costs an idle timeout
						}
					}
					r := start(t, emu, serial.Config{Mode: bugst.Mode{BaudRate: baud}, Frame: fr})
					for i := range scans {
						wait := r.scan(t, text)
						if sfx == frame.None {
							// Without a suffix only silence separates scans.
							defer wait()
						}
						got, err := next(t, r.src)
						if err != nil {
							t.Fatalf("scan %d: %v", i, err)
						}
						if got.Text != text || got.Symbology != v.symbol {
							t.Fatalf("scan %d: got %q %q, want %q %q", i, got.Text, got.Symbology, text, v.symbol)
						}
						if got.Source != "serial:"+r.sc.Path() || got.At.IsZero() {
							t.Fatalf("scan %d: source %q at %v", i, got.Source, got.At)
						}
						if sfx != frame.None {
							wait()
						}
					}
				})
			}
		}
	}
}

// TestBadThenGood: a bad scan gives its error, and the next scan is read.
// The idle timeout must exceed any stall of the emulator's writer, which
// the Source's line clock cannot tell from a pause of the scanner: with
// 400 ms, a stall under load 24 cut a bad scan 5 bytes before its end, and
// its tail came back (truncated) instead of the good scan.
func TestBadThenGood(t *testing.T) {
	needPty(t)
	good := apcv(488) // 482 Base45 characters: 2 mod 3
	const idle = 1500 * time.Millisecond
	for _, tc := range []struct {
		name   string
		faults []serialpty.Fault
		want   []frame.Reason
	}{
		{"garbage before", []serialpty.Fault{serialpty.Inject(0, []byte{0x00, 0xff, 0x1b})}, []frame.Reason{frame.BadByte}},
		{"garbage inside", []serialpty.Fault{serialpty.Inject(100, []byte("é"))}, []frame.Reason{frame.BadByte}},
		{"truncated then silence", []serialpty.Fault{serialpty.Truncate(200)}, []frame.Reason{frame.Interrupted}},
		{"split by a long pause", []serialpty.Fault{serialpty.Pause(200, 2*idle)}, []frame.Reason{frame.Interrupted, frame.Truncated}},
		{"lost character", []serialpty.Fault{serialpty.Truncate(len(good) - 1), serialpty.Inject(len(good)-1, []byte("\r"))}, []frame.Reason{frame.BadLength}},
		{"not an apcv code", []serialpty.Fault{serialpty.Truncate(0), serialpty.Inject(0, []byte("https://example.org/\r"))}, []frame.Reason{frame.NotApCV}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, serialpty.Config{Baud: 115200}, serial.Config{Mode: bugst.Mode{BaudRate: 115200}, Frame: frame.Config{IdleTimeout: idle}})
			r.scan(t, good, tc.faults...)()
			for _, want := range tc.want {
				_, err := next(t, r.src)
				is := qrscan.ErrGarbled
				if want == frame.NotApCV {
					is = qrscan.ErrNotApCV
				}
				var fe *frame.Error
				if !errors.As(err, &fe) || fe.Reason != want || !errors.Is(err, is) {
					t.Fatalf("got %v, want %v wrapping %v", err, want, is)
				}
				if apcverr.Message(err, apcverr.FR) != is.FR {
					t.Errorf("desk message: %q", apcverr.Message(err, apcverr.FR))
				}
				if strings.Contains(err.Error(), good[6:30]) {
					t.Errorf("error leaks the text: %v", err)
				}
			}
			// The person scans again (at once: the suffix, or the idle
			// gap already reported, ends the bad scan).
			wait := r.scan(t, good)
			got, err := next(t, r.src)
			if err != nil || got.Text != good {
				t.Fatalf("after the bad scan: %q, %v", got.Text, err)
			}
			wait()
		})
	}
}

func TestTwoScansOneRead(t *testing.T) {
	r := start(t, serialpty.Config{}, serial.Config{})
	a, b := apcv(126), apcv(129)
	if err := r.sc.Write(context.Background(), []byte(a+"\r"+b+"\r")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{a, b} {
		got, err := next(t, r.src)
		if err != nil || got.Text != want {
			t.Fatalf("got %q, %v; want %q", got.Text, err, want)
		}
	}
}

func TestContextCancel(t *testing.T) {
	r := start(t, serialpty.Config{}, serial.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := r.src.Next(ctx)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Next: %v, want context.Canceled", err)
		}
		t.Logf("Next returned %v after cancel", time.Since(t0))
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after cancel")
	}
	// A deadline works the same, and the source is still usable.
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := r.src.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next: %v", err)
	}
	text := apcv(21)
	wait := r.scan(t, text)
	if got, err := next(t, r.src); err != nil || got.Text != text {
		t.Fatalf("after cancel: %q, %v", got.Text, err)
	}
	wait()
}

// A scan half received when Next is cancelled is completed by the next call.
// The scanner pauses 1.5 s after 240 characters (0.25 s at 9600 baud): the
// 200 ms deadline falls inside the scan even when a loaded machine runs its
// timer a second late (without the pause the scan could be whole by then,
// and Next would return it).
func TestCancelMidScan(t *testing.T) {
	r := start(t, serialpty.Config{Baud: 9600}, serial.Config{Frame: frame.Config{IdleTimeout: 5 * time.Second}})
	text := apcv(486)
	wait := r.scan(t, text, serialpty.Pause(240, 1500*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond) // about 190 characters in
	defer cancel()
	if _, err := r.src.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next: %v", err)
	}
	if got, err := next(t, r.src); err != nil || got.Text != text {
		t.Fatalf("got %q, %v", got.Text, err)
	}
	wait()
}

func TestCloseWhileNext(t *testing.T) {
	needPty(t)
	before := runtime.NumGoroutine()
	sc, err := serialpty.Open(serialpty.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	src, err := serial.Open(sc.Path(), serial.Config{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 2)
	for range 2 { // one in Next, one waiting for its turn
		go func() {
			_, err := src.Next(context.Background())
			errc <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case err := <-errc:
			if !errors.Is(err, os.ErrClosed) {
				t.Fatalf("Next: %v, want os.ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Next blocked after Close")
		}
	}
	t.Logf("Close and both Next calls returned in %v", time.Since(t0))
	if _, err := src.Next(context.Background()); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	if err := src.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	sc.Close()
	noLeak(t, before)
}

func TestDeviceGone(t *testing.T) {
	needPty(t)
	before := runtime.NumGoroutine()
	sc, err := serialpty.Open(serialpty.Config{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := serial.Open(sc.Path(), serial.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	// A complete scan and half of another, then the scanner is unplugged.
	text := apcv(126)
	if err := sc.Scan(context.Background(), text); err != nil {
		t.Fatal(err)
	}
	if err := sc.Write(context.Background(), []byte(text[:50])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	errc := make(chan error, 1)
	go func() {
		got, err := next(t, src) // the complete scan comes first
		if err == nil && got.Text != text {
			err = fmt.Errorf("got %q", got.Text)
		}
		errc <- err
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := next(t, src)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := sc.Close(); err != nil {
		t.Fatal(err)
	}
	// The half scan is reported as truncated by the unplugging, or as
	// interrupted if the idle timeout passed first.
	if err := <-errc; !errors.Is(err, qrscan.ErrGarbled) {
		t.Fatalf("half scan: %v, want ErrGarbled", err)
	}
	for range 2 { // sticky
		_, err := next(t, src)
		if !errors.Is(err, qrscan.ErrDeviceGone) {
			t.Fatalf("Next: %v, want ErrDeviceGone", err)
		}
		if apcverr.Code(err) != "scanner-unplugged" {
			t.Fatalf("code %q", apcverr.Code(err))
		}
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	noLeak(t, before)
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		name, path string
	}{
		{"no such port", "/dev/ttyACM-apcvkit-absent"},
		{"not a tty", os.DevNull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := serial.Open(tc.path, serial.Config{})
			if !errors.Is(err, serial.ErrNoScanner) {
				if src != nil {
					src.Close()
				}
				t.Fatalf("got %v, want ErrNoScanner", err)
			}
			if apcverr.Message(err, apcverr.FR) != serial.ErrNoScanner.FR {
				t.Fatalf("desk message %q", apcverr.Message(err, apcverr.FR))
			}
		})
	}
	if _, err := serial.OpenUSB(0x0C2E, 0xFFFE, serial.Config{}); !errors.Is(err, serial.ErrNoScanner) {
		t.Fatalf("OpenUSB without the device: %v", err)
	}
}

// pipeRWC is an in-memory stream (a replay): an io.Pipe pair.
type pipeRWC struct {
	*io.PipeReader
	w *io.PipeWriter
}

func (p pipeRWC) Write(b []byte) (int, error) { return len(b), nil }
func (p pipeRWC) Close() error                { return p.PipeReader.Close() }

func TestNewOnReplay(t *testing.T) {
	before := runtime.NumGoroutine()
	pr, pw := io.Pipe()
	src := serial.New(pipeRWC{pr, pw}, "replay", serial.Config{Frame: frame.Config{Suffix: frame.None}})
	text := apcv(21)
	go func() {
		pw.Write([]byte(text))
		pw.Close() // end of the recording: EOF
	}()
	got, err := next(t, src)
	if err != nil || got.Text != text || got.Source != "serial:replay" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := next(t, src); !errors.Is(err, qrscan.ErrDeviceGone) || !errors.Is(err, io.EOF) {
		t.Fatalf("at EOF: %v", err)
	}
	src.Close()
	noLeak(t, before)
}

// TestAirTime measures how long a scan takes from its first byte on the
// line to Next returning, at 9600 baud (the figures are logged, not
// asserted beyond physics: the line needs 10 bits per character).
func TestAirTime(t *testing.T) {
	for _, n := range []int{480, 960} {
		// The suffix ends the scan; the idle guard is only relaxed so
		// that a stall of the emulator on a loaded machine cannot
		// interrupt the measured scan.
		r := start(t, serialpty.Config{Baud: 9600}, serial.Config{Frame: frame.Config{IdleTimeout: 5 * time.Second}})
		text := apcv(n)
		air := r.sc.AirTime(len(r.sc.Frame(text)))
		t0 := time.Now()
		wait := r.scan(t, text)
		got, err := next(t, r.src)
		took := time.Since(t0)
		if err != nil || got.Text != text {
			t.Fatalf("got %q, %v", got.Text, err)
		}
		wait()
		if took < air {
			t.Errorf("%d characters in %v, less than the %v the line needs", n, took, air)
		}
		t.Logf("9600 baud, %d-character text: %v end to end (line time %v, overhead %v)", n, took.Round(time.Millisecond), air.Round(time.Millisecond), (took - air).Round(10*time.Microsecond))
	}
}

// New on an *os.File (the pty opened directly): idle gaps come from read
// deadlines, so a scan without suffix ends on silence.
func TestNewOnOSFile(t *testing.T) {
	needPty(t)
	before := runtime.NumGoroutine()
	sc, err := serialpty.Open(serialpty.Config{Suffix: frame.None})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	f, err := os.OpenFile(sc.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	src := serial.New(f, sc.Path(), serial.Config{Frame: frame.Config{Suffix: frame.None, IdleTimeout: 300 * time.Millisecond}})
	text := apcv(126)
	if err := sc.Scan(context.Background(), text); err != nil {
		t.Fatal(err)
	}
	got, err := next(t, src)
	if err != nil || got.Text != text {
		t.Fatalf("got %q, %v", got.Text, err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	sc.Close()
	noLeak(t, before)
}

// readWatch is a serial port as a Source's reader goroutine reads it: once
// the port has returned want bytes, the reader's next Read closes drained.
// The reader frames and queues what a Read returned before it reads again,
// so by then every scan in those bytes is queued.
type readWatch struct {
	bugst.Port     // SetReadTimeout too: the Source reads as from a real port
	want, got  int // got: the reader goroutine's only
	drained    chan struct{}
	once       sync.Once
}

func (w *readWatch) Read(p []byte) (int, error) {
	if w.got >= w.want {
		w.once.Do(func() { close(w.drained) })
	}
	n, err := w.Port.Read(p)
	w.got += n
	return n, err
}

// Scans made while nobody calls Next are framed anyway; the last 8 wait.
// Next is called once the reader has framed all ten (readWatch), not after
// a sleep a loaded machine may outlast.
func TestQueueKeepsLatest(t *testing.T) {
	needPty(t)
	before := runtime.NumGoroutine()
	var all []byte
	var texts []string
	for i := range 10 {
		texts = append(texts, apcv(21+3*i))
		all = append(all, texts[i]+"\r"...)
	}
	sc, err := serialpty.Open(serialpty.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	port, err := bugst.Open(sc.Path(), &bugst.Mode{BaudRate: 9600, DataBits: 8})
	if err != nil {
		t.Fatal(err)
	}
	w := &readWatch{Port: port, want: len(all), drained: make(chan struct{})}
	src := serial.New(w, sc.Path(), serial.Config{})
	r := rig{sc, src}
	if err := r.sc.Write(context.Background(), all); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.drained:
	case <-time.After(10 * time.Second):
		t.Fatal("the reader did not read the ten scans within 10 s")
	}
	for _, want := range texts[2:] {
		got, err := next(t, r.src)
		if err != nil || got.Text != want {
			t.Fatalf("got %q, %v; want %q", got.Text, err, want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if got, err := r.src.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("extra result %q, %v", got.Text, err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	sc.Close()
	noLeak(t, before)
}

var sinkScan qrscan.Scan

// BenchmarkSource measures the SDK's cost per scan through a real pty,
// without line pacing (a USB CDC-ACM scanner).
func BenchmarkSource(b *testing.B) {
	for _, n := range []int{480, 960} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			r := start(b, serialpty.Config{}, serial.Config{})
			fr := r.sc.Frame(apcv(n))
			b.ReportAllocs()
			b.SetBytes(int64(len(fr)))
			for b.Loop() {
				if err := r.sc.Write(context.Background(), fr); err != nil {
					b.Fatal(err)
				}
				var err error
				if sinkScan, err = r.src.Next(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
