package issuer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
)

// The rules of the real service.
const (
	EmailCodeValidity = time.Hour          // an e-mail verification code is valid 1 hour
	ValidationWindow  = 48 * time.Hour     // a request must be validated within 48 h of its submission
	ReopenWindow      = 7 * 24 * time.Hour // the app must be reopened within 7 days of the validation
	ActivityRetention = 7 * 24 * time.Hour // a care-expense record is shown for 7 days
	// MaxPublicationDelay bounds Options.PublicationDelay.
	MaxPublicationDelay = time.Hour
)

// Options configure an Issuer. The zero value is usable.
type Options struct {
	Clock       clock.Clock // nil means real time
	Name        string      // issuer name in credentials and trust list; default "CNAM-EMU"
	Eligibility Eligibility // where the app is deployed; zero means everywhere
	// CredentialValidity is how long an issued credential is valid (default 90 days).
	CredentialValidity time.Duration
	// KeyLifetime is how long an issuer key may sign (default 3 years).
	KeyLifetime time.Duration
	// TrustListNextUpdate is the trust list's next-update delay (default 7 days).
	TrustListNextUpdate time.Duration
	// RevocationNextUpdate is the revocation list's next-update delay (default 24 h).
	RevocationNextUpdate time.Duration
	// PublicationDelay is how long after a revocation it first appears in
	// the revocation list (default 0: at once). At most MaxPublicationDelay
	// and at most RevocationNextUpdate.
	PublicationDelay time.Duration
	// KeyID derives the kid of a new key (issuer and list-authority keys).
	// nil means the first 8 bytes of SHA-256 of the key's PKIX DER form.
	// Kids need not be unique: a verifier tries every trusted key of a kid.
	KeyID  func(*ecdsa.PublicKey) []byte
	Rand   io.Reader    // nil means crypto/rand
	Logger *slog.Logger // nil discards; never given personal data
}

