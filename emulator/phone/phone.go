package phone

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/franceid"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
	"github.com/apcvkit/apcvkit/emulator/issuer"
)

// Activity is a care-expense record shown in the app's Activités.
type Activity = issuer.Activity

// Options configure a Phone. Issuer is required; the rest has defaults.
type Options struct {
	Issuer *issuer.Issuer // the backend the app talks to
	// Offline starts the phone without an Internet connection (SetOnline
	// changes it): the app then does not reach the issuer — opening it does
	// not renew its credential (it keeps the one it holds, however old), a
	// pending request cannot be collected (ErrOffline), and revocations are
	// not learnt. The zero value is online.
	Offline bool
	Clock   clock.Clock // nil means real time
	// MaxNIRAttempts is how many wrong NIR entries are allowed (default 3)
	// within NIRAttemptsWindow (default 24 h) before ErrTooManyNIRAttempts.
	MaxNIRAttempts    int
	NIRAttemptsWindow time.Duration
	// MaxCodeAttempts is how many wrong secret codes in a row lock the app
	// out (default 5): the credential is then revoked and the app must be
	// activated again.
	MaxCodeAttempts int
	// IdleLock is how long an unlocked app stays unlocked without use
	// (default 5 minutes).
	IdleLock time.Duration
	// NoNFC turns the phone's NFC off: CheckNFC fails with ErrNoNFC and the
	// phone offers only its QR code, as an iPhone does (a tester forcing
	// QR-only on an Android).
	NoNFC bool
	// Requirements are the minimum versions the app requires (zero fields:
	// DefaultRequirements).
	Requirements Requirements
	// CodeHashIterations is the PBKDF2-HMAC-SHA256 iteration count of the
	// stored secret-code hash (default DefaultCodeHashIterations). Each hash
	// records its own count, so changing it never breaks a saved state.
	// Counts are clamped to MinCodeHashIterations..MaxCodeHashIterations.
	CodeHashIterations int
	Rand               io.Reader // nil means crypto/rand
}

// Phone is an emulated phone running the carte Vitale app for one profile.
// All methods are safe for concurrent use. Time-driven transitions (idle
// lock, revocation seen at the issuer) happen when the app is used or its
// State is read, on the injected clock.
type Phone struct {
	profile Profile
	opts    Options
	clock   clock.Clock
	iss     *issuer.Issuer

	mu    sync.Mutex
	state State
	act   activation // the activation in progress

	nirFails     int
	nirFirstFail time.Time

	ticket  string            // of the submitted request
	pending *ecdsa.PrivateKey // device key of the submitted request
	device  *ecdsa.PrivateKey
	held    *credential.Held
	credID  [8]byte
	hasCred bool

	card *franceid.Card // the profile's CNIe, nil when none

	code       secret // the secret code's salted slow hash
	codeFails  int
	lastUse    time.Time
	qrCounter  uint32
	lastShort  time.Time // the time of the last short QR code drawn
	emailCheck string    // e-mail address awaiting its code after ChangeEmail

	activeRoute Route // the route of the active app's activation

	offline   bool      // no Internet connection (Options.Offline, SetOnline)
	updatedAt time.Time // when the app's data were last updated from the issuer

	dir     string // state directory (Open), "" when not persisted
	fileSum string // of the profile the phone was opened with
	saved   []byte // the state last written to dir
}

// activation is the progress of the activation steps.
type activation struct {
	route         Route
	cnie          *franceid.SignedRecord // the CNIe's record France Identité read (RouteFranceIdentite)
	nir           credential.NIR
	email         string
	emailSent     bool
	emailVerified bool
	consent       bool
	identity      bool
	codeChosen    bool
	code          secret
}

// New returns a phone with the app installed, not activated, for profile p.
// The profile's family is registered at the issuer (the insurance database
// knows the person), so that activation can find it.
func New(p *Profile, opts Options) (*Phone, error) {
	ph, err := newUnregistered(p, opts)
	if err != nil {
		return nil, err
	}
	if err := ph.register(); err != nil {
		return nil, err
	}
	return ph, nil
}

// Route is how the activation checks the person's identity.
type Route uint8

// Activation routes.
const (
	// RouteVideo: a video of the identity document and of the face, the
	// back office's validation within 48 h, then the app reopened within
	// 7 days (the training deck).
	RouteVideo Route = iota
	// RouteFranceIdentite: the CNIe read through France Identité; the app
	// is active at once (the article).
	RouteFranceIdentite
)

// String returns "video" or "france-identite".
func (r Route) String() string {
	if r == RouteFranceIdentite {
		return "france-identite"
	}
	return "video"
}

