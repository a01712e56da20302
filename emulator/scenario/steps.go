package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/link"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
)

// The steps. Each is one function registered in init; see registry.go.

func init() {
	// The world: phones and the clock.
	register("new-phone", "profile", "create a phone with the carte Vitale app installed, not activated, for a profile (built-in name or JSON file); the person is registered at the insurer", newPhone)
	register("advance", "by", "move the virtual clock forward (48h, 91d, 7d1h…)", advance)
	register("network", "state", "connect the phone to the Internet (online) or cut it off (offline)", network)

	// Activation, in one step or step by step.
	register("activate", "via", "the whole activation with the profile's own answers: video (every step, submit, wait, back-office validation or rejection, open) or france-identite (every step, the CNIe read with its PIN, active at once) — the app ends active and locked", activate)
	register("start-activation", "via", "the user starts the activation: video (default) or france-identite; the app checks its prerequisites (system version, tablet, autofocus, CGU, permissions)", startActivation)
	register("read-cnie", "pin", "France Identité reads the identity card (CNIe) with its PIN (default: the profile's card's)", readCNIe)
	register("answers", "", "the user's answers to the app's prompts: cgu, camera, microphone (true accepts, false refuses)", setAnswers)
	register("enter-nir", "nir", "the user types a NIR (default: the profile's)", enterNIR)
	register("send-email-code", "address", "the app asks for the e-mail verification code (default: the profile's address)", sendEmailCode)
	register("verify-email-code", "code", "the user types the e-mail code (default: the one in the mailbox)", verifyEmailCode)
	register("consent", "accept", "the user accepts (true) or refuses (false) the biometric check", consent)
	register("check-identity", "", "the video identity check with the profile's document, or with the fields given; face: false for a selfie that does not match", checkIdentity)
	register("choose-code", "code", "the user chooses the secret code (confirm defaults to the same code)", chooseCode)
	register("submit", "", "the app sends the activation request: the back office has 48 h", func(r *runner, _ *none) (string, error) { return onPhone(r, (*phone.Phone).Submit) })
	register("validate", "", "the back office validates the pending request (sends the \"Finalisez l'activation\" mail)", validate)
	register("reject", "reason", "the back office rejects the pending request for a reason (document-invalid, document-not-authentic, face-mismatch, identity-mismatch, video-unusable)", reject)

	// The app.
	register("open", "", "the user opens the app (collects a validated activation; online, renews the credential)", openApp)
	register("unlock", "code", "the user types the secret code (default: the one chosen at activation)", unlock)
	register("lock", "", "the app goes to the background, locked", func(r *runner, _ *none) (string, error) {
		return onPhone(r, func(p *phone.Phone) error { p.Lock(); return nil })
	})
	register("forgot-code", "", "\"code oublié\": the credential is revoked, the activation starts again", func(r *runner, _ *none) (string, error) { return onPhone(r, (*phone.Phone).ForgotCode) })
	register("change-code", "code", "Plus › changer mon code personnel: old (default the current code) and the new code (confirm defaults to it)", changeCode)
	register("change-email", "address", "Plus › changer mon adresse e-mail: a code is sent to the new address, then typed (code: default the one in the mailbox; confirm: false stops before, for confirm-email)", changeEmail)
	register("confirm-email", "code", "the user types the code sent by change-email (default: the one in the new address's mailbox)", confirmEmail)
	register("delete-profile", "", "the user deletes the profile from the phone", func(r *runner, _ *none) (string, error) { return onPhone(r, (*phone.Phone).DeleteProfile) })

	// The insurer and the management portal.
	register("move", "departement", "the person moves: the insurer records a new département of residence (what eligibility looks at)", move)
	register("data-change", "", "the health insurance changes the ouvrant droit's data (a usage name): the credential is re-issued", dataChange)
	register("portal-revoke", "reason", "an agent revokes the person's app at the management portal (agent: habilite by default, or viewer)", portalAction("revoke-app"))
	register("portal-block", "reason", "an agent blocks the person at the management portal", portalAction("block"))
	register("portal-unblock", "reason", "an agent unblocks the person at the management portal", portalAction("unblock"))
	register("portal-view", "", "an agent views the person at the portal; app-state and activation-state check what it shows", portalView)

	// The professional's desk.
	register("desk", "lists", "the professional's desk: lists auto (fetched at every reading, the default) or manual (only by refresh-lists); enabled (the software's ApCV function, default true); departement and deployed (training-deck, all or a list)", deskMode)
	register("refresh-lists", "", "the desk fetches the trust and revocation lists from the portal", func(r *runner, _ *none) (string, error) {
		if err := r.desk.refresh(); err != nil {
			return "", err
		}
		return "lists fetched", nil
	})
	register("read-nfc", "", "the patient taps the phone on the desk's contactless reader (in-memory field); the SDK reader must verify the identity", readNFC)
	register("read-qr", "", "the phone shows its QR code and the desk scans it; the SDK reader must verify the identity", readQR)

	// Checks.
	register("expect-state", "state", "the app's state: not-activated, activating, pending-validation, active, active-locked, active-unlocked, revoked, blocked, profile-deleted", expectState)
	register("expect-mail", "subject", "the last e-mail sent to the phone's address: its subject contains subject, its body contains contains and not lacks", expectMail)
	register("expect-activities", "count", "the app's Activités (care expenses billed with it in the last 7 days) hold count records; the app must be unlocked", expectActivities)
	register("expect-update-date", "ago", "the date the app shows as updated is this long before now (0s: just now)", expectUpdateDate)
}