func (o *Options) setDefaults() error {
	if o.Name == "" {
		o.Name = "CNAM-EMU"
	}
	if o.CredentialValidity <= 0 {
		o.CredentialValidity = 90 * 24 * time.Hour
	}
	if o.KeyLifetime <= 0 {
		o.KeyLifetime = 3 * 365 * 24 * time.Hour
	}
	if o.TrustListNextUpdate <= 0 {
		o.TrustListNextUpdate = 7 * 24 * time.Hour
	}
	if o.RevocationNextUpdate <= 0 {
		o.RevocationNextUpdate = 24 * time.Hour
	}
	if o.PublicationDelay < 0 || o.PublicationDelay > MaxPublicationDelay || o.PublicationDelay > o.RevocationNextUpdate {
		return fmt.Errorf("issuer: publication delay %v not in 0..min(%v, next update %v)", o.PublicationDelay, MaxPublicationDelay, o.RevocationNextUpdate)
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.KeyID == nil {
		o.KeyID = kidOf
	}
	return nil
}

// DeviceInfo is what the phone says about itself at activation.
type DeviceInfo struct {
	OS      string // "android" or "ios"
	Version string
	Model   string
}

// Person is what the insurance database knows about an insured person.
type Person struct {
	Family      credential.Family // [0] is the ouvrant droit, whose NIR is the key
	Departement string            // département of residence
}

// ActivationState is where a person's latest activation request stands.
type ActivationState string

// Activation states.
const (
	ActivationNone      ActivationState = "none"               // never started
	ActivationStarted   ActivationState = "started"            // NIR accepted, steps in progress
	ActivationPending   ActivationState = "pending validation" // submitted, waiting for validation
	ActivationValidated ActivationState = "validated"          // credential issued, app not reopened yet
	ActivationCompleted ActivationState = "completed"          // reopened within 7 days
	ActivationExpired   ActivationState = "expired"            // not validated within 48 h
	ActivationLapsed    ActivationState = "lapsed"             // not reopened within 7 days: profile deleted
)

// AppState is the state of a person's app as the issuer knows it.
type AppState string

// App states.
const (
	AppNone    AppState = "none"    // no credential was ever issued
	AppActive  AppState = "active"  // the latest credential is valid
	AppRevoked AppState = "revoked" // revoked (new phone, agent, block, lockout)
	AppDeleted AppState = "deleted" // deleted by the user, or not reopened in time
)

// RevokeReason says why a credential was revoked.
type RevokeReason string

// Revocation reasons.
const (
	ReasonNewDevice RevokeReason = "activated on another phone"
	ReasonAgent     RevokeReason = "revoked by an agent"
	ReasonBlocked   RevokeReason = "user blocked"
	ReasonLockout   RevokeReason = "secret code locked out"
	ReasonForgotten RevokeReason = "secret code forgotten"
	ReasonDeleted   RevokeReason = "profile deleted by the user"
	ReasonLapsed    RevokeReason = "app not reopened within 7 days"
	// ReasonReissued: the person's data changed and a new credential (new
	// id, same phone) replaced this one; the phone fetches it (Reissued).
	ReasonReissued RevokeReason = "re-issued after a data change"
)

// Activity is a care-expense record, written after billing with the app.
type Activity struct {
	Beneficiary int       // index in the family, 0 for the ouvrant droit
	PSID        string    // the health professional's RPPS/ADELI number
	PSName      string    // the health professional's name
	AmountCents int64     // amount paid by the patient, in cents
	Date        time.Time // date of the care
	RecordedAt  time.Time // set by the issuer; the record is gone ActivityRetention later
}

// Issuer is the emulated ApCV backend: it holds the signing keys, the insured
// persons, their activations and credentials, revocations and Activités. All
// methods are safe for concurrent use. Authorisation of agents is the
// portal's job: every method here is privileged.
type Issuer struct {
	opts  Options
	clock clock.Clock
	dir   string // state directory when opened with Open: every change is saved there

	mu sync.Mutex // guards what follows, and the writing of the state (see commitLocked)
	// keysSaved are the key files already in dir.
	keysSaved  map[string]bool
	root       credential.IssuerKey
	keys       []*signingKey // oldest first; the last one signs
	persons    map[credential.NIR]*person
	creds      map[[8]byte]*credRecord
	tickets    map[string]credential.NIR
	activities map[[8]byte][]Activity
	mailbox    map[string]mail // by address: the last code sent
	trustSeq   uint64
	revSeq     uint64
}

type signingKey struct {
	credential.IssuerKey
	NotBefore, NotAfter time.Time
}

type mail struct {
	Code   string
	SentAt time.Time
}

type person struct {
	Person
	Blocked       bool
	Activation    ActivationState
	Ticket        string
	Email         string // address of the pending code, then the verified one
	EmailVerified bool
	Device        DeviceInfo
	DeviceKey     []byte // PKIX DER of the pending request's device key
	SubmittedAt   time.Time
	ValidatedAt   time.Time
	Held          *credential.Held // waiting for pickup until reopened
	Current       *[8]byte         // the latest credential issued
	// Reissued is the credential that replaced an earlier one after a data
	// change, kept for the phone to fetch (Reissued), idempotently.
	Reissued *credential.Held `json:",omitempty"`
}

type credRecord struct {
	ID         [8]byte
	NIR        credential.NIR
	Device     DeviceInfo
	IssuedAt   time.Time
	ValidUntil time.Time
	Revoked    bool
	RevokedAt  time.Time
	Reason     RevokeReason
	DeviceKey  []byte   `json:",omitempty"` // PKIX DER of the phone's device key
	ReplacedBy *[8]byte `json:",omitempty"` // the credential that re-issued this one
}

// New returns an issuer with freshly generated keys and no persons.
func New(opts Options) (*Issuer, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	i := newEmpty(opts)
	now := i.now()
	rk, err := i.genKey()
	if err != nil {
		return nil, err
	}
	i.root = rk
	if err := i.addSigningKeyLocked(now); err != nil {
		return nil, err
	}
	return i, nil
}

func newEmpty(opts Options) *Issuer {
	return &Issuer{
		opts: opts, clock: clock.Or(opts.Clock),
		persons: map[credential.NIR]*person{}, creds: map[[8]byte]*credRecord{},
		tickets: map[string]credential.NIR{}, activities: map[[8]byte][]Activity{}, mailbox: map[string]mail{},
	}
}

// now returns the clock's time to the second: the wire formats carry seconds.
func (i *Issuer) now() time.Time { return i.clock.Now().Truncate(time.Second) }

func (i *Issuer) genKey() (credential.IssuerKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), i.opts.Rand)
	if err != nil {
		return credential.IssuerKey{}, fmt.Errorf("issuer: generate key: %w", err)
	}
	return credential.IssuerKey{Kid: i.opts.KeyID(&k.PublicKey), Key: k}, nil
}

// kidOf returns the key identifier: the first 8 bytes of SHA-256 of the
// public key's PKIX DER form.
func kidOf(pub *ecdsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub) // a P-256 key always marshals
	sum := sha256.Sum256(der)
	return sum[:8]
}