func newUnregistered(p *Profile, opts Options) (*Phone, error) {
	if p == nil {
		return nil, errors.New("phone: new: nil profile")
	}
	if opts.Issuer == nil {
		return nil, errors.New("phone: new: Options.Issuer is required")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if opts.MaxNIRAttempts <= 0 {
		opts.MaxNIRAttempts = 3
	}
	if opts.NIRAttemptsWindow <= 0 {
		opts.NIRAttemptsWindow = 24 * time.Hour
	}
	if opts.MaxCodeAttempts <= 0 {
		opts.MaxCodeAttempts = 5
	}
	if opts.IdleLock <= 0 {
		opts.IdleLock = 5 * time.Minute
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	switch {
	case opts.CodeHashIterations <= 0:
		opts.CodeHashIterations = DefaultCodeHashIterations
	case opts.CodeHashIterations < MinCodeHashIterations:
		opts.CodeHashIterations = MinCodeHashIterations
	case opts.CodeHashIterations > MaxCodeHashIterations:
		opts.CodeHashIterations = MaxCodeHashIterations
	}
	ph := &Phone{profile: cloneProfile(*p), opts: opts, clock: clock.Or(opts.Clock), iss: opts.Issuer, offline: opts.Offline}
	if err := ph.makeCard(); err != nil {
		return nil, err
	}
	return ph, nil
}

// register tells the issuer about the profile's family (insurance database).
func (p *Phone) register() error {
	if err := p.iss.Register(issuer.Person{Family: p.profile.Family, Departement: p.profile.Departement, Rights: p.profile.Rights}); err != nil {
		return fmt.Errorf("phone: new: %w", err)
	}
	return nil
}

func cloneProfile(p Profile) Profile {
	fam := p.Family
	fam.Beneficiaires = append([]credential.Beneficiary(nil), fam.Beneficiaires...)
	for i, b := range fam.Beneficiaires {
		if b.INS != nil {
			ins := *b.INS
			fam.Beneficiaires[i].INS = &ins
		}
	}
	if fam.EtatCivil != nil {
		ec := *fam.EtatCivil
		fam.EtatCivil = &ec
	}
	p.Family = fam
	if p.CNIe != nil {
		c := *p.CNIe
		p.CNIe = &c
	}
	p.Faults = slices.Clone(p.Faults)
	p.Rights = slices.Clone(p.Rights)
	return p
}

// Profile returns a copy of the phone's profile (with the current e-mail
// address).
func (p *Phone) Profile() Profile {
	p.mu.Lock()
	defer p.mu.Unlock()
	return cloneProfile(p.profile)
}

// Device returns the handset's facts.
func (p *Phone) Device() Device { return p.profile.Device }

// CheckNFC returns nil when the app can be read without contact on this
// phone, ErrNoNFC otherwise (every iPhone, Androids without NFC): such a
// phone shows the QR code.
func (p *Phone) CheckNFC() error {
	if p.opts.NoNFC || (p.profile.Device.NFCOff && p.profile.Device.HasNFC()) {
		return fmt.Errorf("phone: %s %s: NFC turned off: %w", p.profile.Device.OS, p.profile.Device.Model, ErrNoNFC)
	}
	if !p.profile.Device.HasNFC() {
		return fmt.Errorf("phone: %s %s: %w", p.profile.Device.OS, p.profile.Device.Model, ErrNoNFC)
	}
	return nil
}

// State returns the app's state now. What it learnt from the issuer (a
// revocation, a re-issued credential) is saved; a failing save is reported
// by the next method that returns an error.
func (p *Phone) State() State {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshLocked()
	p.saveLocked()
	return p.state
}

// CredentialID returns the id of the credential the app holds.
func (p *Phone) CredentialID() ([8]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.credID, p.hasCred
}

// SetOnline connects the phone to the Internet (true) or cuts it off
// (false); see Options.Offline.
func (p *Phone) SetOnline(online bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.offline = !online
}

// Online reports whether the phone has an Internet connection.
func (p *Phone) Online() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.offline
}

// UpdatedAt returns the date the app shows as "date de mise à jour des
// données": when the data and credential it holds came from the issuer
// (collected at activation, renewed at an opening online, or re-issued).
// It is false when the app holds no credential, or for a state saved before
// the date was kept, until the next update.
func (p *Phone) UpdatedAt() (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.updatedAt, p.hasCred && !p.updatedAt.IsZero()
}

// takeLocked makes iss the credential and data the app holds.
func (p *Phone) takeLocked(iss *issuer.Issued) {
	p.held, p.credID, p.hasCred, p.profile.Family = iss.Held, iss.CredentialID, true, iss.Family
	p.updatedAt = iss.ValidatedAt.UTC()
}

// refreshLocked applies what time and the issuer changed: revocation or
// blocking seen at the issuer, a credential re-issued after a data change
// or renewed by an opening whose answer was lost (fetched in place of the
// old one), and the idle lock. Offline, only the idle lock.
func (p *Phone) refreshLocked() {
	if !p.state.Active() {
		return
	}
	if p.offline {
		p.idleLocked()
		return
	}
	st, err := p.iss.CredentialStatus(p.credID)
	if err == nil && st.Revoked && (st.Reason == issuer.ReasonReissued || st.Reason == issuer.ReasonRenewed) && !st.Blocked {
		if iss, ferr := p.iss.Reissued(p.credID); ferr == nil {
			p.takeLocked(iss)
			st, err = p.iss.CredentialStatus(p.credID)
		}
	}
	switch {
	case err != nil: // the issuer lost the credential: nothing left to show
		p.wipeLocked(NotActivated)
		return
	case st.Blocked:
		p.state = Blocked
		return
	case st.Revoked:
		p.state = Revoked
		return
	}
	p.idleLocked()
}

// idleLocked locks an unlocked app left unused for IdleLock.
func (p *Phone) idleLocked() {
	if p.state == ActiveUnlocked && !p.clock.Now().Before(p.lastUse.Add(p.opts.IdleLock)) {
		p.state = ActiveLocked
	}
}

// wipeLocked forgets the credential, the keys and the code.
func (p *Phone) wipeLocked(s State) {
	p.state = s
	p.act = activation{}
	p.held, p.device, p.pending, p.ticket = nil, nil, nil, ""
	p.hasCred, p.credID, p.updatedAt, p.activeRoute = false, [8]byte{}, time.Time{}, RouteVideo
	p.code, p.codeFails, p.qrCounter, p.emailCheck = secret{}, 0, 0, ""
}

// stateErr returns the error for using the wallet in the current state.
func (p *Phone) stateErr() error {
	switch p.state {
	case ActiveLocked:
		return ErrLocked
	case Revoked:
		return ErrRevoked
	case Blocked:
		return ErrBlocked
	case ProfileDeleted:
		return ErrProfileDeleted
	case ActiveUnlocked:
		return nil
	}
	return ErrNotActivated
}

// StartActivation begins (or restarts) the activation. It is refused while
// the app is active: delete the profile, or use ForgotCode, first.
//
// It is where the app checks its prerequisites (see prereq.go): the
// system (ErrUnsupportedOS, ErrOSTooOld), the handset (ErrTablet,
// ErrNoAutofocus), the connection (ErrOffline), the person's answers
// (ErrCGURefused, ErrCameraPermission, ErrMicrophonePermission); and
// where a faulty app stops (a *CrashError, ErrAppCrashed). This is the
// video route (RouteVideo); StartActivationFranceIdentite starts the other.
func (p *Phone) StartActivation() (err error) {
	return p.startActivation(RouteVideo)
}

func (p *Phone) startActivation(route Route) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.crashAtStartLocked("start activation"); err != nil {
		return err
	}
	p.refreshLocked()
	if p.state.Active() {
		return fmt.Errorf("phone: start activation: the app is %s: %w", p.state, ErrActivationStep)
	}
	if err := p.checkPrerequisitesLocked(route == RouteVideo); err != nil {
		return fmt.Errorf("phone: start activation: %w", err)
	}
	if err := p.offlineLocked("start activation"); err != nil {
		return err
	}
	p.wipeLocked(Activating)
	p.act.route = route
	return nil
}

