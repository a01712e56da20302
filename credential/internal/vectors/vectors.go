// Package vectors holds what the credential test vectors are made of: the
// fixed test keys, the test families (from internal/testfamily), and the
// JSON schema of a vector file in credential/testdata/vectors. It is shared by the generator
// (credential/internal/vectorgen) and the tests that replay the vectors.
//
// The private keys below are TEST KEYS, published on purpose so that anyone
// can check the vectors. Never use them for anything else.
package vectors

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testfamily"
)

// Test key scalars (P-256, big-endian hex). Test-only.
const (
	RootScalar      = "0122df2d2ee02b79696b8ee3745a3b7077ae68f280d3660e296e7e6ff61941be" // list authority
	IssuerScalar    = "e841448ecc9dd2adc0ce4e9f4e7f211119401015f847f68ec61cc37a359fc512" // issuer "CNAM", kid "cnam-1"
	Issuer2Scalar   = "d4a30e798768666a027b5443140a45cdada05946dd8ccc510d77de511c5c9f1a" // an issuer absent from the trust list
	DeviceScalar    = "5efd33b94c22605d422945d68957f2877e2b3581f72c61d7dd66b9874b8c1446" // the phone's device key
	Device2Scalar   = "bedbbc07325b59cb22a325f3e1d09b8f1d156d10c40ab420419666f8ecc7dea3" // another phone
	ReaderEphScalar = "b9d3e5655fffafc5bbf81c420458d69fdc98c106d97230cd3f6917dc3d6e21c3" // reader's ephemeral session key
	DeviceEphScalar = "1436705d8be407d8783d18b3af064e792a977bbd1c57ac28a716e36c2e2cbd62" // phone's ephemeral session key
)

// Kids of the test keys.
const (
	RootKid    = "root-1"
	IssuerKid  = "cnam-1"
	IssuerName = "CNAM"
)

// Now is the verification time of every accepting vector.
var Now = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// Key returns the P-256 ECDSA key of a hex scalar. It panics on a bad
// constant: the scalars are fixed above.
func Key(scalarHex string) *ecdsa.PrivateKey {
	b, err := hex.DecodeString(scalarHex)
	if err != nil {
		panic(err)
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), b)
	if err != nil {
		panic(err)
	}
	return k
}

// ECDHKey returns the P-256 ECDH key of a hex scalar.
func ECDHKey(scalarHex string) *ecdh.PrivateKey {
	b, err := hex.DecodeString(scalarHex)
	if err != nil {
		panic(err)
	}
	k, err := ecdh.P256().NewPrivateKey(b)
	if err != nil {
		panic(err)
	}
	return k
}

// Family returns the test family with n beneficiaries (1 ≤ n): the ouvrant
// droit with INS and état civil, then a conjoint and children (one born in
// Corse-du-Sud, 2A, one on a lunar date). Every field is synthetic. It is
// internal/testfamily's family, the one internal/testworld uses too, with
// the lunar date and without INS for the ayants droit: the vectors were
// generated from it and TestVectorsReproduce checks they still are.
func Family(n int) credential.Family { return testfamily.Family(n, testfamily.Options{Lunar: true}) }

// Hex is a byte string written as lower-case hex in JSON.
type Hex []byte

// MarshalJSON writes h as a hex string.
func (h Hex) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

// UnmarshalJSON reads a hex string.
func (h *Hex) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	d, err := hex.DecodeString(s)
	*h = d
	return err
}

// KeyJSON is a test key: its kid, private scalar and public key (SEC 1 uncompressed).
type KeyJSON struct {
	Kid     string `json:"kid,omitempty"`
	Private Hex    `json:"private_scalar"`
	Public  Hex    `json:"public"`
}

// KeyOf describes scalar as a KeyJSON.
func KeyOf(kid, scalar string) KeyJSON {
	k := Key(scalar)
	priv, _ := hex.DecodeString(scalar)
	return KeyJSON{Kid: kid, Private: priv, Public: credential.MarshalPublicKey(&k.PublicKey)}
}

// Vector is one file of credential/testdata/vectors.
type Vector struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Mode        string `json:"mode"` // "qr", "nfc" or "short" (protocol version 2: short QR and its resolution)

	// Verifier configuration: the list authority's key, the time, the QR
	// window and the clock skew (seconds); the other settings are defaults.
	VerifyAt         time.Time `json:"verify_at"`
	QRWindowSeconds  int       `json:"qr_window_seconds"`
	ClockSkewSeconds int       `json:"clock_skew_seconds"`

	ListAuthority KeyJSON `json:"list_authority"`
	Issuer        KeyJSON `json:"issuer"`
	Device        KeyJSON `json:"device"`
	// RogueIssuer is the key that signed the credential when it is not
	// the trusted issuer's (qr-reject-unknown-issuer), published so that
	// the vector can be rebuilt.
	RogueIssuer *KeyJSON `json:"rogue_issuer,omitempty"`

	TrustList      Hex `json:"trust_list"`
	RevocationList Hex `json:"revocation_list"`

	Held  HeldJSON   `json:"held"`
	QR    *QRJSON    `json:"qr,omitempty"`
	NFC   *NFCJSON   `json:"nfc,omitempty"`
	Short *ShortJSON `json:"short,omitempty"`

	Expect Expect `json:"expect"`
}

