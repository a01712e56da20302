package credential

// The direct decoders of direct.go against unmarshal, the reflective
// decoding (canonical walk, extension stripping, fxamacker/cbor) they
// replace on the QR path: on every input both must accept and decode the
// same values, or both refuse with the same error class. The seeds are
// real credentials and presentations, hand-made shapes that the QR path
// never produces (INS and ÉTAT CIVIL groups, digests, extension entries
// everywhere) and edge cases of each rule; TestDirectMutations runs every
// seed through thousands of single-byte changes and truncations in the
// normal test run, and the Fuzz targets go further:
//
//	go test -run '^$' -fuzz=FuzzDirectClaims -fuzztime=60s ./credential/
//	go test -run '^$' -fuzz=FuzzDirectSign1 -fuzztime=60s ./credential/
//	go test -run '^$' -fuzz=FuzzDirectQRPresentation -fuzztime=60s ./credential/

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// reflectSign1 is parseSign1 as it was before the direct decoders, on
// unmarshal: the reference.
func reflectSign1(what string, data []byte) (signedMessage, error) {
	var m coseSign1
	if err := unmarshal(what, data, &m); err != nil {
		return signedMessage{}, err
	}
	if len(m.Unprotected) != 0 {
		return signedMessage{}, ErrMalformed
	}
	if len(m.Signature) != 64 {
		return signedMessage{}, ErrMalformed
	}
	var h protectedHeader
	if err := unmarshal(what+" protected header", m.Protected, &h); err != nil {
		return signedMessage{}, err
	}
	if h.Alg != algES256 {
		return signedMessage{}, ErrUnsupportedVersion
	}
	if len(h.Kid) == 0 || len(h.Kid) > 32 {
		return signedMessage{}, ErrMalformed
	}
	return signedMessage{kid: h.Kid, protected: m.Protected, payload: m.Payload, signature: m.Signature}, nil
}

// errorClasses are the sentinels an outcome is compared by.
var errorClasses = []error{ErrMalformed, ErrUnsupportedVersion, ErrTooLarge, ErrInvalidField}

func errorClass(err error) error {
	for _, c := range errorClasses {
		if errors.Is(err, c) {
			return c
		}
	}
	return err
}

// sameOutcome fails t unless both decoders accepted with equal values or
// both refused with the same class.
func sameOutcome(t *testing.T, what string, in []byte, dv, rv any, derr, rerr error) {
	t.Helper()
	switch {
	case derr == nil && rerr == nil:
		if !reflect.DeepEqual(dv, rv) {
			t.Fatalf("%s %x: direct decoded\n%#v\nreflective\n%#v", what, in, dv, rv)
		}
	case derr == nil || rerr == nil:
		t.Fatalf("%s %x: direct error %v, reflective error %v", what, in, derr, rerr)
	case errorClass(derr) != errorClass(rerr):
		t.Fatalf("%s %x: direct error %v, reflective error %v: not the same class", what, in, derr, rerr)
	case !errors.Is(derr, errorClass(rerr)):
		t.Fatalf("%s %x: direct error %v is not of a known class", what, in, derr)
	}
}

func checkQRPresentation(t *testing.T, in []byte) {
	var d, r qrPresentation
	derr := decodeQRPresentation(in, &d)
	rerr := unmarshal("QR presentation", in, &r)
	sameOutcome(t, "QR presentation", in, d, r, derr, rerr)
}

func checkSign1(t *testing.T, in []byte) {
	d, derr := parseSign1("credential", in)
	r, rerr := reflectSign1("credential", in)
	sameOutcome(t, "COSE_Sign1", in, d, r, derr, rerr)
}

func checkClaims(t *testing.T, in []byte) {
	var d, r wireClaims
	var s claimsScratch
	derr := decodeClaims(in, &d, &s)
	rerr := unmarshal("credential claims", in, &r)
	sameOutcome(t, "claims", in, d, r, derr, rerr)
}

