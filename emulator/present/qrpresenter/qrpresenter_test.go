package qrpresenter_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/present/qrpresenter"
	"github.com/apcvkit/apcvkit/nfc"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

const code = "482915"

type env struct {
	fc  *clock.Fake
	iss *issuer.Issuer
	ph  *phone.Phone
}

// newEnv returns an activated, unlocked phone of a built-in profile.
func newEnv(t testing.TB, profile string, opts phone.Options) *env {
	t.Helper()
	fc := clock.NewFake(t0)
	iss, err := issuer.New(issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := phone.BuiltinProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	opts.Issuer, opts.Clock = iss, fc
	ph, err := phone.New(prof, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := ph.Activate(code); err != nil {
		t.Fatal(err)
	}
	if err := ph.Unlock(code); err != nil {
		t.Fatal(err)
	}
	return &env{fc: fc, iss: iss, ph: ph}
}

// verify checks text as a reader does and returns its refresh counter.
func (e *env) verify(t testing.TB, v *credential.Verifier, text string) uint32 {
	t.Helper()
	p, err := v.VerifyQR(text)
	if err != nil {
		t.Fatalf("reader refuses %.20s…: %v", text, err)
	}
	return p.Counter
}

func (e *env) verifier(t testing.TB) *credential.Verifier {
	t.Helper()
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: e.iss.ListAuthority(), Now: e.fc.Now})
	tl, err := e.iss.TrustList()
	if err != nil {
		t.Fatal(err)
	}
	rl, err := e.iss.RevocationList(e.fc.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetTrustList(tl); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(rl); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCurrentRefreshBoundary(t *testing.T) {
	for _, tt := range []struct {
		name    string
		every   time.Duration
		advance time.Duration
		fresh   bool
	}{
		{"same instant", 10 * time.Second, 0, false},
		{"one second early", 10 * time.Second, 9 * time.Second, false},
		{"exactly due", 10 * time.Second, 10 * time.Second, true},
		{"one second late", 10 * time.Second, 11 * time.Second, true},
		{"default period, early", 0, qrpresenter.DefaultEvery - time.Second, false},
		{"default period, due", 0, qrpresenter.DefaultEvery, true},
		{"negative period is the default", -time.Second, qrpresenter.DefaultEvery - time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "isere-solo", phone.Options{})
			p := qrpresenter.New(e.ph, qrpresenter.Options{Every: tt.every, Clock: e.fc})
			first, err := p.Current()
			if err != nil {
				t.Fatal(err)
			}
			e.fc.Advance(tt.advance)
			second, err := p.Current()
			if err != nil {
				t.Fatal(err)
			}
			v := e.verifier(t)
			c1 := e.verify(t, v, first)
			if fresh := second != first; fresh != tt.fresh {
				t.Fatalf("after %v: fresh text = %v, want %v", tt.advance, fresh, tt.fresh)
			}
			if tt.fresh {
				if c2 := e.verify(t, v, second); c2 != c1+1 {
					t.Fatalf("counter %d then %d, want +1", c1, c2)
				}
			}
		})
	}
}

func TestRunRefreshesOnTheClock(t *testing.T) {
	e := newEnv(t, "famille-6-drome", phone.Options{})
	p := qrpresenter.New(e.ph, qrpresenter.Options{Every: 20 * time.Second, Clock: e.fc})
	ctx, cancel := context.WithCancel(context.Background())
	shown := make(chan string, 10)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, func(text string) { shown <- text }) }()
	v := e.verifier(t)
	var last uint32
	for i := range 4 {
		var text string
		select {
		case text = <-shown:
		case <-time.After(10 * time.Second):
			t.Fatalf("refresh %d not shown", i)
		}
		if !strings.HasPrefix(text, credential.QRPrefix) {
			t.Fatalf("shown %q", text)
		}
		c := e.verify(t, v, text)
		if i > 0 && c != last+1 {
			t.Fatalf("refresh %d: counter %d after %d", i, c, last)
		}
		last = c
		if cur, err := p.Current(); err != nil || cur != text {
			t.Fatalf("Current between refreshes = %.20s…, %v; want the text shown", cur, err)
		}
		waitTimer(t, e.fc)
		e.fc.Advance(19 * time.Second)
		select {
		case text := <-shown:
			t.Fatalf("refreshed 1 s early: %.20s…", text)
		case <-time.After(20 * time.Millisecond):
		}
		e.fc.Advance(time.Second)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if n := e.fc.Pending(); n != 0 {
		t.Fatalf("%d timers left after Run returned", n)
	}
}