// EnterNIR is the first step: the ouvrant droit's NIR (spaces allowed).
// A malformed NIR or one the issuer does not know counts as a wrong attempt
// (ErrInvalidNIR, ErrUnknownNIR); after MaxNIRAttempts wrong attempts within
// NIRAttemptsWindow every entry is refused with ErrTooManyNIRAttempts until
// the window has passed. ErrNotEligible and ErrBlocked end the activation.
func (p *Phone) EnterNIR(s string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if p.state != Activating {
		return fmt.Errorf("phone: enter NIR: the app is %s: %w", p.state, ErrActivationStep)
	}
	if err := p.offlineLocked("enter NIR"); err != nil {
		return err
	}
	now := p.clock.Now()
	if p.nirFails > 0 && !now.Before(p.nirFirstFail.Add(p.opts.NIRAttemptsWindow)) {
		p.nirFails = 0
	}
	if p.nirFails >= p.opts.MaxNIRAttempts {
		return fmt.Errorf("phone: enter NIR: %w", ErrTooManyNIRAttempts)
	}
	fail := func(cause error) error {
		if p.nirFails == 0 {
			p.nirFirstFail = now
		}
		p.nirFails++
		if p.nirFails >= p.opts.MaxNIRAttempts {
			return fmt.Errorf("phone: enter NIR: %w (%w)", ErrTooManyNIRAttempts, cause)
		}
		return fmt.Errorf("phone: enter NIR: %w", cause)
	}
	nir, err := credential.ParseNIR(s)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalidNIR, err))
	}
	check := p.iss.CheckEligibility
	if p.act.route == RouteFranceIdentite {
		check = p.iss.CheckEligibilityFranceIdentite
	}
	if err := check(nir); err != nil {
		if errors.Is(err, issuer.ErrUnknownNIR) {
			return fail(err)
		}
		p.state = NotActivated
		return fmt.Errorf("phone: enter NIR: %w", err)
	}
	p.nirFails = 0
	p.act = activation{route: p.act.route, nir: nir}
	return nil
}

