package credential

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"
)

// The resolution of a short QR (docs/PROTOCOL.md §15.5): what the issuer's
// online service answers a health professional who sends it a short QR
// text. It is a COSE_Sign1 (§4) by an issuer key of the trust list, so the
// reader checks it as it checks a credential, and binds the scanned text
// and the professional's certificate, so that it is good for that scan at
// that desk only.

// ResolutionVersion is the version of the resolution payload (key 1): the
// protocol version that introduced it. Readers accept it and any later
// minor version (extension keys only).
const ResolutionVersion = 2

// MaxResolution bounds a resolution in bytes (the largest family with every
// group fits in a third of it).
const MaxResolution = 32768

// Resolution is the content of a resolution. IssueResolution encodes the
// groups listed in Groups (AMO always) from Family.
type Resolution struct {
	Issuer     string  // the issuer's name; the trust list must name the same issuer for the signing kid
	CID        [8]byte // the credential the short QR refers to
	ResolvedAt time.Time
	IssuedAt   time.Time // the credential's issue time
	ValidUntil time.Time // the credential's end of validity
	TextHash   [32]byte  // SHA-256 of the scanned text (ShortQRPrefix included)
	PSHash     [32]byte  // SHA-256 of the DER of the professional's client certificate
	Family     Family    // the holder's data: AMO, and INS and the état civil when listed in Groups
	Groups     []Group   // the groups to encode: the requested ones the holder has, AMO always
}

type wireResolution struct {
	Version    uint8       `cbor:"1,keyasint"`
	Issuer     string      `cbor:"2,keyasint"`
	CID        bstr        `cbor:"3,keyasint"`
	ResolvedAt uint64      `cbor:"4,keyasint"`
	ValidUntil uint64      `cbor:"5,keyasint"`
	TextHash   bstr        `cbor:"6,keyasint"`
	PSHash     bstr        `cbor:"7,keyasint"`
	Groups     *wireGroups `cbor:"8,keyasint"`
	IssuedAt   uint64      `cbor:"9,keyasint"`
}

// IssueResolution signs r with the issuer key k (the service side). The
// family must be valid; Groups must hold AMO and only known groups, and
// INS or ETAT_CIVIL only when the family has them. rand is not drawn from
// (deterministic ES256) and may be nil.
func IssueResolution(k IssuerKey, r Resolution, rand io.Reader) ([]byte, error) {
	if len(k.Kid) == 0 || len(k.Kid) > 32 {
		return nil, fmt.Errorf("credential: resolution: kid of %d bytes: %w", len(k.Kid), ErrInvalidField)
	}
	if r.Issuer == "" {
		return nil, fmt.Errorf("credential: resolution: no issuer name: %w", ErrInvalidField)
	}
	if !r.ValidUntil.After(r.IssuedAt) || r.IssuedAt.Unix() < 0 || r.ResolvedAt.Unix() < 0 {
		return nil, fmt.Errorf("credential: resolution: times %v, %v..%v: %w", r.ResolvedAt, r.IssuedAt, r.ValidUntil, ErrInvalidField)
	}
	if err := r.Family.Validate(); err != nil {
		return nil, fmt.Errorf("credential: resolution: %w", err)
	}
	w := wireResolution{Version: ResolutionVersion, Issuer: r.Issuer, CID: r.CID[:],
		ResolvedAt: uint64(r.ResolvedAt.Unix()), ValidUntil: uint64(r.ValidUntil.Unix()),
		TextHash: r.TextHash[:], PSHash: r.PSHash[:], IssuedAt: uint64(r.IssuedAt.Unix()),
		Groups: &wireGroups{AMO: toWireAMO(r.Family.Beneficiaires)}}
	if !slices.Contains(r.Groups, GroupAMO) {
		return nil, fmt.Errorf("credential: resolution: groups %v without AMO: %w", r.Groups, ErrInvalidField)
	}
	for _, g := range r.Groups {
		switch g {
		case GroupAMO:
		case GroupINS:
			if w.Groups.INS = toWireINS(r.Family.Beneficiaires); w.Groups.INS == nil {
				return nil, fmt.Errorf("credential: resolution: group INS but no beneficiary has an INS: %w", ErrInvalidField)
			}
		case GroupEtatCivil:
			if w.Groups.EtatCivil = toWireEtatCivil(r.Family.EtatCivil); w.Groups.EtatCivil == nil {
				return nil, fmt.Errorf("credential: resolution: group ETAT_CIVIL but no état civil: %w", ErrInvalidField)
			}
		default:
			return nil, fmt.Errorf("credential: resolution: unknown group %v: %w", g, ErrInvalidField)
		}
	}
	payload, err := marshal(w)
	if err != nil {
		return nil, err
	}
	out, err := sign1(k.Key, k.Kid, payload)
	if err != nil {
		return nil, err
	}
	if len(out) > MaxResolution {
		return nil, fmt.Errorf("credential: resolution of %d bytes: %w", len(out), ErrTooLarge)
	}
	return out, nil
}