// waitTimer waits until Run armed its timer on the fake clock.
func waitTimer(t testing.TB, fc *clock.Fake) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for fc.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run armed no timer")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLockedAppShowsNoCode(t *testing.T) {
	e := newEnv(t, "isere-solo", phone.Options{})
	p := qrpresenter.New(e.ph, qrpresenter.Options{Every: time.Minute, Clock: e.fc})
	if _, err := p.Current(); err != nil {
		t.Fatal(err)
	}
	e.ph.Lock()
	if text, err := p.Current(); !errors.Is(err, phone.ErrLocked) || text != "" {
		t.Fatalf("locked app: %q, %v", text, err)
	}
	// Run ends with the phone's error when the app locks while shown.
	if err := e.ph.Unlock(code); err != nil {
		t.Fatal(err)
	}
	shown := make(chan string, 4)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background(), func(text string) { shown <- text }) }()
	<-shown
	waitTimer(t, e.fc)
	e.ph.Lock()
	e.fc.Advance(time.Minute)
	select {
	case err := <-done:
		if !errors.Is(err, phone.ErrLocked) {
			t.Fatalf("Run = %v, want ErrLocked", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run went on with a locked app")
	}
	// Revoked, by the app being activated elsewhere: no code either.
	if err := e.ph.Unlock(code); err != nil {
		t.Fatal(err)
	}
	prof := e.ph.Profile()
	if err := e.iss.RevokeDevice(prof.OuvrantDroit().NIR); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Current(); !errors.Is(err, phone.ErrRevoked) {
		t.Fatalf("revoked app: %v", err)
	}
	if err := p.Run(context.Background(), nil); err == nil {
		t.Fatal("Run with a nil show function")
	}
}

// Phones without NFC — an iPhone, an Android without NFC hardware, an
// Android whose NFC is turned off — have no applet and show the QR code.
func TestQROnlyPhones(t *testing.T) {
	for _, tt := range []struct {
		name    string
		profile string
		opts    phone.Options
		nfc     bool
	}{
		{"android with NFC", "isere-solo", phone.Options{}, true},
		{"android, NFC turned off", "isere-solo", phone.Options{NoNFC: true}, false},
		{"iphone", "corse-2b", phone.Options{}, false},
		{"android without NFC", "ne-75-vit-92", phone.Options{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.profile, tt.opts)
			_, err := emulator.Applet(e.ph)
			if tt.nfc != (err == nil) || !tt.nfc && !errors.Is(err, nfc.ErrNoNFC) {
				t.Fatalf("Applet: %v (NFC %v)", err, tt.nfc)
			}
			text, err := qrpresenter.New(e.ph, qrpresenter.Options{Clock: e.fc}).Current()
			if err != nil {
				t.Fatal(err)
			}
			e.verify(t, e.verifier(t), text)
		})
	}
}

func BenchmarkCurrent(b *testing.B) {
	e := newEnv(b, "famille-6-drome", phone.Options{})
	for _, bb := range []struct {
		name  string
		every time.Duration
		step  time.Duration
	}{{"cached", time.Hour, 0}, {"refresh", time.Second, time.Second}} {
		b.Run(bb.name, func(b *testing.B) {
			p := qrpresenter.New(e.ph, qrpresenter.Options{Every: bb.every, Clock: e.fc})
			b.ReportAllocs()
			for b.Loop() {
				e.fc.Advance(bb.step)
				if _, err := p.Current(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// An iPhone's QR screen, refreshed every 30 seconds on a virtual clock.
func Example() {
	fc := clock.NewFake(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	iss, _ := issuer.New(issuer.Options{Clock: fc})
	prof, _ := phone.BuiltinProfile("corse-2b") // an iPhone: QR only
	ph, _ := phone.New(prof, phone.Options{Issuer: iss, Clock: fc})
	if err := ph.Activate("482915"); err != nil {
		panic(err)
	}
	ph.Unlock("482915")

	p := qrpresenter.New(ph, qrpresenter.Options{Every: 30 * time.Second, Clock: fc})
	a, _ := p.Current()
	fc.Advance(29 * time.Second)
	b, _ := p.Current()
	fc.Advance(time.Second)
	c, _ := p.Current()
	fmt.Println(strings.HasPrefix(a, "APCV1:"), a == b, b == c, ph.QRCounter())
	// Output: true true false 2
}
