package phone

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/franceid"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/store"
)

// ErrBadState is a phone state file that cannot be used: damaged, of
// another format, or of another person.
var ErrBadState = apcverr.New("bad-phone-state",
	"The phone's saved state could not be read.",
	"L'état enregistré du téléphone n'a pas pu être lu.")

const (
	phoneStateFormat = 1
	// MaxStateSize bounds a phone state file.
	MaxStateSize = 1 << 20
)

// StateFile returns the name of profile name's state file in a phones
// directory: "<name>.json".
func StateFile(name string) string { return name + ".json" }

// savedPhone is the JSON form of a phone's app state. Times are UTC.
type savedPhone struct {
	Format  int            `json:"format"`
	Profile string         `json:"profile"`
	NIR     credential.NIR `json:"nir"`        // the ouvrant droit: a state never changes hands
	FileSum string         `json:"profileSum"` // SHA-256 of the profile as loaded: an edited profile is registered again
	State   string         `json:"state"`
	Email   string         `json:"email"`
	// Family is what the held credential certifies (it differs from the
	// profile file after a re-issuance).
	Family *credential.Family `json:"family,omitempty"`

	NIRFails     int              `json:"nirFails,omitempty"`
	NIRFirstFail time.Time        `json:"nirFirstFail,omitzero"`
	Activation   *savedAct        `json:"activation,omitempty"`
	Ticket       string           `json:"ticket,omitempty"`
	PendingKey   []byte           `json:"pendingKey,omitempty"` // SEC 1 DER
	DeviceKey    []byte           `json:"deviceKey,omitempty"`  // SEC 1 DER
	Held         *credential.Held `json:"held,omitempty"`
	CredentialID string           `json:"credentialId,omitempty"` // hex, "" when none
	Code         *secret          `json:"code,omitempty"`
	CodeFails    int              `json:"codeFails,omitempty"`
	QRCounter    uint32           `json:"qrCounter"`
	EmailCheck   string           `json:"emailCheck,omitempty"`
	// UpdatedAt is the data's update date (absent from states saved before
	// it was kept).
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	// ActivatedFranceIdentite: the credential came from the France
	// Identité route.
	ActivatedFranceIdentite bool `json:"activatedFranceIdentite,omitempty"`
}

type savedAct struct {
	NIR           credential.NIR `json:"nir"`
	Email         string         `json:"email,omitempty"`
	EmailSent     bool           `json:"emailSent,omitempty"`
	EmailVerified bool           `json:"emailVerified,omitempty"`
	Consent       bool           `json:"consent,omitempty"`
	Identity      bool           `json:"identity,omitempty"`
	CodeChosen    bool           `json:"codeChosen,omitempty"`
	Code          *secret        `json:"code,omitempty"`
	// FranceIdentite marks the France Identité route; CNIe is the card's
	// record once read.
	FranceIdentite bool                   `json:"franceIdentite,omitempty"`
	CNIe           *franceid.SignedRecord `json:"cnie,omitempty"`
}

// Open returns the phone of profile p whose app state lives in dir (one
// file per profile, StateFile(p.Name), created with the directory when
// missing): what New returns the first time, and the same app after a
// restart — state, activation in progress, device key, credential, secret
// code hash, attempt counters, QR counter, e-mail.
//
// The phone saves itself on every change: each method that changed the app
// wrote the new state (atomically and durably, through emulator/store)
// before it returns, so that a crash or a kill -9 at any moment loses
// nothing a method had returned. A method whose save failed returns that
// error; PresentQR then returns no text. Keep the issuer's state alongside
// (issuer.Open on a sibling directory): the phone's credential is checked
// against it.
//
// A phone restarts locked (an unlocked app asks for its code again). The
// profile's family is registered at the issuer the first time and again
// only when the profile file changed since the state was saved, so that
// data updated at the issuer (issuer.UpdateFamily) are not undone by a
// restart. A state of another person, format or a damaged file is an error
// wrapping ErrBadState. The state file holds the device private key and the
// credential: it is written 0600 in a 0700 directory.
func Open(dir string, p *Profile, opts Options) (*Phone, error) {
	if p == nil {
		return nil, errors.New("phone: open: nil profile")
	}
	if err := store.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("phone: open: %w", err)
	}
	if _, err := store.RemoveTemp(dir); err != nil {
		return nil, fmt.Errorf("phone: open: %w", err)
	}
	data, err := store.ReadFile(dir, StateFile(p.Name), MaxStateSize)
	if errors.Is(err, fs.ErrNotExist) {
		ph, err := New(p, opts)
		if err != nil {
			return nil, err
		}
		ph.mu.Lock()
		defer ph.mu.Unlock()
		ph.dir = dir
		ph.fileSum = profileSum(p)
		if err := ph.saveLocked(); err != nil {
			return nil, err
		}
		return ph, nil
	}
	if err != nil {
		return nil, fmt.Errorf("phone: open: %w", err)
	}
	var st savedPhone
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("phone: open %s: %v: %w", StateFile(p.Name), err, ErrBadState)
	}
	ph, err := newUnregistered(p, opts)
	if err != nil {
		return nil, err
	}
	if err := ph.restore(&st); err != nil {
		return nil, fmt.Errorf("phone: open %s: %w", StateFile(p.Name), err)
	}
	sum := profileSum(p)
	register := st.FileSum != sum
	if !register { // the issuer may have lost the person (a fresh issuer directory)
		_, verr := ph.iss.PersonView(p.OuvrantDroit().NIR)
		register = errors.Is(verr, issuer.ErrUnknownNIR)
	}
	if register {
		ph.profile.Family = cloneProfile(*p).Family
		if err := ph.register(); err != nil {
			return nil, err
		}
	}
	ph.mu.Lock()
	defer ph.mu.Unlock()
	ph.dir, ph.fileSum = dir, sum
	ph.refreshLocked() // a re-issuance made by the registration, a revocation while off
	if err := ph.saveLocked(); err != nil {
		return nil, err
	}
	return ph, nil
}