// CheckShortQRWindow parses a short QR text and checks its time against the
// window (QRWindow after it, ClockSkew before): what a reader can check
// before any network call (docs/PROTOCOL.md §10.4 step 1). A code out of
// its window fails with ErrQRExpired; ParseShortQR's errors otherwise.
func (v *Verifier) CheckShortQRWindow(text string) (ShortQR, error) {
	return v.checkShortQRWindow(text, v.now())
}

func (v *Verifier) checkShortQRWindow(text string, now time.Time) (ShortQR, error) {
	q, err := ParseShortQR(text)
	if err != nil {
		return ShortQR{}, err
	}
	if q.Time.After(now.Add(v.cfg.ClockSkew)) || now.Sub(q.Time) > v.cfg.QRWindow {
		return ShortQR{}, fmt.Errorf("credential: short QR drawn at %v, now %v: %w", q.Time, now, ErrQRExpired)
	}
	return q, nil
}

// VerifyResolution verifies the service's answer to a short QR text
// (docs/PROTOCOL.md §10.4) and returns the identity it holds. text is the
// scanned text, answer the resolution the service returned, psHash the
// SHA-256 of the DER of the client certificate the reader authenticated
// with, requested the groups it asked for (AMO is always wanted).
//
// In order: the text's window (ErrQRExpired); the issuer check of the
// answer (trust list, kid, signature, issuer name, key validity at the
// resolution time, the credential's validity: issued no later than the
// resolution, not expired at it nor now);
// the answer's text hash, certificate hash and credential id against the
// scan and the certificate (ErrResolutionMismatch); the service's time
// within ClockSkew of the reader's (ErrServiceClockSkew); revocation; the
// groups (AMO missing: ErrGroupMissing; a group not requested:
// ErrMalformed) and their fields; last, the replay cache. The device
// signature of the text is the service's to check: the issuer signs the
// resolution only after it.
func (v *Verifier) VerifyResolution(text string, answer []byte, psHash [32]byte, requested []Group) (*Presentation, error) {
	now := v.now()
	q, err := v.checkShortQRWindow(text, now)
	if err != nil {
		return nil, err
	}
	if len(answer) > MaxResolution {
		return nil, fmt.Errorf("credential: resolution of %d bytes: %w", len(answer), ErrTooLarge)
	}
	key, m, err := v.verifyTrusted("resolution", answer, now)
	if err != nil {
		return nil, err
	}
	s := resolutionScratchPool.Get().(*claimsScratch)
	defer func() { *s = claimsScratch{}; resolutionScratchPool.Put(s) }()
	var w wireResolution
	if err := decodeResolution(m.payload, &w, s); err != nil {
		return nil, err
	}
	if w.Version < ResolutionVersion {
		return nil, fmt.Errorf("credential: resolution version %d: %w", w.Version, ErrUnsupportedVersion)
	}
	if w.Issuer != key.Issuer {
		return nil, fmt.Errorf("credential: resolution issuer %q is not the trust list's %q for kid %x: %w", w.Issuer, key.Issuer, m.kid, ErrUnknownIssuer)
	}
	if len(w.CID) != 8 || len(w.TextHash) != 32 || len(w.PSHash) != 32 {
		return nil, fmt.Errorf("credential: resolution: cid, text hash or certificate hash of the wrong size: %w", ErrMalformed)
	}
	if w.ResolvedAt > math.MaxInt64 || w.IssuedAt > math.MaxInt64 || w.ValidUntil > math.MaxInt64 {
		return nil, fmt.Errorf("credential: resolution: time out of range: %w", ErrMalformed)
	}
	// The key's validity bounds the resolution time only: the issuer signs
	// with its current key, also for a credential issued under an earlier
	// one (a key rotated since). resolvedAt is held to the reader's clock
	// below, so a key retired before now cannot sign an answer that passes.
	resolved, iat, exp := fromUnix(w.ResolvedAt), fromUnix(w.IssuedAt), fromUnix(w.ValidUntil)
	if resolved.Before(key.NotBefore) || resolved.After(key.NotAfter) {
		return nil, fmt.Errorf("credential: resolved %v outside the key's validity: %w", resolved, ErrUnknownIssuer)
	}
	if iat.After(resolved) || iat.After(now.Add(v.cfg.ClockSkew)) {
		return nil, fmt.Errorf("credential: issued %v, resolved %v: %w", iat, resolved, ErrNotYetValid)
	}
	if resolved.After(exp) || now.After(exp) {
		return nil, fmt.Errorf("credential: valid until %v: %w", exp, ErrExpired)
	}
	var tb [ShortQRLen]byte // the text's length was checked: no allocation to hash it
	copy(tb[:], text)
	if th := sha256.Sum256(tb[:]); [32]byte(w.TextHash) != th {
		return nil, fmt.Errorf("credential: resolution is for another QR text: %w", ErrResolutionMismatch)
	}
	if [32]byte(w.PSHash) != psHash {
		return nil, fmt.Errorf("credential: resolution is for another professional's certificate: %w", ErrResolutionMismatch)
	}
	if [8]byte(w.CID) != q.CID {
		return nil, fmt.Errorf("credential: resolution is for credential %x, the QR for %x: %w", []byte(w.CID), q.CID, ErrResolutionMismatch)
	}
	if d := resolved.Sub(now); d > v.cfg.ClockSkew || d < -v.cfg.ClockSkew {
		return nil, fmt.Errorf("credential: service time %v, reader time %v: %w", resolved, now, ErrServiceClockSkew)
	}
	if err := v.checkRevocation(q.CID, now); err != nil {
		return nil, err
	}
	g := w.Groups
	if g == nil || g.AMO == nil {
		return nil, fmt.Errorf("credential: resolution without the AMO group: %w", ErrGroupMissing)
	}
	p := &Presentation{Mode: ModeQR, Short: true, Issuer: key.Issuer, Kid: key.Kid, CredentialID: q.CID,
		IssuedAt: fromUnix(w.IssuedAt), ValidUntil: fromUnix(w.ValidUntil), PresentedAt: q.Time, ResolvedAt: resolved,
		Groups: make([]Group, 1, 3)}
	p.Groups[0] = GroupAMO
	if err := p.Family.fromWireAMO(g.AMO); err != nil {
		return nil, fmt.Errorf("credential: group AMO: %w", err)
	}
	if g.INS != nil {
		if !slices.Contains(requested, GroupINS) {
			return nil, fmt.Errorf("credential: group INS was not requested: %w", ErrMalformed)
		}
		if err := p.Family.fromWireINS(g.INS); err != nil {
			return nil, fmt.Errorf("credential: group INS: %w", err)
		}
		p.Groups = append(p.Groups, GroupINS)
	}
	if g.EtatCivil != nil {
		if !slices.Contains(requested, GroupEtatCivil) {
			return nil, fmt.Errorf("credential: group ETAT_CIVIL was not requested: %w", ErrMalformed)
		}
		if err := p.Family.fromWireEtatCivil(g.EtatCivil); err != nil {
			return nil, fmt.Errorf("credential: group ETAT_CIVIL: %w", err)
		}
		p.Groups = append(p.Groups, GroupEtatCivil)
	}
	if err := v.checkReplay(shortReplayKey(q.CID), uint32(q.Time.Unix()), now); err != nil {
		return nil, err
	}
	return p, nil
}