// directSeeds returns real QR presentations, credentials and claims, and
// hand-made ones that use every field and extension entries.
func directSeeds(tb testing.TB) (presentations, sign1s, claims [][]byte) {
	w := newInternalWorld(tb)
	compact, digest, h := w.validClaims(tb)
	claims = append(claims, compact, digest)
	sign1s = append(sign1s, h.QRCredential, h.Credential)
	qr, err := h.PresentQR(w.device, w.now, 7)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := AppendBase45Decode(nil, qr[len(QRPrefix):])
	if err != nil {
		tb.Fatal(err)
	}
	presentations = append(presentations, raw)
	// Chosen-beneficiary credentials (claims key 10, a reduced ouvrant droit).
	for i := range 2 {
		_, hc := w.chosenClaims(tb, i)
		m, err := parseSign1("x", hc.Chosen[i])
		if err != nil {
			tb.Fatal(err)
		}
		claims = append(claims, m.payload)
		sign1s = append(sign1s, hc.Chosen[i])
	}

	// Every field of every group, which the QR path refuses after
	// decoding but must decode as unmarshal does.
	full, err := marshal(wireClaims{Version: 1, Issuer: "CNAM", CID: make(bstr, 8), IssuedAt: 1, ValidUntil: 2,
		DeviceKey: make(bstr, 33), Digests: map[uint8]bstr{1: {1}, 2: {}},
		Groups: &wireGroups{
			AMO: []wireBeneficiary{{NIR: "278057512345675", NomFamille: "DUPONT", NomUsage: "MARTIN", Prenoms: "Marie Élodie",
				DateNaissance: 19780500, Rang: 1, Qualite: 0, Organisme: "012619850", DateMiseAJour: 20260101}, {NIR: "x"}},
			INS: map[uint8]*wireINS{0: {Matricule: "278057512345675", OID: OIDInsNIR, NomsNaissance: "DUPONT", PrenomsActe: "Marie",
				Sexe: 2, DateNaissance: 19780500, LieuNaissance: "75056"}, 3: {}},
			EtatCivil: &wireEtatCivil{NomNaissance: "DUPONT", Prenoms: "Marie", DateNaissance: 19780500, PaysNaissance: "99100",
				CommuneNaissance: "2A004", TypeDocument: "CNI"},
		}})
	if err != nil {
		tb.Fatal(err)
	}
	claims = append(claims, full)
	// A family larger than claimsScratch holds.
	big := wireClaims{Version: 1, CID: make(bstr, 8), Groups: &wireGroups{AMO: make([]wireBeneficiary, 11)}}
	for i := range big.Groups.AMO {
		big.Groups.AMO[i] = wireBeneficiary{NIR: "1", Prenoms: "A", Rang: uint8(i)}
	}
	if b, err := marshal(big); err == nil {
		claims = append(claims, b)
	}
	hexes := func(dst *[][]byte, hs ...string) {
		for _, s := range hs {
			b, err := hex.DecodeString(s)
			if err != nil {
				tb.Fatal(s, err)
			}
			*dst = append(*dst, b)
		}
	}
	hexes(&claims,
		"a0",                                 // empty claims
		"a1186401",                           // an extension key only
		"a12001",                             // a negative (extension) key
		"a2010120a1186480",                   // version, then an extension key whose value is a map
		"a201011864f6",                       // null under an extension key: refused by the walk
		"a10a01",                             // an unknown critical key
		"a1011901ff",                         // a version over 255
		"a10120",                             // a negative version
		"a1025f41ff",                         // indefinite text (refused)
		"a10262c328",                         // invalid UTF-8 issuer
		"a10241ff",                           // issuer as a byte string
		"a10363616263",                       // credential id as a text string
		"a108a101a1186401",                   // a beneficiary with an extension key only
		"a108a10180",                         // an empty AMO array
		"a108a101a10101",                     // a NIR as an integer
		"a108a102a100a1186401",               // an INS entry with an extension only
		"a108a102a1186400",                   // an INS map with an extension key
		"a108a103a10600",                     // a type of document as an integer
		"a108a1030a",                         // ÉTAT CIVIL as an integer
		"a108a10181a1051a000f4240",           // a date as a 4-byte integer
		"a108a10181a1051b0000000100000000",   // a date over 32 bits
		"a108a10181a106190100",               // a rang over 255
		"a108a10181a1071901ff",               // a qualité over 255
		"a108a10181a1091b0000000100000000",   // a date of update over 32 bits
		"a108a102a100a1051901ff",             // a sex over 255
		"a108a102a100a1061b0000000100000000", // an INS birth date over 32 bits
		"a108a103a1031b0000000100000000",     // an ÉTAT CIVIL birth date over 32 bits
		"a108a10181a1061820",                 // a rang of 32, in range
		"a107a1186440",                       // digests with an extension key only
		"a107a10140a1",                       // trailing byte
		"a2010101",                           // duplicate key
		"a202010101",                         // keys out of order
		"a1011801",                           // non-shortest head
		"a1186481818181818181818100",         // an extension value nested too deep
		"a11864818181818181818100",           // an extension value nested just deep enough
		"c0a0",                               // a tag
		"80",                                 // an array
		"a108a101a1",                         // truncated
		"a108a101a301600260036000",           // beneficiary keys 1,2,3 empty strings
		"a3016141026142036143",               // keys in order, text strings
		"a10458200000000000000000000000000000000000000000000000000000000000000000", // issued at as bytes
	)
	hexes(&sign1s,
		"844da201260445636e616d2d31a0405840"+hexZeros(64), // a bare credential: empty payload
		"844da201260445636e616d2d31a1186401405840"+hexZeros(64),
		"844da201260445636e616d2d31a101a0405840"+hexZeros(64),   // a critical unprotected key
		"844da201260445636e616d2d31a0405820"+hexZeros(32),       // a short signature
		"8447a201270441ffa0405840"+hexZeros(64),                 // alg -8
		"8443a10126a0405840"+hexZeros(64),                       // no kid
		"8448a2012604186401a0405840"+hexZeros(64),               // kid as an integer
		"844ea301260445636e616d2d3118640fa0405840"+hexZeros(64), // an extension in the protected header
		"844da201260445636e616d2d31a0405840"+hexZeros(64)+"00",  // trailing byte
		"834da201260445636e616d2d31a040",                        // three elements
		"a0",
	)
	hexes(&presentations,
		"8440000040",     // empty credential and signature
		"84401b00000001", // truncated
		"8440001a0000000140",
		"8440001b000000010000000040", // counter over 32 bits
		"84400020"+"40",              // a negative counter
		"8340000040",
		"85400000404000",
		"a0",
	)
	return presentations, sign1s, claims
}

