package reader_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/serial"
	"github.com/apcvkit/apcvkit/reader"
)

func lists(w *testworld.World) reader.StaticLists {
	return reader.StaticLists{Trust: w.TrustList, Revocation: w.Revocation}
}

func baseConfig(w *testworld.World) reader.Config {
	return reader.Config{Enabled: true, ListAuthority: &w.Root.Key.PublicKey, Lists: lists(w),
		Now: func() time.Time { return w.Now }}
}

func TestOpenPolicy(t *testing.T) {
	w := testworld.New(1)
	f := field.New("desk")
	for _, tc := range []struct {
		name string
		mod  func(*reader.Config)
		want error
	}{
		{"disabled", func(c *reader.Config) { c.Enabled = false }, reader.ErrDisabled},
		{"not deployed", func(c *reader.Config) { c.Departement = "29"; c.Deployed = []string{"69", "75"} }, reader.ErrNotDeployed},
		{"no source", func(c *reader.Config) { c.NFC = nil }, reader.ErrNoSource},
		{"no lists", func(c *reader.Config) { c.Lists = nil }, credential.ErrTrustListStale},
		{"tampered list", func(c *reader.Config) {
			bad := append([]byte(nil), w.TrustList...)
			bad[len(bad)-1] ^= 1
			c.Lists = reader.StaticLists{Trust: bad, Revocation: w.Revocation}
		}, credential.ErrBadSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig(w)
			cfg.NFC = []nfc.Source{f}
			tc.mod(&cfg)
			r, err := reader.Open(context.Background(), cfg)
			if !errors.Is(err, tc.want) || r != nil {
				t.Fatalf("Open = %v, %v; want %v", r, err, tc.want)
			}
			if apcverr.Message(err, apcverr.FR) == apcverr.Generic.FR {
				t.Fatalf("no desk message for %v", err)
			}
		})
	}
	cfg := baseConfig(w)
	cfg.NFC = []nfc.Source{f}
	cfg.Departement, cfg.Deployed = "69", []string{"69"}
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
}

