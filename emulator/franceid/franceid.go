package franceid

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// Identity is what the CNIe's chip holds about its holder and France
// Identité passes on: the état civil written on the card.
type Identity struct {
	NomNaissance     string          `json:"nomNaissance"`
	NomUsage         string          `json:"nomUsage,omitempty"`
	Prenoms          string          `json:"prenoms"` // as on the card: "Jean-Marie, Paul"
	Sexe             credential.Sex  `json:"sexe"`
	DateNaissance    credential.Date `json:"dateNaissance"`    // may be lunar
	PaysNaissance    string          `json:"paysNaissance"`    // INSEE code, 99100 for France
	CommuneNaissance string          `json:"communeNaissance"` // COG code of today, "" abroad
}

// EtatCivil returns the état civil the carte Vitale app keeps of the card
// (type "CNI"), acquired on day acquired.
func (id Identity) EtatCivil(acquired credential.Date) credential.EtatCivil {
	return credential.EtatCivil{NomNaissance: id.NomNaissance, Prenoms: id.Prenoms, DateNaissance: id.DateNaissance,
		PaysNaissance: id.PaysNaissance, CommuneNaissance: id.CommuneNaissance, TypeDocument: "CNI",
		Sexe: id.Sexe, DateAcquisition: acquired}
}

// Record is the signed content of the chip: the identity, the document
// number and the card's dates.
type Record struct {
	DocumentNumber string          `json:"documentNumber"`
	Identity       Identity        `json:"identity"`
	IssuedOn       credential.Date `json:"issuedOn"`  // date de délivrance
	ExpiresOn      credential.Date `json:"expiresOn"` // date d'expiration: valid through that day
}

// Expired reports whether the card has expired at now: the day after its
// expiry date (in Paris time: a French card expires at midnight there).
func (r *Record) Expired(now time.Time) bool {
	e := r.ExpiresOn
	last := time.Date(e.Year, time.Month(e.Month), e.Day, 0, 0, 0, 0, paris).AddDate(0, 0, 1)
	return !now.Before(last)
}

var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}()

// SignedRecord is the chip's record as the document signer signed it: what
// France Identité reads once the PIN is right, and what the health
// insurance verifies again (it does not trust the phone).
type SignedRecord struct {
	Data      []byte `json:"data"`      // the Record, JSON
	Signature []byte `json:"signature"` // ECDSA P-256 / SHA-256, ASN.1, over "CNIe-record\x00" ‖ Data
}

const signContext = "CNIe-record\x00"

// MaxRecord bounds a signed record's data.
const MaxRecord = 4096

// Authority is the emulated State authority whose document signer signs
// every CNIe's chip (the passive authentication of ICAO 9303, reduced to
// one key). The health insurance trusts its public key (Trust).
type Authority struct {
	key *ecdsa.PrivateKey
}

// NewAuthority returns an authority with a fresh key from r (nil means
// crypto/rand).
func NewAuthority(r io.Reader) (*Authority, error) {
	if r == nil {
		r = rand.Reader
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), r)
	if err != nil {
		return nil, fmt.Errorf("franceid: authority key: %w", err)
	}
	return &Authority{key: k}, nil
}

// PublicKey returns the document signer's public key.
func (a *Authority) PublicKey() *ecdsa.PublicKey { return &a.key.PublicKey }

