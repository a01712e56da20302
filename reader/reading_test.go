package reader_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/hid"
	"github.com/apcvkit/apcvkit/qrscan/serial"
	"github.com/apcvkit/apcvkit/reader"
)

// pipePort is a serial port whose bytes the test sends when it wants: the
// scanner half of an io.Pipe.
type pipePort struct {
	*io.PipeReader
	w *io.PipeWriter
}

func (p pipePort) Write(b []byte) (int, error) { return len(b), nil }
func (p pipePort) Close() error {
	p.w.Close()
	return p.PipeReader.Close()
}

// gatedReports is a HID device that sends its reports up to gate, then
// waits for open before sending the rest: a scan stopped half-way.
type gatedReports struct {
	reports []hid.Report
	gate    int
	open    chan struct{}
	closed  chan struct{}
	once    sync.Once
	i       int
}

func (g *gatedReports) ReadReport(ctx context.Context) ([]byte, error) {
	if g.i == g.gate {
		select {
		case <-g.open:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-g.closed:
			return nil, hid.ErrClosed
		}
	}
	if g.i >= len(g.reports) {
		select { // the scan is over: the scanner is silent
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-g.closed:
			return nil, hid.ErrClosed
		}
	}
	g.i++
	return g.reports[g.i-1].Data, nil
}

func (g *gatedReports) Close() error {
	g.once.Do(func() { close(g.closed) })
	return nil
}

// TestReadingAtFirstCharacters: the Reading event fires when the first
// characters of a scan arrive, not after the last (a 6-person family takes
// seconds on a keyboard-wedge scanner). Each scanner stops half-way through
// its scan until the test has seen Reading while Read is still waiting.
func TestReadingAtFirstCharacters(t *testing.T) {
	w := testworld.New(6)
	txt, err := w.Held.PresentQR(w.Device, w.Now.Add(-5*time.Second), 1)
	if err != nil {
		t.Fatal(err)
	}
	half := len(txt) / 2

	type scanner struct {
		src    qrscan.Source
		first  func() // sends the first half of the scan
		second func() // sends the rest
	}
	cases := map[string]func(t *testing.T) scanner{
		"serial": func(t *testing.T) scanner {
			pr, pw := io.Pipe()
			src := serial.New(pipePort{pr, pw}, "pipe", serial.Config{})
			return scanner{src,
				func() { go pw.Write([]byte(txt[:half])) },
				func() { go pw.Write([]byte(txt[half:] + "\r")) }}
		},
		"wedge": func(t *testing.T) scanner {
			reps, err := hidgen.Wedge(txt, hidgen.WedgeOptions{Layout: hidgen.FR})
			if err != nil {
				t.Fatal(err)
			}
			g := &gatedReports{reports: reps, gate: len(reps) / 2, open: make(chan struct{}), closed: make(chan struct{})}
			return scanner{hid.NewSource(g, hid.Config{Idle: -1}), func() {}, func() { close(g.open) }}
		},
		"hid pos": func(t *testing.T) scanner {
			reps, err := hidgen.POS(txt, hidgen.POSOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(reps) < 2 {
				t.Fatalf("%d POS reports for %d characters", len(reps), len(txt))
			}
			g := &gatedReports{reports: reps, gate: 1, open: make(chan struct{}), closed: make(chan struct{})}
			return scanner{hid.NewSource(g, hid.Config{Idle: -1}), func() {}, func() { close(g.open) }}
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			sc := mk(t)
			cfg := baseConfig(w)
			cfg.QR = []qrscan.Source{sc.src}
			r, err := reader.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if e := <-r.Events(); e.Kind != reader.DeviceAdded {
				t.Fatalf("first event %v", e.Kind)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			type result struct {
				id  *reader.Identity
				err error
			}
			done := make(chan result, 1)
			go func() {
				id, err := r.Read(ctx)
				done <- result{id, err}
			}()
			sc.first()
			select {
			case e := <-r.Events():
				if e.Kind != reader.Reading || e.Source != sc.src.Name() {
					t.Fatalf("event %v from %q, want Reading from %q", e.Kind, e.Source, sc.src.Name())
				}
			case res := <-done:
				t.Fatalf("Read returned before the scan was complete: %v", res.err)
			case <-ctx.Done():
				t.Fatal("no Reading event while the scan is half-way")
			}
			select {
			case res := <-done:
				t.Fatalf("Read returned with half a scan: %v", res.err)
			default:
			}
			sc.second()
			res := <-done
			if res.err != nil {
				t.Fatal(res.err)
			}
			if res.id.Mode != credential.ModeQR || len(res.id.Beneficiaires) != 6 {
				t.Fatalf("identity: %v, %d beneficiaries", res.id.Mode, len(res.id.Beneficiaires))
			}
			// Reading once per scan: the next event is the identity.
			if e := <-r.Events(); e.Kind != reader.IdentityRead {
				t.Fatalf("after Reading: %v, want IdentityRead only", e.Kind)
			}
			if err := r.Close(); err != nil && !errors.Is(err, io.ErrClosedPipe) {
				t.Fatal(err)
			}
		})
	}
}