func (i *Issuer) addSigningKeyLocked(now time.Time) error {
	k, err := i.genKey()
	if err != nil {
		return err
	}
	if n := len(i.keys); n > 0 && i.keys[n-1].NotAfter.After(now) {
		i.keys[n-1].NotAfter = now
	}
	i.keys = append(i.keys, &signingKey{IssuerKey: k, NotBefore: now, NotAfter: now.Add(i.opts.KeyLifetime)})
	i.trustSeq++ // content changed
	return nil
}

// RotateKey makes a new issuer key the signing key. The previous key stops
// signing now and stays in the trust list while credentials it signed are
// valid.
func (i *Issuer) RotateKey() error {
	return i.change(func() error { return i.addSigningKeyLocked(i.now()) })
}

// ListAuthority returns the public key that signs the trust and revocation
// lists: the anchor readers pin (credential.VerifierConfig.ListAuthority).
func (i *Issuer) ListAuthority() *ecdsa.PublicKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return &i.root.Key.PublicKey
}

// Name returns the issuer name written in credentials.
func (i *Issuer) Name() string { return i.opts.Name }

// Register adds or updates a person in the insurance database; the ouvrant
// droit's NIR is the key. The family is validated. Updating a person whose
// family data changed re-issues their credential as UpdateFamily does.
func (i *Issuer) Register(p Person) error {
	if err := p.Family.Validate(); err != nil {
		return fmt.Errorf("issuer: register: %w", err)
	}
	nir := p.Family.OuvrantDroit().NIR
	return i.change(func() error {
		old, ok := i.persons[nir]
		if !ok {
			i.persons[nir] = &person{Person: clonePerson(p), Activation: ActivationNone}
			return nil
		}
		i.sweepLocked(old, i.now())
		changed := !sameFamily(old.Family, p.Family)
		old.Person = clonePerson(p)
		if changed {
			return i.reissueLocked(old)
		}
		return nil
	})
}

// UpdateFamily replaces the data of a known person (the ouvrant droit's NIR
// names them: it cannot change) — a new beneficiary, a new usage name, a
// move to another organisme — and re-issues the credential of their active
// app when the data differ: the new credential has a new CredentialID, the
// same device key and the current issuer key; the old one is revoked with
// ReasonReissued (so that readers refuse the old data once they hold a newer
// revocation list), its Activités move to the new one, and the phone fetches
// the new credential (Reissued) the next time it is used. Unchanged data
// issue nothing. ErrUnknownNIR for an unknown person.
func (i *Issuer) UpdateFamily(f credential.Family) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("issuer: update family: %w", err)
	}
	return i.update(f.OuvrantDroit().NIR, func(p *person) error {
		if sameFamily(p.Family, f) {
			return nil
		}
		p.Family = clonePerson(Person{Family: f}).Family
		return i.reissueLocked(p)
	})
}

func sameFamily(a, b credential.Family) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// reissueLocked replaces p's current credential, if it is valid and not
// revoked, by a new one with p's data.
func (i *Issuer) reissueLocked(p *person) error {
	if p.Current == nil {
		return nil
	}
	old := i.creds[*p.Current]
	now := i.now()
	if old == nil || old.Revoked || !now.Before(old.ValidUntil) {
		return nil
	}
	if len(old.DeviceKey) == 0 {
		i.opts.Logger.Warn("issuer: no device key on record, credential not re-issued", "credential", fmt.Sprintf("%x", old.ID))
		return nil
	}
	pub, err := x509.ParsePKIXPublicKey(old.DeviceKey)
	dev, ok := pub.(*ecdsa.PublicKey)
	if err != nil || !ok {
		return fmt.Errorf("issuer: re-issue: device key: %w", credential.ErrInvalidField)
	}
	rec, held, err := i.issueLocked(old.NIR, old.Device, dev, p.Family, now)
	if err != nil {
		return fmt.Errorf("issuer: re-issue: %w", err)
	}
	i.revokeLocked(old.ID, ReasonReissued, now)
	old.ReplacedBy = &rec.ID
	if as := i.activities[old.ID]; len(as) > 0 {
		i.activities[rec.ID] = as
		delete(i.activities, old.ID)
	}
	p.Current, p.Reissued = &rec.ID, held
	if p.Activation == ActivationValidated { // not picked up yet: the phone collects the new one
		p.Held = held
	}
	i.opts.Logger.Info("issuer: credential re-issued", "credential", fmt.Sprintf("%x", old.ID), "new", fmt.Sprintf("%x", rec.ID))
	return nil
}

