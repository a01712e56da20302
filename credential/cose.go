package credential

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"

	"filippo.io/nistec"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// COSE_Sign1 (RFC 9052 §4.2), untagged, ES256 only:
//
//	COSE_Sign1 = [ protected: bstr .cbor {1: -7, 4: kid}, unprotected: {}, payload: bstr, signature: bstr .size 64 ]
//
// The signature is checked over the protected and payload bytes exactly as
// received; nothing is re-encoded.

const algES256 = -7

type coseSign1 struct {
	_           struct{} `cbor:",toarray"`
	Protected   bstr
	Unprotected map[int]struct{}
	Payload     bstr
	Signature   bstr
}

type protectedHeader struct {
	Alg int  `cbor:"1,keyasint"`
	Kid bstr `cbor:"4,keyasint,omitempty"`
}

// signedMessage is a decoded COSE_Sign1 whose signature is not yet checked.
type signedMessage struct {
	kid       []byte
	protected []byte
	payload   []byte
	signature []byte
}

func parseSign1(what string, data []byte) (signedMessage, error) {
	protected, payload, signature, unprotected, err := decodeSign1(what, data)
	if err != nil {
		return signedMessage{}, err
	}
	if unprotected != 0 {
		return signedMessage{}, fmt.Errorf("credential: %s: unprotected header not empty: %w", what, ErrMalformed)
	}
	if len(signature) != 64 {
		return signedMessage{}, fmt.Errorf("credential: %s: signature is %d bytes, want 64: %w", what, len(signature), ErrMalformed)
	}
	var h protectedHeader
	if err := decodeProtectedHeader(what, protected, &h); err != nil {
		return signedMessage{}, err
	}
	if h.Alg != algES256 {
		return signedMessage{}, fmt.Errorf("credential: %s: algorithm %d, want ES256 (-7): %w", what, h.Alg, ErrUnsupportedVersion)
	}
	if len(h.Kid) == 0 || len(h.Kid) > 32 {
		return signedMessage{}, fmt.Errorf("credential: %s: kid of %d bytes: %w", what, len(h.Kid), ErrMalformed)
	}
	return signedMessage{kid: h.Kid, protected: protected, payload: payload, signature: signature}, nil
}

// writeHead writes a CBOR head of major type major with argument n.
func writeHead(w io.Writer, major byte, n uint64) {
	var b [9]byte
	switch {
	case n < 24:
		b[0] = major<<5 | byte(n)
		w.Write(b[:1])
	case n <= 0xff:
		b[0], b[1] = major<<5|24, byte(n)
		w.Write(b[:2])
	case n <= 0xffff:
		b[0] = major<<5 | 25
		binary.BigEndian.PutUint16(b[1:], uint16(n))
		w.Write(b[:3])
	case n <= 0xffffffff:
		b[0] = major<<5 | 26
		binary.BigEndian.PutUint32(b[1:], uint32(n))
		w.Write(b[:5])
	default:
		b[0] = major<<5 | 27
		binary.BigEndian.PutUint64(b[1:], n)
		w.Write(b[:9])
	}
}

// sigStructureDigest returns SHA-256 of Sig_structure =
// ["Signature1", protected, h”, payload]: built in a buffer on the stack
// and hashed at once when it fits (credentials, lists of a few keys), or
// streamed without a copy.
func sigStructureDigest(protected, payload []byte) [32]byte {
	var buf [4096]byte
	if 2+len("Signature1")+9+len(protected)+1+9+len(payload) <= len(buf) {
		b := append(buf[:0], 0x84, 0x6a)
		b = append(b, "Signature1"...)
		b = appendHead(b, 2, uint64(len(protected)))
		b = append(b, protected...)
		b = append(b, 0x40)
		b = appendHead(b, 2, uint64(len(payload)))
		b = append(b, payload...)
		return sha256.Sum256(b)
	}
	h := sha256.New()
	h.Write([]byte{0x84, 0x6a})
	io.WriteString(h, "Signature1")
	writeHead(h, 2, uint64(len(protected)))
	h.Write(protected)
	h.Write([]byte{0x40})
	writeHead(h, 2, uint64(len(payload)))
	h.Write(payload)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

func (m signedMessage) verify(pub *ecdsa.PublicKey) bool {
	d := sigStructureDigest(m.protected, m.payload)
	return verifyES256(pub, d[:], m.signature)
}

// sign1 signs payload as a COSE_Sign1 with key and kid (deterministically).
func sign1(key *ecdsa.PrivateKey, kid, payload []byte) ([]byte, error) {
	prot, err := marshal(protectedHeader{Alg: algES256, Kid: kid})
	if err != nil {
		return nil, err
	}
	d := sigStructureDigest(prot, payload)
	sig, err := signES256(key, d[:])
	if err != nil {
		return nil, err
	}
	return marshal(coseSign1{Protected: prot, Unprotected: map[int]struct{}{}, Payload: payload, Signature: sig})
}

// signES256 returns the raw r‖s signature of digest. Signatures are
// deterministic (RFC 6979), so that a generator with fixed keys and salts
// reproduces the same bytes (docs/PROTOCOL.md test vectors).
func signES256(key *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("credential: signing key is not P-256")
	}
	der, err := key.Sign(nil, digest, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("credential: sign: %w", err)
	}
	in := cryptobyte.String(der)
	var seq, ri, si cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1(&ri, asn1.INTEGER) || !seq.ReadASN1(&si, asn1.INTEGER) || !seq.Empty() {
		return nil, fmt.Errorf("credential: sign: unexpected signature encoding")
	}
	r, s := trimInt(ri), trimInt(si)
	if len(r) > 32 || len(s) > 32 {
		return nil, fmt.Errorf("credential: sign: unexpected signature size")
	}
	sig := make([]byte, 64)
	copy(sig[32-len(r):32], r)
	copy(sig[64-len(s):], s)
	if !lowS(sig[32:]) { // canonical form: (r, n−s) replaces (r, s)
		n := elliptic.P256().Params().N
		new(big.Int).Sub(n, new(big.Int).SetBytes(sig[32:])).FillBytes(sig[32:])
	}
	return sig, nil
}