type none struct{}

// onPhone runs f on the step's phone and reports the state it leaves.
func onPhone(r *runner, f func(*phone.Phone) error) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	if err := f(ph); err != nil {
		return "", err
	}
	return "state " + ph.State().String(), nil
}

type newPhoneArgs struct {
	Profile string `yaml:"profile"`
	Name    string `yaml:"name"`    // default "phone", then "phone-2"…
	Offline bool   `yaml:"offline"` // start without Internet
	NoNFC   bool   `yaml:"no-nfc"`  // NFC turned off: QR only
}

func (a *newPhoneArgs) validate() error {
	if a.Profile == "" {
		return errors.New("profile is required")
	}
	return nil
}

func newPhone(r *runner, a *newPhoneArgs) (string, error) {
	prof, err := r.loadProfile(a.Profile)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrScenarioStep, err)
	}
	name := a.Name
	if name == "" {
		name = "phone"
		for i := 2; r.w.Phones[name] != nil; i++ {
			name = fmt.Sprintf("phone-%d", i)
		}
	}
	if r.w.Phones[name] != nil {
		return "", fmt.Errorf("a phone called %q exists: %w", name, ErrScenarioStep)
	}
	ph, err := phone.New(prof, phone.Options{Issuer: r.w.Issuer, Clock: r.w.Clock, Offline: a.Offline, NoNFC: a.NoNFC,
		CodeHashIterations: phone.MinCodeHashIterations})
	if err != nil {
		return "", err
	}
	r.w.Phones[name] = ph
	r.w.Names = append(r.w.Names, name)
	r.masker.add(prof)
	d := ph.Device()
	nfcWord := "no NFC"
	if ph.CheckNFC() == nil {
		nfcWord = "NFC"
	}
	return fmt.Sprintf("%q: %s (%s %s, %s), département %s, NIR %s", name, d.Model, d.OS, d.Version, nfcWord,
		prof.Departement, prof.OuvrantDroit().NIR.Masked()), nil
}

type advanceArgs struct {
	By Duration `yaml:"by"`
}

func (a *advanceArgs) validate() error {
	if a.By <= 0 {
		return errors.New("advance by a positive duration")
	}
	return nil
}

func (a *advanceArgs) elapsed() time.Duration { return time.Duration(a.By) }

func advance(r *runner, a *advanceArgs) (string, error) {
	r.w.Clock.Advance(time.Duration(a.By))
	return "+" + formatDuration(time.Duration(a.By)), nil
}

type networkArgs struct {
	State string `yaml:"state"`
}

func (a *networkArgs) validate() error {
	if a.State != "online" && a.State != "offline" {
		return fmt.Errorf("state %q: want online or offline", a.State)
	}
	return nil
}

func network(r *runner, a *networkArgs) (string, error) {
	detail, err := onPhone(r, func(p *phone.Phone) error { p.SetOnline(a.State == "online"); return nil })
	return a.State + ", " + detail, err
}

// DefaultCode is the secret code activate chooses when the step gives none.
const DefaultCode = emulator.DefaultCode

// The activation routes.
const (
	viaVideo          = "video"
	viaFranceIdentite = "france-identite"
)

func validVia(v *string) error {
	if *v == "" {
		*v = viaVideo
	}
	if *v != viaVideo && *v != viaFranceIdentite {
		return fmt.Errorf("via %q: want video or france-identite", *v)
	}
	return nil
}