// SendEmailCode asks the issuer to send a verification code to address
// (read it with the issuer's Mailbox). An empty or malformed address is
// refused with ErrNoValidatedEmail.
func (p *Phone) SendEmailCode(address string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if p.state != Activating || p.act.nir == "" {
		return fmt.Errorf("phone: send e-mail code: enter the NIR first: %w", ErrActivationStep)
	}
	if err := p.offlineLocked("send e-mail code"); err != nil {
		return err
	}
	if !validEmail(address) {
		return fmt.Errorf("phone: send e-mail code: no usable address: %w", ErrNoValidatedEmail)
	}
	if err := p.iss.SendEmailCode(p.act.nir, address); err != nil {
		return fmt.Errorf("phone: send e-mail code: %w", err)
	}
	p.act.email, p.act.emailSent, p.act.emailVerified = address, true, false
	return nil
}

// VerifyEmailCode checks the code received by e-mail: ErrEmailCodeWrong, or
// ErrEmailCodeExpired more than an hour after it was sent.
func (p *Phone) VerifyEmailCode(code string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if p.state != Activating || !p.act.emailSent {
		return fmt.Errorf("phone: verify e-mail code: no code was sent: %w", ErrNoValidatedEmail)
	}
	if err := p.offlineLocked("verify e-mail code"); err != nil {
		return err
	}
	if err := p.iss.VerifyEmailCode(p.act.nir, p.act.email, code); err != nil {
		return fmt.Errorf("phone: verify e-mail code: %w", err)
	}
	p.act.emailVerified = true
	return nil
}

// ConsentBiometrics records the user's answer to the biometric-check
// consent: ErrConsentRefused when refused, ErrNoValidatedEmail when the
// e-mail address is not verified yet.
func (p *Phone) ConsentBiometrics(accept bool) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.needLocked("consent", func(a *activation) bool { return a.emailVerified }, ErrNoValidatedEmail); err != nil {
		return err
	}
	p.act.consent = accept
	if !accept {
		return fmt.Errorf("phone: consent: %w", ErrConsentRefused)
	}
	return nil
}

// CheckIdentity is the video check's identity step. The face must match
// the document's photo (faceMatches), else ErrIdentityCheckFailed. Then the
// document's civil status is matched against what the health insurance
// holds for the ouvrant droit (issuer.MatchIdentity, under the rule of
// package idmatch: hyphens and spaces, accents, missing later first names,
// birth places under a former code are accepted). A refusal wraps its own
// cause (idmatch.ErrFirstName, idmatch.ErrBirthPlaceCode, …: apcverr.Message
// gives the person both values, the reason and what to do) and
// ErrIdentityCheckFailed. The document's sex (EtatCivil.Sexe) is compared
// with the record's when the document gives one.
func (p *Phone) CheckIdentity(doc credential.EtatCivil, faceMatches bool) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.needLocked("identity check", func(a *activation) bool { return a.consent }, ErrConsentRefused); err != nil {
		return err
	}
	if !faceMatches {
		return fmt.Errorf("phone: identity check: face does not match: %w", ErrIdentityCheckFailed)
	}
	if _, err := p.iss.MatchIdentity(p.act.nir, idmatch.DocumentOf(doc, doc.Sexe)); err != nil {
		return fmt.Errorf("phone: identity check: %w: %w", err, ErrIdentityCheckFailed)
	}
	p.act.identity = true
	return nil
}

