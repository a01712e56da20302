package reader_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/backoffice/backofficetest"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/internal/deskmsgtest"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/online"
)

// Two desks' health professionals (RPPS numbers).
const rppsA, rppsB = "10101234567", "10107654321"

// countingIssuer is the issuer behind the service, counting the
// resolutions asked (to show what never reaches the network).
type countingIssuer struct {
	*issuer.Issuer
	resolves atomic.Int32
}

func (c *countingIssuer) Resolve(text string, psHash [32]byte, groups []credential.Group) ([]byte, error) {
	c.resolves.Add(1)
	return c.Issuer.Resolve(text, psHash, groups)
}

// onlineWorld is an emulated issuer and phone, and the issuer's online
// service on loopback.
type onlineWorld struct {
	w    *emulator.World
	iss  *countingIssuer
	svc  *backofficetest.Service
	last time.Time // the time of the last short code drawn
}

func newOnlineWorld(t *testing.T) *onlineWorld {
	t.Helper()
	w, err := emulator.New(emulator.Options{Profile: "famille-6-drome"})
	if err != nil {
		t.Fatal(err)
	}
	ow := &onlineWorld{w: w, iss: &countingIssuer{Issuer: w.Issuer}}
	ow.svc = backofficetest.Start(t, ow.iss)
	return ow
}

// fresh is the time to draw a new short QR code at: now, or a second
// after the last one drawn. The service keeps, per credential, the newest
// time resolved (single use) and a code's time counts in seconds: codes
// drawn within one second would be the same use.
func (ow *onlineWorld) fresh() time.Time {
	at := time.Now().Truncate(time.Second)
	if !at.After(ow.last) {
		at = ow.last.Add(time.Second)
	}
	ow.last = at
	return at
}

