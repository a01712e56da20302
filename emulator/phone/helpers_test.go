package phone_test

import (
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

const goodCode = "482915"

// env is one issuer, its fake clock, and a phone.
type env struct {
	fc   *clock.Fake
	iss  *issuer.Issuer
	ph   *phone.Phone
	prof *phone.Profile
}

func newEnv(t testing.TB, profile string, io issuer.Options, edit func(*phone.Profile)) *env {
	t.Helper()
	fc := clock.NewFake(t0)
	io.Clock = fc
	iss, err := issuer.New(io)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{fc: fc, iss: iss}
	e.prof = loadProfile(t, profile, edit)
	e.ph = e.newPhone(t, e.prof)
	return e
}

func loadProfile(t testing.TB, name string, edit func(*phone.Profile)) *phone.Profile {
	t.Helper()
	p, err := phone.BuiltinProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(p)
	}
	return p
}

func (e *env) newPhone(t testing.TB, p *phone.Profile) *phone.Phone {
	t.Helper()
	ph, err := phone.New(p, phone.Options{Issuer: e.iss, Clock: e.fc})
	if err != nil {
		t.Fatal(err)
	}
	return ph
}

// stepNames are the activation steps in order.
var stepNames = []string{"start", "nir", "send", "verify", "consent", "identity", "code", "submit", "validate", "open"}

func (e *env) step(name string) error {
	od := e.prof.OuvrantDroit()
	switch name {
	case "start":
		return e.ph.StartActivation()
	case "nir":
		return e.ph.EnterNIR(od.NIR.Format())
	case "send":
		return e.ph.SendEmailCode(e.prof.Email)
	case "verify":
		code, _, _ := e.iss.Mailbox(e.prof.Email)
		return e.ph.VerifyEmailCode(code)
	case "consent":
		return e.ph.ConsentBiometrics(true)
	case "identity":
		return e.ph.CheckIdentity(e.prof.IdentityDocument(), true)
	case "code":
		return e.ph.ChooseCode(goodCode, goodCode)
	case "submit":
		return e.ph.Submit()
	case "validate":
		return e.iss.Validate(od.NIR)
	case "open":
		return e.ph.Open()
	}
	panic("unknown step " + name)
}

// until runs the steps before the named one ("" runs them all).
func (e *env) until(t testing.TB, name string) {
	t.Helper()
	for _, s := range stepNames {
		if s == name {
			return
		}
		if err := e.step(s); err != nil {
			t.Fatalf("step %s: %v", s, err)
		}
	}
}

// active runs every step and unlocks the app.
func (e *env) active(t testing.TB) {
	t.Helper()
	e.until(t, "")
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}
