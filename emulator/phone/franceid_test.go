package phone_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/franceid"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

const cniePIN = "2580" // the PIN of every case profile's CNIe

// deck is the training deck's eligibility: the France Identité cases live
// outside its 23 départements when the story says so.
var deck = issuer.Options{Eligibility: issuer.TrainingDeck()}

// fiSteps are the France Identité route's steps in order.
var fiSteps = []string{"start", "nir", "send", "verify", "read", "code", "submit"}

func (e *env) fiStep(name string) error {
	switch name {
	case "start":
		return e.ph.StartActivationFranceIdentite()
	case "read":
		return e.ph.ReadCNIe(cniePIN)
	}
	return e.step(name)
}

// fiUntil runs the France Identité steps before the named one.
func (e *env) fiUntil(t testing.TB, name string) {
	t.Helper()
	for _, s := range fiSteps {
		if s == name {
			return
		}
		if err := e.fiStep(s); err != nil {
			t.Fatalf("step %s: %v", s, err)
		}
	}
}

// nfcAll presents every group over NFC and verifies it as a reader does.
func nfcAll(t *testing.T, e *env) *credential.Presentation {
	t.Helper()
	held, dev, err := e.ph.Wallet()
	if err != nil {
		t.Fatal(err)
	}
	transcript := []byte("a session transcript of the test reader")
	resp, err := held.PresentNFC(dev, transcript, credential.AllGroups, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newVerifier(t, e).VerifyNFC(resp, transcript, credential.AllGroups)
	if err != nil {
		t.Fatalf("VerifyNFC: %v", err)
	}
	return p
}

// TestFranceIdentiteActiveAtOnce is the article's story: a person living
// outside the deck's 23 départements, refused by the video route, activates
// through France Identité and the app is active at once — no 48 h, no
// "finalise" e-mail, no reopening — with the card's état civil (sex,
// acquisition date) in the signed credential, kept by later renewals.
func TestFranceIdentiteActiveAtOnce(t *testing.T) {
	e := newEnv(t, "franceid-hors-deploiement", deck, nil)
	od := e.prof.OuvrantDroit()

	// The video route is not open in Paris (75).
	e.until(t, "nir")
	if err := e.step("nir"); !errors.Is(err, issuer.ErrNotEligible) {
		t.Fatalf("video route in 75: %v, want ErrNotEligible", err)
	}

	if err := e.ph.ActivateFranceIdentite(cniePIN, goodCode); err != nil {
		t.Fatalf("ActivateFranceIdentite: %v", err)
	}
	if !e.fc.Now().Equal(t0) {
		t.Fatalf("the clock moved: %v", e.fc.Now())
	}
	if got := e.ph.State(); got != phone.ActiveLocked {
		t.Fatalf("state right after France Identité = %v, want active (no 48 h wait)", got)
	}
	view, err := e.iss.PersonView(od.NIR)
	if err != nil {
		t.Fatal(err)
	}
	if view.AppState != issuer.AppActive || view.ActivationState != issuer.ActivationCompleted {
		t.Fatalf("issuer view = %+v", view)
	}
	for _, m := range e.iss.Mails(e.prof.Email) {
		if m.Subject == issuer.SubjectFinalise {
			t.Fatalf("a 'finalise' e-mail was sent: the France Identité route has no validation to finalise")
		}
	}
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	text, err := e.ph.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newVerifier(t, e).VerifyQR(text); err != nil {
		t.Fatalf("QR of the new app: %v", err)
	}

	// The état civil is the card's, in the signed data, acquired today.
	p := nfcAll(t, e)
	ec := p.Family.EtatCivil
	today := credential.DateOf(t0)
	if ec == nil || ec.Sexe != credential.SexMale || ec.DateAcquisition != today || ec.TypeDocument != "CNI" ||
		ec.Prenoms != e.prof.Family.EtatCivil.Prenoms || ec.CommuneNaissance != "75112" {
		t.Fatalf("état civil presented = %+v", ec)
	}

	// 91 days later, opened online: renewed, the état civil not updated.
	e.fc.Advance(91 * 24 * time.Hour)
	if err := e.ph.Open(); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	if ec := nfcAll(t, e).Family.EtatCivil; ec == nil || ec.DateAcquisition != today {
		t.Fatalf("after renewal the état civil = %+v, want acquired %v", ec, today)
	}
	if up, _ := e.ph.UpdatedAt(); !up.Equal(e.fc.Now().Truncate(time.Second)) {
		t.Fatalf("update date %v", up)
	}
}

// TestFranceIdentiteRefusals runs each case profile of the route to the
// step where it is refused: the typed error, its FR/EN message, and no
// credential left behind.
func TestFranceIdentiteRefusals(t *testing.T) {
	for _, tc := range []struct {
		profile string
		step    string
		want    error
	}{
		{"franceid-ios-app-ancienne", "start", phone.ErrAppUpdateNeeded},
		{"franceid-sans-nfc", "read", phone.ErrNoNFCReader},
		{"franceid-nfc-desactive", "read", phone.ErrNFCOff},
		{"franceid-root", "read", phone.ErrModifiedSystem},
		{"franceid-bootloader-deverrouille", "read", phone.ErrModifiedSystem},
		{"franceid-absente", "read", phone.ErrFranceIdentiteNotInstalled},
		{"franceid-non-activee", "read", phone.ErrFranceIdentiteNotActivated},
		{"franceid-cni-ancienne", "read", phone.ErrNoCNIe},
		{"franceid-cnie-expiree", "read", phone.ErrCNIeExpired},
		{"franceid-cnie-contrefaite", "read", phone.ErrCNIeInvalidSignature},
		{"franceid-identite-differente", "submit", phone.ErrFranceIdentiteMismatch},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			e := newEnv(t, tc.profile, deck, nil)
			e.fiUntil(t, tc.step)
			err := e.fiStep(tc.step)
			if !errors.Is(err, tc.want) {
				t.Fatalf("step %s: %v, want %v", tc.step, err, tc.want)
			}
			var sentinel *apcverr.Error
			errors.As(tc.want, &sentinel)
			if tc.want != phone.ErrFranceIdentiteMismatch {
				if fr := apcverr.Message(err, apcverr.FR); fr != sentinel.FR {
					t.Errorf("FR message %q, want %q", fr, sentinel.FR)
				}
				if en := apcverr.Message(err, apcverr.EN); en != sentinel.EN {
					t.Errorf("EN message %q, want %q", en, sentinel.EN)
				}
			} else if fr := apcverr.Message(err, apcverr.FR); fr == apcverr.Generic.FR || fr == "" {
				t.Errorf("mismatch without a message: %q", fr)
			}
			if _, ok := e.ph.CredentialID(); ok {
				t.Fatal("a credential after a refusal")
			}
			if st := e.ph.State(); st.Active() {
				t.Fatalf("state %v after a refusal", st)
			}
			if v, err := e.iss.PersonView(e.prof.OuvrantDroit().NIR); err != nil || v.AppState != issuer.AppNone {
				t.Fatalf("issuer view %+v, %v", v, err)
			}
		})
	}
}

