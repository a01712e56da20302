package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/emulator/franceid"
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
	KeyID func(*ecdsa.PublicKey) []byte
	// CNIeAuthority is the emulated State authority whose CNIe records the
	// France Identité route trusts (ActivateFranceIdentite); nil means a
	// new one (the emulator's phones mint their cards with the issuer's,
	// FranceIdentiteAuthority).
	CNIeAuthority *franceid.Authority
	Rand          io.Reader    // nil means crypto/rand
	Logger        *slog.Logger // nil discards; never given personal data
	// LockTimeout is how long a change of an issuer made by Open waits for
	// another process's lock on the state directory before failing with
	// ErrStateBusy (default DefaultLockTimeout). A change holds the lock
	// for a read, a save and an fsync or two.
	LockTimeout time.Duration
}

// DefaultLockTimeout is Options.LockTimeout's default.
const DefaultLockTimeout = 5 * time.Second

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
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
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
	if o.CNIeAuthority == nil {
		a, err := franceid.NewAuthority(o.Rand)
		if err != nil {
			return fmt.Errorf("issuer: %w", err)
		}
		o.CNIeAuthority = a
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
	// Rights are the AMO rights the online service answers for some of
	// the beneficiaries (matched by NIR and rang); the others' are derived
	// from their data (rights.Derive). Optional.
	Rights []rights.Rights `json:",omitempty"`
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
	keysSaved map[string]bool
	// stateSum is the SHA-256 of dir's state.json as this process last
	// read or wrote it: another process's save differs (refreshLocked).
	stateSum   [32]byte
	root       credential.IssuerKey
	keys       []*signingKey // oldest first; the last one signs
	persons    map[credential.NIR]*person
	creds      map[[8]byte]*credRecord
	tickets    map[string]credential.NIR
	activities map[[8]byte][]Activity
	mailbox    map[string]mail   // by address: the last code sent
	inbox      map[string][]Mail // by address: every mail sent (Mails)
	trustSeq   uint64
	revSeq     uint64
	// serviceOffset shifts the online service's clock (a fault:
	// SetServiceClockOffset).
	serviceOffset time.Duration
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
	// change or a renewal, kept for the phone to fetch (Reissued),
	// idempotently.
	Reissued *credential.Held `json:",omitempty"`
	// Rejection is why the back office rejected the latest request
	// (ActivationRejected), shown by the app when it is opened.
	Rejection RejectReason `json:",omitempty"`
	// Document is the état civil acquired from the identity document at
	// the last activation (its DateAcquisition set): what credentials
	// certify in place of Family's until the next activation.
	Document *credential.EtatCivil `json:",omitempty"`
}

// issuedFamily returns what p's credentials certify: the insurance's
// family with the état civil acquired at activation (Document) when there
// is one. A copy.
func (p *person) issuedFamily() credential.Family {
	fam := clonePerson(p.Person).Family
	if p.Document != nil {
		ec := *p.Document
		fam.EtatCivil = &ec
	}
	return fam
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
	// LastResolved is the draw time (Unix seconds) of the newest short QR
	// of this credential the online service resolved (Resolve): single
	// use. 0 when none.
	LastResolved int64 `json:",omitempty"`
	// ShortQRKey is the credential's short QR key (credential.Held's, drawn
	// at issuance): Resolve checks the short QR's tag with it. Zero for a
	// credential issued before it existed (its short QRs are refused).
	ShortQRKey [credential.ShortQRKeyLen]byte `json:",omitzero"`
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
		inbox: map[string][]Mail{},
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
	if err := checkRights(p); err != nil {
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
	rec := &credRecord{ID: id, NIR: nir, Device: d, DeviceKey: der, IssuedAt: now, ValidUntil: until, ShortQRKey: held.ShortQRKey}
	i.creds[id] = rec
	return rec, held, nil
}

func clonePerson(p Person) Person {
	p.Rights = slices.Clone(p.Rights)
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

var errBadKey = errors.New("not a P-256 EC private key")
