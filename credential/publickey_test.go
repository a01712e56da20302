package credential_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
)

// TestPublicKeyForms: the SEC 1 forms round-trip, agree with crypto/elliptic's
// compressed encoding, and anything that is not a P-256 point is refused.
func TestPublicKeyForms(t *testing.T) {
	for i := range 8 { // both parities of y, with high probability
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		u := credential.MarshalPublicKey(&k.PublicKey)
		c := credential.CompressPublicKey(&k.PublicKey)
		if len(u) != 65 || u[0] != 4 {
			t.Fatalf("key %d: uncompressed form % x", i, u)
		}
		x, y := elliptic.Unmarshal(elliptic.P256(), u) //lint:ignore SA1019 an independent reference for the test
		if want := elliptic.MarshalCompressed(elliptic.P256(), x, y); !bytes.Equal(c, want) {
			t.Fatalf("key %d: compressed % x, want % x", i, c, want)
		}
		for name, form := range map[string][]byte{"compressed": c, "uncompressed": u} {
			got, err := credential.ParsePublicKey(form)
			if err != nil {
				t.Fatalf("key %d %s: %v", i, name, err)
			}
			if !got.Equal(&k.PublicKey) {
				t.Fatalf("key %d %s: parsed another key", i, name)
			}
		}
	}

	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u := credential.MarshalPublicKey(&k.PublicKey)
	offCurve := bytes.Clone(u)
	offCurve[64] ^= 1
	badPrefix := bytes.Clone(u)
	badPrefix[0] = 6 // a hybrid form
	noX := make([]byte, 33)
	noX[0] = 2
	for x := range 256 { // find an x with no point above it
		noX[32] = byte(x)
		if px, _ := elliptic.UnmarshalCompressed(elliptic.P256(), noX); px == nil {
			break
		}
	}
	infinity := make([]byte, 65)
	infinity[0] = 4
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, b := range map[string][]byte{
		"empty":              nil,
		"one byte":           {0},
		"off the curve":      offCurve,
		"hybrid prefix":      badPrefix,
		"compressed, no y":   noX,
		"compressed, prefix": append([]byte{4}, u[1:33]...),
		"infinity":           infinity,
		"64 bytes":           u[1:],
	} {
		if _, err := credential.ParsePublicKey(b); !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	if got := credential.MarshalPublicKey(&p384.PublicKey); got != nil {
		t.Errorf("MarshalPublicKey(P-384 key) = % x, want nil", got)
	}
}
