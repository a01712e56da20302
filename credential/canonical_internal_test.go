package credential

// Internal tests: the canonical-CBOR walker on hand-made items, and fuzz
// targets that sign fuzzed payloads so that the decoders behind the
// signatures (claims, groups, lists) are reached.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckCanonical(t *testing.T) {
	for _, tc := range []struct {
		name, hex string
		ok        bool
	}{
		{"uint 0", "00", true},
		{"uint 23", "17", true},
		{"uint 24", "1818", true},
		{"uint 24 in 2 bytes", "190018", false},
		{"uint 23 in 1 byte", "1817", false},
		{"uint 255", "18ff", true},
		{"uint 256", "190100", true},
		{"uint 256 in 4 bytes", "1a00000100", false},
		{"uint 65536", "1a00010000", true},
		{"uint 2^32", "1b0000000100000000", true},
		{"uint 2^32-1 in 8 bytes", "1b00000000ffffffff", false},
		{"uint max", "1bffffffffffffffff", true},
		{"nint -1", "20", true},
		{"nint -25 in 2 bytes", "390018", false},
		{"empty bstr", "40", true},
		{"bstr", "43010203", true},
		{"bstr length in 1 byte", "5803010203", false},
		{"bstr past the end", "44010203", false},
		{"huge bstr length", "5bffffffffffffffff00", false},
		{"indefinite bstr", "5f4101ff", false},
		{"text", "6161", true},
		{"indefinite text", "7f6161ff", false},
		{"array", "820102", true},
		{"indefinite array", "9f0102ff", false},
		{"array of 256", "990100" + strings.Repeat("00", 256), true},
		{"array of 257", "990101" + strings.Repeat("00", 257), false},
		{"array short", "830102", false},
		{"map sorted", "a2010a020b", true},
		{"map unsorted", "a2020b010a", false},
		{"map duplicate", "a2010a010b", false},
		{"map nint after uint", "a20100200b", true},
		{"map uint 24 after 23 (bytewise: 17 < 1818)", "a217001818 00", true},
		{"map text key", "a1616100", false},
		{"map bstr key", "a1410100", false},
		{"map array key", "a1810100", false},
		{"map of 257", "b90101", false},
		{"indefinite map", "bf0100ff", false},
		{"tag 0", "c06161", false},
		{"tag 24", "d81843010203", false},
		{"tag 55799 (self-describe)", "d9d9f700", false},
		{"false", "f4", true},
		{"true", "f5", true},
		{"null", "f6", false},
		{"undefined", "f7", false},
		{"simple 16", "f0", false},
		{"simple 255", "f8ff", false},
		{"half float", "f93c00", false},
		{"single float", "fa3f800000", false},
		{"double float", "fb3ff0000000000000", false},
		{"break alone", "ff", false},
		{"reserved info 28", "1c", false},
		{"trailing byte", "0000", false},
		{"empty", "", false},
		{"nested 7 deep (maxDepth 8 items)", strings.Repeat("81", 7) + "00", true},
		{"nested 8 deep", strings.Repeat("81", 8) + "00", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := hex.DecodeString(strings.ReplaceAll(tc.hex, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			if err := checkCanonical(b, maxItems); (err == nil) != tc.ok {
				t.Errorf("checkCanonical(%s) = %v, want ok=%v", tc.hex, err, tc.ok)
			}
		})
	}
}

// The encoder used for signing produces what the decoder accepts.
func TestMarshalIsCanonical(t *testing.T) {
	for _, v := range []any{
		wireClaims{Version: 1, Issuer: "CNAM", CID: make([]byte, 8), IssuedAt: 1 << 31, ValidUntil: 1 << 33, DeviceKey: make([]byte, 33),
			Digests: map[uint8]bstr{1: {1}, 2: {2}, 3: {3}}},
		wireTrustList{Version: 1, Seq: 300, IssuedAt: 1, NextUpdate: 2, Keys: []wireTrustedKey{{Kid: []byte("k"), Key: []byte{4}}}},
		wireGroups{INS: map[uint8]*wireINS{0: {Matricule: "x"}, 24: {}, 3: {}}},
		Receipt{Beneficiary: 30, PSID: "1", PSName: "x", AmountCents: 70000, Date: 1},
	} {
		b, err := marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkCanonical(b, maxItems); err != nil {
			t.Errorf("marshal(%T) = %x is not canonical: %v", v, b, err)
		}
	}
}