// ChooseCode sets the secret code (rules of CheckSecretCode, against the
// ouvrant droit's birth date) and its confirmation (ErrCodeMismatch).
func (p *Phone) ChooseCode(code, confirm string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.needLocked("choose code", func(a *activation) bool { return a.identity }, ErrActivationStep); err != nil {
		return err
	}
	sec, err := p.newCodeLocked(code, confirm)
	if err != nil {
		return fmt.Errorf("phone: choose code: %w", err)
	}
	p.act.code, p.act.codeChosen = sec, true
	return nil
}

func (p *Phone) newCodeLocked(code, confirm string) (secret, error) {
	if err := CheckSecretCode(code, p.profile.OuvrantDroit().DateNaissance); err != nil {
		return secret{}, err
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(confirm)) != 1 {
		return secret{}, ErrCodeMismatch
	}
	return newSecret(p.opts.Rand, code, p.opts.CodeHashIterations)
}

// needLocked checks that the activation is in progress and that the step
// before has passed; missing is the error when it has not. A missing
// e-mail verification always reports ErrNoValidatedEmail.
func (p *Phone) needLocked(step string, done func(*activation) bool, missing error) error {
	switch {
	case p.state != Activating || p.act.nir == "":
		return fmt.Errorf("phone: %s: enter the NIR first: %w", step, ErrActivationStep)
	case !p.act.emailVerified:
		return fmt.Errorf("phone: %s: %w", step, ErrNoValidatedEmail)
	case p.offline:
		return fmt.Errorf("phone: %s: %w", step, ErrOffline)
	case !done(&p.act):
		return fmt.Errorf("phone: %s: previous step not passed: %w", step, missing)
	}
	return nil
}

// Submit sends the activation request: the phone makes its device key and
// the request waits for the issuer's validation (PendingValidation), which
// must come within 48 hours.
func (p *Phone) Submit() (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.needLocked("submit", func(a *activation) bool { return a.codeChosen }, ErrActivationStep); err != nil {
		return err
	}
	if p.act.route == RouteFranceIdentite {
		return p.submitFranceIdentiteLocked()
	}
	dev, err := ecdsa.GenerateKey(elliptic.P256(), p.opts.Rand)
	if err != nil {
		return fmt.Errorf("phone: submit: device key: %w", err)
	}
	d := p.profile.Device
	ticket, err := p.iss.Submit(issuer.Request{NIR: p.act.nir, Email: p.act.email,
		Device: issuer.DeviceInfo{OS: string(d.OS), Version: d.Version, Model: d.Model}, DeviceKey: &dev.PublicKey})
	if err != nil {
		return fmt.Errorf("phone: submit: %w", err)
	}
	p.ticket, p.pending = ticket, dev
	p.state = PendingValidation
	return nil
}

// Open is the user opening the app. While a request is pending it collects
// the credential once validated (the app becomes ActiveLocked); it returns
// ErrValidationExpired (back to NotActivated) when no validation came within
// 48 hours, ErrProfileDeleted (ProfileDeleted) when the app is opened more
// than 7 days after the validation, and the rejection's reason (an error
// wrapping issuer.ErrActivationRejected whose desk message says why; back
// to NotActivated) when the back office rejected the request: the app is
// where the user learns the reason the "activation failed" e-mail does not
// give. An app still pending returns nil; offline, ErrOffline.
//
// Opening an active app online updates it, as the real app does at every
// opening: its credential is renewed (issuer.Renew: a new one, valid 90
// days from now, with the data the health insurance holds today) and
// UpdatedAt moves to now. Offline, the app opens with what it holds,
// however old (readers refuse an expired credential). The app stays as
// locked or unlocked as it was. Opening a revoked or blocked app returns
// ErrRevoked or ErrBlocked.
func (p *Phone) Open() (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.crashAtStartLocked("open"); err != nil {
		return err
	}
	p.refreshLocked()
	switch p.state {
	case ActiveLocked, ActiveUnlocked:
		if p.offline {
			return nil
		}
		iss, err := p.iss.Renew(p.credID)
		if err != nil { // the app keeps what it holds
			return fmt.Errorf("phone: open: update: %w", err)
		}
		p.takeLocked(iss)
		return nil
	case PendingValidation:
		if p.offline {
			return fmt.Errorf("phone: open: %w", ErrOffline)
		}
		iss, err := p.iss.Collect(p.ticket)
		switch {
		case errors.Is(err, issuer.ErrPendingValidation):
			return nil
		case errors.Is(err, issuer.ErrProfileDeleted):
			p.wipeLocked(ProfileDeleted)
			return fmt.Errorf("phone: open: %w", err)
		case err != nil:
			p.wipeLocked(NotActivated)
			return fmt.Errorf("phone: open: %w", err)
		}
		p.takeLocked(iss)
		p.device, p.code, p.activeRoute = p.pending, p.act.code, p.act.route
		p.pending, p.ticket, p.act, p.codeFails = nil, "", activation{}, 0
		p.state = ActiveLocked
		return nil
	case Revoked, Blocked:
		return fmt.Errorf("phone: open: %w", p.stateErr())
	}
	return nil
}

