package phone_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

const day = 24 * time.Hour

// presentNow unlocks the app and has a reader verify a fresh QR code with
// lists issued now.
func presentNow(t *testing.T, e *env) (*credential.Presentation, error) {
	t.Helper()
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	qr, err := e.ph.PresentQR()
	if err != nil {
		t.Fatalf("PresentQR: %v", err)
	}
	return newVerifier(t, e).VerifyQR(qr)
}

// TestRenewalAtOpening is the deck's "at each opening of the app (with an
// Internet connection) the update starts by itself": opened at day 0, then
// again 91 days later, the app online renews its 90-day credential (a
// reader accepts it, with the data the health insurance holds that day) and
// shows the new update date; offline it keeps the expired one, which a
// reader refuses with credential-expired — and following the desk's advice
// (open the app online) then works.
func TestRenewalAtOpening(t *testing.T) {
	for _, tt := range []struct {
		name    string
		online  bool
		wantErr error
	}{
		{"online", true, nil},
		{"offline", false, credential.ErrExpired},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "famille-6-drome", issuer.Options{}, nil)
			e.active(t) // opened at day 0
			if _, err := presentNow(t, e); err != nil {
				t.Fatalf("day 0: %v", err)
			}
			day0, ok := e.ph.UpdatedAt()
			if !ok || !day0.Equal(t0) {
				t.Fatalf("update date at activation = %v, %v; want %v", day0, ok, t0)
			}
			oldID, _ := e.ph.CredentialID()

			e.fc.Advance(91 * day)
			if _, err := presentNow(t, e); !errors.Is(err, credential.ErrExpired) {
				t.Fatalf("day 91, not reopened: %v, want credential-expired", err)
			}
			// The health insurance's data changed meanwhile.
			fam := e.prof.Family
			fam.Beneficiaires = append([]credential.Beneficiary(nil), fam.Beneficiaires...)
			fam.Beneficiaires[0].NomUsage = "RENOUVELE"
			if err := e.iss.UpdateFamily(fam); err != nil {
				t.Fatal(err)
			}

			e.ph.SetOnline(tt.online)
			if e.ph.Online() != tt.online {
				t.Fatalf("Online = %v", e.ph.Online())
			}
			if err := e.ph.Open(); err != nil { // opened again, day 91
				t.Fatalf("open: %v", err)
			}
			p, err := presentNow(t, e)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("day 91 after opening %s: %v, want %v", tt.name, err, tt.wantErr)
			}
			upd, _ := e.ph.UpdatedAt()
			newID, _ := e.ph.CredentialID()
			if !tt.online {
				if !upd.Equal(day0) || newID != oldID {
					t.Fatalf("offline: update date %v, credential %x; want unchanged %v, %x", upd, newID, day0, oldID)
				}
				if msg := apcverr.Message(err, apcverr.FR); msg != credential.ErrExpired.FR {
					t.Fatalf("desk message %q", msg)
				}
				// The desk's advice: open the app connected to the internet.
				e.ph.SetOnline(true)
				if err := e.ph.Open(); err != nil {
					t.Fatal(err)
				}
				if p, err = presentNow(t, e); err != nil {
					t.Fatalf("after following the desk's advice: %v", err)
				}
				upd, _ = e.ph.UpdatedAt()
				newID, _ = e.ph.CredentialID()
			}
			if want := t0.Add(91 * day); !upd.Equal(want) {
				t.Fatalf("update date %v, want %v", upd, want)
			}
			if newID == oldID || p.CredentialID != newID {
				t.Fatalf("credential %x presented %x, was %x", newID, p.CredentialID, oldID)
			}
			if want := t0.Add(181 * day); !p.ValidUntil.Equal(want) {
				t.Fatalf("renewed credential valid until %v, want %v", p.ValidUntil, want)
			}
			if got := p.Family.Beneficiaires[0].NomUsage; got != "RENOUVELE" {
				t.Fatalf("renewed credential carries usage name %q, want today's data", got)
			}
			if got := e.ph.Profile().Family.Beneficiaires[0].NomUsage; got != "RENOUVELE" {
				t.Fatalf("the app shows usage name %q", got)
			}
			if st, _ := e.iss.CredentialStatus(oldID); !st.Revoked || st.Reason != issuer.ReasonRenewed {
				t.Fatalf("old credential = %+v", st)
			}
		})
	}
}

// TestRenewalAtEveryOpening: each opening online updates the app, not only
// an expired one; the QR counter goes on across renewals.
func TestRenewalAtEveryOpening(t *testing.T) {
	e := newEnv(t, "isere-solo", issuer.Options{}, nil)
	e.active(t)
	seen := map[[8]byte]bool{}
	for i := range 3 {
		e.fc.Advance(day)
		if err := e.ph.Open(); err != nil {
			t.Fatal(err)
		}
		id, _ := e.ph.CredentialID()
		upd, _ := e.ph.UpdatedAt()
		if seen[id] || !upd.Equal(t0.Add(time.Duration(i+1)*day)) {
			t.Fatalf("opening %d: credential %x (seen %v), updated %v", i, id, seen[id], upd)
		}
		seen[id] = true
		p, err := presentNow(t, e)
		if err != nil || p.Counter != uint32(i+1) {
			t.Fatalf("opening %d: %+v, %v", i, p, err)
		}
	}
	// A revoked app is not renewed.
	id, _ := e.ph.CredentialID()
	if err := e.iss.Revoke(id, issuer.ReasonAgent); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.Open(); !errors.Is(err, phone.ErrRevoked) {
		t.Fatalf("open a revoked app: %v", err)
	}
}