// Sign signs rec. It refuses a record whose identity is incomplete.
func (a *Authority) Sign(rec Record) (SignedRecord, error) {
	if err := rec.Validate(); err != nil {
		return SignedRecord{}, fmt.Errorf("franceid: sign: %w", err)
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return SignedRecord{}, fmt.Errorf("franceid: sign: %w", err)
	}
	sum := sha256.Sum256(append([]byte(signContext), data...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, sum[:])
	if err != nil {
		return SignedRecord{}, fmt.Errorf("franceid: sign: %w", err)
	}
	return SignedRecord{Data: data, Signature: sig}, nil
}

// Validate checks that the record can be signed: a document number, the
// names, a sex, a birth date, calendar dates of issue and expiry.
func (r *Record) Validate() error {
	id := r.Identity
	switch {
	case len(r.DocumentNumber) < 9 || len(r.DocumentNumber) > 12 || strings.Trim(r.DocumentNumber, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return fmt.Errorf("document number: want 9..12 upper-case letters and digits: %w", credential.ErrInvalidField)
	case strings.TrimSpace(id.NomNaissance) == "" || strings.TrimSpace(id.Prenoms) == "":
		return fmt.Errorf("identity: names missing: %w", credential.ErrInvalidField)
	case id.Sexe != credential.SexMale && id.Sexe != credential.SexFemale:
		return fmt.Errorf("identity: sex: %w", credential.ErrInvalidField)
	case id.DateNaissance.Year == 0 || r.ExpiresOn.Lunar() || r.IssuedOn.Lunar():
		return fmt.Errorf("dates: %w", credential.ErrInvalidField)
	}
	return nil
}

// Trust verifies signed records against the authority's public key.
type Trust struct {
	Key *ecdsa.PublicKey
}

// Verify checks sr's signature and the card's validity at now and returns
// its record: ErrInvalidSignature for a record not signed by the trusted
// authority (or altered, or malformed), ErrCardExpired for a card past its
// expiry date. Nothing of an unverified record is returned.
func (t Trust) Verify(sr SignedRecord, now time.Time) (*Record, error) {
	if t.Key == nil {
		return nil, fmt.Errorf("franceid: verify: no trusted key: %w", ErrInvalidSignature)
	}
	if len(sr.Data) == 0 || len(sr.Data) > MaxRecord {
		return nil, fmt.Errorf("franceid: verify: record of %d bytes: %w", len(sr.Data), ErrInvalidSignature)
	}
	sum := sha256.Sum256(append([]byte(signContext), sr.Data...))
	if !ecdsa.VerifyASN1(t.Key, sum[:], sr.Signature) {
		return nil, fmt.Errorf("franceid: verify: %w", ErrInvalidSignature)
	}
	dec := json.NewDecoder(bytes.NewReader(sr.Data))
	dec.DisallowUnknownFields()
	var rec Record
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("franceid: verify: record: %v: %w", err, ErrInvalidSignature)
	}
	if err := rec.Validate(); err != nil {
		return nil, fmt.Errorf("franceid: verify: %w", err)
	}
	if rec.Expired(now) {
		return nil, fmt.Errorf("franceid: verify: expired on %s: %w", rec.ExpiresOn, ErrCardExpired)
	}
	return &rec, nil
}

// PIN rules of the emulated card: a PINLength-digit code, PINAttempts wrong
// entries in a row block it. (The seeds do not describe France Identité's
// code; these are the emulator's, settable per card.)
const (
	PINLength   = 4
	PINAttempts = 3
)

// Card is a CNIe (carte nationale d'identité électronique) as data: its
// chip's signed record, released only after the holder's PIN is checked,
// with the chip's counter of wrong PINs. Safe for concurrent use.
type Card struct {
	signed SignedRecord

	mu       sync.Mutex
	pin      string
	attempts int // max wrong PINs in a row
	fails    int
}

// NewCard returns a card holding signed (see Authority.Sign) opened by pin.
// attempts ≤ 0 means PINAttempts.
func NewCard(signed SignedRecord, pin string, attempts int) (*Card, error) {
	if len(pin) != PINLength || strings.Trim(pin, "0123456789") != "" {
		return nil, fmt.Errorf("franceid: card: PIN must have %d digits: %w", PINLength, credential.ErrInvalidField)
	}
	if attempts <= 0 {
		attempts = PINAttempts
	}
	return &Card{signed: signed, pin: pin, attempts: attempts}, nil
}

// PINError is a wrong PIN; it says how many entries remain before the
// card's PIN is blocked. It unwraps to ErrWrongPIN.
type PINError struct{ Remaining int }

func (e *PINError) Error() string {
	return ErrWrongPIN.Error() + " (" + itoa(e.Remaining) + " attempts left)"
}

// Unwrap returns ErrWrongPIN.
func (e *PINError) Unwrap() error { return ErrWrongPIN }

// Read is the chip's PIN check followed by the reading of its record: a
// wrong PIN returns a *PINError (ErrWrongPIN) and the PINAttempts-th in a
// row blocks the card (ErrPINBlocked, then for every later Read, even with
// the right PIN). A right PIN resets the counter.
func (c *Card) Read(pin string) (SignedRecord, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fails >= c.attempts {
		return SignedRecord{}, fmt.Errorf("franceid: card: %w", ErrPINBlocked)
	}
	if subtle.ConstantTimeCompare([]byte(pin), []byte(c.pin)) != 1 {
		c.fails++
		if c.fails >= c.attempts {
			return SignedRecord{}, fmt.Errorf("franceid: card: %w", ErrPINBlocked)
		}
		return SignedRecord{}, fmt.Errorf("franceid: card: %w", &PINError{Remaining: c.attempts - c.fails})
	}
	c.fails = 0
	return SignedRecord{Data: bytes.Clone(c.signed.Data), Signature: bytes.Clone(c.signed.Signature)}, nil
}

// WrongPINs returns the chip's count of wrong PINs in a row.
func (c *Card) WrongPINs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fails
}