var resolutionScratchPool = sync.Pool{New: func() any { return new(claimsScratch) }}

// shortReplayKey is the replay cache key of the short QRs of credential
// cid: a key of its own, so that the counters of full QRs (small numbers)
// and of short ones (their times) of one credential do not meet (a full QR
// shown after a short one would look replayed).
func shortReplayKey(cid [8]byte) [8]byte {
	var b [8 + 16]byte
	copy(b[:], "ApCV-QR2")
	copy(b[8:], cid[:])
	s := sha256.Sum256(b[:16])
	return [8]byte(s[:8])
}

// decodeResolution is unmarshal("resolution", data, w), the ETAT_CIVIL
// group's known extension keys kept (as decodeGroup keeps them), the AMO
// group in s when it fits.
func decodeResolution(data []byte, w *wireResolution, s *claimsScratch) error {
	return named("resolution", "", decodeResolution1(data, w, s))
}

func decodeResolution1(data []byte, w *wireResolution, s *claimsScratch) error {
	c := cursor{b: data, keepEC: true}
	err := c.mapFields(0, "resolution", func(key uint64) (bool, error) {
		var err error
		var v uint64
		switch key {
		case 1:
			v, err = c.uint(math.MaxUint8, "version")
			w.Version = uint8(v)
		case 2:
			w.Issuer, err = c.text("issuer")
		case 3:
			w.CID, err = c.bytes("credential id")
		case 4:
			w.ResolvedAt, err = c.uint(math.MaxUint64, "resolved at")
		case 5:
			w.ValidUntil, err = c.uint(math.MaxUint64, "valid until")
		case 6:
			w.TextHash, err = c.bytes("text hash")
		case 7:
			w.PSHash, err = c.bytes("certificate hash")
		case 8:
			s.groups = wireGroups{}
			w.Groups = &s.groups
			err = c.groups(w.Groups, s)
		case 9:
			w.IssuedAt, err = c.uint(math.MaxUint64, "issued at")
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return err
	}
	return c.end()
}
