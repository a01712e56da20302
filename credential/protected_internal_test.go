package credential

import (
	"bytes"
	"errors"
	"testing"
)

// TestProtectedHeader: the protected header rules of docs/PROTOCOL.md §4 —
// kids of 1 to 32 bytes (24 and more need the 58 xx head), extension labels
// (≥ 100, negative) ignored, any other label 0..99 refused, kid required.
func TestProtectedHeader(t *testing.T) {
	w := newInternalWorld(t)
	tl, err := SignTrustList(w.root, TrustList{Seq: 1, IssuedAt: w.now, NextUpdate: w.now.Add(1e9), Keys: []TrustedKey{{Kid: w.issuer.Kid, Issuer: "CNAM", Key: &w.issuer.Key.PublicKey, NotBefore: w.now, NotAfter: w.now}}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseSign1("x", tl)
	if err != nil {
		t.Fatal(err)
	}
	signWith := func(prot []byte) []byte {
		d := sigStructureDigest(prot, m.payload)
		sig, err := signES256(w.root.Key, d[:])
		if err != nil {
			t.Fatal(err)
		}
		raw, err := marshal(coseSign1{Protected: prot, Unprotected: map[int]struct{}{}, Payload: m.payload, Signature: sig})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	kid := func(n int) []byte { return bytes.Repeat([]byte{'k'}, n) }
	for _, tc := range []struct {
		name string
		hdr  map[int]any
		want error
	}{
		{"kid of 1 byte", map[int]any{1: -7, 4: kid(1)}, nil},
		{"kid of 23 bytes", map[int]any{1: -7, 4: kid(23)}, nil},
		{"kid of 24 bytes", map[int]any{1: -7, 4: kid(24)}, nil},
		{"kid of 32 bytes", map[int]any{1: -7, 4: kid(32)}, nil},
		{"kid of 33 bytes", map[int]any{1: -7, 4: kid(33)}, ErrMalformed},
		{"no kid", map[int]any{1: -7}, ErrMalformed},
		{"extension label 100", map[int]any{1: -7, 4: kid(6), 100: "x"}, nil},
		{"extension label -1", map[int]any{1: -7, 4: kid(6), -1: 0}, nil},
		{"label 3 (content type)", map[int]any{1: -7, 3: 0, 4: kid(6)}, ErrMalformed},
		{"alg ES384", map[int]any{1: -35, 4: kid(6)}, ErrUnsupportedVersion},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prot, err := marshal(tc.hdr)
			if err != nil {
				t.Fatal(err)
			}
			if k, ok := tc.hdr[4].([]byte); ok && len(k) >= 24 && !bytes.Contains(prot, []byte{0x04, 0x58, byte(len(k))}) {
				t.Fatalf("kid of %d bytes not encoded 58 %02x: %x", len(k), len(k), prot)
			}
			_, err = ParseTrustList(signWith(prot), &w.root.Key.PublicKey)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