// issueLocked issues a credential with a fresh id, signed by the current
// issuer key, and records it.
func (i *Issuer) issueLocked(nir credential.NIR, d DeviceInfo, dev *ecdsa.PublicKey, fam credential.Family, now time.Time) (*credRecord, *credential.Held, error) {
	der, err := x509.MarshalPKIXPublicKey(dev)
	if err != nil {
		return nil, nil, fmt.Errorf("device key: %w", credential.ErrInvalidField)
	}
	var id [8]byte
	for {
		if _, err := io.ReadFull(i.opts.Rand, id[:]); err != nil {
			return nil, nil, fmt.Errorf("credential id: %w", err)
		}
		if _, dup := i.creds[id]; !dup {
			break
		}
	}
	sk := i.keys[len(i.keys)-1]
	until := now.Add(i.opts.CredentialValidity)
	held, err := credential.Issue(sk.IssuerKey, credential.Claims{
		Issuer: i.opts.Name, CredentialID: id, IssuedAt: now, ValidUntil: until,
		DevicePublicKey: dev, Family: fam,
	}, i.opts.Rand)
	if err != nil {
		return nil, nil, err
	}
	rec := &credRecord{ID: id, NIR: nir, Device: d, DeviceKey: der, IssuedAt: now, ValidUntil: until}
	i.creds[id] = rec
	return rec, held, nil
}

// Reissued returns the credential that replaced credential id after data
// changes (following every replacement to the latest), for the phone that
// holds id: ErrUnknownCredential when id is unknown or was not replaced,
// credential.ErrRevoked when the replacement itself was revoked since.
// Calling it again returns the same credential, so that a phone that crashed
// before storing it can fetch it again.
func (i *Issuer) Reissued(id [8]byte) (*Issued, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c := i.creds[id]
	if c == nil || c.ReplacedBy == nil {
		return nil, fmt.Errorf("issuer: re-issued credential of %x: %w", id, ErrUnknownCredential)
	}
	for c.ReplacedBy != nil && i.creds[*c.ReplacedBy] != nil {
		c = i.creds[*c.ReplacedBy]
	}
	p, err := i.lookupLocked(c.NIR)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Revoked:
		return nil, fmt.Errorf("issuer: re-issued credential %x: %s: %w", c.ID, c.Reason, credential.ErrRevoked)
	case p.Current == nil || *p.Current != c.ID || p.Reissued == nil:
		return nil, fmt.Errorf("issuer: re-issued credential of %x: %w", id, ErrUnknownCredential)
	}
	return &Issued{Held: p.Reissued, CredentialID: c.ID, ValidatedAt: c.IssuedAt, Family: clonePerson(Person{Family: p.Family}).Family}, nil
}

func clonePerson(p Person) Person {
	p.Family.Beneficiaires = slices.Clone(p.Family.Beneficiaires)
	for j, b := range p.Family.Beneficiaires {
		if b.INS != nil {
			ins := *b.INS
			p.Family.Beneficiaires[j].INS = &ins
		}
	}
	if p.Family.EtatCivil != nil {
		ec := *p.Family.EtatCivil
		p.Family.EtatCivil = &ec
	}
	return p
}

// lookupLocked returns the person after applying the time rules.
func (i *Issuer) lookupLocked(nir credential.NIR) (*person, error) {
	p, ok := i.persons[nir]
	if !ok {
		return nil, fmt.Errorf("issuer: %s: %w", nir.Masked(), ErrUnknownNIR)
	}
	i.sweepLocked(p, i.now())
	return p, nil
}

// sweepLocked applies the 48 h and 7-day rules to p at now.
func (i *Issuer) sweepLocked(p *person, now time.Time) {
	switch p.Activation {
	case ActivationPending:
		if now.After(p.SubmittedAt.Add(ValidationWindow)) {
			p.Activation, p.Held = ActivationExpired, nil
		}
	case ActivationValidated:
		if deadline := p.ValidatedAt.Add(ReopenWindow); now.After(deadline) {
			p.Activation, p.Held = ActivationLapsed, nil
			if p.Current != nil {
				i.revokeLocked(*p.Current, ReasonLapsed, deadline)
			}
		}
	}
}

