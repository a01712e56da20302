package main

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/examples/internal/exampletest"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/qrscan/serial"
	"github.com/apcvkit/apcvkit/reader"
)

// TestRun runs the example on a real pseudo-terminal driven as a serial QR
// scanner (serialpty), scanning the emulated phone's QR code. Every row
// needs that pty (Linux, macOS); TestRunBadArgs runs everywhere.
func TestRun(t *testing.T) {
	if !serialpty.Supported {
		t.Skipf("no pseudo-terminals on %s to stand for the serial scanner (serialpty.Supported is false)", runtime.GOOS)
	}
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	dir := exampletest.WriteLists(t, w)
	const (
		prompt   = "Scannez le QR code de l'appli avec serial:PORT\n"
		identity = `Identité vérifiée par QR (serial:PORT, émetteur CNAM-EMU)
  ouvrant droit  2 88 02 ** *** *** 36  DURAND Camille, né(e) le 29/02/1988 (assuré)
`
		notApCV = "Refusé : Ce QR code n'est pas celui de l'appli carte Vitale. Demandez au patient d'ouvrir l'appli carte Vitale.\n"
		garbled = "Refusé : La lecture du QR code est incomplète ou illisible. Scannez-le à nouveau.\n"
	)
	phoneQR := func(t *testing.T) string {
		text, err := w.Phone.PresentQR()
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	for _, tc := range []struct {
		name    string
		baud    int // the example's -baud (a pty ignores it)
		present func(t *testing.T, ctx context.Context, sc *serialpty.Scanner, out *exampletest.Buffer)
		want    string
		wantErr error
	}{
		{"the phone's QR", 9600, func(t *testing.T, ctx context.Context, sc *serialpty.Scanner, out *exampletest.Buffer) {
			if err := sc.Scan(ctx, phoneQR(t)); err != nil {
				t.Error(err)
			}
		}, prompt + identity, nil},
		{"a product barcode, then the phone", 115200, func(t *testing.T, ctx context.Context, sc *serialpty.Scanner, out *exampletest.Buffer) {
			if err := sc.Scan(ctx, "3017620422003"); err != nil {
				t.Error(err)
			}
			out.WaitFor(t, "Refusé", 5*time.Second) // the desk asks for the app's code
			if err := sc.Scan(ctx, phoneQR(t)); err != nil {
				t.Error(err)
			}
		}, prompt + notApCV + identity, nil},
		{"a scan cut short, then the phone", 115200, func(t *testing.T, ctx context.Context, sc *serialpty.Scanner, out *exampletest.Buffer) {
			if err := sc.Scan(ctx, phoneQR(t), serialpty.Truncate(40)); err != nil {
				t.Error(err)
			}
			out.WaitFor(t, "Refusé", 5*time.Second) // once the line has been idle for 200 ms
			if err := sc.Scan(ctx, phoneQR(t)); err != nil {
				t.Error(err)
			}
		}, prompt + garbled + identity, nil},
		{"the scanner unplugged", 115200, func(t *testing.T, ctx context.Context, sc *serialpty.Scanner, out *exampletest.Buffer) {
			sc.Close()
		}, prompt, reader.ErrNoSource},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := pcsctest.Snapshot()
			// The emulated scanner sends each scan at once, as a USB
			// CDC-ACM scanner does: paced at a baud rate, its writer
			// goroutine may stall past the 200 ms idle gap that ends a scan
			// on a loaded machine, and the scan arrives cut in two
			// (qrscan/serial's own tests cover paced lines).
			sc, err := serialpty.Open(serialpty.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out exampletest.Buffer
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"-lists", dir, "-port", sc.Path(), "-baud", strconv.Itoa(tc.baud)}, &out)
			}()
			out.WaitFor(t, "Scannez", 10*time.Second)
			tc.present(t, ctx, sc, &out)
			if err := <-done; !errors.Is(err, tc.wantErr) {
				t.Errorf("run = %v, want %v", err, tc.wantErr)
			}
			if got, want := out.String(), strings.ReplaceAll(tc.want, "PORT", sc.Path()); got != want {
				t.Errorf("output:\n%s\nwant:\n%s", got, want)
			}
			sc.Close()
			pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
		})
	}
}

func TestRunBadArgs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr error // nil: a usage error
	}{
		{"no lists", []string{"-port", "/dev/null"}, nil},
		{"no port", []string{"-lists", "x"}, nil},
		{"no such port", []string{"-lists", "LISTS", "-port", "/dev/apcv-no-such-scanner"}, serial.ErrNoScanner},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
			if err != nil {
				t.Fatal(err)
			}
			dir := exampletest.WriteLists(t, w)
			for i, a := range tc.args {
				if a == "LISTS" {
					tc.args[i] = dir
				}
			}
			var out exampletest.Buffer
			err = run(context.Background(), tc.args, &out)
			usage := err != nil && strings.HasPrefix(err.Error(), "usage:")
			if tc.wantErr == nil && !usage || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("run = %v, want %v", err, tc.wantErr)
			}
			if out.String() != "" {
				t.Errorf("printed %q", out.String())
			}
		})
	}
}