// p256HalfOrder is ⌊n/2⌋ for the order n of P-256, big-endian.
var p256HalfOrder = func() (h [32]byte) {
	new(big.Int).Rsh(elliptic.P256().Params().N, 1).FillBytes(h[:])
	return h
}()

// lowS reports whether the 32-byte big-endian s is at most n/2. ECDSA
// accepts (r, s) and (r, n−s) alike, so anyone could make a second valid
// signature, hence other bytes, for a signed object without the key; the
// protocol admits the low one only (docs/PROTOCOL.md §4).
func lowS(s []byte) bool { return bytes.Compare(s, p256HalfOrder[:]) <= 0 }

func trimInt(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// verifyES256 checks a raw r‖s signature; a high-S one (s > n/2) is
// refused whatever its validity under plain ECDSA. It builds the DER form on the
// stack for ecdsa.VerifyASN1, which avoids big.Int allocations.
func verifyES256(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	return verifyES256Into(pub, digest, sig, nil)
}

// verifyES256Into is verifyES256 with the DER form of sig written into der:
// crypto/ecdsa keeps its signature argument from the stack, so a caller
// whose der is already on the heap (VerifyQR's pooled scratch) saves an
// allocation per signature. A nil der is allocated.
func verifyES256Into(pub *ecdsa.PublicKey, digest, sig []byte, der *[72]byte) bool {
	if len(sig) != 64 || pub == nil || !lowS(sig[32:]) {
		return false
	}
	if der == nil {
		der = new([72]byte)
	}
	n := appendDERInt(der[2:2], sig[:32])
	n = appendDERInt(n, sig[32:])
	der[0], der[1] = 0x30, byte(len(n))
	return ecdsa.VerifyASN1(pub, digest, der[:2+len(n)])
}

func appendDERInt(dst, v []byte) []byte {
	for len(v) > 1 && v[0] == 0 {
		v = v[1:]
	}
	if v[0]&0x80 != 0 {
		dst = append(dst, 0x02, byte(len(v)+1), 0)
	} else {
		dst = append(dst, 0x02, byte(len(v)))
	}
	return append(dst, v...)
}

// ParsePublicKey accepts a P-256 public key in SEC 1 form, compressed (33
// bytes) or uncompressed (65 bytes), and checks that it is on the curve.
func ParsePublicKey(b []byte) (*ecdsa.PublicKey, error) {
	if len(b) == 33 {
		// crypto/ecdsa parses the uncompressed form only: decompress first,
		// with nistec's constant-time field square root (the same code as
		// the standard library's internal one) rather than big.Int's
		// ModSqrt behind elliptic.UnmarshalCompressed.
		if p, err := nistec.NewP256Point().SetBytes(b); err == nil {
			b = p.Bytes()
		}
	}
	if len(b) == 65 {
		if pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b); err == nil {
			return pub, nil
		}
	}
	return nil, fmt.Errorf("credential: public key is not a P-256 point: %w", ErrMalformed)
}

// CompressPublicKey returns the 33-byte SEC 1 compressed form of pub, or nil
// if pub is not a valid P-256 key.
func CompressPublicKey(pub *ecdsa.PublicKey) []byte {
	u := MarshalPublicKey(pub)
	if u == nil {
		return nil
	}
	// 02 or 03 for an even or odd y, then x.
	c := make([]byte, 33)
	c[0] = 2 | u[64]&1
	copy(c[1:], u[1:33])
	return c
}

// MarshalPublicKey returns the 65-byte SEC 1 uncompressed form of pub, or nil
// if pub is not a valid P-256 key.
func MarshalPublicKey(pub *ecdsa.PublicKey) []byte {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil
	}
	b, err := pub.Bytes()
	if err != nil {
		return nil
	}
	return b
}