// CheckEligibility is the activation's NIR step on the server: it returns
// ErrUnknownNIR, ErrBlocked or ErrNotEligible, or records that an activation
// started.
func (i *Issuer) CheckEligibility(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		if p.Blocked {
			return fmt.Errorf("issuer: %s: %w", nir.Masked(), ErrBlocked)
		}
		if err := i.opts.Eligibility.Check(p.Family.OuvrantDroit().Organisme, p.Departement); err != nil {
			return err
		}
		if p.Activation != ActivationPending && p.Activation != ActivationValidated {
			p.Activation = ActivationStarted
		}
		p.EmailVerified = false
		return nil
	})
}

// SendEmailCode sends a fresh 6-digit code to address (see Mailbox). A new
// code replaces the previous one.
func (i *Issuer) SendEmailCode(nir credential.NIR, address string) error {
	if address == "" {
		return fmt.Errorf("issuer: send e-mail code: no address: %w", ErrNoValidatedEmail)
	}
	n, err := rand.Int(i.opts.Rand, big.NewInt(1_000_000))
	if err != nil {
		return fmt.Errorf("issuer: send e-mail code: %w", err)
	}
	return i.update(nir, func(p *person) error {
		p.Email, p.EmailVerified = address, false
		i.mailbox[address] = mail{Code: fmt.Sprintf("%06d", n.Int64()), SentAt: i.now()}
		return nil
	})
}

// Mailbox returns the last code sent to address and when: the emulated
// e-mail the user reads.
func (i *Issuer) Mailbox(address string) (code string, sentAt time.Time, ok bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	m, ok := i.mailbox[address]
	return m.Code, m.SentAt, ok
}

// VerifyEmailCode checks the code the user typed: ErrEmailCodeWrong, or
// ErrEmailCodeExpired once more than EmailCodeValidity has passed since it
// was sent (exactly 1 hour is still valid). A used code is spent.
func (i *Issuer) VerifyEmailCode(nir credential.NIR, address, code string) error {
	return i.update(nir, func(p *person) error {
		m, ok := i.mailbox[address]
		if !ok || p.Email != address {
			return fmt.Errorf("issuer: e-mail code: none sent to this address: %w", ErrEmailCodeWrong)
		}
		if i.now().Sub(m.SentAt) > EmailCodeValidity {
			return fmt.Errorf("issuer: e-mail code: sent %v ago: %w", i.now().Sub(m.SentAt), ErrEmailCodeExpired)
		}
		if subtle.ConstantTimeCompare([]byte(code), []byte(m.Code)) != 1 {
			return fmt.Errorf("issuer: e-mail code: %w", ErrEmailCodeWrong)
		}
		delete(i.mailbox, address)
		p.EmailVerified = true
		return nil
	})
}

// Request is an activation request, sent once every step passed on the phone.
type Request struct {
	NIR       credential.NIR
	Email     string // must be the verified address
	Device    DeviceInfo
	DeviceKey *ecdsa.PublicKey // the phone's device key (P-256)
}

// Submit records an activation request, pending validation, and returns the
// ticket the phone collects the credential with. A newer request replaces a
// pending one.
func (i *Issuer) Submit(r Request) (string, error) {
	if r.DeviceKey == nil || r.DeviceKey.Curve != elliptic.P256() {
		return "", fmt.Errorf("issuer: submit: device key is not P-256: %w", credential.ErrInvalidField)
	}
	der, err := x509.MarshalPKIXPublicKey(r.DeviceKey)
	if err != nil {
		return "", fmt.Errorf("issuer: submit: device key: %w", credential.ErrInvalidField)
	}
	var t [16]byte
	if _, err := io.ReadFull(i.opts.Rand, t[:]); err != nil {
		return "", fmt.Errorf("issuer: submit: %w", err)
	}
	ticket := hex.EncodeToString(t[:])
	err = i.update(r.NIR, func(p *person) error {
		if p.Blocked {
			return fmt.Errorf("issuer: submit: %w", ErrBlocked)
		}
		if !p.EmailVerified || p.Email != r.Email {
			return fmt.Errorf("issuer: submit: %w", ErrNoValidatedEmail)
		}
		if p.Ticket != "" {
			delete(i.tickets, p.Ticket)
		}
		i.tickets[ticket] = r.NIR
		p.Ticket, p.Device, p.DeviceKey = ticket, r.Device, der
		p.Activation, p.SubmittedAt, p.ValidatedAt, p.Held = ActivationPending, i.now(), time.Time{}, nil
		i.opts.Logger.Info("issuer: activation request submitted", "ticket", ticket[:8]+"…")
		return nil
	})
	if err != nil {
		return "", err
	}
	return ticket, nil
}