func hexZeros(n int) string { return hex.EncodeToString(make([]byte, n)) }

func TestDirectSeeds(t *testing.T) {
	ps, ss, cs := directSeeds(t)
	for _, b := range ps {
		checkQRPresentation(t, b)
	}
	for _, b := range ss {
		checkSign1(t, b)
	}
	for _, b := range cs {
		checkClaims(t, b)
	}
}

// TestDirectAccepts checks that the seeds exercise both outcomes: the real
// structures decode, and the differential is not comparing two failures.
func TestDirectAccepts(t *testing.T) {
	ps, ss, cs := directSeeds(t)
	var qp qrPresentation
	if err := decodeQRPresentation(ps[0], &qp); err != nil {
		t.Fatal(err)
	}
	if _, err := parseSign1("credential", ss[0]); err != nil {
		t.Fatal(err)
	}
	for _, b := range cs[:3] {
		var c wireClaims
		var s claimsScratch
		if err := decodeClaims(b, &c, &s); err != nil {
			t.Fatalf("%x: %v", b, err)
		}
	}
}

// mutations returns b truncated at every length and with every byte
// replaced by a few values that change its meaning (heads of every major
// type, lengths, simple values) or its value by one bit.
func mutations(b []byte) [][]byte {
	var out [][]byte
	for n := range len(b) {
		out = append(out, b[:n])
	}
	vals := []byte{0x00, 0x01, 0x17, 0x18, 0x19, 0x1b, 0x1f, 0x20, 0x38, 0x40, 0x41, 0x58, 0x5f, 0x60, 0x61, 0x7f,
		0x80, 0x81, 0x84, 0x9f, 0xa0, 0xa1, 0xbf, 0xc0, 0xf4, 0xf5, 0xf6, 0xf9, 0xff}
	for i := range b {
		for _, v := range append(vals, b[i]^0x01, b[i]^0x20, b[i]+1) {
			if v == b[i] {
				continue
			}
			m := append([]byte(nil), b...)
			m[i] = v
			out = append(out, m)
		}
	}
	return out
}

// TestDirectMutations is the differential over every mutation of every seed.
func TestDirectMutations(t *testing.T) {
	ps, ss, cs := directSeeds(t)
	n := 0
	for _, s := range ps {
		for _, b := range mutations(s) {
			checkQRPresentation(t, b)
			n++
		}
	}
	for _, s := range ss {
		for _, b := range mutations(s) {
			checkSign1(t, b)
			n++
		}
	}
	for _, s := range cs {
		for _, b := range mutations(s) {
			checkClaims(t, b)
			n++
		}
	}
	t.Logf("%d inputs, same outcome for each", n)
}

func FuzzDirectQRPresentation(f *testing.F) {
	ps, _, _ := directSeeds(f)
	for _, b := range ps {
		f.Add(b)
	}
	f.Fuzz(checkQRPresentation)
}

func FuzzDirectSign1(f *testing.F) {
	_, ss, _ := directSeeds(f)
	for _, b := range ss {
		f.Add(b)
	}
	f.Fuzz(checkSign1)
}

func FuzzDirectClaims(f *testing.F) {
	_, _, cs := directSeeds(f)
	for _, b := range cs {
		f.Add(b)
	}
	f.Fuzz(checkClaims)
}

