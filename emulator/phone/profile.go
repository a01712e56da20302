package phone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/emulator/franceid"
	"github.com/apcvkit/apcvkit/emulator/profiles"
)

// OS is a phone's operating system.
type OS string

// Operating systems of emulated phones.
const (
	Android OS = "android"
	IOS     OS = "ios"
	// OtherOS is any other system (Ubuntu Touch…): the app does not exist
	// for it (ErrUnsupportedOS).
	OtherOS OS = "other"
)

// FranceIdentiteApp is the state of the France Identité app on the phone.
type FranceIdentiteApp string

// States of the France Identité app; "" is FranceIdentiteAbsent.
const (
	FranceIdentiteAbsent    FranceIdentiteApp = "absent"
	FranceIdentiteInstalled FranceIdentiteApp = "installed" // installed, no card enrolled
	FranceIdentiteActivated FranceIdentiteApp = "activated" // the holder's CNIe enrolled
)

// Device describes the emulated handset. The zero values of the fields
// after NFC are an ordinary phone: a smartphone with an autofocus camera,
// NFC on, an unmodified system, Google Play Services on Android, the
// current app, no France Identité.
type Device struct {
	OS      OS     // android, ios or other
	Version string // OS version, e.g. "14" or "17.5.1"
	Model   string // e.g. "Google Pixel 7"
	NFC     bool   // the handset has NFC hardware

	Tablet      bool // a tablet, not a smartphone (ErrTablet)
	NoAutofocus bool // the camera has no autofocus (ErrNoAutofocus)
	NFCOff      bool // NFC turned off in the settings
	// Rooted and BootloaderUnlocked make a modified system, which France
	// Identité refuses. System names an alternative system ("GrapheneOS"),
	// "" for the maker's: with a locked bootloader and no root it passes.
	Rooted             bool
	BootloaderUnlocked bool
	System             string
	// NoPlayServices: an Android without Google Play Services; the app
	// stops at start-up (FaultMLKitAtStart).
	NoPlayServices bool
	// AppVersion is the carte Vitale app's version, "" for the current
	// one (see Requirements.MinIOSAppFranceIdentite).
	AppVersion     string
	FranceIdentite FranceIdentiteApp // "" means FranceIdentiteAbsent
}

// CNIe is the person's electronic identity card (carte nationale
// d'identité électronique), which France Identité reads. Its identity is
// the profile's état civil (type CNI; sex from the état civil, else the
// NIR's).
type CNIe struct {
	DocumentNumber string          // 9..12 upper-case letters and digits
	PIN            string          // the holder's PIN (franceid.PINLength digits)
	IssuedOn       credential.Date // date de délivrance
	ExpiresOn      credential.Date // date d'expiration (valid through that day)
	// Forged: the chip's record is signed by a key the State does not
	// have, so its authentication fails (franceid.ErrInvalidSignature).
	Forged bool
}

// HasNFC reports whether the app can be read without contact on this phone:
// an Android phone with NFC hardware. An iPhone never can (the app has no
// card emulation there), whatever its hardware: it shows the QR code.
func (d Device) HasNFC() bool { return d.OS == Android && d.NFC }

// Profile is one emulated person with their phone: the family the app holds,
// the e-mail address and département of residence they give at activation,
// and the handset.
type Profile struct {
	Name        string // file name without .json
	Description string
	Email       string // "" when the person has none (activation then fails)
	Departement string // département of residence: what eligibility looks at
	Device      Device
	Family      credential.Family // [0] is the ouvrant droit; EtatCivil is the identity document
	// Answers are the person's answers to the activation's prompts (CGU,
	// permissions); the zero value accepts everything.
	Answers Answers
	// CNIe is the person's electronic identity card, nil when they have
	// none (an old card, a passport): the France Identité route then fails
	// with franceid.ErrNoCNIe.
	CNIe *CNIe
	// Faults are the app's defects this phone reproduces (see Fault).
	Faults []Fault
	// Rights are the AMO rights the issuer's online service answers for
	// some beneficiaries of the family ("droits" in the file; matched by
	// NIR and rang); the others' are derived from their data
	// (rights.Derive). Optional.
	Rights []rights.Rights
	// ActivationRefusal is, for a profile that reproduces a refused
	// activation, the apcverr code of the refusal its own answers lead to
	// (such as "identity-first-name-incomplete" when the identity document
	// and the health insurance's record differ too much: see package
	// idmatch); "" when the activation succeeds.
	ActivationRefusal string
}

// OuvrantDroit returns the profile's insured person.
func (p *Profile) OuvrantDroit() *credential.Beneficiary { return p.Family.OuvrantDroit() }