// Validate validates the person's pending request (the identity check
// passed on the back office): it issues a credential bound to the request's
// device key, with a fresh credential id, and revokes the person's previous
// credential (one user, one active app). ErrValidationExpired if it comes
// more than ValidationWindow after the submission (exactly 48 h is still in
// time); ErrNoActivation if nothing is pending.
func (i *Issuer) Validate(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		switch {
		case p.Activation == ActivationExpired:
			return fmt.Errorf("issuer: validate: %w", ErrValidationExpired)
		case p.Activation != ActivationPending:
			return fmt.Errorf("issuer: validate: activation is %s: %w", p.Activation, ErrNoActivation)
		case p.Blocked:
			return fmt.Errorf("issuer: validate: %w", ErrBlocked)
		}
		pub, err := x509.ParsePKIXPublicKey(p.DeviceKey)
		dev, ok := pub.(*ecdsa.PublicKey)
		if err != nil || !ok {
			return fmt.Errorf("issuer: validate: device key: %w", credential.ErrInvalidField)
		}
		now := i.now()
		rec, held, err := i.issueLocked(nir, p.Device, dev, p.Family, now)
		if err != nil {
			return fmt.Errorf("issuer: validate: %w", err)
		}
		if p.Current != nil {
			i.revokeLocked(*p.Current, ReasonNewDevice, now)
		}
		id := rec.ID
		p.Current, p.Reissued = &id, nil
		p.Activation, p.ValidatedAt, p.Held = ActivationValidated, now, held
		i.opts.Logger.Info("issuer: credential issued", "credential", fmt.Sprintf("%x", id))
		return nil
	})
}

// Issued is what the phone collects once its request is validated.
type Issued struct {
	Held         *credential.Held
	CredentialID [8]byte
	ValidatedAt  time.Time         // when the credential was issued
	Family       credential.Family // the data it certifies
}

// Collect is the phone reopening the app with its ticket. It returns the
// credential once validated and marks the activation completed; before
// that ErrPendingValidation, ErrValidationExpired after 48 h without
// validation, ErrProfileDeleted when the app is reopened more than
// ReopenWindow after the validation (exactly 7 days is still in time).
func (i *Issuer) Collect(ticket string) (*Issued, error) {
	var out *Issued
	err := i.change(func() error {
		nir, ok := i.tickets[ticket]
		if !ok {
			return fmt.Errorf("issuer: collect: unknown ticket: %w", ErrNoActivation)
		}
		p, err := i.lookupLocked(nir)
		if err != nil {
			return err
		}
		switch p.Activation {
		case ActivationPending:
			return fmt.Errorf("issuer: collect: %w", ErrPendingValidation)
		case ActivationExpired:
			return fmt.Errorf("issuer: collect: %w", ErrValidationExpired)
		case ActivationLapsed:
			return fmt.Errorf("issuer: collect: %w", ErrProfileDeleted)
		case ActivationValidated:
			out = &Issued{Held: p.Held, CredentialID: *p.Current, ValidatedAt: p.ValidatedAt, Family: clonePerson(p.Person).Family}
			p.Activation, p.Held = ActivationCompleted, nil
			delete(i.tickets, ticket)
			p.Ticket = ""
			return nil
		}
		return fmt.Errorf("issuer: collect: activation is %s: %w", p.Activation, ErrNoActivation)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Status is a credential's standing.
type Status struct {
	Revoked bool
	Reason  RevokeReason
	Blocked bool // the holder is blocked
}

// CredentialStatus returns the standing of credential id.
func (i *Issuer) CredentialStatus(id [8]byte) (Status, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	c, ok := i.creds[id]
	if !ok {
		return Status{}, fmt.Errorf("issuer: credential %x: %w", id, ErrUnknownCredential)
	}
	p, err := i.lookupLocked(c.NIR) // applies the 7-day rule
	if err != nil {
		return Status{}, err
	}
	return Status{Revoked: c.Revoked, Reason: c.Reason, Blocked: p.Blocked}, nil
}

// Revoke revokes credential id (idempotent: a second call keeps the first
// reason and time).
func (i *Issuer) Revoke(id [8]byte, reason RevokeReason) error {
	return i.change(func() error {
		if _, ok := i.creds[id]; !ok {
			return fmt.Errorf("issuer: revoke %x: %w", id, ErrUnknownCredential)
		}
		i.revokeLocked(id, reason, i.now())
		return nil
	})
}

func (i *Issuer) revokeLocked(id [8]byte, reason RevokeReason, at time.Time) {
	c := i.creds[id]
	if c == nil || c.Revoked {
		return
	}
	c.Revoked, c.RevokedAt, c.Reason = true, at, reason
	i.opts.Logger.Info("issuer: credential revoked", "credential", fmt.Sprintf("%x", id), "reason", reason)
}

// RevokeDevice revokes the person's current app (an agent's action). It is
// not an error when the person has no active app.
func (i *Issuer) RevokeDevice(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		if p.Current != nil {
			i.revokeLocked(*p.Current, ReasonAgent, i.now())
		}
		return nil
	})
}

// Block blocks a person: their current credential is revoked, a pending
// activation is dropped, and they cannot activate until Unblock.
func (i *Issuer) Block(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		p.Blocked = true
		if p.Current != nil {
			i.revokeLocked(*p.Current, ReasonBlocked, i.now())
		}
		if p.Activation == ActivationPending || p.Activation == ActivationValidated || p.Activation == ActivationStarted {
			p.Activation, p.Held = ActivationNone, nil
			delete(i.tickets, p.Ticket)
			p.Ticket = ""
		}
		return nil
	})
}