// App is the France Identité app on the phone, as the carte Vitale app
// sees it: whether it is installed and activated (the holder enrolled the
// card in it). Read checks the phone (NFC, an unmodified system), then the
// card (PIN, signature, expiry).
type App struct {
	Installed bool
	Activated bool
	Trust     Trust // the authority France Identité trusts
}

// Phone is what France Identité requires of the handset.
type Phone struct {
	NFC                bool // NFC hardware to read the card
	NFCOn              bool // NFC turned on in the settings
	Rooted             bool
	BootloaderUnlocked bool
}

// Read is France Identité reading card for the carte Vitale app: the app
// must be installed (ErrNotInstalled) and activated (ErrNotActivated); the
// phone must have NFC (ErrNoNFC) turned on (ErrNFCOff) and an unmodified
// system (ErrModifiedSystem: rooted, or bootloader unlocked — a locked,
// unrooted alternative system passes, as a reader of the article reports
// of GrapheneOS); card nil is no CNIe (ErrNoCNIe: an old card has no chip);
// then the card's PIN (Card.Read) and its record (Trust.Verify at now).
func (a App) Read(ph Phone, card *Card, pin string, now time.Time) (SignedRecord, *Record, error) {
	switch {
	case !a.Installed:
		return SignedRecord{}, nil, fmt.Errorf("franceid: %w", ErrNotInstalled)
	case ph.Rooted || ph.BootloaderUnlocked:
		what := "rooted"
		if !ph.Rooted {
			what = "bootloader unlocked"
		} else if ph.BootloaderUnlocked {
			what = "rooted, bootloader unlocked"
		}
		return SignedRecord{}, nil, fmt.Errorf("franceid: system %s: %w", what, ErrModifiedSystem)
	case !a.Activated:
		return SignedRecord{}, nil, fmt.Errorf("franceid: %w", ErrNotActivated)
	case !ph.NFC:
		return SignedRecord{}, nil, fmt.Errorf("franceid: %w", ErrNoNFC)
	case !ph.NFCOn:
		return SignedRecord{}, nil, fmt.Errorf("franceid: %w", ErrNFCOff)
	case card == nil:
		return SignedRecord{}, nil, fmt.Errorf("franceid: %w", ErrNoCNIe)
	}
	sr, err := card.Read(pin)
	if err != nil {
		return SignedRecord{}, nil, err
	}
	rec, err := a.Trust.Verify(sr, now)
	if err != nil {
		return SignedRecord{}, nil, err
	}
	return sr, rec, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