// IdentityDocument returns the identity document the person shows at
// activation (a copy of the profile's état civil), or the zero value.
func (p *Profile) IdentityDocument() credential.EtatCivil {
	if p.Family.EtatCivil == nil {
		return credential.EtatCivil{}
	}
	return *p.Family.EtatCivil
}

// ProfileError is an invalid profile: it names the file (or profile) and the
// JSON field at fault. It unwraps to the cause, a *credential.FieldError for
// field errors, so errors.Is(err, credential.ErrInvalidField) holds for them.
type ProfileError struct {
	File  string // file name, or the profile name when built in code
	Field string // JSON path, e.g. "beneficiaires[2].nir"; "" for the whole file
	Err   error
}

func (e *ProfileError) Error() string {
	if e.Field == "" {
		return "phone: profile " + e.File + ": " + e.Err.Error()
	}
	reason := e.Err.Error()
	var fe *credential.FieldError
	if errors.As(e.Err, &fe) {
		reason = fe.Reason
	}
	return "phone: profile " + e.File + ": " + e.Field + ": " + reason
}

// Unwrap returns the cause.
func (e *ProfileError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) error {
	return &credential.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// MaxProfileSize bounds a profile file.
const MaxProfileSize = 256 << 10

// LoadProfile reads and validates the profile file at path.
func LoadProfile(path string) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("phone: load profile: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxProfileSize+1))
	if err != nil {
		return nil, fmt.Errorf("phone: load profile: %w", err)
	}
	return ParseProfile(filepath.Base(path), data)
}

// Profiles returns the names of the built-in profiles, sorted: ordinary
// phones, each of which activates (see CaseProfiles for the others).
func Profiles() []string { return profileNames(".") }

// CaseDir is the directory of the case profiles in profiles.FS.
const CaseDir = "cases"

// CaseProfiles returns the names of the built-in case profiles, sorted:
// the stories of France Identité, prerequisites and app faults
// (emulator/profiles/cases), most of which fail on purpose.
func CaseProfiles() []string { return profileNames(CaseDir) }

func profileNames(dir string) []string {
	ents, err := fs.ReadDir(profiles.FS, dir)
	if err != nil { // cannot happen with an embed.FS
		return nil
	}
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok && !e.IsDir() {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// BuiltinProfile returns the built-in profile called name (see Profiles
// and CaseProfiles).
func BuiltinProfile(name string) (*Profile, error) {
	data, err := fs.ReadFile(profiles.FS, name+".json")
	if errors.Is(err, fs.ErrNotExist) && !strings.ContainsAny(name, "/\\") {
		data, err = fs.ReadFile(profiles.FS, CaseDir+"/"+name+".json")
	}
	if err != nil {
		return nil, fmt.Errorf("phone: profile %q: %w", name, err)
	}
	return ParseProfile(name+".json", data)
}

// ParseProfile decodes and validates a profile; file names it in errors.
// Unknown fields are refused, so that a misspelt field is not silently lost.
func ParseProfile(file string, data []byte) (*Profile, error) {
	if len(data) > MaxProfileSize {
		return nil, &ProfileError{File: file, Err: fmt.Errorf("larger than %d bytes: %w", MaxProfileSize, credential.ErrTooLarge)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j jsonProfile
	if err := dec.Decode(&j); err != nil {
		return nil, jsonErr(file, err)
	}
	if dec.More() {
		return nil, &ProfileError{File: file, Err: fmt.Errorf("data after the profile object: %w", credential.ErrMalformed)}
	}
	p, err := j.profile()
	if err != nil {
		var fe *credential.FieldError
		if errors.As(err, &fe) {
			return nil, &ProfileError{File: file, Field: fe.Field, Err: err}
		}
		return nil, &ProfileError{File: file, Err: err}
	}
	if err := p.Validate(); err != nil {
		var pe *ProfileError
		if errors.As(err, &pe) {
			pe.File = file
		}
		return nil, err
	}
	if want := strings.TrimSuffix(file, ".json"); p.Name != want {
		return nil, &ProfileError{File: file, Field: "name", Err: fieldErr("name", "%q differs from the file name %q", p.Name, want)}
	}
	return p, nil
}

func jsonErr(file string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &ProfileError{File: file, Field: te.Field, Err: fieldErr(te.Field, "want a JSON %s, got %s", te.Type, te.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &ProfileError{File: file, Err: fmt.Errorf("JSON syntax error at byte %d: %v: %w", se.Offset, se, credential.ErrMalformed)}
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return &ProfileError{File: file, Field: f, Err: fieldErr(f, "unknown field")}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ProfileError{File: file, Err: fmt.Errorf("truncated JSON: %w", credential.ErrMalformed)}
	}
	return &ProfileError{File: file, Err: fmt.Errorf("%v: %w", err, credential.ErrMalformed)}
}

// Validate checks the profile: every field of the family
// (credential.Family.Validate), the e-mail address, the département, the
// phone, and the coherence the real data have: the NIR's birth year and
// month against the birth date, the INS against its beneficiary, and the
// identity document's commune against its country. The document need not
// match the ouvrant droit: activation checks that (idmatch). Errors are
// *ProfileError.
func (p *Profile) Validate() error {
	err := p.validate()
	if err == nil {
		return nil
	}
	var fe *credential.FieldError
	field := ""
	if errors.As(err, &fe) {
		field = fe.Field
	}
	return &ProfileError{File: p.Name, Field: field, Err: err}
}

func (p *Profile) validate() error {
	if p.Name == "" || strings.Trim(p.Name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return fieldErr("name", "%q: want lower-case letters, digits and hyphens", p.Name)
	}
	if p.Email != "" && !validEmail(p.Email) {
		return fieldErr("email", "%q is not an e-mail address", p.Email)
	}
	if p.ActivationRefusal != "" && !knownCode(p.ActivationRefusal) {
		return fieldErr("activationRefusal", "%q is not an error code of the SDK", p.ActivationRefusal)
	}
	if !ValidDepartement(p.Departement) {
		return fieldErr("departement", "%q is not a département code (01..95, 2A, 2B, 971..976)", p.Departement)
	}
	switch p.Device.OS {
	case Android, IOS, OtherOS:
	default:
		return fieldErr("phone.os", "%q: want android, ios or other", p.Device.OS)
	}
	switch p.Device.FranceIdentite {
	case "", FranceIdentiteAbsent, FranceIdentiteInstalled, FranceIdentiteActivated:
	default:
		return fieldErr("phone.franceIdentite", "%q: want absent, installed or activated", p.Device.FranceIdentite)
	}
	if p.Device.AppVersion != "" && !validVersion(p.Device.AppVersion) {
		return fieldErr("phone.appVersion", "%q: want a version such as 5.12.2", p.Device.AppVersion)
	}
	if len(p.Device.System) > 64 {
		return fieldErr("phone.system", "longer than 64 characters")
	}
	for i, f := range p.Faults {
		if !validFault(f) {
			return fieldErr(fmt.Sprintf("faults[%d]", i), "%q: not a known fault (%v)", f, Faults())
		}
	}
	if !validVersion(p.Device.Version) {
		return fieldErr("phone.version", "%q: want a version such as 14 or 17.5.1", p.Device.Version)
	}
	if strings.TrimSpace(p.Device.Model) == "" || len(p.Device.Model) > 64 {
		return fieldErr("phone.model", "want 1..64 characters")
	}
	if err := p.Family.Validate(); err != nil {
		return err
	}
	if p.Family.EtatCivil == nil {
		return fieldErr("etatCivil", "is missing: the ouvrant droit's identity document is needed to activate")
	}
	for i, b := range p.Family.Beneficiaires {
		if err := checkCoherence(b); err != nil {
			var fe *credential.FieldError
			if errors.As(err, &fe) {
				return fieldErr(fmt.Sprintf("beneficiaires[%d].%s", i, fe.Field), "%s", fe.Reason)
			}
			return err
		}
		if i > 0 && b.Qualite == credential.QualiteAssure {
			return fieldErr(fmt.Sprintf("beneficiaires[%d].qualite", i), "only the first beneficiary is the ouvrant droit (assuré)")
		}
	}
	// The identity document (etatCivil) may differ from the health
	// insurance's record of the ouvrant droit: activation matches the two
	// (package idmatch) and refuses what differs too much, which a profile
	// may set out to reproduce.
	ec := p.Family.EtatCivil
	if (ec.PaysNaissance == "99100") != (ec.CommuneNaissance != "") {
		return fieldErr("etatCivil.communeNaissance", "must be set for a birth in France (99100) and only then")
	}
	for i, r := range p.Rights {
		if !slices.ContainsFunc(p.Family.Beneficiaires, func(b credential.Beneficiary) bool { return b.NIR == r.NIR && b.RangNaissance == r.Rang }) ||
			slices.ContainsFunc(p.Rights[:i], func(o rights.Rights) bool { return o.NIR == r.NIR && o.Rang == r.Rang }) {
			return fieldErr(fmt.Sprintf("droits[%d].nir", i), "not one beneficiary of the family (NIR and rang), or given twice")
		}
	}
	if c := p.CNIe; c != nil {
		if ec.TypeDocument != "CNI" {
			return fieldErr("etatCivil.typeDocument", "%q: a profile with a CNIe shows its CNI", ec.TypeDocument)
		}
		if _, err := p.cnieRecord(); err != nil {
			return fieldErr("cnie", "%v", err)
		}
		if len(c.PIN) != franceid.PINLength || !isDigits(c.PIN) {
			return fieldErr("cnie.pin", "want %d digits", franceid.PINLength)
		}
	}
	return nil
}

// cnieRecord returns the record of the profile's CNIe, unsigned.
func (p *Profile) cnieRecord() (franceid.Record, error) {
	c, ec := p.CNIe, p.Family.EtatCivil
	if c == nil || ec == nil {
		return franceid.Record{}, errors.New("no CNIe")
	}
	sex := ec.Sexe
	if sex == 0 {
		sex = p.OuvrantDroit().NIR.Sex()
	}
	rec := franceid.Record{DocumentNumber: c.DocumentNumber, IssuedOn: c.IssuedOn, ExpiresOn: c.ExpiresOn,
		Identity: franceid.Identity{NomNaissance: ec.NomNaissance, NomUsage: p.OuvrantDroit().NomUsage, Prenoms: ec.Prenoms,
			Sexe: sex, DateNaissance: ec.DateNaissance, PaysNaissance: ec.PaysNaissance, CommuneNaissance: ec.CommuneNaissance}}
	return rec, rec.Validate()
}

// checkCoherence checks what ties a beneficiary's fields together.
func checkCoherence(b credential.Beneficiary) error {
	n := string(b.NIR)
	if yy, _ := strconv.Atoi(n[1:3]); yy != b.DateNaissance.Year%100 {
		return fieldErr("nir", "birth year %s does not match dateNaissance %s", n[1:3], b.DateNaissance)
	}
	if mm, _ := strconv.Atoi(n[3:5]); mm >= 1 && mm <= 12 && b.DateNaissance.Month != 0 && mm != b.DateNaissance.Month {
		return fieldErr("nir", "birth month %s does not match dateNaissance %s", n[3:5], b.DateNaissance)
	}
	if b.INS == nil {
		return nil
	}
	ins := b.INS
	if ins.Sexe != b.NIR.Sex() {
		return fieldErr("ins.sexe", "%s does not match the NIR's sex digit", ins.Sexe)
	}
	if ins.DateNaissance != b.DateNaissance {
		return fieldErr("ins.dateNaissance", "%s differs from dateNaissance %s", ins.DateNaissance, b.DateNaissance)
	}
	temp := n[0] == '7' || n[0] == '8' // NIA, a temporary number
	switch ins.OID {
	case credential.OIDInsNIR, credential.OIDInsTestNIR:
		if temp {
			return fieldErr("ins.oid", "%s is for a NIR but the number is a NIA (7 or 8)", ins.OID)
		}
	case credential.OIDInsNIA, credential.OIDInsTestNIA:
		if !temp {
			return fieldErr("ins.oid", "%s is for a NIA but the number is a NIR", ins.OID)
		}
	}
	if ins.Matricule != b.NIR {
		return fieldErr("ins.matricule", "differs from the beneficiary's NIR")
	}
	return nil
}

// ValidDepartement reports whether s is a French département code: 01..95
// (not 20), 2A, 2B, or 971..976.
func ValidDepartement(s string) bool {
	switch {
	case s == "2A" || s == "2B":
		return true
	case len(s) == 2 && isDigits(s):
		return s >= "01" && s <= "95" && s != "20"
	case len(s) == 3 && isDigits(s):
		return s >= "971" && s <= "976" && s != "975"
	}
	return false
}

// knownCode reports whether code is the code of an apcverr error kind.
func knownCode(code string) bool {
	return slices.ContainsFunc(apcverr.All(), func(e *apcverr.Error) bool { return e.Code == code })
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func validVersion(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if !isDigits(part) {
			return false
		}
	}
	return true
}

func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && len(s) <= 254 && strings.Contains(domain, ".") &&
		!strings.ContainsAny(s, " \t\r\n<>,;\"") && !strings.Contains(domain, "@") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// The JSON form of a profile (see emulator/profiles): the phone and the
// person, and the family in the public JSON form of the model
// (credential.FamilyJSON).
type jsonProfile struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Email       string       `json:"email"`
	Departement string       `json:"departement"`
	Phone       jsonDevice   `json:"phone"`
	Answers     *jsonAnswers `json:"answers,omitempty"`
	CNIe        *jsonCNIe    `json:"cnie,omitempty"`
	Faults      []Fault      `json:"faults,omitempty"`
	// ActivationRefusal: see Profile.ActivationRefusal.
	ActivationRefusal string `json:"activationRefusal,omitempty"`
	// Droits: see Profile.Rights.
	Droits []rights.RightsJSON `json:"droits,omitempty"`
	// The fields of credential.FamilyJSON, not embedded: decoding errors
	// then name the JSON path alone.
	Beneficiaires []credential.BeneficiaryJSON `json:"beneficiaires"`
	EtatCivil     *credential.EtatCivilJSON    `json:"etatCivil"`
}

type jsonDevice struct {
	OS      string `json:"os"`
	Version string `json:"version"`
	Model   string `json:"model"`
	NFC     bool   `json:"nfc"`
	// Prerequisites and France Identité (absent: an ordinary phone).
	Tablet             bool   `json:"tablet,omitempty"`
	Autofocus          *bool  `json:"autofocus,omitempty"`    // default true
	NFCOn              *bool  `json:"nfcOn,omitempty"`        // default true
	PlayServices       *bool  `json:"playServices,omitempty"` // default true
	Rooted             bool   `json:"rooted,omitempty"`
	BootloaderUnlocked bool   `json:"bootloaderUnlocked,omitempty"`
	System             string `json:"system,omitempty"`
	AppVersion         string `json:"appVersion,omitempty"`
	FranceIdentite     string `json:"franceIdentite,omitempty"` // absent, installed, activated
}

// jsonAnswers are Answers, each true when the person accepts (default).
type jsonAnswers struct {
	CGU        *bool `json:"cgu,omitempty"`
	Camera     *bool `json:"camera,omitempty"`
	Microphone *bool `json:"microphone,omitempty"`
}

type jsonCNIe struct {
	DocumentNumber string `json:"documentNumber"`
	PIN            string `json:"pin"`
	IssuedOn       string `json:"issuedOn"`
	ExpiresOn      string `json:"expiresOn"`
	Forged         bool   `json:"forged,omitempty"`
}

func orTrue(b *bool) bool { return b == nil || *b }

func (j *jsonProfile) profile() (*Profile, error) {
	fj := credential.FamilyJSON{Beneficiaires: j.Beneficiaires, EtatCivil: j.EtatCivil}
	f, err := fj.Family()
	if err != nil {
		return nil, err
	}
	d := j.Phone
	p := &Profile{
		Name: j.Name, Description: j.Description, Email: j.Email, Departement: j.Departement,
		Device: Device{OS: OS(d.OS), Version: d.Version, Model: d.Model, NFC: d.NFC,
			Tablet: d.Tablet, NoAutofocus: !orTrue(d.Autofocus), NFCOff: !orTrue(d.NFCOn), NoPlayServices: !orTrue(d.PlayServices),
			Rooted: d.Rooted, BootloaderUnlocked: d.BootloaderUnlocked, System: d.System, AppVersion: d.AppVersion,
			FranceIdentite: FranceIdentiteApp(d.FranceIdentite)},
		Family: f, Faults: j.Faults, ActivationRefusal: j.ActivationRefusal,
	}
	for i, dj := range j.Droits {
		r, err := dj.Rights()
		if err != nil {
			var fe *credential.FieldError
			if errors.As(err, &fe) {
				return nil, fieldErr(fmt.Sprintf("droits[%d].%s", i, fe.Field), "%s", fe.Reason)
			}
			return nil, err
		}
		p.Rights = append(p.Rights, r)
	}
	if a := j.Answers; a != nil {
		p.Answers = Answers{RefuseCGU: !orTrue(a.CGU), DenyCamera: !orTrue(a.Camera), DenyMicrophone: !orTrue(a.Microphone)}
	}
	if c := j.CNIe; c != nil {
		p.CNIe = &CNIe{DocumentNumber: c.DocumentNumber, PIN: c.PIN, Forged: c.Forged}
		var err error
		if p.CNIe.IssuedOn, err = parseDay("cnie.issuedOn", c.IssuedOn); err != nil {
			return nil, err
		}
		if p.CNIe.ExpiresOn, err = parseDay("cnie.expiresOn", c.ExpiresOn); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// parseDay parses a calendar date "YYYY-MM-DD".
func parseDay(field, s string) (credential.Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return credential.Date{}, fieldErr(field, "%q: want a date YYYY-MM-DD", s)
	}
	return credential.DateOf(t), nil
}