// TestVerifyQRAllocations bounds what VerifyQR allocates beyond crypto/ecdsa
// for one beneficiary (see benchmarks/budget.txt for the whole figure):
// the presentation, its groups, its family, one copy of the claims for all
// its strings. The reflective decoders took about 30 allocations more.
func TestVerifyQRAllocations(t *testing.T) {
	w := newInternalWorld(t)
	_, _, h := w.validClaims(t)
	v := w.v()
	texts := make([]string, 200)
	for i := range texts {
		s, err := h.PresentQR(w.device, w.now, uint32(i+1))
		if err != nil {
			t.Fatal(err)
		}
		texts[i] = s
	}
	i := 0
	got := testing.AllocsPerRun(100, func() {
		if _, err := v.VerifyQR(texts[i]); err != nil {
			t.Fatal(err)
		}
		i++
	})
	// The floor: what the two verifications and the key decompression
	// allocate on their own, measured the same way.
	m, err := parseSign1("x", h.QRCredential)
	if err != nil {
		t.Fatal(err)
	}
	d := sigStructureDigest(m.protected, m.payload)
	var c wireClaims
	var s claimsScratch
	if err := decodeClaims(m.payload, &c, &s); err != nil {
		t.Fatal(err)
	}
	der := new([72]byte) // the signatures' DER form, built outside crypto/ecdsa as VerifyQR does
	floor := testing.AllocsPerRun(100, func() {
		dev, err := ParsePublicKey(c.DeviceKey)
		if err != nil {
			t.Fatal(err)
		}
		if !verifyES256Into(&w.issuer.Key.PublicKey, d[:], m.signature, der) || verifyES256Into(dev, d[:], m.signature, der) {
			t.Fatal("verification")
		}
	})
	// Presentation, Groups (a tiny allocation, not always counted),
	// Beneficiaires, the claims' text; nothing else, not even the DER form
	// of the signatures (pooled with the rest of VerifyQR's scratch).
	const result = 4
	t.Logf("VerifyQR %.0f allocs, crypto floor %.0f", got, floor)
	if got > floor+result {
		t.Errorf("VerifyQR allocates %.0f times, the crypto floor %.0f: more than %d for the result", got, floor, result)
	}
}

// base45Reference is AppendBase45Decode as it was before it decoded a
// group at a time: the reference of TestBase45Differential.
func base45Reference(dst []byte, src string) ([]byte, error) {
	if Base45DecodedLen(len(src)) < 0 {
		return dst, fmt.Errorf("credential: base45: length %d is not valid: %w", len(src), ErrMalformed)
	}
	for i := 0; i < len(src); i += 3 {
		end := min(i+3, len(src))
		n := 0
		for j := end - 1; j >= i; j-- {
			v := base45Value[src[j]]
			if v < 0 {
				return dst, fmt.Errorf("credential: base45: character %d (%q) is not in the alphabet: %w", j, src[j], ErrMalformed)
			}
			n = n*45 + int(v)
		}
		if end-i == 3 {
			if n > 0xffff {
				return dst, fmt.Errorf("credential: base45: group at %d overflows: %w", i, ErrMalformed)
			}
			dst = append(dst, byte(n>>8), byte(n))
		} else {
			if n > 0xff {
				return dst, fmt.Errorf("credential: base45: last group overflows: %w", ErrMalformed)
			}
			dst = append(dst, byte(n))
		}
	}
	return dst, nil
}

func checkBase45(t *testing.T, s string) {
	got, gerr := AppendBase45Decode([]byte("x"), s)
	want, werr := base45Reference([]byte("x"), s)
	if !bytes.Equal(got, want) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("%q: %x %v, reference %x %v", s, got, gerr, want, werr)
	}
}

// TestBase45Differential: the same bytes and the same error as the
// reference on every truncation and single-character change of a QR text.
func TestBase45Differential(t *testing.T) {
	w := newInternalWorld(t)
	_, _, h := w.validClaims(t)
	qr, err := h.PresentQR(w.device, w.now, 7)
	if err != nil {
		t.Fatal(err)
	}
	s := qr[len(QRPrefix):]
	for n := range len(s) + 1 {
		checkBase45(t, s[:n])
	}
	for i := range len(s) {
		for _, c := range []byte("0Z :!a\x00\xff") {
			b := []byte(s)
			b[i] = c
			checkBase45(t, string(b))
		}
	}
	for _, s := range []string{"", "GGW", "GGX", ":::", "FGW", "U5", "::", "!", "!!", "A!B", "!AB"} {
		checkBase45(t, s)
	}
}

func FuzzBase45Differential(f *testing.F) {
	for _, s := range []string{"", "GGW", "BB8", ":::", "A!B"} {
		f.Add(s)
	}
	f.Fuzz(checkBase45)
}
