package credential

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"sort"
	"time"
)

// TrustedKey is one issuer key of the trust list.
type TrustedKey struct {
	Kid       []byte
	Issuer    string
	Key       *ecdsa.PublicKey
	NotBefore time.Time // credentials issued before are refused
	NotAfter  time.Time // credentials issued after are refused
}

// TrustList is the signed list of issuer keys. Seq grows with every new list.
type TrustList struct {
	Seq        uint64
	IssuedAt   time.Time
	NextUpdate time.Time
	Keys       []TrustedKey
}

// RevocationList is the signed list of revoked credentials (a revoked app,
// every credential of a blocked user).
type RevocationList struct {
	Seq        uint64
	IssuedAt   time.Time
	NextUpdate time.Time
	Revoked    [][8]byte
}

type wireTrustedKey struct {
	Kid       bstr   `cbor:"1,keyasint"`
	Issuer    string `cbor:"2,keyasint"`
	Key       bstr   `cbor:"3,keyasint"`
	NotBefore uint64 `cbor:"4,keyasint"`
	NotAfter  uint64 `cbor:"5,keyasint"`
}

type wireTrustList struct {
	Version    uint8            `cbor:"1,keyasint"`
	Seq        uint64           `cbor:"2,keyasint"`
	IssuedAt   uint64           `cbor:"3,keyasint"`
	NextUpdate uint64           `cbor:"4,keyasint"`
	Keys       []wireTrustedKey `cbor:"5,keyasint"`
}

type wireRevocationList struct {
	Version    uint8  `cbor:"1,keyasint"`
	Seq        uint64 `cbor:"2,keyasint"`
	IssuedAt   uint64 `cbor:"3,keyasint"`
	NextUpdate uint64 `cbor:"4,keyasint"`
	Revoked    []bstr `cbor:"5,keyasint"`
}

func unix(t time.Time) uint64 {
	if t.Unix() < 0 {
		return 0
	}
	return uint64(t.Unix())
}

func fromUnix(s uint64) time.Time { return time.Unix(int64(s), 0).UTC() }

// SignTrustList signs tl with the list authority's key.
func SignTrustList(root IssuerKey, tl TrustList) ([]byte, error) {
	w := wireTrustList{Version: Version, Seq: tl.Seq, IssuedAt: unix(tl.IssuedAt), NextUpdate: unix(tl.NextUpdate),
		Keys: make([]wireTrustedKey, 0, len(tl.Keys))} // no key: [] on the wire, not null
	for _, k := range tl.Keys {
		if k.Key == nil {
			return nil, fmt.Errorf("credential: trust list: key %x has no public key: %w", k.Kid, ErrInvalidField)
		}
		w.Keys = append(w.Keys, wireTrustedKey{Kid: k.Kid, Issuer: k.Issuer, Key: MarshalPublicKey(k.Key),
			NotBefore: unix(k.NotBefore), NotAfter: unix(k.NotAfter)})
	}
	payload, err := marshal(w)
	if err != nil {
		return nil, err
	}
	return sign1(root.Key, root.Kid, payload)
}

// SignRevocationList signs rl with the list authority's key. Entries are
// sorted so that equal lists encode equally.
func SignRevocationList(root IssuerKey, rl RevocationList) ([]byte, error) {
	w := wireRevocationList{Version: Version, Seq: rl.Seq, IssuedAt: unix(rl.IssuedAt), NextUpdate: unix(rl.NextUpdate),
		Revoked: make([]bstr, 0, len(rl.Revoked))}
	for _, c := range rl.Revoked {
		w.Revoked = append(w.Revoked, append([]byte(nil), c[:]...))
	}
	sort.Slice(w.Revoked, func(i, j int) bool { return bytes.Compare(w.Revoked[i], w.Revoked[j]) < 0 })
	payload, err := marshal(w)
	if err != nil {
		return nil, err
	}
	return sign1(root.Key, root.Kid, payload)
}

