package reader_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
	"github.com/apcvkit/apcvkit/qrscan/serial"
	"github.com/apcvkit/apcvkit/reader"
)

// TestThreeSourcesOnePresents reads an NFC field, a serial scanner and a
// camera at once while only the serial scanner presents: the right identity
// comes back, the other sources are cancelled cleanly, and the goroutine
// count returns to its baseline. The presenting scanner is a pty, so the
// test needs one (Linux, macOS).
func TestThreeSourcesOnePresents(t *testing.T) {
	if !serialpty.Supported {
		t.Skipf("no pseudo-terminals on %s to stand for the serial scanner (serialpty.Supported is false)", runtime.GOOS)
	}
	before := runtime.NumGoroutine()
	w := testworld.New(2)

	desk := field.New("desk")
	sc, err := serialpty.Open(serialpty.Config{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	ser, err := serial.Open(sc.Path(), serial.Config{})
	if err != nil {
		t.Fatal(err)
	}
	blank, err := qrimage.BlankFrame(qrimage.FrameOptions{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var framesSeen atomic.Int64
	camAsked := make(chan struct{}) // closed at the camera's first frame
	var once sync.Once
	cam := camera.NewSource(camera.Func(func(ctx context.Context, i int) (camera.Frame, error) {
		framesSeen.Store(int64(i + 1))
		once.Do(func() { close(camAsked) })
		select { // a 30 fps camera
		case <-ctx.Done():
			return camera.Frame{}, ctx.Err()
		case <-time.After(33 * time.Millisecond):
		}
		return camera.FromImage(blank), nil
	}), camera.SourceOptions{})

	cfg := baseConfig(w)
	cfg.NFC = []nfc.Source{desk}
	cfg.QR = []qrscan.Source{cam, ser}
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	txt, err := w.Held.PresentQR(w.Device, w.Now, 3)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		// Scanned once the reader is reading the camera (not after a sleep
		// that a loaded machine may outlast before Read starts).
		select {
		case <-camAsked:
		case <-ctx.Done():
			return
		}
		sc.Scan(ctx, txt)
	}()
	id, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Mode != credential.ModeQR || !strings.HasPrefix(id.Source, "serial:") ||
		id.OuvrantDroit().NIR != w.Family.Beneficiaires[0].NIR || len(id.Beneficiaires) != 2 {
		t.Fatalf("identity from %s, %d beneficiaires", id.Source, len(id.Beneficiaires))
	}
	if framesSeen.Load() == 0 {
		t.Fatal("the camera was not read concurrently")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	sc.Close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
