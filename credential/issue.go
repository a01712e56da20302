package credential

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Version is the minor version of the credential and presentation formats
// this package writes (map key 1 of every structure). Readers accept any
// minor version from 1 up: a later minor version only adds extension keys
// (from 100 up, or negative), which readers that do not know them ignore.
// Incompatible changes take a new major version: a new QR prefix (APCV2:)
// and a new applet protocol version in the FCI.
const Version = 1

// CredentialVersion is the minor version of the credential claims (§5.1
// of docs/PROTOCOL.md) this package writes. Version 2 adds the ETAT_CIVIL
// group's extension keys 100 (sexe) and 101 (date d'acquisition); a reader
// of version 1 ignores them and reads the rest unchanged, and this package
// reads credentials of version 1 (without them) as before. Every other
// structure stays at Version.
const CredentialVersion = 2

// ChosenCredentialVersion is the minor version of a chosen-beneficiary
// compact credential (docs/PROTOCOL.md §5.4): version 3 adds claims key 10
// (selected). Key 10 is critical (below 100): a reader of version 2 refuses
// such a credential as malformed rather than read the person being seen as
// the whole family. Whole-family and digest-form credentials, which do not
// carry key 10, stay at CredentialVersion.
const ChosenCredentialVersion = 3

// IssuerKey is a signing key with its key identifier.
type IssuerKey struct {
	Kid []byte
	Key *ecdsa.PrivateKey
}

// Claims is what the issuer certifies at activation.
type Claims struct {
	Issuer          string  // issuer name, e.g. "CNAM"; the trust list must name the same issuer for the kid
	CredentialID    [8]byte // unique per activation: the unit of revocation
	IssuedAt        time.Time
	ValidUntil      time.Time
	DevicePublicKey *ecdsa.PublicKey // the phone's device key (P-256)
	Family          Family
}

// Held is what the phone stores after issuance: the issuer-signed
// credentials and the salted group items whose digests the first one carries.
type Held struct {
	Credential   []byte           // digest form (NFC): COSE_Sign1 over claims with per-group digests
	QRCredential []byte           // compact form (QR): COSE_Sign1 over claims with the AMO group embedded
	Groups       map[Group][]byte // GroupItem bytes, by group, for selective disclosure
	// Chosen holds, by beneficiary index, the chosen-beneficiary compact
	// credentials (docs/PROTOCOL.md §5.4): Chosen[i] carries the ouvrant
	// droit and beneficiary i, and says that i is the person being seen.
	// Empty in a Held saved before minor version 3 (PresentQRFor then
	// fails with ErrNoChosenCredential).
	Chosen [][]byte `json:",omitempty"`
	// ShortQRKey is the credential's short QR key (docs/PROTOCOL.md §14.2):
	// 32 random bytes drawn at issuance, shared by the phone (which tags
	// its short QR codes with it, PresentShortQR) and the issuer's service
	// (which checks the tags, ShortQR.VerifyTag). Zero in a Held saved
	// before protocol version 2's short QR used it.
	ShortQRKey [ShortQRKeyLen]byte `json:",omitzero"`
}

type wireClaims struct {
	Version    uint8          `cbor:"1,keyasint"`
	Issuer     string         `cbor:"2,keyasint,omitempty"` // absent from the compact form: the kid names the issuer
	CID        bstr           `cbor:"3,keyasint"`
	IssuedAt   uint64         `cbor:"4,keyasint"`
	ValidUntil uint64         `cbor:"5,keyasint"`
	DeviceKey  bstr           `cbor:"6,keyasint"`
	Digests    map[uint8]bstr `cbor:"7,keyasint,omitempty"`
	Groups     *wireGroups    `cbor:"8,keyasint,omitempty"`
	// Selected is the index, in Groups.AMO, of the person being seen: a
	// chosen-beneficiary credential only (§5.4, minor version 3).
	Selected *uint8 `cbor:"10,keyasint,omitempty"`
	// Member is the person seen's index in the family (the whole family's
	// AMO group, and receipts): a chosen-beneficiary credential only.
	Member *uint8 `cbor:"11,keyasint,omitempty"`
}

type groupItem struct {
	_     struct{} `cbor:",toarray"`
	Salt  bstr
	Group uint8
	Data  cbor.RawMessage
}

type qrPresentation struct {
	_          struct{} `cbor:",toarray"`
	Credential bstr
	Time       uint64
	Counter    uint32
	Signature  bstr
}

type deviceResponse struct {
	Version    uint8          `cbor:"1,keyasint"`
	Credential bstr           `cbor:"2,keyasint"`
	Groups     map[uint8]bstr `cbor:"3,keyasint"`
	Signature  bstr           `cbor:"4,keyasint"`
}

