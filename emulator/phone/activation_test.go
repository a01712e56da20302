package phone_test

import (
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

func TestActivationRejections(t *testing.T) {
	type row struct {
		name    string
		profile string
		opts    issuer.Options
		edit    func(*phone.Profile)
		before  string // the steps before this one run and must pass
		act     func(t *testing.T, e *env) error
		want    error // nil: must pass
		state   phone.State
	}
	wrongNIR := func(s string) func(*testing.T, *env) error {
		return func(_ *testing.T, e *env) error { return e.ph.EnterNIR(s) }
	}
	advanceThen := func(d time.Duration, step string) func(*testing.T, *env) error {
		return func(_ *testing.T, e *env) error { e.fc.Advance(d); return e.step(step) }
	}
	rows := []row{
		{name: "NIR bad key", before: "nir", act: wrongNIR("2 88 02 38 185 066 35"), want: phone.ErrInvalidNIR, state: phone.Activating},
		{name: "NIR too short", before: "nir", act: wrongNIR("2880238185066"), want: phone.ErrInvalidNIR, state: phone.Activating},
		{name: "NIR letters", before: "nir", act: wrongNIR("2 88 02 38 18X 066 36"), want: phone.ErrInvalidNIR, state: phone.Activating},
		{name: "NIR empty", before: "nir", act: wrongNIR(""), want: phone.ErrInvalidNIR, state: phone.Activating},
		{name: "NIR valid but unknown", before: "nir", act: wrongNIR("1 90 07 75 114 236 59"), want: phone.ErrUnknownNIR, state: phone.Activating},
		{name: "NIR third wrong attempt", before: "nir", act: func(_ *testing.T, e *env) error {
			e.ph.EnterNIR("1")
			e.ph.EnterNIR("2")
			return e.ph.EnterNIR("3")
		}, want: phone.ErrTooManyNIRAttempts, state: phone.Activating},
		{name: "NIR right after max attempts", before: "nir", act: func(_ *testing.T, e *env) error {
			for range 3 {
				e.ph.EnterNIR("1")
			}
			e.fc.Advance(24*time.Hour - time.Second)
			return e.step("nir")
		}, want: phone.ErrTooManyNIRAttempts, state: phone.Activating},
		{name: "NIR attempts reset after 24 h", before: "nir", act: func(_ *testing.T, e *env) error {
			for range 3 {
				e.ph.EnterNIR("1")
			}
			e.fc.Advance(24 * time.Hour)
			return e.step("nir")
		}, state: phone.Activating},
		{name: "NIR with a restart does not reset attempts", before: "nir", act: func(_ *testing.T, e *env) error {
			for range 3 {
				e.ph.EnterNIR("1")
			}
			e.ph.StartActivation()
			return e.step("nir")
		}, want: phone.ErrTooManyNIRAttempts, state: phone.Activating},
		{name: "département not deployed", profile: "ne-75-vit-92", opts: issuer.Options{Eligibility: issuer.TrainingDeck()},
			before: "nir", act: func(_ *testing.T, e *env) error { return e.step("nir") }, want: phone.ErrNotEligible, state: phone.NotActivated},
		{name: "Corsica not deployed", profile: "corse-2a", opts: issuer.Options{Eligibility: issuer.TrainingDeck()},
			before: "nir", act: func(_ *testing.T, e *env) error { return e.step("nir") }, want: phone.ErrNotEligible, state: phone.NotActivated},
		{name: "92 eligible with the default (all)", profile: "ne-75-vit-92",
			before: "nir", act: func(_ *testing.T, e *env) error { return e.step("nir") }, state: phone.Activating},
		{name: "organisme not deployed", opts: issuer.Options{Eligibility: issuer.Eligibility{Organismes: []string{"02"}}},
			before: "nir", act: func(_ *testing.T, e *env) error { return e.step("nir") }, want: phone.ErrNotEligible, state: phone.NotActivated},
		{name: "organisme deployed by caisse prefix", opts: issuer.Options{Eligibility: issuer.Eligibility{Organismes: []string{"01 381"}}},
			before: "nir", act: func(_ *testing.T, e *env) error { return e.step("nir") }, state: phone.Activating},
		{name: "blocked user", before: "nir", act: func(t *testing.T, e *env) error {
			if err := e.iss.Block(e.prof.OuvrantDroit().NIR); err != nil {
				t.Fatal(err)
			}
			return e.step("nir")
		}, want: phone.ErrBlocked, state: phone.NotActivated},
		{name: "no e-mail address", edit: func(p *phone.Profile) { p.Email = "" }, before: "send",
			act: func(_ *testing.T, e *env) error { return e.step("send") }, want: phone.ErrNoValidatedEmail, state: phone.Activating},
		{name: "consent before e-mail verified", before: "verify",
			act: func(_ *testing.T, e *env) error { return e.step("consent") }, want: phone.ErrNoValidatedEmail, state: phone.Activating},
		{name: "verify before a code was sent", before: "send",
			act: func(_ *testing.T, e *env) error { return e.ph.VerifyEmailCode("123456") }, want: phone.ErrNoValidatedEmail, state: phone.Activating},
		{name: "e-mail code wrong", before: "verify", act: func(_ *testing.T, e *env) error {
			code, _, _ := e.iss.Mailbox(e.prof.Email)
			wrong := []byte(code)
			wrong[0] = '0' + (wrong[0]-'0'+1)%10
			return e.ph.VerifyEmailCode(string(wrong))
		}, want: phone.ErrEmailCodeWrong, state: phone.Activating},
		{name: "e-mail code at 1 h - 1 s", before: "verify", act: advanceThen(time.Hour-time.Second, "verify"), state: phone.Activating},
		{name: "e-mail code at 1 h", before: "verify", act: advanceThen(time.Hour, "verify"), state: phone.Activating},
		{name: "e-mail code at 1 h + 1 s", before: "verify", act: advanceThen(time.Hour+time.Second, "verify"), want: phone.ErrEmailCodeExpired, state: phone.Activating},
		{name: "e-mail code replaced by a new one", before: "verify", act: func(_ *testing.T, e *env) error {
			old, _, _ := e.iss.Mailbox(e.prof.Email)
			for {
				e.step("send")
				if c, _, _ := e.iss.Mailbox(e.prof.Email); c != old {
					break
				}
			}
			return e.ph.VerifyEmailCode(old)
		}, want: phone.ErrEmailCodeWrong, state: phone.Activating},
		{name: "biometric consent refused", before: "consent",
			act: func(_ *testing.T, e *env) error { return e.ph.ConsentBiometrics(false) }, want: phone.ErrConsentRefused, state: phone.Activating},
		{name: "identity before consent", before: "consent",
			act: func(_ *testing.T, e *env) error { return e.step("identity") }, want: phone.ErrConsentRefused, state: phone.Activating},
		{name: "identity: face does not match", before: "identity",
			act: func(_ *testing.T, e *env) error { return e.ph.CheckIdentity(e.prof.IdentityDocument(), false) }, want: phone.ErrIdentityCheckFailed, state: phone.Activating},
		{name: "identity: someone else's document", before: "identity", act: func(_ *testing.T, e *env) error {
			doc := e.prof.IdentityDocument()
			doc.DateNaissance.Day++
			return e.ph.CheckIdentity(doc, true)
		}, want: phone.ErrIdentityCheckFailed, state: phone.Activating},
		{name: "code before identity", before: "identity",
			act: func(_ *testing.T, e *env) error { return e.step("code") }, want: phone.ErrActivationStep, state: phone.Activating},
		{name: "code trivial", before: "code",
			act: func(_ *testing.T, e *env) error { return e.ph.ChooseCode("123456", "123456") }, want: phone.ErrCodeTrivial, state: phone.Activating},
		{name: "code from birth date", before: "code",
			act: func(_ *testing.T, e *env) error { return e.ph.ChooseCode("290288", "290288") }, want: phone.ErrCodeBirthDate, state: phone.Activating},
		{name: "code not 6 digits", before: "code",
			act: func(_ *testing.T, e *env) error { return e.ph.ChooseCode("48291", "48291") }, want: phone.ErrCodeFormat, state: phone.Activating},
		{name: "confirmation differs", before: "code",
			act: func(_ *testing.T, e *env) error { return e.ph.ChooseCode(goodCode, "482916") }, want: phone.ErrCodeMismatch, state: phone.Activating},
		{name: "submit before code", before: "code",
			act: func(_ *testing.T, e *env) error { return e.step("submit") }, want: phone.ErrActivationStep, state: phone.Activating},
		{name: "NIR step before start", before: "start",
			act: func(_ *testing.T, e *env) error { return e.step("nir") }, want: phone.ErrActivationStep, state: phone.NotActivated},
		{name: "e-mail step before NIR", before: "nir",
			act: func(_ *testing.T, e *env) error { return e.step("send") }, want: phone.ErrActivationStep, state: phone.Activating},
		{name: "open while pending", before: "validate",
			act: func(_ *testing.T, e *env) error { return e.step("open") }, state: phone.PendingValidation},
		{name: "validation at 48 h - 1 s", before: "validate", act: advanceThen(48*time.Hour-time.Second, "validate"), state: phone.PendingValidation},
		{name: "validation at 48 h", before: "validate", act: advanceThen(48*time.Hour, "validate"), state: phone.PendingValidation},
		{name: "validation at 48 h + 1 s", before: "validate", act: advanceThen(48*time.Hour+time.Second, "validate"), want: phone.ErrValidationExpired, state: phone.PendingValidation},
		{name: "open after 48 h without validation", before: "validate", act: advanceThen(48*time.Hour+time.Second, "open"), want: phone.ErrValidationExpired, state: phone.NotActivated},
		{name: "reopen at 7 d - 1 s", before: "open", act: advanceThen(7*24*time.Hour-time.Second, "open"), state: phone.ActiveLocked},
		{name: "reopen at 7 d", before: "open", act: advanceThen(7*24*time.Hour, "open"), state: phone.ActiveLocked},
		{name: "reopen at 7 d + 1 s", before: "open", act: advanceThen(7*24*time.Hour+time.Second, "open"), want: phone.ErrProfileDeleted, state: phone.ProfileDeleted},
		{name: "start while active", before: "", act: func(_ *testing.T, e *env) error { return e.ph.StartActivation() }, want: phone.ErrActivationStep, state: phone.ActiveLocked},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			if tt.profile == "" {
				tt.profile = "isere-solo"
			}
			e := newEnv(t, tt.profile, tt.opts, tt.edit)
			e.until(t, tt.before)
			err := tt.act(t, e)
			if tt.want == nil && err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				if apcverr.Message(err, apcverr.FR) == apcverr.Generic.FR {
					t.Fatalf("no desk message for %v", err)
				}
			}
			if got := e.ph.State(); got != tt.state {
				t.Fatalf("state = %v, want %v", got, tt.state)
			}
		})
	}
}

