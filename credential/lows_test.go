package credential_test

import (
	"bytes"
	"crypto/elliptic"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
)

// Canonical low-S signatures (docs/PROTOCOL.md §4): an ECDSA signature
// (r, s) also verifies as (r, n−s), so anyone can turn one valid signed
// object into a second one with other bytes and no key. Every signature this
// package makes has s ≤ n/2, and every verifier refuses s > n/2.

var halfOrder = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// highS returns a copy of sig (r ‖ s) with s replaced by n − s.
func highS(sig []byte) []byte {
	n := elliptic.P256().Params().N
	s := new(big.Int).SetBytes(sig[32:])
	out := bytes.Clone(sig)
	new(big.Int).Sub(n, s).FillBytes(out[32:])
	return out
}

// malleate replaces the 64 signature bytes ending at end in b by (r, n−s).
func malleate(b []byte, end int) []byte {
	out := bytes.Clone(b)
	copy(out[end-64:end], highS(b[end-64:end]))
	return out
}

func isLowS(sig []byte) bool { return new(big.Int).SetBytes(sig[32:]).Cmp(halfOrder) <= 0 }

func qrBytes(t *testing.T, text string) []byte {
	t.Helper()
	raw, err := credential.AppendBase45Decode(nil, strings.TrimPrefix(text, credential.QRPrefix))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestSignaturesLowS: whatever the key and the message, the issuer's,
// the list authority's and the phone's signatures are low-S. About half of
// raw ECDSA signatures are high-S, so 64 of them all low by chance is 2⁻⁶⁴.
func TestSignaturesLowS(t *testing.T) {
	for i := range 16 {
		w := newWorld(t, 1)
		for _, c := range [][]byte{w.held.Credential, w.held.QRCredential, w.trustRaw, w.revRaw} {
			if sig := c[len(c)-64:]; !isLowS(sig) {
				t.Fatalf("world %d: COSE_Sign1 signature is high-S", i)
			}
		}
		for ctr := range uint32(4) {
			qr := qrBytes(t, w.qr(t, 0, ctr))
			if !isLowS(qr[len(qr)-64:]) {
				t.Fatalf("world %d counter %d: QR device signature is high-S", i, ctr)
			}
		}
		resp, err := w.held.PresentNFC(w.device, transcript(t), credential.AllGroups, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !isLowS(resp[len(resp)-64:]) {
			t.Fatalf("world %d: NFC device signature is high-S", i)
		}
	}
}

// TestHighSRefused: each signature a verifier checks, turned into its
// high-S twin, is refused — a list, a credential, a device signature.
func TestHighSRefused(t *testing.T) {
	w := newWorld(t, 1)
	la := &w.root.Key.PublicKey

	t.Run("trust list", func(t *testing.T) {
		m := malleate(w.trustRaw, len(w.trustRaw))
		if _, err := credential.ParseTrustList(m, la); !errors.Is(err, credential.ErrBadSignature) {
			t.Errorf("ParseTrustList: %v", err)
		}
		v := credential.NewVerifier(w.config())
		if err := v.SetTrustList(m); !errors.Is(err, credential.ErrBadSignature) {
			t.Errorf("SetTrustList on a new verifier: %v", err)
		}
		if err := v.SetTrustList(w.trustRaw); err != nil {
			t.Errorf("the genuine list after: %v", err)
		}
	})
	t.Run("revocation list", func(t *testing.T) {
		m := malleate(w.revRaw, len(w.revRaw))
		if _, err := credential.ParseRevocationList(m, la); !errors.Is(err, credential.ErrBadSignature) {
			t.Errorf("ParseRevocationList: %v", err)
		}
		if err := credential.NewVerifier(w.config()).SetRevocationList(m); !errors.Is(err, credential.ErrBadSignature) {
			t.Errorf("SetRevocationList: %v", err)
		}
	})

	qr := qrBytes(t, w.qr(t, 0, 1))
	cred := w.held.QRCredential
	at := bytes.Index(qr, cred)
	if at < 0 {
		t.Fatal("QR credential not found in the QR bytes")
	}
	t.Run("QR issuer signature", func(t *testing.T) {
		p, err := w.verifier(t).VerifyQR(qrText(malleate(qr, at+len(cred))))
		mustErr(t, p, err, credential.ErrBadSignature)
	})
	t.Run("QR device signature", func(t *testing.T) {
		p, err := w.verifier(t).VerifyQR(qrText(malleate(qr, len(qr))))
		mustErr(t, p, err, credential.ErrDeviceBinding)
	})

	tr := transcript(t)
	resp, err := w.held.PresentNFC(w.device, tr, credential.AllGroups, nil)
	if err != nil {
		t.Fatal(err)
	}
	at = bytes.Index(resp, w.held.Credential)
	if at < 0 {
		t.Fatal("credential not found in the DeviceResponse")
	}
	t.Run("NFC issuer signature", func(t *testing.T) {
		p, err := w.verifier(t).VerifyNFC(malleate(resp, at+len(w.held.Credential)), tr, credential.AllGroups)
		mustErr(t, p, err, credential.ErrBadSignature)
	})
	t.Run("NFC device signature", func(t *testing.T) {
		p, err := w.verifier(t).VerifyNFC(malleate(resp, len(resp)), tr, credential.AllGroups)
		mustErr(t, p, err, credential.ErrDeviceBinding)
	})
	// The untouched presentations still verify (the test is not vacuous).
	if _, err := w.verifier(t).VerifyQR(qrText(qr)); err != nil {
		t.Errorf("genuine QR: %v", err)
	}
	if _, err := w.verifier(t).VerifyNFC(resp, tr, credential.AllGroups); err != nil {
		t.Errorf("genuine NFC: %v", err)
	}
}
