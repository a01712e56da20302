package credential

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
	"time"
)

// A resolution signed by a trusted key but without the AMO group, or with
// no groups at all, is refused with ErrGroupMissing: IssueResolution cannot
// make one, so the payload is built here.
func TestVerifyResolutionAMOMissing(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	root, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dev, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tl, err := SignTrustList(IssuerKey{Kid: []byte("root"), Key: root}, TrustList{Seq: 1, IssuedAt: now.Add(-time.Hour),
		NextUpdate: now.Add(time.Hour), Keys: []TrustedKey{{Kid: []byte("k"), Issuer: "CNAM", Key: &iss.PublicKey,
			NotBefore: now.Add(-1e4 * time.Hour), NotAfter: now.Add(1e4 * time.Hour)}}})
	if err != nil {
		t.Fatal(err)
	}
	rl, _ := SignRevocationList(IssuerKey{Kid: []byte("root"), Key: root}, RevocationList{Seq: 1, IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)})
	cid := [8]byte{9, 9, 9, 9, 9, 9, 9, 9}
	d := deviceAuthShortQR(cid, uint32(now.Unix()))
	sig, _ := signES256(dev, d[:])
	q := ShortQR{CID: cid, Time: now}
	copy(q.Signature[:], sig)
	text := q.String()
	th := sha256.Sum256([]byte(text))
	ps := sha256.Sum256([]byte("ps"))
	for _, g := range []any{nil, map[int]any{}} {
		w := map[int]any{1: ResolutionVersion, 2: "CNAM", 3: cid[:], 4: uint64(now.Unix()),
			5: uint64(now.Add(time.Hour).Unix()), 6: th[:], 7: ps[:], 9: uint64(now.Add(-time.Hour).Unix())}
		if g != nil {
			w[8] = g
		}
		payload, err := marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		ans, err := sign1(iss, []byte("k"), payload)
		if err != nil {
			t.Fatal(err)
		}
		v := NewVerifier(VerifierConfig{ListAuthority: &root.PublicKey, Now: func() time.Time { return now }})
		if err := v.SetTrustList(tl); err != nil {
			t.Fatal(err)
		}
		if err := v.SetRevocationList(rl); err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifyResolution(text, ans, ps, []Group{GroupAMO}); !errors.Is(err, ErrGroupMissing) {
			t.Fatalf("groups %v: %v, want group-missing", g, err)
		}
	}
}