// Unblock lets a blocked person activate again; revoked credentials stay
// revoked.
func (i *Issuer) Unblock(nir credential.NIR) error {
	return i.update(nir, func(p *person) error {
		p.Blocked = false
		return nil
	})
}

// AddActivity records a care expense made with credential id. The record is
// shown by Activities for ActivityRetention from now.
func (i *Issuer) AddActivity(id [8]byte, a Activity) error {
	return i.change(func() error { return i.addActivityLocked(id, a) })
}

func (i *Issuer) addActivityLocked(id [8]byte, a Activity) error {
	c, ok := i.creds[id]
	if !ok {
		return fmt.Errorf("issuer: activity: %w", ErrUnknownCredential)
	}
	for c.Revoked && c.ReplacedBy != nil && i.creds[*c.ReplacedBy] != nil {
		// billed with the credential a data change just replaced: same app
		c = i.creds[*c.ReplacedBy]
	}
	id = c.ID
	if c.Revoked {
		return fmt.Errorf("issuer: activity: credential %x: %w", id, credential.ErrRevoked)
	}
	n := len(i.persons[c.NIR].Family.Beneficiaires)
	switch {
	case a.Beneficiary < 0 || a.Beneficiary >= n:
		return fmt.Errorf("issuer: activity: beneficiary %d of %d: %w", a.Beneficiary, n, ErrInvalidActivity)
	case a.AmountCents < 0 || a.AmountCents > 100_000_00:
		return fmt.Errorf("issuer: activity: amount %d cents: %w", a.AmountCents, ErrInvalidActivity)
	case a.PSID == "" || a.PSName == "" || len(a.PSID) > 20 || len(a.PSName) > 80:
		return fmt.Errorf("issuer: activity: PS identification: %w", ErrInvalidActivity)
	}
	now := i.now()
	if a.Date.IsZero() {
		a.Date = now
	}
	a.RecordedAt = now
	i.activities[id] = append(pruneActivities(i.activities[id], now), a)
	return nil
}

// Activities returns the care expenses made with credential id in the last
// ActivityRetention, oldest first: a record recorded at t is shown until
// t + 7 days, excluded.
func (i *Issuer) Activities(id [8]byte) []Activity {
	i.mu.Lock()
	defer i.mu.Unlock()
	kept := pruneActivities(i.activities[id], i.now())
	if len(kept) == 0 {
		delete(i.activities, id)
		return nil
	}
	i.activities[id] = kept
	return slices.Clone(kept)
}

func pruneActivities(as []Activity, now time.Time) []Activity {
	return slices.DeleteFunc(as, func(a Activity) bool { return !now.Before(a.RecordedAt.Add(ActivityRetention)) })
}

// PersonView is what the management portal shows an agent about a person.
type PersonView struct {
	NIR             credential.NIR
	Eligible        bool
	Ineligibility   string // why not eligible, "" when eligible
	Blocked         bool
	AppState        AppState
	ActivationState ActivationState
	Device          DeviceInfo // the phone of the latest activation request ("" fields if none)
	CredentialID    string     // hex of the latest credential, "" if none
	IssuedAt        time.Time  // of the latest credential
	RevokeReason    RevokeReason
}