// TestFranceIdentiteMismatchMessage: the card and the record differ by a
// first name: the app's message is the one a reader of the article quotes
// when no finer reason is known.
func TestFranceIdentiteMismatchMessage(t *testing.T) {
	e := newEnv(t, "franceid-identite-differente", deck, nil)
	e.fiUntil(t, "submit")
	err := e.fiStep("submit")
	if !errors.Is(err, issuer.ErrFranceIdentiteMismatch) {
		t.Fatalf("submit: %v", err)
	}
	if st := e.ph.State(); st != phone.Activating {
		t.Fatalf("state %v, want still activating (the person may switch to the video route)", st)
	}
	// The same matcher as the video route's (package idmatch): the message
	// names the field and both values, the code is the cause's.
	msg := apcverr.Message(err, apcverr.FR)
	if !strings.Contains(msg, "Jean-Pierre") || !strings.Contains(msg, "Jean-Paul") || !strings.Contains(msg, "ne correspond") {
		t.Fatalf("FR message %q", msg)
	}
	var me *idmatch.MismatchError
	if !errors.As(err, &me) || me.Field != idmatch.FieldFirstNames || apcverr.Code(err) != me.Cause.Code {
		t.Fatalf("cause %v, code %s", err, apcverr.Code(err))
	}
}