// Issue signs claims with k in the digest form for NFC, the compact AMO form
// for QR and, for each beneficiary, the chosen-beneficiary compact form
// (Held.Chosen, docs/PROTOCOL.md §5.4). rand supplies the salts and then
// the short QR key (Held.ShortQRKey, §14.2), which the issuer records with
// the credential; signatures are deterministic.
func Issue(k IssuerKey, c Claims, rand io.Reader) (*Held, error) {
	if err := c.Family.Validate(); err != nil {
		return nil, fmt.Errorf("credential: issue: %w", err)
	}
	if c.DevicePublicKey == nil || c.DevicePublicKey.Curve != elliptic.P256() {
		return nil, fmt.Errorf("credential: issue: device key is not P-256: %w", ErrInvalidField)
	}
	if len(k.Kid) == 0 || len(k.Kid) > 32 {
		return nil, fmt.Errorf("credential: issue: kid of %d bytes: %w", len(k.Kid), ErrInvalidField)
	}
	if c.Issuer == "" { // the digest form must name it (docs/PROTOCOL.md §5.1)
		return nil, fmt.Errorf("credential: issue: no issuer name: %w", ErrInvalidField)
	}
	if !c.ValidUntil.After(c.IssuedAt) || c.IssuedAt.Unix() < 0 {
		return nil, fmt.Errorf("credential: issue: validity %v..%v: %w", c.IssuedAt, c.ValidUntil, ErrInvalidField)
	}
	data := map[Group]any{GroupAMO: toWireAMO(c.Family.Beneficiaires)}
	if ins := toWireINS(c.Family.Beneficiaires); ins != nil {
		data[GroupINS] = ins
	}
	if ec := toWireEtatCivil(c.Family.EtatCivil); ec != nil {
		data[GroupEtatCivil] = ec
	}
	h := &Held{Groups: make(map[Group][]byte, len(data))}
	base := wireClaims{
		Version: CredentialVersion, Issuer: c.Issuer, CID: c.CredentialID[:],
		IssuedAt: uint64(c.IssuedAt.Unix()), ValidUntil: uint64(c.ValidUntil.Unix()),
		DeviceKey: CompressPublicKey(c.DevicePublicKey),
	}
	full := base
	full.Digests = make(map[uint8]bstr, len(data))
	for _, g := range AllGroups { // a fixed order: salts are drawn reproducibly
		d, ok := data[g]
		if !ok {
			continue
		}
		raw, err := marshal(d)
		if err != nil {
			return nil, err
		}
		salt := make([]byte, 16)
		if _, err := io.ReadFull(randOrDefault(rand), salt); err != nil {
			return nil, fmt.Errorf("credential: issue: salt: %w", err)
		}
		item, err := marshal(groupItem{Salt: salt, Group: uint8(g), Data: raw})
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(item)
		full.Digests[uint8(g)] = sum[:]
		h.Groups[g] = item
	}
	payload, err := marshal(full)
	if err != nil {
		return nil, err
	}
	if h.Credential, err = sign1(k.Key, k.Kid, payload); err != nil {
		return nil, err
	}
	compact := base
	compact.Issuer = "" // every character counts in a QR code: the kid names the issuer
	compact.Groups = &wireGroups{AMO: toWireAMO(c.Family.Beneficiaires)}
	if payload, err = marshal(compact); err != nil {
		return nil, err
	}
	if h.QRCredential, err = sign1(k.Key, k.Kid, payload); err != nil {
		return nil, err
	}
	h.Chosen = make([][]byte, len(c.Family.Beneficiaires))
	for i := range c.Family.Beneficiaires {
		if h.Chosen[i], err = signChosen(k, base, c.Family.Beneficiaires, i); err != nil {
			return nil, err
		}
	}
	// Drawn last: the salts above keep the bytes they had before the key.
	if _, err := io.ReadFull(randOrDefault(rand), h.ShortQRKey[:]); err != nil {
		return nil, fmt.Errorf("credential: issue: short QR key: %w", err)
	}
	return h, nil
}

// signChosen signs the chosen-beneficiary compact credential of
// beneficiary i of bs: the ouvrant droit alone when i is 0 (selected 0),
// else the ouvrant droit reduced to what billing needs of him (NIR,
// qualité, organisme) at 0 and beneficiary i at 1 (selected 1); member
// is i.
func signChosen(k IssuerKey, base wireClaims, bs []Beneficiary, i int) ([]byte, error) {
	amo := toWireAMO(bs[:1])
	if i > 0 {
		amo = append([]wireBeneficiary{toWireReducedOD(bs[0])}, toWireAMO(bs[i:i+1])...)
	}
	sel, member := uint8(len(amo)-1), uint8(i)
	c := base
	c.Version, c.Issuer, c.Selected, c.Member = ChosenCredentialVersion, "", &sel, &member
	c.Groups = &wireGroups{AMO: amo}
	payload, err := marshal(c)
	if err != nil {
		return nil, err
	}
	return sign1(k.Key, k.Kid, payload)
}

// deviceAuthQR returns the digest the device signs for a QR presentation:
// SHA-256 of CBOR ["ApCVDeviceAuth", "QR", SHA-256(credential), time, counter],
// built on the stack.
func deviceAuthQR(cred []byte, t uint64, ctr uint32) [32]byte {
	credSum := sha256.Sum256(cred)
	var buf [96]byte
	b := append(buf[:0], 0x85, 0x6e)
	b = append(b, "ApCVDeviceAuth"...)
	b = append(b, 0x62, 'Q', 'R', 0x58, 32)
	b = append(b, credSum[:]...)
	b = appendHead(b, 0, t)
	b = appendHead(b, 0, uint64(ctr))
	return sha256.Sum256(b)
}

