package emulator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/reader"
)

// readNFC taps the world's phone, unlocked, on a fresh reader's field: the
// desk reading the app over NFC with lists fetched now.
func readNFC(t *testing.T, w *emulator.World, fc *clock.Fake) error {
	t.Helper()
	if err := w.Phone.Unlock(w.Code); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	desk := field.New("desk")
	r, err := reader.Open(ctx, reader.Config{
		Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w, Receipts: w,
		NFC: []nfc.Source{desk}, Now: fc.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, err := w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	desk.Tap(a)
	id, err := r.Read(ctx)
	if err == nil {
		id.Release()
	}
	return err
}

// TestReaderAfterRenewal is the deck's renewal at every opening, seen from
// the desk: 91 days after the activation, the app reopened online is read;
// reopened offline it is refused with credential-expired, whose advice
// (open the app online) then works.
func TestReaderAfterRenewal(t *testing.T) {
	for _, online := range []bool{true, false} {
		fc := clock.NewFake(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
		w, err := emulator.New(emulator.Options{Profile: "isere-solo", Clock: fc}) // activated and opened at day 0
		if err != nil {
			t.Fatal(err)
		}
		if err := readNFC(t, w, fc); err != nil {
			t.Fatalf("day 0: %v", err)
		}
		fc.Advance(91 * 24 * time.Hour)
		w.Phone.SetOnline(online)
		if err := w.Phone.Open(); err != nil {
			t.Fatal(err)
		}
		err = readNFC(t, w, fc)
		if online {
			if err != nil {
				t.Fatalf("day 91, opened online: %v", err)
			}
			continue
		}
		if !errors.Is(err, credential.ErrExpired) {
			t.Fatalf("day 91, opened offline: %v, want credential-expired", err)
		}
		t.Logf("desk: %s", apcverr.Message(err, apcverr.FR))
		w.Phone.SetOnline(true)
		if err := w.Phone.Open(); err != nil {
			t.Fatal(err)
		}
		if err := readNFC(t, w, fc); err != nil {
			t.Fatalf("after opening online: %v", err)
		}
	}
}