// Unlock opens the active app with the secret code. A wrong code returns a
// *CodeError (ErrWrongCode) with the attempts left; the MaxCodeAttempts-th
// wrong code in a row locks the app out: the credential is revoked, the app
// is NotActivated again and ErrLockedOut is returned.
func (p *Phone) Unlock(code string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	p.refreshLocked()
	if !p.state.Active() {
		return fmt.Errorf("phone: unlock: %w", p.stateErr())
	}
	if err := p.checkCodeLocked(code); err != nil {
		return fmt.Errorf("phone: unlock: %w", err)
	}
	p.state, p.lastUse = ActiveUnlocked, p.clock.Now()
	return nil
}

func (p *Phone) checkCodeLocked(code string) error {
	if p.code.matches(code) {
		p.codeFails = 0
		return nil
	}
	p.codeFails++
	if left := p.opts.MaxCodeAttempts - p.codeFails; left > 0 {
		return &CodeError{Remaining: left}
	}
	err := p.iss.Revoke(p.credID, issuer.ReasonLockout)
	p.wipeLocked(NotActivated)
	if err != nil {
		return fmt.Errorf("%w (revocation: %w)", ErrLockedOut, err)
	}
	return ErrLockedOut
}

// Lock locks the app (as when it goes to the background).
func (p *Phone) Lock() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == ActiveUnlocked {
		p.state = ActiveLocked
	}
}

// unlockedLocked refreshes the state and checks that the app is unlocked,
// counting the call as use (it pushes the idle lock back).
func (p *Phone) unlockedLocked() error {
	p.refreshLocked()
	if err := p.stateErr(); err != nil {
		return err
	}
	p.lastUse = p.clock.Now()
	return nil
}

// ForgotCode is "code oublié": the credential is revoked and the activation
// starts again (state Activating).
func (p *Phone) ForgotCode() (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if p.hasCred {
		if err := p.iss.Revoke(p.credID, issuer.ReasonForgotten); err != nil {
			return fmt.Errorf("phone: forgot code: %w", err)
		}
	}
	p.wipeLocked(Activating)
	return nil
}

// ChangeCode replaces the secret code; the app must be unlocked and the old
// code is required (a wrong one counts towards the lockout).
func (p *Phone) ChangeCode(old, code, confirm string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.unlockedLocked(); err != nil {
		return fmt.Errorf("phone: change code: %w", err)
	}
	if err := p.checkCodeLocked(old); err != nil {
		return fmt.Errorf("phone: change code: %w", err)
	}
	sec, err := p.newCodeLocked(code, confirm)
	if err != nil {
		return fmt.Errorf("phone: change code: %w", err)
	}
	p.code = sec
	return nil
}

// ChangeEmail starts changing the e-mail address: a code is sent to the new
// address; ConfirmEmail completes the change. The app must be unlocked.
func (p *Phone) ChangeEmail(address string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.unlockedLocked(); err != nil {
		return fmt.Errorf("phone: change e-mail: %w", err)
	}
	if !validEmail(address) {
		return fmt.Errorf("phone: change e-mail: %w", ErrNoValidatedEmail)
	}
	if err := p.iss.SendEmailCode(p.profile.OuvrantDroit().NIR, address); err != nil {
		return fmt.Errorf("phone: change e-mail: %w", err)
	}
	p.emailCheck = address
	return nil
}

// ConfirmEmail checks the code sent by ChangeEmail (same rules as at
// activation: ErrEmailCodeWrong, ErrEmailCodeExpired after 1 hour).
func (p *Phone) ConfirmEmail(code string) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.unlockedLocked(); err != nil {
		return fmt.Errorf("phone: confirm e-mail: %w", err)
	}
	if p.emailCheck == "" {
		return fmt.Errorf("phone: confirm e-mail: no change in progress: %w", ErrNoValidatedEmail)
	}
	if err := p.iss.VerifyEmailCode(p.profile.OuvrantDroit().NIR, p.emailCheck, code); err != nil {
		return fmt.Errorf("phone: confirm e-mail: %w", err)
	}
	p.profile.Email, p.emailCheck = p.emailCheck, ""
	return nil
}