// PersonView returns the portal's view of the person with this NIR
// (ErrUnknownNIR when unknown).
func (i *Issuer) PersonView(nir credential.NIR) (PersonView, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	p, err := i.lookupLocked(nir)
	if err != nil {
		return PersonView{}, err
	}
	return i.viewLocked(nir, p), nil
}

// Persons returns every person's view, sorted by NIR.
func (i *Issuer) Persons() []PersonView {
	i.mu.Lock()
	defer i.mu.Unlock()
	now := i.now()
	out := make([]PersonView, 0, len(i.persons))
	for nir, p := range i.persons {
		i.sweepLocked(p, now)
		out = append(out, i.viewLocked(nir, p))
	}
	slices.SortFunc(out, func(a, b PersonView) int {
		if a.NIR < b.NIR {
			return -1
		}
		if a.NIR > b.NIR {
			return 1
		}
		return 0
	})
	return out
}

func (i *Issuer) viewLocked(nir credential.NIR, p *person) PersonView {
	v := PersonView{NIR: nir, Eligible: true, Blocked: p.Blocked, AppState: AppNone, ActivationState: p.Activation, Device: p.Device}
	if err := i.opts.Eligibility.Check(p.Family.OuvrantDroit().Organisme, p.Departement); err != nil {
		v.Eligible, v.Ineligibility = false, err.Error()
	}
	if p.Current != nil {
		c := i.creds[*p.Current]
		v.CredentialID, v.IssuedAt, v.Device = hex.EncodeToString(c.ID[:]), c.IssuedAt, c.Device
		switch {
		case !c.Revoked:
			v.AppState = AppActive
		case c.Reason == ReasonDeleted || c.Reason == ReasonLapsed:
			v.AppState, v.RevokeReason = AppDeleted, c.Reason
		default:
			v.AppState, v.RevokeReason = AppRevoked, c.Reason
		}
	}
	return v
}

// TrustList returns the trust list signed by the list authority: every
// issuer key still needed to verify unexpired credentials. Each call has a
// higher Seq.
func (i *Issuer) TrustList() ([]byte, error) {
	var tl credential.TrustList
	var root credential.IssuerKey
	err := i.change(func() error { // the sequence number must never go back: saved before the list leaves
		now := i.now()
		tl = credential.TrustList{IssuedAt: now, NextUpdate: now.Add(i.opts.TrustListNextUpdate)}
		for _, k := range i.keys {
			if now.After(k.NotAfter.Add(i.opts.CredentialValidity)) {
				continue // nothing it signed is valid any more
			}
			tl.Keys = append(tl.Keys, credential.TrustedKey{Kid: slices.Clone(k.Kid), Issuer: i.opts.Name,
				Key: &k.Key.PublicKey, NotBefore: k.NotBefore, NotAfter: k.NotAfter})
		}
		i.trustSeq++
		tl.Seq = i.trustSeq
		root = i.root
		return nil
	})
	if err != nil {
		return nil, err
	}
	raw, err := credential.SignTrustList(root, tl)
	if err != nil {
		return nil, fmt.Errorf("issuer: trust list: %w", err)
	}
	return raw, nil
}

// RevocationList returns the revocation list as issued at now, signed by
// the list authority: the unexpired credentials revoked at least
// PublicationDelay before now. Its next update is now+RevocationNextUpdate;
// each call has a higher Seq.
func (i *Issuer) RevocationList(now time.Time) ([]byte, error) {
	now = now.Truncate(time.Second)
	rl := credential.RevocationList{IssuedAt: now, NextUpdate: now.Add(i.opts.RevocationNextUpdate), Revoked: [][8]byte{}}
	var root credential.IssuerKey
	err := i.change(func() error { // the sequence number must never go back: saved before the list leaves
		for _, p := range i.persons {
			i.sweepLocked(p, i.now())
		}
		for id, c := range i.creds {
			if c.Revoked && !now.Before(c.RevokedAt.Add(i.opts.PublicationDelay)) && now.Before(c.ValidUntil) {
				rl.Revoked = append(rl.Revoked, id)
			}
		}
		i.revSeq++
		rl.Seq = i.revSeq
		root = i.root
		return nil
	})
	if err != nil {
		return nil, err
	}
	raw, err := credential.SignRevocationList(root, rl)
	if err != nil {
		return nil, fmt.Errorf("issuer: revocation list: %w", err)
	}
	return raw, nil
}

var errBadKey = errors.New("not a P-256 EC private key")