type activateArgs struct {
	Via    string   `yaml:"via"`    // video (default) or france-identite
	PIN    string   `yaml:"pin"`    // france-identite: the CNIe's PIN (default the profile's)
	Code   string   `yaml:"code"`   // default DefaultCode
	Wait   Duration `yaml:"wait"`   // between the request and the back office's answer (default 0)
	Reject string   `yaml:"reject"` // the back office rejects for this reason instead of validating
	// Open: false stops once the back office answered, before the user
	// reopens the app (default true).
	Open *bool `yaml:"open"`
}

func (a *activateArgs) validate() error {
	if err := validVia(&a.Via); err != nil {
		return err
	}
	if a.Via == viaFranceIdentite && (a.Reject != "" || a.Wait != 0 || a.Open != nil) {
		return errors.New("france-identite has no back office: no reject, wait or open")
	}
	if a.Reject != "" && !slices.Contains(issuer.RejectReasons(), issuer.RejectReason(a.Reject)) {
		return fmt.Errorf("reject %q: want one of %v", a.Reject, issuer.RejectReasons())
	}
	if a.Wait < 0 {
		return errors.New("wait must not be negative")
	}
	return nil
}

func (a *activateArgs) elapsed() time.Duration { return time.Duration(a.Wait) }

func activate(r *runner, a *activateArgs) (string, error) {
	ph, name, err := r.phone()
	if err != nil {
		return "", err
	}
	code := a.Code
	if code == "" {
		code = DefaultCode
	}
	prof := ph.Profile()
	nir := prof.OuvrantDroit().NIR
	if a.Via == viaFranceIdentite {
		pin := a.PIN
		if pin == "" && prof.CNIe != nil {
			pin = prof.CNIe.PIN
		}
		if err := ph.ActivateFranceIdentite(pin, code); err != nil {
			return "", fmt.Errorf("activate (France Identité): %w", err)
		}
		r.w.codes[name] = code
		return "France Identité, active at once; state " + ph.State().String(), nil
	}
	steps := []struct {
		what string
		do   func() error
	}{
		{"start", ph.StartActivation},
		{"NIR", func() error { return ph.EnterNIR(string(nir)) }},
		{"e-mail code", func() error { return ph.SendEmailCode(prof.Email) }},
		{"e-mail code", func() error { return ph.VerifyEmailCode(mailboxCode(r, prof.Email)) }},
		{"consent", func() error { return ph.ConsentBiometrics(true) }},
		{"identity check", func() error { return ph.CheckIdentity(prof.IdentityDocument(), true) }},
		{"secret code", func() error { return ph.ChooseCode(code, code) }},
		{"submit", ph.Submit},
		{"back office", func() error {
			r.w.Clock.Advance(time.Duration(a.Wait))
			if a.Reject != "" {
				return r.w.Issuer.Reject(nir, issuer.RejectReason(a.Reject))
			}
			return r.w.Issuer.Validate(nir)
		}},
		{"open", ph.Open},
	}
	if a.Open != nil && !*a.Open {
		steps = steps[:len(steps)-1]
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return "", fmt.Errorf("activate (%s): %w", s.what, err)
		}
	}
	r.w.codes[name] = code
	verdict := "validated"
	if a.Reject != "" {
		verdict = "rejected (" + a.Reject + ")"
	}
	return fmt.Sprintf("video, back office %s after %s; state %s", verdict, formatDuration(time.Duration(a.Wait)), ph.State()), nil
}

// mailboxCode returns the code the user reads in the mail sent to address.
func mailboxCode(r *runner, address string) string {
	c, _, _ := r.w.Issuer.Mailbox(address)
	return c
}

type startArgs struct {
	Via string `yaml:"via"`
}

func (a *startArgs) validate() error { return validVia(&a.Via) }

func startActivation(r *runner, a *startArgs) (string, error) {
	if a.Via == viaFranceIdentite {
		return onPhone(r, (*phone.Phone).StartActivationFranceIdentite)
	}
	return onPhone(r, (*phone.Phone).StartActivation)
}

type pinArgs struct {
	PIN string `yaml:"pin"`
}

func readCNIe(r *runner, a *pinArgs) (string, error) {
	return onPhone(r, func(p *phone.Phone) error {
		pin := a.PIN
		if prof := p.Profile(); pin == "" && prof.CNIe != nil {
			pin = prof.CNIe.PIN
		}
		return p.ReadCNIe(pin)
	})
}

type answersArgs struct {
	CGU        *bool `yaml:"cgu"`
	Camera     *bool `yaml:"camera"`
	Microphone *bool `yaml:"microphone"`
}