// The streamed Sig_structure digest equals the digest of the CBOR-encoded
// Sig_structure (RFC 9052 §4.4), and the streamed device-authentication
// digests equal those of their CBOR arrays.
func TestStreamedDigests(t *testing.T) {
	for _, n := range []int{0, 1, 23, 24, 255, 256, 70000} {
		prot, payload := bytes.Repeat([]byte{1}, n%300), bytes.Repeat([]byte{2}, n)
		want, _ := marshal([]any{"Signature1", prot, []byte{}, payload})
		got := sigStructureDigest(prot, payload)
		if got != sha256Sum(want) {
			t.Errorf("Sig_structure digest for %d-byte payload differs", n)
		}
	}
	cred := []byte("credential")
	for _, tc := range []struct {
		t   uint64
		ctr uint32
	}{{0, 0}, {23, 24}, {1795000000, 65536}, {1 << 40, 1<<32 - 1}} {
		want, _ := marshal([]any{"ApCVDeviceAuth", "QR", sha256Sum(cred), tc.t, tc.ctr})
		if deviceAuthQR(cred, tc.t, tc.ctr) != sha256Sum(want) {
			t.Errorf("QR DeviceAuthentication differs for %+v", tc)
		}
	}
	tr := []byte("transcript")
	for _, gs := range [][]uint8{nil, {1}, {1, 2, 3}} {
		arr := make([]uint64, len(gs)) // an array of integers, not a byte string
		for i, g := range gs {
			arr[i] = uint64(g)
		}
		want, _ := marshal([]any{"ApCVDeviceAuth", "NFC", sha256Sum(cred), sha256Sum(tr), arr, uint64(Version)})
		if deviceAuthNFC(cred, tr, gs, Version) != sha256Sum(want) {
			t.Errorf("NFC DeviceAuthentication differs for %v", gs)
		}
	}
}

// internalWorld is a minimal issuer, device and verifier for the internal fuzz targets.
type internalWorld struct {
	root, issuer IssuerKey
	device       *ecdsa.PrivateKey
	now          time.Time
	v            func() *Verifier
}

func newInternalWorld(tb testing.TB) *internalWorld {
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		return k
	}
	w := &internalWorld{root: IssuerKey{Kid: []byte("root"), Key: key()}, issuer: IssuerKey{Kid: []byte("cnam-1"), Key: key()},
		device: key(), now: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)}
	tl, err := SignTrustList(w.root, TrustList{Seq: 1, IssuedAt: w.now.Add(-time.Hour), NextUpdate: w.now.Add(time.Hour),
		Keys: []TrustedKey{{Kid: w.issuer.Kid, Issuer: "CNAM", Key: &w.issuer.Key.PublicKey, NotBefore: w.now.Add(-1e4 * time.Hour), NotAfter: w.now.Add(1e4 * time.Hour)}}})
	if err != nil {
		tb.Fatal(err)
	}
	rl, err := SignRevocationList(w.root, RevocationList{Seq: 1, IssuedAt: w.now.Add(-time.Hour), NextUpdate: w.now.Add(time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
	w.v = func() *Verifier {
		v := NewVerifier(VerifierConfig{ListAuthority: &w.root.Key.PublicKey, Now: func() time.Time { return w.now }})
		if err := v.SetTrustList(tl); err != nil {
			tb.Fatal(err)
		}
		if err := v.SetRevocationList(rl); err != nil {
			tb.Fatal(err)
		}
		return v
	}
	return w
}

func (w *internalWorld) validClaims(tb testing.TB) (compact, digest []byte, h *Held) {
	f := Family{Beneficiaires: []Beneficiary{{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie",
		DateNaissance: Date{1978, 0, 0}, RangNaissance: 1, Organisme: Organisme{"01", "261", "9850"}}}}
	h, err := Issue(w.issuer, Claims{Issuer: "CNAM", CredentialID: [8]byte{1}, IssuedAt: w.now.Add(-time.Hour), ValidUntil: w.now.Add(time.Hour),
		DevicePublicKey: &w.device.PublicKey, Family: f}, rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	m, _ := parseSign1("x", h.QRCredential)
	compact = m.payload
	m, _ = parseSign1("x", h.Credential)
	return compact, m.payload, h
}

// Hand-signed claims that are not canonical are refused even though the
// issuer signature is good.
func TestSignedNonCanonicalClaims(t *testing.T) {
	w := newInternalWorld(t)
	compact, _, _ := w.validClaims(t)
	present := func(payload []byte) (*Presentation, error) {
		cred, err := sign1(w.issuer.Key, w.issuer.Kid, payload)
		if err != nil {
			t.Fatal(err)
		}
		s, err := (&Held{QRCredential: cred}).PresentQR(w.device, w.now, 1)
		if err != nil {
			t.Fatal(err)
		}
		return w.v().VerifyQR(s)
	}
	if _, err := present(compact); err != nil {
		t.Fatalf("control: %v", err)
	}
	// compact = a6 01 02 03 48 <CID> ...: version (CredentialVersion) is
	// the first pair (the compact form has no issuer name).
	if !bytes.HasPrefix(compact, []byte{0xa6, 0x01, CredentialVersion, 0x03}) {
		t.Fatalf("layout: %x", compact[:8])
	}
	for _, tc := range []struct {
		name    string
		payload []byte
		want    error
	}{
		{"non-shortest version", append([]byte{0xa6, 0x01, 0x18, 0x01}, compact[3:]...), ErrMalformed},
		{"duplicate version", append([]byte{0xa7, 0x01, 0x01}, compact[1:]...), ErrMalformed},
		{"version 0", append([]byte{0xa6, 0x01, 0x00}, compact[3:]...), ErrUnsupportedVersion},
		{"minor version 1", append([]byte{0xa6, 0x01, 0x01}, compact[3:]...), nil},
		{"minor version 3", append([]byte{0xa6, 0x01, 0x03}, compact[3:]...), nil},
		{"unknown critical key 9", append(append([]byte{0xa7}, compact[1:]...), 0x09, 0x00), ErrMalformed},
		{"extension key 100", append(append([]byte{0xa7}, compact[1:]...), 0x18, 100, 0x00), nil},
		{"trailing byte", append(bytes.Clone(compact), 0x00), ErrMalformed},
		{"tagged", append([]byte{0xd8, 0x18}, compact...), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := present(tc.payload)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if p != nil || !errors.Is(err, tc.want) {
				t.Errorf("p=%v err=%v, want %v", p != nil, err, tc.want)
			}
		})
	}
}

func FuzzCanonical(f *testing.F) {
	for _, h := range []string{"00", "1818", "190018", "a2010a020b", "a2020b010a", "9f0102ff", "c06161", "f6", "820102", "a1616100", "5803010203"} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkCanonical(b, maxItems) != nil {
			return
		}
		var v any
		if err := decMode.Unmarshal(b, &v); err != nil {
			return // e.g. invalid UTF-8 or too deep for the decoder
		}
		back, err := encMode.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode %x: %v", b, err)
		}
		if !bytes.Equal(back, b) {
			t.Fatalf("canonical %x decodes to %#v which encodes to %x", b, v, back)
		}
	})
}