// TestRenewalPersists: the update date and the renewed credential survive
// a restart; a renewal whose answer was lost (the phone killed before
// saving it) is fetched again; a state saved before the update date was
// kept still opens.
func TestRenewalPersists(t *testing.T) {
	s := newSaved(t)
	prof := loadProfile(t, "isere-solo", nil)
	e := s.env(t, prof)
	e.active(t)
	s.fc.Advance(91 * day)
	if err := e.ph.Open(); err != nil {
		t.Fatal(err)
	}
	id, _ := e.ph.CredentialID()
	upd, _ := e.ph.UpdatedAt()

	e = s.env(t, prof) // restart
	if got, _ := e.ph.CredentialID(); got != id {
		t.Fatalf("credential after restart %x, want %x", got, id)
	}
	if got, ok := e.ph.UpdatedAt(); !ok || !got.Equal(upd) {
		t.Fatalf("update date after restart %v, %v; want %v", got, ok, upd)
	}
	if _, err := presentNow(t, e); err != nil {
		t.Fatal(err)
	}

	// The issuer renews but the answer never reaches the phone.
	s.fc.Advance(day)
	lost, err := e.iss.Renew(id)
	if err != nil {
		t.Fatal(err)
	}
	e = s.env(t, prof) // restart: the phone learns of it from the issuer
	if got, _ := e.ph.CredentialID(); got != lost.CredentialID {
		t.Fatalf("credential %x, want the renewed %x", got, lost.CredentialID)
	}
	if got, _ := e.ph.UpdatedAt(); !got.Equal(t0.Add(92 * day)) {
		t.Fatalf("update date %v", got)
	}

	// A state file from before the update date.
	path := filepath.Join(s.dir, "phones", phone.StateFile(prof.Name))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(without(t, data, "updatedAt")), 0o600); err != nil {
		t.Fatal(err)
	}
	e = s.env(t, prof)
	if _, ok := e.ph.UpdatedAt(); ok {
		t.Fatal("an update date from a state that had none")
	}
	if _, err := presentNow(t, e); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.Open(); err != nil {
		t.Fatal(err)
	}
	if got, ok := e.ph.UpdatedAt(); !ok || !got.Equal(t0.Add(92*day)) {
		t.Fatalf("update date after opening %v, %v", got, ok)
	}
}

// TestOpenOfflinePending: a pending request cannot be collected offline.
func TestOpenOfflinePending(t *testing.T) {
	e := newEnv(t, "isere-solo", issuer.Options{}, nil)
	e.until(t, "open")
	e.ph.SetOnline(false)
	if err := e.ph.Open(); !errors.Is(err, phone.ErrOffline) || e.ph.State() != phone.PendingValidation {
		t.Fatalf("open offline: %v, state %v", err, e.ph.State())
	}
	e.ph.SetOnline(true)
	if err := e.ph.Open(); err != nil || e.ph.State() != phone.ActiveLocked {
		t.Fatalf("open online: %v, state %v", err, e.ph.State())
	}
	if _, ok := e.ph.UpdatedAt(); !ok {
		t.Fatal("no update date after collection")
	}
}

// TestRejectedActivation: the back office rejects the request; the
// "activation failed" e-mail says nothing of the reason, the app shows it
// when opened, and the user can start again.
func TestRejectedActivation(t *testing.T) {
	e := newEnv(t, "isere-solo", issuer.Options{}, nil)
	e.until(t, "validate")
	nir := e.prof.OuvrantDroit().NIR
	if err := e.iss.Reject(nir, issuer.RejectFaceMismatch); err != nil {
		t.Fatal(err)
	}
	m, ok := e.iss.LastMail(e.prof.Email)
	if !ok || m.Subject != issuer.SubjectFailed {
		t.Fatalf("last mail = %+v", m)
	}
	err := e.ph.Open()
	if !errors.Is(err, phone.ErrActivationRejected) || !errors.Is(err, issuer.ErrRejectedFaceMismatch) {
		t.Fatalf("open = %v, want the rejection with its reason", err)
	}
	for _, lang := range []apcverr.Lang{apcverr.FR, apcverr.EN} {
		if got, want := apcverr.Message(err, lang), issuer.ErrRejectedFaceMismatch.Message(lang); got != want {
			t.Fatalf("the app shows %q, want %q", got, want)
		}
	}
	if got := e.ph.State(); got != phone.NotActivated {
		t.Fatalf("state after a rejection = %v", got)
	}
	if err := e.ph.Open(); err != nil {
		t.Fatalf("second open: %v", err)
	}
	e.until(t, "") // the activation again, validated this time
	if m, _ := e.iss.LastMail(e.prof.Email); m.Subject != issuer.SubjectFinalise {
		t.Fatalf("last mail = %+v", m)
	}
	if got := e.ph.State(); got != phone.ActiveLocked {
		t.Fatalf("state = %v", got)
	}
}
