package reader_test

import (
	"context"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/emulator/hostile"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/reader"
)

// TestHostilePhones taps every phone of the hostile suite on a reader and
// checks that Read refuses each with a typed error: a stable code other
// than "internal" and its own desk message in French and in English.
func TestHostilePhones(t *testing.T) {
	w := testworld.New(1)
	f := field.New("desk")
	cfg := baseConfig(w)
	cfg.NFC = []nfc.Source{f}
	cfg.APDUTimeout = 150 * time.Millisecond
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	honest := func() *applet.Applet { return applet.New(&testworld.Wallet{W: w}, applet.Options{}) }

	// The harness reads an honest phone (the suite's errors are the phones').
	f.Tap(honest())
	if id, err := r.Read(context.Background()); err != nil || id == nil {
		t.Fatalf("honest phone: %v", err)
	}

	phones := hostile.Phones(nfc.ErrPhoneRemoved)
	if len(phones) < 45 {
		t.Fatalf("only %d hostile phones", len(phones))
	}
	codes := map[string]int{}
	for _, p := range phones {
		t.Run(p.Name, func(t *testing.T) {
			f.Tap(p.Wrap(honest()))
			id, err := r.Read(context.Background())
			if err == nil || id != nil {
				t.Fatalf("hostile phone read: identity %v, err %v", id, err)
			}
			code := apcverr.Code(err)
			fr, en := apcverr.Message(err, apcverr.FR), apcverr.Message(err, apcverr.EN)
			if code == apcverr.Generic.Code || fr == apcverr.Generic.FR || en == apcverr.Generic.EN || fr == en || fr == "" {
				t.Errorf("untyped: code %q, FR %q, EN %q (err %v)", code, fr, en, err)
			}
			codes[code]++
		})
	}
	t.Logf("codes: %v", codes)
}