// FuzzSignedClaims signs the fuzzed payload as a compact credential and as a
// digest credential, so the claim and group decoders run behind a good
// issuer signature.
func FuzzSignedClaims(f *testing.F) {
	w := newInternalWorld(f)
	compact, digest, h := w.validClaims(f)
	f.Add(compact, h.Groups[GroupAMO])
	f.Add(digest, h.Groups[GroupAMO])
	f.Add([]byte{0xa0}, []byte{0x83, 0x40, 0x01, 0x80})
	f.Fuzz(func(t *testing.T, payload, item []byte) {
		cred, err := sign1(w.issuer.Key, w.issuer.Kid, payload)
		if err != nil {
			t.Fatal(err)
		}
		v := w.v()
		s, _ := (&Held{QRCredential: cred}).PresentQR(w.device, w.now, 1)
		if p, err := v.VerifyQR(s); err == nil {
			if err := p.Family.Validate(); err != nil {
				t.Fatalf("accepted an invalid family: %v", err)
			}
		}
		tr := []byte("transcript")
		resp, _ := (&Held{Credential: cred, Groups: map[Group][]byte{GroupAMO: item}}).PresentNFC(w.device, tr, []Group{GroupAMO}, rand.Reader)
		if p, err := v.VerifyNFC(resp, tr, []Group{GroupAMO}); err == nil {
			if err := p.Family.Validate(); err != nil {
				t.Fatalf("accepted an invalid family: %v", err)
			}
		}
	})
}

// FuzzSignedLists signs the fuzzed payload as a list.
func FuzzSignedLists(f *testing.F) {
	w := newInternalWorld(f)
	tl, _ := marshal(wireTrustList{Version: 1, Seq: 2, IssuedAt: 1, NextUpdate: 2, Keys: []wireTrustedKey{{Kid: []byte("k"), Issuer: "CNAM",
		Key: MarshalPublicKey(&w.issuer.Key.PublicKey), NotBefore: 1, NotAfter: 3}}})
	rl, _ := marshal(wireRevocationList{Version: 1, Seq: 2, IssuedAt: 1, NextUpdate: 2, Revoked: []bstr{make([]byte, 8)}})
	f.Add(tl)
	f.Add(rl)
	f.Fuzz(func(t *testing.T, payload []byte) {
		raw, err := sign1(w.root.Key, w.root.Kid, payload)
		if err != nil {
			t.Fatal(err)
		}
		if l, err := ParseTrustList(raw, &w.root.Key.PublicKey); err == nil {
			for _, k := range l.Keys {
				if k.Key == nil || len(k.Kid) == 0 || len(k.Kid) > 32 {
					t.Fatalf("accepted key %+v", k)
				}
			}
		}
		if l, err := ParseRevocationList(raw, &w.root.Key.PublicKey); err == nil && !l.NextUpdate.After(l.IssuedAt) {
			t.Fatalf("accepted %+v", l)
		}
	})
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