func setAnswers(r *runner, a *answersArgs) (string, error) {
	no := func(b *bool) bool { return b != nil && !*b }
	return onPhone(r, func(p *phone.Phone) error {
		p.SetAnswers(phone.Answers{RefuseCGU: no(a.CGU), DenyCamera: no(a.Camera), DenyMicrophone: no(a.Microphone)})
		return nil
	})
}

type nirArgs struct {
	NIR string `yaml:"nir"`
}

func enterNIR(r *runner, a *nirArgs) (string, error) {
	return onPhone(r, func(p *phone.Phone) error {
		s := a.NIR
		if s == "" {
			s = string(nirOf(p))
		}
		return p.EnterNIR(s)
	})
}

type addressArgs struct {
	Address *string `yaml:"address"`
}

func sendEmailCode(r *runner, a *addressArgs) (string, error) {
	return onPhone(r, func(p *phone.Phone) error {
		addr := p.Email()
		if a.Address != nil {
			addr = *a.Address
		}
		return p.SendEmailCode(addr)
	})
}

type codeArgs struct {
	Code string `yaml:"code"`
}

func verifyEmailCode(r *runner, a *codeArgs) (string, error) {
	return onPhone(r, func(p *phone.Phone) error {
		c := a.Code
		if c == "" {
			c = mailboxCode(r, p.Email())
		}
		return p.VerifyEmailCode(c)
	})
}

type consentArgs struct {
	Accept *bool `yaml:"accept"`
}

func consent(r *runner, a *consentArgs) (string, error) {
	return onPhone(r, func(p *phone.Phone) error { return p.ConsentBiometrics(a.Accept == nil || *a.Accept) })
}

// identityArgs are the identity document shown, field by field over the
// profile's own, and whether the selfie matches.
type identityArgs struct {
	Face             *bool  `yaml:"face"`
	NomNaissance     string `yaml:"nom-naissance"`
	Prenoms          string `yaml:"prenoms"`
	DateNaissance    string `yaml:"date-naissance"` // YYYY-MM-DD
	CommuneNaissance string `yaml:"commune-naissance"`
	TypeDocument     string `yaml:"type-document"`
}

func (a *identityArgs) validate() error {
	if a.DateNaissance != "" {
		if _, err := parseDate(a.DateNaissance); err != nil {
			return err
		}
	}
	return nil
}

func parseDate(s string) (credential.Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return credential.Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return credential.Date{Year: t.Year(), Month: int(t.Month()), Day: t.Day()}, nil
}

func (a *identityArgs) document(p *phone.Phone) credential.EtatCivil {
	prof := p.Profile()
	doc := prof.IdentityDocument()
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&doc.NomNaissance, a.NomNaissance)
	set(&doc.Prenoms, a.Prenoms)
	set(&doc.CommuneNaissance, a.CommuneNaissance)
	set(&doc.TypeDocument, a.TypeDocument)
	if a.DateNaissance != "" {
		doc.DateNaissance, _ = parseDate(a.DateNaissance)
	}
	return doc
}

func checkIdentity(r *runner, a *identityArgs) (string, error) {
	return onPhone(r, func(p *phone.Phone) error {
		doc := a.document(p)
		r.masker.addFamily(&credential.Family{EtatCivil: &doc})
		return p.CheckIdentity(doc, a.Face == nil || *a.Face)
	})
}

type chooseCodeArgs struct {
	Code    string `yaml:"code"`
	Confirm string `yaml:"confirm"`
}

func chooseCode(r *runner, a *chooseCodeArgs) (string, error) {
	ph, name, err := r.phone()
	if err != nil {
		return "", err
	}
	code, confirm := a.Code, a.Confirm
	if code == "" {
		code = DefaultCode
	}
	if confirm == "" {
		confirm = code
	}
	if err := ph.ChooseCode(code, confirm); err != nil {
		return "", err
	}
	r.w.codes[name] = code
	return "code chosen", nil
}

func validate(r *runner, _ *none) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	if err := r.w.Issuer.Validate(nirOf(ph)); err != nil {
		return "", err
	}
	return "request validated", nil
}

type rejectArgs struct {
	Reason string `yaml:"reason"`
}

func (a *rejectArgs) validate() error {
	if !slices.Contains(issuer.RejectReasons(), issuer.RejectReason(a.Reason)) {
		return fmt.Errorf("reason %q: want one of %v", a.Reason, issuer.RejectReasons())
	}
	return nil
}

func reject(r *runner, a *rejectArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	if err := r.w.Issuer.Reject(nirOf(ph), issuer.RejectReason(a.Reason)); err != nil {
		return "", err
	}
	return "request rejected: " + a.Reason, nil
}