// profileSum identifies a profile's content.
func profileSum(p *Profile) string {
	b, _ := json.Marshal(p) // a Profile always marshals
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (p *Phone) restore(st *savedPhone) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrBadState)
	}
	if st.Format != phoneStateFormat {
		return bad("format %d", st.Format)
	}
	if st.Profile != p.profile.Name || st.NIR != p.profile.OuvrantDroit().NIR {
		return bad("the state is of another profile or person")
	}
	state, ok := parseState(st.State)
	if !ok {
		return bad("state %q", st.State)
	}
	if st.Email != "" && !validEmail(st.Email) || st.EmailCheck != "" && !validEmail(st.EmailCheck) {
		return bad("e-mail address")
	}
	if st.Family != nil {
		if err := st.Family.Validate(); err != nil || st.Family.OuvrantDroit().NIR != st.NIR {
			return bad("family")
		}
		p.profile.Family = cloneProfile(Profile{Family: *st.Family}).Family
	}
	if st.Email != "" {
		p.profile.Email = st.Email
	}
	var err error
	if len(st.DeviceKey) > 0 {
		if p.device, err = parseKey(st.DeviceKey); err != nil {
			return bad("device key")
		}
	}
	if len(st.PendingKey) > 0 {
		if p.pending, err = parseKey(st.PendingKey); err != nil {
			return bad("pending device key")
		}
	}
	if st.CredentialID != "" {
		b, err := hex.DecodeString(st.CredentialID)
		if err != nil || len(b) != len(p.credID) {
			return bad("credential id")
		}
		copy(p.credID[:], b)
		p.hasCred = true
	}
	if st.Code != nil {
		if !st.Code.valid() {
			return bad("secret code hash")
		}
		p.code = *st.Code
	}
	if a := st.Activation; a != nil {
		p.act = activation{nir: a.NIR, email: a.Email, emailSent: a.EmailSent, emailVerified: a.EmailVerified,
			consent: a.Consent, identity: a.Identity, codeChosen: a.CodeChosen, cnie: a.CNIe}
		if a.FranceIdentite {
			p.act.route = RouteFranceIdentite
		}
		if a.Code != nil {
			if !a.Code.valid() {
				return bad("chosen code hash")
			}
			p.act.code = *a.Code
		}
		if a.CodeChosen && a.Code == nil {
			return bad("chosen code without its hash")
		}
	}
	p.held = st.Held
	switch {
	case state.Active() && (p.held == nil || p.device == nil || !p.hasCred || !p.code.valid()):
		return bad("active app without its credential, key or code")
	case state == PendingValidation && (st.Ticket == "" || p.pending == nil):
		return bad("pending request without its ticket or key")
	case st.NIRFails < 0 || st.CodeFails < 0:
		return bad("negative attempt counters")
	}
	if state == ActiveUnlocked {
		state = ActiveLocked // a restarted app asks for its code again
	}
	p.state, p.ticket = state, st.Ticket
	p.nirFails, p.nirFirstFail = st.NIRFails, st.NIRFirstFail
	p.codeFails, p.qrCounter, p.emailCheck = st.CodeFails, st.QRCounter, st.EmailCheck
	if p.hasCred {
		p.updatedAt = st.UpdatedAt
		if st.ActivatedFranceIdentite {
			p.activeRoute = RouteFranceIdentite
		}
	}
	return nil
}