// TestReadBothModes reads the same family over NFC (in-memory field) and
// over QR through a real pty driven as a 115200-baud serial scanner.
func TestReadBothModes(t *testing.T) {
	before := runtime.NumGoroutine()
	w := testworld.New(4)
	wallet := &testworld.Wallet{W: w}
	f := field.New("desk")
	var logs bytes.Buffer
	cfg := baseConfig(w)
	cfg.NFC = []nfc.Source{f}
	// The QR half needs a pty (Linux, macOS); elsewhere the reader has the
	// NFC field only and the QR subtest says why it skips.
	var sc *serialpty.Scanner
	var src *serial.Source
	if serialpty.Supported {
		var err error
		if sc, err = serialpty.Open(serialpty.Config{Baud: 115200}); err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		if src, err = serial.Open(sc.Path(), serial.Config{}); err != nil {
			t.Fatal(err)
		}
		cfg.QR = []qrscan.Source{src}
	}
	cfg.Groups = credential.AllGroups
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// NFC
	if err := f.Tap(applet.New(wallet, applet.Options{})); err != nil {
		t.Fatal(err)
	}
	id, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Mode != credential.ModeNFC || len(id.Beneficiaires) != 4 || id.EtatCivil == nil ||
		id.Beneficiaires[1].INS == nil || id.Verification.Issuer != "CNAM" || id.Source != "nfc:desk" {
		t.Fatalf("NFC identity: %+v", id.Verification)
	}
	if id.OuvrantDroit().NIR != w.Family.Beneficiaires[0].NIR {
		t.Fatal("NIR differs")
	}
	rec := credential.Receipt{PSID: "10101010101", PSName: "Dr Martin", AmountCents: 3000, Date: uint64(w.Now.Unix())}
	if err := r.PostReceipt(ctx, id, rec); err != nil {
		t.Fatal(err)
	}
	if len(wallet.Receipts) != 1 {
		t.Fatalf("receipts: %d", len(wallet.Receipts))
	}
	if err := r.PostReceipt(ctx, id, rec); !errors.Is(err, reader.ErrNoReceipts) {
		t.Fatalf("second receipt on a released phone: %v", err)
	}

	// QR, over a real pty driven as a 115200-baud serial scanner.
	t.Run("qr over serial", func(t *testing.T) {
		if sc == nil {
			t.Skipf("no pseudo-terminals on %s to stand for the serial scanner (serialpty.Supported is false)", runtime.GOOS)
		}
		txt, err := w.Held.PresentQR(w.Device, w.Now.Add(-5*time.Second), 1)
		if err != nil {
			t.Fatal(err)
		}
		go sc.Scan(ctx, txt)
		id, err := r.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if id.Mode != credential.ModeQR || len(id.Beneficiaires) != 4 || id.Source != src.Name() ||
			id.Verification.Freshness != 5*time.Second || id.Verification.Counter != 1 {
			t.Fatalf("QR identity: %v %+v", id.Source, id.Verification)
		}
		// One device, one name: from DeviceAdded at Open to the identity read.
		var kinds []reader.EventKind
		for len(r.Events()) > 0 {
			e := <-r.Events()
			if e.Source != "nfc:desk" && e.Source != src.Name() {
				t.Errorf("%v event from %q: the devices are nfc:desk and %s", e.Kind, e.Source, src.Name())
			}
			if e.Source == src.Name() {
				kinds = append(kinds, e.Kind)
			}
		}
		if want := []reader.EventKind{reader.DeviceAdded, reader.Reading, reader.IdentityRead}; !slices.Equal(kinds, want) {
			t.Errorf("events named %s: %v, want %v", src.Name(), kinds, want)
		}
		if err := r.PostReceipt(ctx, id, rec); !errors.Is(err, reader.ErrNoReceipts) {
			t.Fatalf("QR receipt without sink: %v", err)
		}

		// The same QR again: replayed, with a desk message.
		go sc.Scan(ctx, txt)
		_, err = r.Read(ctx)
		if !errors.Is(err, credential.ErrReplayed) {
			t.Fatalf("replay: %v", err)
		}
		if !strings.Contains(reader.Message(err, apcverr.FR), "actualiser") {
			t.Fatalf("FR message: %q", reader.Message(err, apcverr.FR))
		}
	})

	// Locked app over NFC.
	wallet.Locked = fmt.Errorf("locked: %w", nfc.ErrAppLocked)
	f.Tap(applet.New(wallet, applet.Options{}))
	if _, err = r.Read(ctx); !errors.Is(err, nfc.ErrAppLocked) {
		t.Fatalf("locked: %v", err)
	}

	// Read honours its context.
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = r.Read(short)
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("idle read: %v", err)
	}

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for range r.Events() { // drained and closed
	}
	if _, err := r.Read(ctx); !errors.Is(err, reader.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	for _, secret := range []string{string(w.Family.Beneficiaires[0].NIR), "DUPONT", "Marie"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("log leaks %q:\n%s", secret, logs.String())
		}
	}
	if sc != nil {
		sc.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestReadSourceGone(t *testing.T) {
	w := testworld.New(1)
	f := field.New("desk")
	cfg := baseConfig(w)
	cfg.NFC = []nfc.Source{f}
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f.Close() // unplugged
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := r.Read(ctx); !errors.Is(err, reader.ErrNoSource) {
		t.Fatalf("got %v", err)
	}
	var sawRemoved bool
	for len(r.Events()) > 0 {
		if e := <-r.Events(); e.Kind == reader.DeviceRemoved {
			sawRemoved = errors.Is(e.Err, nfc.ErrReaderUnplugged)
		}
	}
	if !sawRemoved {
		t.Fatal("no DeviceRemoved event")
	}
}

// TestOnEvent: with Config.OnEvent, every event reaches it in order, those
// of a Read before the Read returns, and none goes to Events; a Read over
// one device (read in the calling goroutine) ends with its ctx, and with
// Close, as a Read over several does.
func TestOnEvent(t *testing.T) {
	w := testworld.New(1)
	f := field.New("desk")
	cfg := baseConfig(w)
	cfg.NFC = []nfc.Source{f}
	var got []string
	cfg.OnEvent = func(e reader.Event) { got = append(got, e.Kind.String()) } // one call at a time
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if s := strings.Join(got, " "); s != "device-added" {
		t.Errorf("events when Open returns: %q", s)
	}
	if err := f.Tap(applet.New(&testworld.Wallet{W: w}, applet.Options{})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if s := strings.Join(got, " "); s != "device-added phone-detected reading identity" {
		t.Errorf("events when Read returns: %q", s)
	}
	if n := len(r.Events()); n != 0 {
		t.Errorf("Events holds %d events besides OnEvent", n)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	if _, err := r.Read(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read with nothing presented: %v, want its deadline", err)
	}
	done := make(chan error, 1)
	go func() { _, err := r.Read(context.Background()); done <- err }()
	time.Sleep(20 * time.Millisecond)
	r.Close()
	select {
	case err := <-done:
		if !errors.Is(err, reader.ErrClosed) {
			t.Errorf("Read across Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the Read")
	}
	n := len(got)
	r.Close()
	if len(got) != n {
		t.Errorf("events after Close: %v", got[n:])
	}
}