// Email returns the app's current e-mail address.
func (p *Phone) Email() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.profile.Email
}

// DeleteProfile deletes the profile from the phone; its credential is
// revoked. The app can be activated again.
func (p *Phone) DeleteProfile() (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if p.hasCred {
		if err := p.iss.Revoke(p.credID, issuer.ReasonDeleted); err != nil {
			return fmt.Errorf("phone: delete profile: %w", err)
		}
	}
	p.wipeLocked(ProfileDeleted)
	return nil
}

// Wallet returns what the HCE applet presents: the held credential and the
// device key. It fails with ErrLocked unless the app is unlocked, and with
// ErrRevoked, ErrBlocked, ErrProfileDeleted or ErrNotActivated in those
// states. A successful call counts as use of the app.
func (p *Phone) Wallet() (held *credential.Held, device *ecdsa.PrivateKey, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	err = p.unlockedLocked()
	if serr := p.saveLocked(); serr != nil { // what refreshing learnt (a re-issued credential)
		err = errors.Join(err, serr)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("phone: wallet: %w", err)
	}
	return p.held, p.device, nil
}

// PresentQR returns a fresh QR text ("APCV1:…") of the whole family,
// signed by the device key at the phone's time, with the next refresh
// counter; same states as Wallet. It is PresentQRAs(QRChoice{}).
func (p *Phone) PresentQR() (string, error) { return p.PresentQRAs(QRChoice{}) }

// QRKind is what the app's QR code carries (docs/PROTOCOL.md §6).
type QRKind uint8

// QR codes the app shows. The zero value is the whole family, the only
// code of protocol version 1.
const (
	// QRFamily: the whole family, offline (grows with the family; too
	// large beyond about 24 beneficiaries).
	QRFamily QRKind = iota
	// QRBeneficiary: the person being seen (QRChoice.Beneficiary), with
	// the ouvrant droit reduced to what billing needs of him, offline: at
	// most 600 characters whatever the family size.
	QRBeneficiary
	// QRShort: the short online code (protocol version 2, "APCV2:", 48
	// characters whatever the family): a reference and the phone's proof
	// of freshness that the reader resolves at the issuer's online
	// service, once.
	QRShort
	// QRAuto is what the app shows unless the patient chooses: the short
	// code when the phone is online, else the whole family, failing with
	// ErrChooseBeneficiary when it does not fit a QR code.
	QRAuto
)

// String names the kind as the CLI does.
func (k QRKind) String() string {
	switch k {
	case QRFamily:
		return "family"
	case QRBeneficiary:
		return "beneficiary"
	case QRShort:
		return "short"
	case QRAuto:
		return "auto"
	}
	return fmt.Sprintf("QRKind(%d)", uint8(k))
}

// QRChoice is the code the patient asks the app for.
type QRChoice struct {
	Kind QRKind
	// Beneficiary is the person being seen for QRBeneficiary: an index
	// in the family (Profile().Family.Beneficiaires), 0 for the ouvrant
	// droit.
	Beneficiary int
}

// PresentQRAs returns a fresh QR text of the kind c asks for, signed by the
// device key at the phone's time; same states as Wallet. The whole
// family's and the chosen beneficiaries' codes take the next refresh
// counter (one counter for both); a short code has none and its time is
// later than the previous short code's (the service resolves a code once
// and refuses a time not after the last one it resolved). A beneficiary
// that is not in the family is an error wrapping
// credential.ErrInvalidField; a credential issued before the choice
// existed (a state saved by an older emulator) fails with
// credential.ErrNoChosenCredential, and a short code of a credential
// issued before it had a short QR key fails with credential.ErrInvalidField,
// until the app is opened online (Open renews it).
func (p *Phone) PresentQRAs(c QRChoice) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.unlockedLocked(); err != nil {
		return "", fmt.Errorf("phone: QR: %w", err)
	}
	if p.hasFault(FaultQRDisplayCrash) {
		return "", p.crashLocked("QR", FaultQRDisplayCrash)
	}
	kind := c.Kind
	if kind == QRAuto && !p.offline {
		kind = QRShort
	}
	now := p.clock.Now()
	if kind == QRShort {
		at := now.Truncate(time.Second)
		if !at.After(p.lastShort) {
			at = p.lastShort.Add(time.Second)
		}
		text, err := p.held.PresentShortQR(at)
		if err != nil {
			return "", fmt.Errorf("phone: QR: %w", err)
		}
		p.lastShort = at
		return text, nil
	}
	p.qrCounter++
	var text string
	var err error
	switch kind {
	case QRFamily:
		text, err = p.held.PresentQRRand(p.device, now, p.qrCounter, p.opts.Rand)
	case QRBeneficiary:
		text, err = p.held.PresentQRFor(p.device, now, p.qrCounter, c.Beneficiary, p.opts.Rand)
	case QRAuto: // offline
		text, err = p.held.PresentQRRand(p.device, now, p.qrCounter, p.opts.Rand)
		if err == nil && len(text) > credential.MaxQRText {
			err = fmt.Errorf("%d characters: %w", len(text), ErrChooseBeneficiary)
		}
	default:
		err = fmt.Errorf("QR kind %d: %w", c.Kind, credential.ErrInvalidField)
	}
	if err != nil {
		p.qrCounter--
		return "", fmt.Errorf("phone: QR: %w", err)
	}
	// The counter must never go back after a restart (readers refuse a
	// counter they saw): the text is shown only once the counter is saved.
	if err := p.saveLocked(); err != nil {
		return "", fmt.Errorf("phone: QR: %w", err)
	}
	return text, nil
}