func parseState(s string) (State, bool) {
	for i, n := range stateNames {
		if n == s {
			return State(i), true
		}
	}
	return 0, false
}

func parseKey(der []byte) (*ecdsa.PrivateKey, error) {
	k, err := x509.ParseECPrivateKey(der)
	if err != nil {
		return nil, err
	}
	if k.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 key")
	}
	return k, nil
}

// snapshotLocked returns the state file's content. The idle-lock clock is
// not saved: a restarted app is locked.
func (p *Phone) snapshotLocked() ([]byte, error) {
	st := savedPhone{
		Format: phoneStateFormat, Profile: p.profile.Name, NIR: p.profile.OuvrantDroit().NIR, FileSum: p.fileSum,
		State: p.state.String(), Email: p.profile.Email, NIRFails: p.nirFails, Ticket: p.ticket, Held: p.held,
		CodeFails: p.codeFails, QRCounter: p.qrCounter, EmailCheck: p.emailCheck, UpdatedAt: p.updatedAt,
		ActivatedFranceIdentite: p.activeRoute == RouteFranceIdentite,
	}
	if st.State == ActiveUnlocked.String() {
		st.State = ActiveLocked.String()
	}
	fam := p.profile.Family
	st.Family = &fam
	if p.nirFails > 0 {
		st.NIRFirstFail = p.nirFirstFail.UTC()
	}
	if p.act.nir != "" || p.act.route != RouteVideo {
		a := &savedAct{NIR: p.act.nir, Email: p.act.email, EmailSent: p.act.emailSent, EmailVerified: p.act.emailVerified,
			Consent: p.act.consent, Identity: p.act.identity, CodeChosen: p.act.codeChosen,
			FranceIdentite: p.act.route == RouteFranceIdentite, CNIe: p.act.cnie}
		if p.act.codeChosen {
			c := p.act.code
			a.Code = &c
		}
		st.Activation = a
	}
	var err error
	if p.device != nil {
		if st.DeviceKey, err = x509.MarshalECPrivateKey(p.device); err != nil {
			return nil, err
		}
	}
	if p.pending != nil {
		if st.PendingKey, err = x509.MarshalECPrivateKey(p.pending); err != nil {
			return nil, err
		}
	}
	if p.hasCred {
		st.CredentialID = hex.EncodeToString(p.credID[:])
	}
	if p.code.valid() {
		c := p.code
		st.Code = &c
	}
	return json.MarshalIndent(st, "", "  ")
}

// saveLocked writes the state when it differs from the last one written
// (a phone made by New, without a directory, saves nothing).
func (p *Phone) saveLocked() error {
	if p.dir == "" {
		return nil
	}
	data, err := p.snapshotLocked()
	if err != nil {
		return fmt.Errorf("phone: save: %w", err)
	}
	if bytes.Equal(data, p.saved) {
		return nil
	}
	if err := store.WriteFile(p.dir, StateFile(p.profile.Name), data, 0o600); err != nil {
		return fmt.Errorf("phone: save: %w", err)
	}
	p.saved = data
	return nil
}

// commitLocked saves after a method ran: its error, if any, joined with the
// save's. Use as `defer p.commitLocked(&err)` after taking p.mu, so that it
// runs before the unlock: no other caller (the applet, the QR presenter)
// sees a change before it is on disk, and the saves follow the order of the
// changes. The issuer commits in the same order, for the same reasons (see
// its commitLocked).
func (p *Phone) commitLocked(err *error) {
	if serr := p.saveLocked(); serr != nil {
		*err = errors.Join(*err, serr)
	}
}

// Dir returns the directory the phone saves itself in ("" for New).
func (p *Phone) Dir() string { return p.dir }

// LoadOrBuiltin returns the profile nameOrPath names: a file when it has a
// path separator or ends in ".json" (LoadProfile), else a built-in profile
// (BuiltinProfile).
func LoadOrBuiltin(nameOrPath string) (*Profile, error) {
	if strings.ContainsRune(nameOrPath, os.PathSeparator) || strings.ContainsRune(nameOrPath, '/') ||
		filepath.Ext(nameOrPath) == ".json" {
		return LoadProfile(nameOrPath)
	}
	return BuiltinProfile(nameOrPath)
}