func openApp(r *runner, _ *none) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	if err := ph.Open(); err != nil {
		return "", err
	}
	detail := "state " + ph.State().String()
	if at, ok := ph.UpdatedAt(); ok {
		detail += ", data updated " + at.UTC().Format("2006-01-02 15:04")
	}
	return detail, nil
}

func unlock(r *runner, a *codeArgs) (string, error) {
	ph, name, err := r.phone()
	if err != nil {
		return "", err
	}
	code := a.Code
	if code == "" {
		code = r.w.codes[name]
	}
	if err := ph.Unlock(code); err != nil {
		return "", err
	}
	return "state " + ph.State().String(), nil
}

type moveArgs struct {
	Departement string `yaml:"departement"`
}

func (a *moveArgs) validate() error {
	if a.Departement == "" {
		return errors.New("departement is required")
	}
	return nil
}

func move(r *runner, a *moveArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	prof := ph.Profile()
	if err := r.w.Issuer.Register(issuer.Person{Family: prof.Family, Departement: a.Departement, Rights: prof.Rights}); err != nil {
		return "", err
	}
	return "lives in " + a.Departement, nil
}

type changeCodeArgs struct {
	Old     string `yaml:"old"`
	Code    string `yaml:"code"`
	Confirm string `yaml:"confirm"`
}

func (a *changeCodeArgs) validate() error {
	if a.Code == "" {
		return errors.New("code is required")
	}
	return nil
}

func changeCode(r *runner, a *changeCodeArgs) (string, error) {
	ph, name, err := r.phone()
	if err != nil {
		return "", err
	}
	old, confirm := a.Old, a.Confirm
	if old == "" {
		old = r.w.codes[name]
	}
	if confirm == "" {
		confirm = a.Code
	}
	if err := ph.ChangeCode(old, a.Code, confirm); err != nil {
		return "", err
	}
	r.w.codes[name] = a.Code
	return "secret code changed", nil
}

type changeEmailArgs struct {
	Address string `yaml:"address"`
	Code    string `yaml:"code"`
	Confirm *bool  `yaml:"confirm"`
}

func (a *changeEmailArgs) validate() error {
	if a.Address == "" {
		return errors.New("address is required")
	}
	return nil
}

func changeEmail(r *runner, a *changeEmailArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	if err := ph.ChangeEmail(a.Address); err != nil {
		return "", err
	}
	if a.Confirm != nil && !*a.Confirm {
		r.newEmail = a.Address
		return "code sent to the new address", nil
	}
	return r.confirmEmail(ph, a.Address, a.Code)
}

func (r *runner) confirmEmail(ph *phone.Phone, address, code string) (string, error) {
	if code == "" {
		code = mailboxCode(r, address)
	}
	if err := ph.ConfirmEmail(code); err != nil {
		return "", err
	}
	return "e-mail address changed", nil
}

func confirmEmail(r *runner, a *codeArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	return r.confirmEmail(ph, r.newEmail, a.Code)
}

type dataChangeArgs struct {
	NomUsage string `yaml:"nom-usage"`
}

func (a *dataChangeArgs) validate() error {
	if a.NomUsage == "" {
		return errors.New("nom-usage is required")
	}
	return nil
}

func dataChange(r *runner, a *dataChangeArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	prof := ph.Profile()
	fam := prof.Family
	fam.Beneficiaires[0].NomUsage = a.NomUsage
	if err := r.w.Issuer.UpdateFamily(fam); err != nil {
		return "", err
	}
	return "usage name changed at the insurer", nil
}

type portalArgs struct {
	Agent  string `yaml:"agent"`  // habilite (default) or viewer
	Reason string `yaml:"reason"` // a code of portal.ReasonCodes (default user-request)
	Note   string `yaml:"note"`
}

func (a *portalArgs) validate() error {
	if a.Agent == "" {
		a.Agent = string(portal.RoleHabilite)
	}
	if a.Agent != string(portal.RoleHabilite) && a.Agent != string(portal.RoleViewer) {
		return fmt.Errorf("agent %q: want habilite or viewer", a.Agent)
	}
	if a.Reason == "" {
		a.Reason = "user-request"
	}
	return nil
}