// TestFranceIdentiteSameMatcher: France Identité's identity goes through
// the video route's matcher: a hyphen on the card and a space at the
// health insurance (« J'ai un prénom composé avec une fois un trait
// d'union et une fois sans ») are accepted on both routes.
func TestFranceIdentiteSameMatcher(t *testing.T) {
	e := newEnv(t, "franceid-prenom-tiret", issuer.Options{}, nil)
	if err := e.ph.ActivateFranceIdentite(cniePIN, goodCode); err != nil {
		t.Fatalf("France Identité: %v", err)
	}
	if got := e.ph.Profile().Family.EtatCivil.Prenoms; got != "Jean-Marie" {
		t.Fatalf("the app's état civil has %q, want the card's", got)
	}
	v := newEnv(t, "franceid-prenom-tiret", issuer.Options{}, nil)
	v.active(t) // the video route, same person, same document
}

// TestFranceIdentitePIN: the card's chip counts wrong PINs, blocks at the
// third, and a right PIN resets the count before that.
func TestFranceIdentitePIN(t *testing.T) {
	e := newEnv(t, "franceid-hors-deploiement", deck, nil)
	e.fiUntil(t, "read")
	err := e.ph.ReadCNIe("0000")
	var pe *franceid.PINError
	if !errors.As(err, &pe) || pe.Remaining != 2 || !errors.Is(err, phone.ErrCNIeWrongPIN) {
		t.Fatalf("first wrong PIN: %v", err)
	}
	if msg := apcverr.Message(err, apcverr.FR); msg != "Code PIN de la carte d'identité erroné. Il reste 2 essai(s)." {
		t.Fatalf("FR message %q", msg)
	}
	if err := e.ph.ReadCNIe(cniePIN); err != nil { // resets the count
		t.Fatalf("right PIN: %v", err)
	}
	if n := e.ph.Card().WrongPINs(); n != 0 {
		t.Fatalf("wrong PINs after a right one = %d", n)
	}
	for i, want := range []int{2, 1} {
		if err := e.ph.ReadCNIe("9999"); !errors.As(err, &pe) || pe.Remaining != want {
			t.Fatalf("wrong PIN %d: %v", i+1, err)
		}
	}
	if err := e.ph.ReadCNIe("9999"); !errors.Is(err, phone.ErrCNIePINBlocked) {
		t.Fatalf("third wrong PIN: %v, want ErrCNIePINBlocked", err)
	}
	if err := e.ph.ReadCNIe(cniePIN); !errors.Is(err, phone.ErrCNIePINBlocked) {
		t.Fatalf("right PIN on a blocked card: %v", err)
	}
}

// TestNFCOff: NFC turned off in the settings stops France Identité and the
// contactless reading at the desk alike; the QR code stays.
func TestNFCOff(t *testing.T) {
	e := newEnv(t, "franceid-nfc-desactive", issuer.Options{}, nil)
	if err := e.ph.CheckNFC(); !errors.Is(err, phone.ErrNoNFC) {
		t.Fatalf("CheckNFC with NFC off: %v", err)
	}
	on := newEnv(t, "franceid-nfc-desactive", issuer.Options{}, func(p *phone.Profile) { p.Device.NFCOff = false })
	if err := on.ph.CheckNFC(); err != nil {
		t.Fatalf("CheckNFC with NFC on: %v", err)
	}
}

// TestFranceIdentiteAccepted: the readers' phones that work — GrapheneOS
// locked and not rooted, an iPhone (France Identité reads the card by NFC;
// the app still shows only the QR at the desk).
func TestFranceIdentiteAccepted(t *testing.T) {
	for _, name := range []string{"franceid-grapheneos", "franceid-iphone", "franceid-hors-deploiement"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, name, deck, nil)
			if err := e.ph.ActivateFranceIdentite(cniePIN, goodCode); err != nil {
				t.Fatal(err)
			}
			if st := e.ph.State(); st != phone.ActiveLocked {
				t.Fatalf("state %v", st)
			}
			if (e.ph.CheckNFC() == nil) != e.prof.Device.HasNFC() {
				t.Fatalf("CheckNFC %v", e.ph.CheckNFC())
			}
		})
	}
}

