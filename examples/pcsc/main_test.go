package main

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/examples/internal/exampletest"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/internal/testlog"
	"github.com/apcvkit/apcvkit/reader"
)

// serve lays card on the virtual reader rdr, whose vpcd slot is at addr,
// and waits until pcscd sees it. The returned function takes it away and
// waits until pcscd sees the reader empty; cleanup calls it too.
func serve(t *testing.T, addr, rdr string, card apdu.Transport) (remove func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- vpcd.Serve(ctx, addr, card, vpcd.Options{Logger: testlog.New(t)}) }()
	var removed bool
	remove = func() {
		if removed {
			return
		}
		removed = true
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("vpcd.Serve: %v", err)
		}
		pcsctest.WaitCard(t, rdr, false, 5*time.Second)
	}
	t.Cleanup(remove)
	pcsctest.WaitCard(t, rdr, true, 5*time.Second)
	return remove
}

// TestRun reads the emulated phone through the real pcscd: vpcd.Serve
// presents the phone's applet on the harness's "cmd" virtual reader, and the
// example reads it as it would read a phone on an ACR1252U.
func TestRun(t *testing.T) {
	addr, rdr := pcsctest.Require(t, "cmd")
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	dir := exampletest.WriteLists(t, w)
	applet, err := w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	want := "Présentez le téléphone sur pcsc:" + rdr + `
Identité vérifiée par NFC (nfc:pcsc:` + rdr + `, émetteur CNAM-EMU)
  ouvrant droit  2 88 02 ** *** *** 36  DURAND Camille, né(e) le 29/02/1988 (assuré)
`

	t.Run("phone on the reader", func(t *testing.T) {
		serve(t, addr, rdr, applet)
		base := pcsctest.Snapshot() // the phone is served: its goroutine and connection are counted
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out exampletest.Buffer
		if err := run(ctx, []string{"-lists", dir, "-reader", rdr}, &out); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
		}
		pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
	})

	// The app is locked: the example prints the desk message and waits; the
	// patient unlocks the app, takes the phone away and lays it again.
	t.Run("locked, then unlocked and tapped again", func(t *testing.T) {
		w.Phone.Lock()
		remove := serve(t, addr, rdr, applet)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out exampletest.Buffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"-lists", dir, "-reader", rdr}, &out) }()
		out.WaitFor(t, "Refusé", 10*time.Second)
		remove()
		if err := w.Phone.Unlock(w.Code); err != nil {
			t.Fatal(err)
		}
		serve(t, addr, rdr, applet)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		locked := "Refusé : L'appli carte Vitale est verrouillée. Demandez au patient de saisir son code secret, puis de présenter à nouveau le téléphone.\n"
		first, rest, _ := strings.Cut(want, "\n")
		if got := out.String(); got != first+"\n"+locked+rest {
			t.Errorf("output:\n%s\nwant:\n%s", got, first+"\n"+locked+rest)
		}
	})

	t.Run("unknown reader", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var out exampletest.Buffer
		err := run(ctx, []string{"-lists", dir, "-reader", "APCV No Such Reader"}, &out)
		if !errors.Is(err, reader.ErrNoSource) {
			t.Fatalf("run = %v, want reader.ErrNoSource", err)
		}
	})
}

// TestRunBadArgs covers what fails before any PC/SC call.
func TestRunBadArgs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		check func(error) bool
	}{
		{"no lists", nil, func(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "usage:") }},
		{"extra argument", []string{"-lists", "x", "y"}, func(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "usage:") }},
		{"missing lists directory", []string{"-lists", t.TempDir() + "/none"}, func(err error) bool { return errors.Is(err, fs.ErrNotExist) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out exampletest.Buffer
			if err := run(context.Background(), tc.args, &out); !tc.check(err) {
				t.Fatalf("run = %v", err)
			}
			if out.String() != "" {
				t.Errorf("printed %q", out.String())
			}
		})
	}
}