// verifyList checks the list's size and its signature by the list
// authority's key, and returns the payload.
func verifyList(what string, raw []byte, authority *ecdsa.PublicKey) ([]byte, error) {
	p, err := verifyListRaw(what, raw, authority)
	if err != nil && !errors.Is(err, ErrUnknownIssuer) {
		// The desk message of a list is not the phone's: say it is the list.
		return nil, fmt.Errorf("%w: %w", ErrBadList, err)
	}
	return p, err
}

func verifyListRaw(what string, raw []byte, authority *ecdsa.PublicKey) ([]byte, error) {
	if len(raw) > MaxList {
		return nil, fmt.Errorf("credential: %s: %d bytes: %w", what, len(raw), ErrTooLarge)
	}
	if authority == nil {
		return nil, fmt.Errorf("credential: %s: no list authority key configured: %w", what, ErrUnknownIssuer)
	}
	m, err := parseSign1(what, raw)
	if err != nil {
		return nil, err
	}
	if !m.verify(authority) {
		return nil, fmt.Errorf("credential: %s: %w", what, ErrBadSignature)
	}
	return m.payload, nil
}

// ParseTrustList verifies raw with the list authority's key and decodes it.
// An unsigned, tampered or malformed list is refused.
func ParseTrustList(raw []byte, authority *ecdsa.PublicKey) (*TrustList, error) {
	payload, err := verifyList("trust list", raw, authority)
	if err != nil {
		return nil, err
	}
	var w wireTrustList
	if err := unmarshalMode(listDecMode, maxListItems, "trust list", payload, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadList, err)
	}
	if w.Version < Version {
		return nil, fmt.Errorf("credential: trust list: version %d: %w", w.Version, ErrUnsupportedVersion)
	}
	tl := &TrustList{Seq: w.Seq, IssuedAt: fromUnix(w.IssuedAt), NextUpdate: fromUnix(w.NextUpdate)}
	if !tl.NextUpdate.After(tl.IssuedAt) {
		return nil, fmt.Errorf("credential: trust list: next update not after issue: %w", ErrMalformed)
	}
	for i, k := range w.Keys {
		pub, err := ParsePublicKey(k.Key)
		if err != nil {
			return nil, fmt.Errorf("credential: trust list: key %d: %w", i, err)
		}
		if len(k.Kid) == 0 || len(k.Kid) > 32 {
			return nil, fmt.Errorf("credential: trust list: key %d: kid of %d bytes: %w", i, len(k.Kid), ErrMalformed)
		}
		tl.Keys = append(tl.Keys, TrustedKey{Kid: bytes.Clone(k.Kid), Issuer: k.Issuer, Key: pub, // k.Kid aliases raw
			NotBefore: fromUnix(k.NotBefore), NotAfter: fromUnix(k.NotAfter)})
	}
	return tl, nil
}

// ParseRevocationList verifies raw with the list authority's key and decodes it.
func ParseRevocationList(raw []byte, authority *ecdsa.PublicKey) (*RevocationList, error) {
	payload, err := verifyList("revocation list", raw, authority)
	if err != nil {
		return nil, err
	}
	var w wireRevocationList
	if err := unmarshalMode(listDecMode, maxListItems, "revocation list", payload, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadList, err)
	}
	if w.Version < Version {
		return nil, fmt.Errorf("credential: revocation list: version %d: %w", w.Version, ErrUnsupportedVersion)
	}
	rl := &RevocationList{Seq: w.Seq, IssuedAt: fromUnix(w.IssuedAt), NextUpdate: fromUnix(w.NextUpdate)}
	if !rl.NextUpdate.After(rl.IssuedAt) {
		return nil, fmt.Errorf("credential: revocation list: next update not after issue: %w", ErrMalformed)
	}
	for i, c := range w.Revoked {
		if len(c) != 8 {
			return nil, fmt.Errorf("credential: revocation list: entry %d of %d bytes: %w", i, len(c), ErrMalformed)
		}
		rl.Revoked = append(rl.Revoked, [8]byte(c))
	}
	return rl, nil
}