// QRCounter returns the refresh counter of the last QR text PresentQR
// returned (0 before the first). It never goes back while the app keeps its
// credential, across restarts too (Open).
func (p *Phone) QRCounter() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.qrCounter
}

// AddActivity records a care expense billed with this app (written by the
// PS's software after billing). The app need not be unlocked, but it must
// hold a valid credential.
func (p *Phone) AddActivity(a Activity) (err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	p.refreshLocked()
	if !p.state.Active() {
		return fmt.Errorf("phone: add activity: %w", p.stateErr())
	}
	if err := p.iss.AddActivity(p.credID, a); err != nil {
		return fmt.Errorf("phone: add activity: %w", err)
	}
	return nil
}

// Activities returns the care expenses made with this app in the last 7
// days, oldest first. The app must be unlocked.
func (p *Phone) Activities() (_ []Activity, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.commitLocked(&err)
	if err := p.unlockedLocked(); err != nil {
		return nil, fmt.Errorf("phone: activities: %w", err)
	}
	return p.iss.Activities(p.credID), nil
}

// Activate runs every activation step with the profile's own data and
// answers (its NIR, its e-mail and the code from the issuer's mailbox,
// consent, its identity document), the given secret code, the issuer's
// validation, and opens the app: the shortcut a tester uses to get an active
// phone. The app ends ActiveLocked.
func (p *Phone) Activate(code string) error {
	prof := p.Profile()
	od := prof.OuvrantDroit()
	return p.activateWith(p.StartActivation,
		func() error { return p.ConsentBiometrics(true) },
		func() error { return p.CheckIdentity(prof.IdentityDocument(), true) },
		func() error { return p.ChooseCode(code, code) },
		p.Submit,
		func() error { return p.iss.Validate(od.NIR) },
		p.Open)
}

// activateWith runs start, the steps every route shares with the profile's
// own answers (its NIR, its e-mail and the code from the issuer's mailbox),
// then the route's own steps, stopping at the first error: the testers'
// shortcuts Activate and ActivateFranceIdentite.
func (p *Phone) activateWith(start func() error, route ...func() error) error {
	prof := p.Profile()
	steps := append([]func() error{
		start,
		func() error { return p.EnterNIR(string(prof.OuvrantDroit().NIR)) },
		func() error { return p.SendEmailCode(prof.Email) },
		func() error {
			c, _, ok := p.iss.Mailbox(prof.Email)
			if !ok {
				return fmt.Errorf("phone: activate: no e-mail code: %w", ErrNoValidatedEmail)
			}
			return p.VerifyEmailCode(c)
		},
	}, route...)
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// ActivateOrUnlock is the tester's shortcut for a phone that may have been
// restarted (Open): an app that is not active is activated with code
// (Activate: every step with the profile's own answers), then the app is
// unlocked with code. A blocked user gets ErrBlocked; an active app whose
// code is not code gets ErrWrongCode (counting towards the lockout).
func (p *Phone) ActivateOrUnlock(code string) error {
	switch p.State() {
	case ActiveUnlocked:
		return nil
	case ActiveLocked:
	case Blocked:
		return fmt.Errorf("phone: activate: %w", ErrBlocked)
	default:
		if err := p.Activate(code); err != nil {
			return err
		}
	}
	return p.Unlock(code)
}