// TestActivationCompletes runs every built-in profile through activation,
// unlock and a QR presentation that a real verifier accepts.
func TestActivationCompletes(t *testing.T) {
	for _, name := range phone.Profiles() {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, name, issuer.Options{}, nil)
			if want := e.prof.ActivationRefusal; want != "" {
				e.until(t, "identity")
				err := e.step("identity")
				if apcverr.Code(err) != want || !errors.Is(err, phone.ErrIdentityCheckFailed) {
					t.Fatalf("identity step: %v, want the refusal %s", err, want)
				}
				if e.ph.State() != phone.Activating {
					t.Fatalf("state %v after a refusal", e.ph.State())
				}
				return
			}
			e.active(t)
			if got := e.ph.State(); got != phone.ActiveUnlocked {
				t.Fatalf("state = %v", got)
			}
			v := newVerifier(t, e)
			text, err := e.ph.PresentQR()
			if err != nil {
				t.Fatal(err)
			}
			pres, err := v.VerifyQR(text)
			if err != nil {
				t.Fatalf("VerifyQR: %v", err)
			}
			fam := e.prof.Family
			if got := pres.Family.OuvrantDroit(); got == nil || got.NIR != fam.OuvrantDroit().NIR || len(pres.Family.Beneficiaires) != len(fam.Beneficiaires) {
				t.Fatalf("presented family differs: %v", pres.Family.Beneficiaires)
			}
			view, err := e.iss.PersonView(fam.OuvrantDroit().NIR)
			if err != nil {
				t.Fatal(err)
			}
			if view.AppState != issuer.AppActive || view.ActivationState != issuer.ActivationCompleted ||
				view.Device.OS != string(e.prof.Device.OS) || view.Device.Model != e.prof.Device.Model || view.Device.Version != e.prof.Device.Version {
				t.Fatalf("portal view = %+v", view)
			}
			if (e.ph.CheckNFC() == nil) != e.prof.Device.HasNFC() {
				t.Fatalf("CheckNFC = %v with HasNFC %v", e.ph.CheckNFC(), e.prof.Device.HasNFC())
			}
		})
	}
}

func newVerifier(t testing.TB, e *env) *credential.Verifier {
	t.Helper()
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: e.iss.ListAuthority(), Now: e.fc.Now})
	tl, err := e.iss.TrustList()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetTrustList(tl); err != nil {
		t.Fatal(err)
	}
	rl, err := e.iss.RevocationList(e.fc.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(rl); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCheckNFC(t *testing.T) {
	for name, want := range map[string]error{"isere-solo": nil, "ne-75-vit-92": phone.ErrNoNFC, "corse-2b": phone.ErrNoNFC, "ins-test-oids": phone.ErrNoNFC} {
		e := newEnv(t, name, issuer.Options{}, nil)
		if err := e.ph.CheckNFC(); !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("%s: CheckNFC = %v, want %v", name, err, want)
		}
	}
}