// shortQR is a short QR code the phone draws at the time at.
func (ow *onlineWorld) shortQR(t *testing.T, at time.Time) string {
	t.Helper()
	held, _, err := ow.w.Phone.Wallet()
	if err != nil {
		t.Fatal(err)
	}
	text, err := held.PresentShortQR(at)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// fullQR is the phone's offline QR code.
func (ow *onlineWorld) fullQR(t *testing.T) string {
	t.Helper()
	text, err := ow.w.Phone.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// desk opens a Reader of the professional rpps on a test scanner; oc
// adjusts its online configuration (nil: none at all).
func (ow *onlineWorld) desk(t *testing.T, rpps string, oc func(*online.Config)) (*reader.Reader, chanScan) {
	t.Helper()
	scan := make(chanScan)
	cfg := reader.Config{Enabled: true, ListAuthority: ow.w.Issuer.ListAuthority(), Lists: ow.w,
		QR: []qrscan.Source{scan}, Groups: []credential.Group{credential.GroupAMO, credential.GroupINS}}
	if oc != nil {
		cfg.Online = &online.Config{URL: ow.svc.URL, Cert: ow.svc.PSCert(t, rpps), Roots: ow.svc.Roots}
		oc(cfg.Online)
	}
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, scan
}

func defaults(*online.Config) {}

// scanRead scans text at r and returns what Read made of it.
func scanRead(t *testing.T, r *reader.Reader, scan chanScan, text string) (*reader.Identity, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type result struct {
		id  *reader.Identity
		err error
	}
	res := make(chan result, 1)
	go func() { id, err := r.Read(ctx); res <- result{id, err} }()
	select {
	case scan <- text:
	case <-ctx.Done():
		t.Fatal("the reader took no scan")
	}
	got := <-res
	if (got.err == nil) == (got.id == nil) {
		t.Fatalf("Read: identity %v and error %v", got.id, got.err)
	}
	return got.id, got.err
}

// TestShortQROnline: a short QR code read through the online service gives
// the phone's family, verified, with the groups asked for and the AMO
// rights of every beneficiary; a second scan of the same code, at the same
// desk or at another desk with another professional's certificate, is
// refused by the service.
func TestShortQROnline(t *testing.T) {
	ow := newOnlineWorld(t)
	a, scanA := ow.desk(t, rppsA, defaults)
	text := ow.shortQR(t, ow.fresh())
	if len(text) != credential.ShortQRLen {
		t.Fatalf("short QR of %d characters", len(text))
	}
	id, err := scanRead(t, a, scanA, text)
	if err != nil {
		t.Fatal(err)
	}
	want := ow.w.Phone.Profile().Family
	if !id.Verification.ShortQR || id.Mode != credential.ModeQR || len(id.Beneficiaires) != len(want.Beneficiaires) {
		t.Fatalf("identity: short %v, mode %v, %d beneficiaries (want %d)", id.Verification.ShortQR, id.Mode, len(id.Beneficiaires), len(want.Beneficiaires))
	}
	for i, b := range id.Beneficiaires {
		if b.NIR != want.Beneficiaires[i].NIR || b.NomFamille != want.Beneficiaires[i].NomFamille {
			t.Errorf("beneficiary %d is not the phone's", i)
		}
	}
	if len(id.Groups) != 2 || id.Groups[1] != credential.GroupINS {
		t.Errorf("groups %v, want AMO and INS", id.Groups)
	}
	list, err := id.Rights(context.Background())
	if err != nil {
		t.Fatalf("rights: %v", err)
	}
	if len(list) != len(id.Beneficiaires) {
		t.Fatalf("%d rights for %d beneficiaries", len(list), len(id.Beneficiaires))
	}
	for i, r := range list {
		if r.NIR != id.Beneficiaires[i].NIR || r.Rang != id.Beneficiaires[i].RangNaissance || r.Validate() != nil {
			t.Errorf("rights %d: not the beneficiary's, or invalid", i)
		}
	}
	j := id.JSON(true)
	j.SetRights(list, nil, true)
	if len(j.Rights) != len(list) || strings.Contains(j.Rights[0].NIR, string(list[0].NIR)) || !j.Verification.ShortQR {
		t.Errorf("JSON: %d rights, NIR %q (masked?), shortQR %v", len(j.Rights), j.Rights[0].NIR, j.Verification.ShortQR)
	}

	// The same code again: at the same desk, then at another desk with
	// another professional's certificate (a photographed code).
	b, scanB := ow.desk(t, rppsB, defaults)
	for name, d := range map[string]struct {
		r    *reader.Reader
		scan chanScan
	}{"same desk": {a, scanA}, "second desk": {b, scanB}} {
		_, err := scanRead(t, d.r, d.scan, text)
		if !errors.Is(err, service.ErrAlreadyResolved) || !reader.IsRefusal(err) {
			t.Errorf("%s: err %v, want already-resolved (a refusal)", name, err)
		}
		deskmsgtest.Check(t, err, false)
	}
	// A code drawn later reads at the second desk.
	if _, err := scanRead(t, b, scanB, ow.shortQR(t, ow.fresh())); err != nil {
		t.Errorf("a fresh code at the second desk: %v", err)
	}
}

// TestShortQRFaults: every fault of the service is a typed error with its
// desk message (FR/EN, sending to the offline QR code), and no read waits
// longer than the deadline.
func TestShortQRFaults(t *testing.T) {
	ow := newOnlineWorld(t)
	tests := []struct {
		name    string
		fault   backoffice.Fault
		setup   func(t *testing.T) // once the desk is open
		rpps    string
		oc      func(*online.Config)
		want    error
		offline bool // the desk message sends to the offline QR code
	}{
		{name: "down", fault: backoffice.Fault{Down: true}, want: service.ErrServiceUnavailable, offline: true},
		{name: "unreachable", fault: backoffice.Fault{Unreachable: true}, want: service.ErrServiceUnavailable, offline: true},
		{name: "slow beyond the deadline", fault: backoffice.Fault{Delay: 5 * time.Second},
			oc: func(c *online.Config) { c.Timeout = 300 * time.Millisecond }, want: online.ErrServiceTimeout, offline: true},
		{name: "wrong server certificate", fault: backoffice.Fault{WrongCert: true}, want: online.ErrServiceCert, offline: true},
		{name: "revoked professional (fault)", fault: backoffice.Fault{RevokedPS: true}, want: service.ErrPSRevoked, offline: true},
		{name: "revoked professional", rpps: "10109999999", setup: func(t *testing.T) { ow.svc.Revoke("10109999999") },
			want: service.ErrPSRevoked, offline: true},
		{name: "certificate of another authority", oc: func(c *online.Config) {
			other := backofficetest.Start(t, ow.iss) // its own PS authority
			c.Cert = other.PSCert(t, rppsA)
		}, want: service.ErrPSCertRefused, offline: true},
		// The service's clock ahead: it signs a resolution time the
		// reader finds too far from its own.
		{name: "service clock ahead", fault: backoffice.Fault{Skew: 2 * time.Minute}, want: credential.ErrServiceClockSkew, offline: true},
		// Behind: the service finds the code drawn in its future and
		// refuses it before signing anything.
		{name: "service clock behind", fault: backoffice.Fault{Skew: -2 * time.Minute}, want: credential.ErrQRExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rpps := tt.rpps
			if rpps == "" {
				rpps = rppsA
			}
			oc := tt.oc
			if oc == nil {
				oc = defaults
			}
			r, scan := ow.desk(t, rpps, oc)
			if tt.setup != nil {
				tt.setup(t)
			}
			ow.svc.SetFault(tt.fault)
			defer ow.svc.SetFault(backoffice.Fault{})
			start := time.Now()
			_, err := scanRead(t, r, scan, ow.shortQR(t, ow.fresh()))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			deskmsgtest.Check(t, err, tt.offline)
			if tt.fault.Delay > 0 {
				// Not a performance measure: the desk must not wait past
				// the deadline; the margin absorbs a loaded machine.
				if d := time.Since(start); d > 300*time.Millisecond+3*time.Second { // the fault waits 5 s
					t.Errorf("the read returned after %v, deadline 300ms", d)
				}
			}
		})
	}
}

// TestShortQRDefaultDeadline: with the default deadline (2 s), a service
// that does not answer fails the read with service-timeout, within the
// deadline and a margin.
func TestShortQRDefaultDeadline(t *testing.T) {
	ow := newOnlineWorld(t)
	r, scan := ow.desk(t, rppsA, defaults)
	ow.svc.SetFault(backoffice.Fault{Delay: 10 * time.Second})
	defer ow.svc.SetFault(backoffice.Fault{})
	start := time.Now()
	_, err := scanRead(t, r, scan, ow.shortQR(t, ow.fresh()))
	if !errors.Is(err, online.ErrServiceTimeout) {
		t.Fatalf("err %v, want service-timeout", err)
	}
	if d := time.Since(start); d < online.DefaultTimeout || d > online.DefaultTimeout+3*time.Second { // the fault waits 10 s
		t.Errorf("returned after %v, want the default deadline %v (plus a margin)", d, online.DefaultTimeout)
	}
}

// TestShortQRBeforeNetwork: a code out of its window is refused before any
// call to the service, and without an online configuration a short code is
// refused with online-not-configured, sending to the offline QR code.
func TestShortQRBeforeNetwork(t *testing.T) {
	ow := newOnlineWorld(t)
	r, scan := ow.desk(t, rppsA, defaults)
	for name, at := range map[string]time.Time{"expired": time.Now().Add(-4 * time.Minute), "future": time.Now().Add(2 * time.Minute)} {
		_, err := scanRead(t, r, scan, ow.shortQR(t, at))
		if !errors.Is(err, credential.ErrQRExpired) {
			t.Errorf("%s: err %v, want qr-expired", name, err)
		}
	}
	if n := ow.iss.resolves.Load(); n != 0 {
		t.Errorf("%d resolutions asked for codes out of their window", n)
	}
	offline, scanOff := ow.desk(t, rppsA, nil)
	_, err := scanRead(t, offline, scanOff, ow.shortQR(t, ow.fresh()))
	if !errors.Is(err, online.ErrOnlineNotConfigured) {
		t.Fatalf("err %v, want online-not-configured", err)
	}
	deskmsgtest.Check(t, err, true)
	// The offline QR code still reads, without rights.
	id, err := scanRead(t, offline, scanOff, ow.fullQR(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := id.Rights(context.Background()); !errors.Is(err, online.ErrRightsUnavailable) || !errors.Is(err, online.ErrOnlineNotConfigured) {
		t.Errorf("rights without a service: %v", err)
	}
}

// TestRightsInBackground: after an offline (full) QR code, the rights are
// fetched in the background: Read returns before a slow service answers;
// Rights then waits for them. When the service fails, Rights says
// rights-unavailable and why, and the identity stays.
func TestRightsInBackground(t *testing.T) {
	ow := newOnlineWorld(t)
	r, scan := ow.desk(t, rppsA, defaults)
	ow.svc.SetFault(backoffice.Fault{Delay: time.Second})
	id, err := scanRead(t, r, scan, ow.fullQR(t))
	if err != nil {
		t.Fatal(err)
	}
	now, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := id.Rights(now); !errors.Is(err, context.Canceled) {
		t.Fatalf("rights at Read's return: %v; want them still on their way", err)
	}
	list, err := id.Rights(context.Background())
	if err != nil || len(list) != len(id.Beneficiaires) {
		t.Fatalf("rights: %d, %v", len(list), err)
	}
	if got := rights.WhoOf(id.Beneficiaires[0]); list[0].NIR != got.NIR {
		t.Error("rights of another beneficiary")
	}

	ow.svc.SetFault(backoffice.Fault{Down: true})
	defer ow.svc.SetFault(backoffice.Fault{})
	id, err = scanRead(t, r, scan, ow.fullQR(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = id.Rights(context.Background())
	if !errors.Is(err, online.ErrRightsUnavailable) || !errors.Is(err, service.ErrServiceUnavailable) {
		t.Fatalf("rights with the service down: %v", err)
	}
	if apcverr.Code(err) != "rights-unavailable" {
		t.Errorf("code %q, want rights-unavailable first", apcverr.Code(err))
	}
	deskmsgtest.Check(t, err, false)
}

// TestRightsNFC: an identity read over NFC gets its rights in the
// background too.
func TestRightsNFC(t *testing.T) {
	ow := newOnlineWorld(t)
	f := field.New("desk")
	r, err := reader.Open(context.Background(), reader.Config{Enabled: true, ListAuthority: ow.w.Issuer.ListAuthority(), Lists: ow.w,
		NFC:    []nfc.Source{f},
		Online: &online.Config{URL: ow.svc.URL, Cert: ow.svc.PSCert(t, rppsA), Roots: ow.svc.Roots}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, err := ow.w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	f.Tap(a)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	id, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer id.Release()
	list, err := id.Rights(ctx)
	if err != nil || id.Mode != credential.ModeNFC || len(list) != len(id.Beneficiaires) || list[0].NIR != id.Beneficiaires[0].NIR {
		t.Fatalf("NFC rights: mode %v, %d rights for %d beneficiaries, %v", id.Mode, len(list), len(id.Beneficiaires), err)
	}
}

// TestRightsChosenBeneficiary: a chosen-beneficiary code (the person seen
// is not the ouvrant droit, who is reduced to NIR, qualité and organisme)
// gets the rights of the person seen: the reduced ouvrant droit has no
// birth date nor rank to ask with.
func TestRightsChosenBeneficiary(t *testing.T) {
	ow := newOnlineWorld(t)
	r, scan := ow.desk(t, rppsA, defaults)
	held, dev, err := ow.w.Phone.Wallet()
	if err != nil {
		t.Fatal(err)
	}
	text, err := held.PresentQRFor(dev, time.Now(), 1, 3, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := scanRead(t, r, scan, text)
	if err != nil {
		t.Fatal(err)
	}
	if id.Selected != 1 || len(id.Beneficiaires) != 2 {
		t.Fatalf("selected %d of %d beneficiaries, want 1 of 2", id.Selected, len(id.Beneficiaires))
	}
	list, err := id.Rights(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].NIR != id.Beneficiaires[1].NIR || list[0].Rang != id.Beneficiaires[1].RangNaissance {
		t.Fatalf("rights of %d beneficiaries, want the person seen's only", len(list))
	}
}
