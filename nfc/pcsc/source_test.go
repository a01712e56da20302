//go:build cgo || windows

package pcsc_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

func openSource(t testing.TB, readerName string) *pcsc.Source {
	t.Helper()
	src, err := pcsc.OpenSource(readerName)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Errorf("Source.Close: %v", err)
		}
	})
	return src
}

func waitPhone(t testing.TB, src *pcsc.Source, d time.Duration) (nfc.Phone, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return src.WaitPhone(ctx)
}

// TestSourceOneTapOneRead: WaitPhone hands out the phone on the reader
// once; left on the reader, it is not handed out again; taken away and
// presented again, it is.
func TestSourceOneTapOneRead(t *testing.T) {
	addr, name := pcsctest.Require(t, "pcsc")
	pcsctest.WaitCard(t, name, false, presentTimeout)
	t.Cleanup(func() { pcsctest.WaitCard(t, name, false, presentTimeout) })
	takeAway := tap(t, addr)
	src := openSource(t, name)
	if src.Name() != "pcsc:"+name {
		t.Errorf("Name() = %q", src.Name())
	}
	ph, err := waitPhone(t, src, 2*presentTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := ph.(*pcsc.Card); !ok || k.Reader() != name {
		t.Errorf("WaitPhone = %T, want a *pcsc.Card on %q", ph, name)
	}
	rsp, err := ph.Transmit(context.Background(), pcsctest.SelectCommand())
	if err != nil {
		t.Fatal(err)
	}
	wantSW(t, rsp, 0x9000)
	if err := ph.Close(); err != nil {
		t.Fatal(err)
	}
	if ph, err := waitPhone(t, src, time.Second); !errors.Is(err, context.DeadlineExceeded) {
		if ph != nil {
			ph.Close()
		}
		t.Fatalf("WaitPhone with the phone left on the reader: %v; want the deadline", err)
	}
	takeAway()
	pcsctest.WaitCard(t, name, false, presentTimeout)
	tap(t, addr)
	ph, err = waitPhone(t, src, 2*presentTimeout)
	if err != nil {
		t.Fatalf("WaitPhone after a new tap: %v", err)
	}
	if err := ph.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSourceErrors(t *testing.T) {
	_, name := pcsctest.Require(t, "pcsc")
	src := openSource(t, "APCV No Such Reader 00 00")
	if _, err := waitPhone(t, src, 5*time.Second); !errors.Is(err, nfc.ErrUnknownReader) {
		t.Errorf("WaitPhone on an unknown reader: %v, want nfc.ErrUnknownReader", err)
	}
	if every := openSource(t, "any"); every.Name() != "pcsc:*" {
		t.Errorf("Name() = %q, want pcsc:*", every.Name())
	}
	rs, err := pcsc.Readers()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rs, func(r pcsc.Reader) bool { return r.Name == name && r.Contactless }) {
		t.Errorf("Readers() = %v lacks contactless %q", rs, name)
	}
}