// TestFranceIdentiteOffline: "Être connecté à internet pendant toute la
// durée de l'activation": every step of the route, offline, is refused.
func TestFranceIdentiteOffline(t *testing.T) {
	for _, step := range fiSteps {
		t.Run(step, func(t *testing.T) {
			e := newEnv(t, "franceid-hors-deploiement", deck, nil)
			e.fiUntil(t, step)
			e.ph.SetOnline(false)
			if err := e.fiStep(step); !errors.Is(err, phone.ErrOffline) {
				t.Fatalf("%s offline: %v, want ErrOffline", step, err)
			}
			e.ph.SetOnline(true)
			if err := e.fiStep(step); err != nil {
				t.Fatalf("%s back online: %v", step, err)
			}
		})
	}
}

// TestFranceIdentiteReplacesOtherPhone: one user, one active app — the
// France Identité activation on a new phone revokes the old one's.
func TestFranceIdentiteReplacesOtherPhone(t *testing.T) {
	e := newEnv(t, "franceid-hors-deploiement", issuer.Options{}, nil)
	e.active(t) // video route (no eligibility rule here)
	old, _ := e.ph.CredentialID()
	second := e.newPhone(t, e.prof)
	if err := second.ActivateFranceIdentite(cniePIN, goodCode); err != nil {
		t.Fatal(err)
	}
	if st := e.ph.State(); st != phone.Revoked {
		t.Fatalf("old phone %v, want revoked", st)
	}
	st, err := e.iss.CredentialStatus(old)
	if err != nil || !st.Revoked || st.Reason != issuer.ReasonNewDevice {
		t.Fatalf("old credential %+v, %v", st, err)
	}
}

// TestFranceIdentiteRouteSteps: the two routes' steps do not mix.
func TestFranceIdentiteRouteSteps(t *testing.T) {
	e := newEnv(t, "franceid-hors-deploiement", issuer.Options{}, nil)
	e.until(t, "consent")
	if err := e.ph.ReadCNIe(cniePIN); !errors.Is(err, phone.ErrActivationStep) {
		t.Fatalf("ReadCNIe on the video route: %v", err)
	}
	if r := e.ph.Route(); r != phone.RouteVideo || r.String() != "video" {
		t.Fatalf("route %v", r)
	}
	e.fiUntil(t, "read")
	if r := e.ph.Route(); r != phone.RouteFranceIdentite || r.String() != "france-identite" {
		t.Fatalf("route %v", r)
	}
	if err := e.ph.ChooseCode(goodCode, goodCode); !errors.Is(err, phone.ErrActivationStep) {
		t.Fatalf("code before the card was read: %v", err)
	}
}

// TestFranceIdentitePersists: a France Identité activation interrupted
// after the card was read goes on after a restart.
func TestFranceIdentitePersists(t *testing.T) {
	fc := newEnv(t, "franceid-hors-deploiement", deck, nil).fc
	iss, err := issuer.New(issuer.Options{Clock: fc, Eligibility: issuer.TrainingDeck()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	prof := loadProfile(t, "franceid-hors-deploiement", nil)
	ph, err := phone.Open(dir, prof, phone.Options{Issuer: iss, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if err := ph.StartActivationFranceIdentite(); err != nil {
		t.Fatal(err)
	}
	if ph, err = phone.Open(dir, prof, phone.Options{Issuer: iss, Clock: fc}); err != nil {
		t.Fatal(err)
	}
	if r := ph.Route(); r != phone.RouteFranceIdentite { // chosen, no NIR yet
		t.Fatalf("route after a restart at the start: %v", r)
	}
	e := &env{fc: fc, iss: iss, ph: ph, prof: prof}
	for _, step := range fiSteps[1:4] {
		if err := e.fiStep(step); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	if err := e.fiStep("read"); err != nil {
		t.Fatal(err)
	}
	ph2, err := phone.Open(dir, prof, phone.Options{Issuer: iss, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if r := ph2.Route(); r != phone.RouteFranceIdentite {
		t.Fatalf("route after restart %v", r)
	}
	if err := ph2.ChooseCode(goodCode, goodCode); err != nil {
		t.Fatal(err)
	}
	if err := ph2.Submit(); err != nil {
		t.Fatal(err)
	}
	if st := ph2.State(); st != phone.ActiveLocked {
		t.Fatalf("state %v", st)
	}
	ph3, err := phone.Open(dir, prof, phone.Options{Issuer: iss, Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if st, r := ph3.State(), ph3.Route(); st != phone.ActiveLocked || r != phone.RouteFranceIdentite {
		t.Fatalf("active app after a restart: %v, route %v", st, r)
	}
	if err := ph3.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
}