// deviceAuthNFC returns the digest the device signs for an NFC presentation:
// SHA-256 of CBOR ["ApCVDeviceAuth", "NFC", SHA-256(credential),
// SHA-256(SessionTranscript), [groups released], version]. The version of
// the DeviceResponse is signed so that no field of it goes unauthenticated.
func deviceAuthNFC(cred, transcript []byte, groups []uint8, version uint8) [32]byte {
	h := sha256.New()
	credSum := sha256.Sum256(cred)
	trSum := sha256.Sum256(transcript)
	h.Write([]byte{0x86, 0x6e})
	io.WriteString(h, "ApCVDeviceAuth")
	h.Write([]byte{0x63, 'N', 'F', 'C', 0x58, 32})
	h.Write(credSum[:])
	h.Write([]byte{0x58, 32})
	h.Write(trSum[:])
	writeHead(h, 4, uint64(len(groups)))
	for _, g := range groups {
		writeHead(h, 0, uint64(g))
	}
	writeHead(h, 0, uint64(version))
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// PresentQR returns the QR text for time at and counter: QRPrefix + Base45 of
// [QRCredential, time, counter, device signature]. rand may be nil (crypto/rand).
func (h *Held) PresentQR(dev *ecdsa.PrivateKey, at time.Time, counter uint32) (string, error) {
	return h.PresentQRRand(dev, at, counter, nil)
}

// PresentQRRand is PresentQR with an explicit randomness source.
func (h *Held) PresentQRRand(dev *ecdsa.PrivateKey, at time.Time, counter uint32, rand io.Reader) (string, error) {
	if h == nil || len(h.QRCredential) == 0 {
		return "", fmt.Errorf("credential: present QR: no QR credential: %w", ErrInvalidField)
	}
	return presentQR(h.QRCredential, dev, at, counter)
}

// presentQR signs and encodes the QR presentation of the compact
// credential cred.
func presentQR(cred []byte, dev *ecdsa.PrivateKey, at time.Time, counter uint32) (string, error) {
	t := uint64(at.Unix())
	d := deviceAuthQR(cred, t, counter)
	sig, err := signES256(dev, d[:])
	if err != nil {
		return "", err
	}
	raw, err := marshal(qrPresentation{Credential: cred, Time: t, Counter: counter, Signature: sig})
	if err != nil {
		return "", err
	}
	return string(AppendBase45([]byte(QRPrefix), raw)), nil
}

// PresentQRFor returns the QR text that carries only the ouvrant droit and
// beneficiary (an index in the family, 0 for the ouvrant droit himself),
// naming beneficiary as the person being seen: QRPrefix + Base45 of
// [Chosen[beneficiary], time, counter, device signature], at most a few
// hundred characters whatever the family size. It fails with
// ErrNoChosenCredential when h holds no chosen-beneficiary credentials (a
// Held issued before minor version 3) and with ErrInvalidField when
// beneficiary is not an index of the family. rand may be nil.
func (h *Held) PresentQRFor(dev *ecdsa.PrivateKey, at time.Time, counter uint32, beneficiary int, rand io.Reader) (string, error) {
	if h == nil || len(h.Chosen) == 0 {
		return "", fmt.Errorf("credential: present QR for beneficiary %d: %w", beneficiary, ErrNoChosenCredential)
	}
	if beneficiary < 0 || beneficiary >= len(h.Chosen) || len(h.Chosen[beneficiary]) == 0 {
		return "", fmt.Errorf("credential: present QR for beneficiary %d of %d: %w", beneficiary, len(h.Chosen), ErrInvalidField)
	}
	return presentQR(h.Chosen[beneficiary], dev, at, counter)
}

// PresentNFC returns the DeviceResponse for an NFC session: the credential,
// the items of the requested groups the phone holds (and only those), and a
// device signature over the session transcript. rand may be nil.
func (h *Held) PresentNFC(dev *ecdsa.PrivateKey, transcript []byte, requested []Group, rand io.Reader) ([]byte, error) {
	if h == nil || len(h.Credential) == 0 {
		return nil, fmt.Errorf("credential: present NFC: no credential: %w", ErrInvalidField)
	}
	resp := deviceResponse{Version: Version, Credential: h.Credential, Groups: map[uint8]bstr{}}
	var released []uint8
	for _, g := range requested {
		if item, ok := h.Groups[g]; ok {
			if _, dup := resp.Groups[uint8(g)]; !dup {
				resp.Groups[uint8(g)] = item
				released = append(released, uint8(g))
			}
		}
	}
	sort.Slice(released, func(i, j int) bool { return released[i] < released[j] })
	d := deviceAuthNFC(h.Credential, transcript, released, Version)
	sig, err := signES256(dev, d[:])
	if err != nil {
		return nil, err
	}
	resp.Signature = sig
	return marshal(resp)
}