// personBody is the portal's request body.
type personBody struct {
	NIR    string `json:"nir"`
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

func portalAction(act string) func(*runner, *portalArgs) (string, error) {
	return func(r *runner, a *portalArgs) (string, error) {
		ph, _, err := r.phone()
		if err != nil {
			return "", err
		}
		var ans portal.PersonAnswer
		if _, err := r.portalDo(http.MethodPost, "/v1/person/"+act, personBody{NIR: string(nirOf(ph)), Reason: a.Reason, Note: a.Note},
			portal.Role(a.Agent), &ans); err != nil {
			return "", err
		}
		return fmt.Sprintf("agent %s: %s (%s): app %s", agentIDs[portal.Role(a.Agent)], act, a.Reason, ans.AppState), nil
	}
}

type portalViewArgs struct {
	Agent           string `yaml:"agent"`
	AppState        string `yaml:"app-state"`
	ActivationState string `yaml:"activation-state"`
}

func portalView(r *runner, a *portalViewArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	role := portal.RoleViewer
	if a.Agent != "" {
		role = portal.Role(a.Agent)
	}
	var ans portal.PersonAnswer
	if _, err := r.portalDo(http.MethodPost, "/v1/person/view", personBody{NIR: string(nirOf(ph))}, role, &ans); err != nil {
		return "", err
	}
	if a.AppState != "" && ans.AppState != a.AppState {
		return "", fmt.Errorf("%w: the portal shows app %q, want %q", ErrExpectation, ans.AppState, a.AppState)
	}
	if a.ActivationState != "" && ans.ActivationState != a.ActivationState {
		return "", fmt.Errorf("%w: the portal shows activation %q, want %q", ErrExpectation, ans.ActivationState, a.ActivationState)
	}
	return fmt.Sprintf("app %s, activation %s, phone %s %s", ans.AppState, ans.ActivationState, ans.Phone.OS, ans.Phone.Version), nil
}

type deskArgs struct {
	Lists       string    `yaml:"lists"`       // auto or manual; "" keeps the current mode
	Enabled     *bool     `yaml:"enabled"`     // the billing software's ApCV function
	Departement string    `yaml:"departement"` // the desk's département
	Deployed    yaml.Node `yaml:"deployed"`    // training-deck, all, or a list
	deployed    []string
}

func (a *deskArgs) validate() error {
	if a.Lists != "" && a.Lists != "auto" && a.Lists != "manual" {
		return fmt.Errorf("lists %q: want auto or manual", a.Lists)
	}
	d, err := departements(&a.Deployed)
	if err != nil {
		return fmt.Errorf("deployed: %w", err)
	}
	a.deployed = d
	if len(d) > 0 && a.Departement == "" {
		return errors.New("deployed needs the desk's departement")
	}
	return nil
}

func deskMode(r *runner, a *deskArgs) (string, error) {
	if a.Lists != "" {
		r.desk.auto = a.Lists == "auto"
	}
	if a.Enabled != nil {
		r.desk.disabled = !*a.Enabled
	}
	if a.Departement != "" {
		r.desk.departement, r.desk.deployed = a.Departement, a.deployed
	}
	mode := "manual"
	if r.desk.auto {
		mode = "auto"
	}
	return fmt.Sprintf("lists %s, ApCV function enabled %v, département %q", mode, !r.desk.disabled, r.desk.departement), nil
}

type readArgs struct {
	// Groups asked for over NFC: AMO (default), INS, ETAT_CIVIL.
	Groups []string `yaml:"groups"`
	// Beneficiaries, when set, is how many beneficiaries the identity must hold.
	Beneficiaries int `yaml:"beneficiaries"`
	// Bill, when set, is the amount in euros the patient paid: after the
	// reading the desk sends the care-expense record to the app's
	// Activités (over NFC, or through the app's backend for a QR read).
	Bill float64 `yaml:"bill"`
	// Link, for read-nfc, puts the ISO/IEC 14443-4 link model between the
	// field and the phone (package nfc/link): bit rate, bit errors, a slow phone.
	Link *linkArgs `yaml:"link"`
}

type linkArgs struct {
	Rate      int      `yaml:"rate"` // 106, 212, 424 (default) or 848 kbit/s
	BER       float64  `yaml:"ber"`  // probability that a bit on the air is flipped
	Seed      uint64   `yaml:"seed"`
	SlowPhone Duration `yaml:"slow-phone"` // added to the phone's processing of every command
	// Recovers checks that the link had to recover (retransmissions, WTX).
	Recovers bool `yaml:"recovers"`
}

func (a *readArgs) validate() error {
	if l := a.Link; l != nil {
		if l.Rate == 0 {
			l.Rate = int(link.Rate424)
		}
		if !link.BitRate(l.Rate).Valid() || l.BER < 0 || l.BER > 1 || l.SlowPhone < 0 {
			return fmt.Errorf("link: rate %d, ber %v, slow-phone %v: want a rate of 106, 212, 424 or 848, a ber in [0, 1], a slow-phone of 0 or more", l.Rate, l.BER, time.Duration(l.SlowPhone))
		}
	}
	for _, g := range a.Groups {
		if _, err := credential.ParseGroup(g); err != nil {
			return err
		}
	}
	return nil
}

func (a *readArgs) groups() []credential.Group {
	var gs []credential.Group
	for _, g := range a.Groups {
		v, _ := credential.ParseGroup(g)
		gs = append(gs, v)
	}
	return gs
}

// read opens an SDK reader on the desk's lists with one source and reads
// one identity.
func (r *runner) read(a *readArgs, cfg reader.Config, tap func() error) (string, error) {
	lists, err := r.desk.lists()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	cfg.Enabled, cfg.ListAuthority, cfg.Lists, cfg.Now, cfg.Groups = !r.desk.disabled, r.w.Issuer.ListAuthority(), lists, r.w.Clock.Now, a.groups()
	cfg.Departement, cfg.Deployed, cfg.Receipts = r.desk.departement, r.desk.deployed, receipts{r}
	rd, err := reader.Open(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer rd.Close()
	if tap != nil {
		if err := tap(); err != nil {
			return "", err
		}
	}
	id, err := rd.Read(ctx)
	if err != nil {
		return "", err
	}
	defer id.Release()
	if a.Beneficiaries > 0 && len(id.Beneficiaires) != a.Beneficiaries {
		return "", fmt.Errorf("%w: %d beneficiaries read, want %d", ErrExpectation, len(id.Beneficiaires), a.Beneficiaries)
	}
	detail := describeIdentity(id)
	if a.Bill > 0 {
		rec := credential.Receipt{PSID: "10001234567", PSName: "Cabinet scénario", AmountCents: int64(a.Bill*100 + 0.5),
			Date: uint64(r.w.Clock.Now().Unix())}
		if err := rd.PostReceipt(ctx, id, rec); err != nil {
			return "", err
		}
		detail += fmt.Sprintf("; billed %.2f €, receipt sent", a.Bill)
	}
	return detail, nil
}

func readNFC(r *runner, a *readArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	applet, err := emulator.Applet(ph)
	if err != nil {
		return "", err
	}
	f := field.New("desk")
	if a.Link == nil {
		return r.read(a, reader.Config{NFC: []nfc.Source{f}}, func() error { return f.Tap(applet) })
	}
	l := link.New(applet, link.Config{BitRate: link.BitRate(a.Link.Rate),
		Faults: link.Faults{BER: a.Link.BER, Seed: a.Link.Seed, SlowPhone: time.Duration(a.Link.SlowPhone)}})
	detail, err := r.read(a, reader.Config{NFC: []nfc.Source{f}}, func() error { return f.Tap(l) })
	st := l.Stats()
	lk := fmt.Sprintf("link %v: %d frames, airtime %v, %d retransmissions, %d WTX", link.BitRate(a.Link.Rate), st.Frames,
		st.Airtime.Round(100*time.Microsecond), st.Retransmissions, st.WTX)
	if err != nil {
		return "", fmt.Errorf("%s: %w", lk, err)
	}
	if a.Link.Recovers && st.Retransmissions+st.WTX == 0 {
		return "", fmt.Errorf("%w: %s: the link had nothing to recover from", ErrExpectation, lk)
	}
	return detail + "; " + lk, nil
}

func readQR(r *runner, a *readArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	text, err := ph.PresentQR()
	if err != nil {
		return "", err
	}
	return r.read(a, reader.Config{QR: []qrscan.Source{&oneScan{text: text, at: r.w.Clock.Now()}}}, nil)
}

// receipts is the app's backend receiving the desk's receipts for QR
// identities (reader.ReceiptSink), as emulator.World does.
type receipts struct{ r *runner }

func (s receipts) PostReceipt(_ context.Context, cid [8]byte, rec credential.Receipt) error {
	return s.r.w.Issuer.AddActivity(cid, issuer.Activity{Beneficiary: rec.Beneficiary, PSID: rec.PSID, PSName: rec.PSName,
		AmountCents: rec.AmountCents, Date: time.Unix(int64(rec.Date), 0).UTC()})
}

// oneScan is a QR source that delivers one scanned text, then ends.
type oneScan struct {
	text string
	at   time.Time
	done bool
}

func (s *oneScan) Name() string { return "desk-scanner" }

func (s *oneScan) Next(context.Context) (qrscan.Scan, error) {
	if s.done {
		return qrscan.Scan{}, io.EOF
	}
	s.done = true
	return qrscan.Scan{Text: s.text, Source: s.Name(), At: s.at}, nil
}

func (s *oneScan) Close() error { return nil }

// The app states expect-state knows, by name.
var stateNames = map[string]func(phone.State) bool{
	"not-activated":      func(s phone.State) bool { return s == phone.NotActivated },
	"activating":         func(s phone.State) bool { return s == phone.Activating },
	"pending-validation": func(s phone.State) bool { return s == phone.PendingValidation },
	"active":             phone.State.Active,
	"active-locked":      func(s phone.State) bool { return s == phone.ActiveLocked },
	"active-unlocked":    func(s phone.State) bool { return s == phone.ActiveUnlocked },
	"revoked":            func(s phone.State) bool { return s == phone.Revoked },
	"blocked":            func(s phone.State) bool { return s == phone.Blocked },
	"profile-deleted":    func(s phone.State) bool { return s == phone.ProfileDeleted },
}

type stateArgs struct {
	State string `yaml:"state"`
}

func (a *stateArgs) validate() error {
	if _, ok := stateNames[a.State]; !ok {
		names := make([]string, 0, len(stateNames))
		for n := range stateNames {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Errorf("state %q: want one of %s", a.State, strings.Join(names, ", "))
	}
	return nil
}

func expectState(r *runner, a *stateArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	if s := ph.State(); !stateNames[a.State](s) {
		return "", fmt.Errorf("%w: the app is %s, want %s", ErrExpectation, s, a.State)
	}
	return "app " + ph.State().String(), nil
}

type mailArgs struct {
	To       string `yaml:"to"`       // the address (default: the app's current one)
	Subject  string `yaml:"subject"`  // contained in the subject
	Contains string `yaml:"contains"` // contained in the body
	Lacks    string `yaml:"lacks"`    // not in the body (case-insensitive)
}

func (a *mailArgs) validate() error {
	if a.Subject == "" && a.Contains == "" && a.Lacks == "" {
		return errors.New("give subject, contains or lacks")
	}
	return nil
}

func expectMail(r *runner, a *mailArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	to := a.To
	if to == "" {
		to = ph.Email()
	}
	m, ok := r.w.Issuer.LastMail(to)
	switch {
	case !ok:
		return "", fmt.Errorf("%w: no e-mail in the mailbox", ErrExpectation)
	case !strings.Contains(m.Subject, a.Subject):
		return "", fmt.Errorf("%w: last e-mail %q, want a subject with %q", ErrExpectation, m.Subject, a.Subject)
	case !strings.Contains(m.Body, a.Contains):
		return "", fmt.Errorf("%w: the e-mail %q does not say %q", ErrExpectation, m.Subject, a.Contains)
	case a.Lacks != "" && strings.Contains(strings.ToLower(m.Body), strings.ToLower(a.Lacks)):
		return "", fmt.Errorf("%w: the e-mail %q says %q", ErrExpectation, m.Subject, a.Lacks)
	}
	return fmt.Sprintf("mail %q sent %s", m.Subject, m.SentAt.UTC().Format("2006-01-02 15:04")), nil
}

type updateArgs struct {
	Ago Duration `yaml:"ago"`
}

func expectUpdateDate(r *runner, a *updateArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	at, ok := ph.UpdatedAt()
	if !ok {
		return "", fmt.Errorf("%w: the app shows no update date", ErrExpectation)
	}
	want := r.w.Clock.Now().Add(-time.Duration(a.Ago)).Truncate(time.Second)
	if !at.Equal(want) {
		return "", fmt.Errorf("%w: data updated %s, want %s", ErrExpectation, at.UTC().Format(time.DateTime), want.UTC().Format(time.DateTime))
	}
	return "data updated " + at.UTC().Format("2006-01-02 15:04"), nil
}

type activitiesArgs struct {
	Count int `yaml:"count"`
}

func expectActivities(r *runner, a *activitiesArgs) (string, error) {
	ph, _, err := r.phone()
	if err != nil {
		return "", err
	}
	acts, err := ph.Activities()
	if err != nil {
		return "", err
	}
	if len(acts) != a.Count {
		return "", fmt.Errorf("%w: %d care expenses in Activités, want %d", ErrExpectation, len(acts), a.Count)
	}
	var total int64
	for _, x := range acts {
		total += x.AmountCents
	}
	return fmt.Sprintf("%d care expense(s) in Activités, %.2f € in all", len(acts), float64(total)/100), nil
}