// HeldJSON is what the phone stores (credential.Held).
type HeldJSON struct {
	Credential   Hex            `json:"credential"`
	QRCredential Hex            `json:"qr_credential"`
	Groups       map[string]Hex `json:"groups"` // by group name: AMO, INS, ETAT_CIVIL
	// Chosen are the chosen-beneficiary credentials (docs/PROTOCOL.md
	// §5.4), by beneficiary index: in the qr-*-chosen-* vectors only.
	Chosen []Hex `json:"chosen,omitempty"`
}

// QRJSON is a QR presentation.
type QRJSON struct {
	Text    string    `json:"text"`
	Time    time.Time `json:"time"`    // the device-signed time
	Counter uint32    `json:"counter"` // the device-signed counter
	Bytes   Hex       `json:"bytes"`   // the Base45-decoded CBOR
}

// ShortJSON is a short QR (protocol version 2) and the service's answer to
// it: what the reader scanned, what it sent and what it received.
type ShortJSON struct {
	Text  string    `json:"text"`  // the short QR text, 48 characters
	Time  time.Time `json:"time"`  // the time the tag authenticates
	Bytes Hex       `json:"bytes"` // the Base45-decoded payload: cid[8] ‖ time[4] ‖ tag[16]
	// ShortQRKey is the credential's short QR key (32 bytes, drawn at
	// issuance, shared by the phone and the issuer's service).
	ShortQRKey Hex `json:"short_qr_key"`
	// TagMessage is "ApCVShortQR" ‖ cid ‖ time[4]: the message whose
	// HMAC-SHA256 under ShortQRKey, truncated to 16 bytes, is the tag
	// (checked by the service, never by the reader).
	TagMessage Hex `json:"tag_message"`
	// PSHash is SHA-256 of the DER of the professional's client
	// certificate the request was authenticated with: what the service
	// bound in the answer and the reader gives VerifyResolution.
	PSHash    Hex      `json:"ps_hash"`
	Requested []string `json:"requested"` // the groups the reader asked for
	// ResolvedAt is the service's time in the answer.
	ResolvedAt time.Time `json:"resolved_at"`
	// ResolutionPayload is the answer's COSE_Sign1 payload (the canonical
	// CBOR map of docs/PROTOCOL.md §15.5), Answer the COSE_Sign1.
	ResolutionPayload Hex `json:"resolution_payload"`
	Answer            Hex `json:"answer"`
	// VerifierPSHash, when set, is the certificate hash the reader
	// verifies with instead of PSHash (another professional's answer).
	VerifierPSHash Hex `json:"verifier_ps_hash,omitempty"`
}

// NFCJSON is one NFC session: the ephemeral keys, the reader nonce, the
// transcript, the request and the response in clear and sealed.
type NFCJSON struct {
	AID                Hex      `json:"aid"`
	ReaderEphemeral    KeyJSON  `json:"reader_ephemeral"`
	DeviceEphemeral    KeyJSON  `json:"device_ephemeral"`
	ReaderNonce        Hex      `json:"reader_nonce"`
	Transcript         Hex      `json:"session_transcript"`
	Requested          []string `json:"requested"`
	DeviceRequest      Hex      `json:"device_request"`
	SealedRequest      Hex      `json:"sealed_request"` // reader → phone, message 1
	DeviceResponse     Hex      `json:"device_response"`
	SealedResponse     Hex      `json:"sealed_response"`               // phone → reader, message 1
	VerifierTranscript Hex      `json:"verifier_transcript,omitempty"` // when set, the reader verifies against this transcript instead
}

// Expect is the verification outcome at VerifyAt.
type Expect struct {
	Error        string      `json:"error,omitempty"` // apcverr code; "" when accepted
	Issuer       string      `json:"issuer,omitempty"`
	CredentialID Hex         `json:"credential_id,omitempty"`
	Counter      uint32      `json:"counter,omitempty"`
	Groups       []string    `json:"groups,omitempty"`
	Family       *FamilyJSON `json:"family,omitempty"`
	// Selected is the presentation's selected (§5.4): the index in Family
	// of the person seen, for a chosen-beneficiary code only.
	Selected *int `json:"selected,omitempty"`
}

// FamilyJSON is credential.Family with every field spelled out.
type FamilyJSON struct {
	Beneficiaires []BeneficiaryJSON `json:"beneficiaires"`
	EtatCivil     *EtatCivilJSON    `json:"etat_civil,omitempty"`
}

// BeneficiaryJSON is credential.Beneficiary.
type BeneficiaryJSON struct {
	NIR           string   `json:"nir"`
	NomFamille    string   `json:"nom_famille"`
	NomUsage      string   `json:"nom_usage,omitempty"`
	Prenoms       string   `json:"prenoms"`
	DateNaissance string   `json:"date_naissance"` // DD/MM/YYYY, possibly lunar
	RangNaissance int      `json:"rang_naissance"`
	Qualite       int      `json:"qualite"`
	Organisme     string   `json:"organisme"` // "RR CCC NNNN"
	DateMiseAJour string   `json:"date_mise_a_jour,omitempty"`
	INS           *INSJSON `json:"ins,omitempty"`
}

// INSJSON is credential.INS.
type INSJSON struct {
	Matricule     string `json:"matricule"`
	OID           string `json:"oid"`
	NomsNaissance string `json:"noms_naissance"`
	PrenomsActe   string `json:"prenoms_acte"`
	Sexe          string `json:"sexe"`
	DateNaissance string `json:"date_naissance"`
	LieuNaissance string `json:"lieu_naissance"`
}

// EtatCivilJSON is credential.EtatCivil.
type EtatCivilJSON struct {
	NomNaissance     string `json:"nom_naissance"`
	Prenoms          string `json:"prenoms"`
	DateNaissance    string `json:"date_naissance"`
	PaysNaissance    string `json:"pays_naissance"`
	CommuneNaissance string `json:"commune_naissance,omitempty"`
	TypeDocument     string `json:"type_document"`
	Sexe             string `json:"sexe,omitempty"`             // credential version 2; omitted when unknown
	DateAcquisition  string `json:"date_acquisition,omitempty"` // credential version 2; omitted when unknown
}

// FamilyOf spells f out. Only the groups listed are kept, as a verified
// presentation holds only the groups received.
func FamilyOf(f credential.Family, groups []credential.Group) *FamilyJSON {
	has := map[credential.Group]bool{}
	for _, g := range groups {
		has[g] = true
	}
	out := &FamilyJSON{}
	for _, b := range f.Beneficiaires {
		bj := BeneficiaryJSON{NIR: string(b.NIR), NomFamille: b.NomFamille, NomUsage: b.NomUsage, Prenoms: b.Prenoms,
			DateNaissance: b.DateNaissance.String(), RangNaissance: b.RangNaissance, Qualite: int(b.Qualite),
			Organisme: b.Organisme.String()}
		if !b.DateMiseAJour.IsZero() {
			bj.DateMiseAJour = b.DateMiseAJour.String()
		}
		if b.INS != nil && has[credential.GroupINS] {
			i := b.INS
			bj.INS = &INSJSON{Matricule: string(i.Matricule), OID: i.OID, NomsNaissance: i.NomsNaissance,
				PrenomsActe: i.PrenomsActe, Sexe: i.Sexe.String(), DateNaissance: i.DateNaissance.String(), LieuNaissance: i.LieuNaissance}
		}
		out.Beneficiaires = append(out.Beneficiaires, bj)
	}
	if e := f.EtatCivil; e != nil && has[credential.GroupEtatCivil] {
		out.EtatCivil = &EtatCivilJSON{NomNaissance: e.NomNaissance, Prenoms: e.Prenoms, DateNaissance: e.DateNaissance.String(),
			PaysNaissance: e.PaysNaissance, CommuneNaissance: e.CommuneNaissance, TypeDocument: e.TypeDocument}
		if e.Sexe != 0 {
			out.EtatCivil.Sexe = e.Sexe.String()
		}
		if !e.DateAcquisition.IsZero() {
			out.EtatCivil.DateAcquisition = e.DateAcquisition.String()
		}
	}
	return out
}

// GroupNames returns the protocol names of gs.
func GroupNames(gs []credential.Group) []string {
	var s []string
	for _, g := range gs {
		s = append(s, g.String())
	}
	return s
}

// ParseGroups is the inverse of GroupNames.
func ParseGroups(names []string) ([]credential.Group, error) {
	var gs []credential.Group
	for _, n := range names {
		g, err := credential.ParseGroup(n)
		if err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	return gs, nil
}

// Load reads every *.json vector of dir, sorted by file name.
func Load(dir string) ([]Vector, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var vs []Vector
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var v Vector
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		vs = append(vs, v)
	}
	return vs, nil
}
