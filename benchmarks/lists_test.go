package benchmarks_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testworld"
)

// listEntries is the size of the lists of BenchmarkLists.
const listEntries = 10000

// bigLists returns a trust list of n keys (10 distinct P-256 keys, each
// under n/10 kids, the world's issuer among them) and a revocation list of
// n credential ids (not the world's), both signed by the world's root.
func bigLists(tb testing.TB, w *testworld.World, n int) (trust, revocation []byte) {
	tb.Helper()
	keys := []*ecdsa.PublicKey{&w.Issuer.Key.PublicKey}
	for len(keys) < 10 {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		keys = append(keys, &k.PublicKey)
	}
	tl := credential.TrustList{Seq: 2, IssuedAt: w.Now.Add(-time.Hour), NextUpdate: w.Now.Add(24 * time.Hour)}
	tl.Keys = append(tl.Keys, credential.TrustedKey{Kid: w.Issuer.Kid, Issuer: "CNAM", Key: keys[0],
		NotBefore: w.Now.Add(-1000 * time.Hour), NotAfter: w.Now.Add(1000 * time.Hour)})
	for i := 1; i < n; i++ {
		tl.Keys = append(tl.Keys, credential.TrustedKey{Kid: []byte(fmt.Sprintf("caisse-%05d", i)), Issuer: "CNAM",
			Key: keys[i%len(keys)], NotBefore: w.Now.Add(-1000 * time.Hour), NotAfter: w.Now.Add(1000 * time.Hour)})
	}
	rl := credential.RevocationList{Seq: 2, IssuedAt: w.Now.Add(-time.Hour), NextUpdate: w.Now.Add(time.Hour)}
	for i := range n {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], 0xF000000000000000|uint64(i))
		rl.Revoked = append(rl.Revoked, c)
	}
	var err error
	if trust, err = credential.SignTrustList(w.Root, tl); err != nil {
		tb.Fatal(err)
	}
	if revocation, err = credential.SignRevocationList(w.Root, rl); err != nil {
		tb.Fatal(err)
	}
	return trust, revocation
}

// BenchmarkLists is the verification of a signed trust list and a signed
// revocation list of 10 000 entries each: ParseTrustList and
// ParseRevocationList (signature, CBOR, every key decompressed and checked
// on the curve), and Verifier.SetTrustList / SetRevocationList (the same
// plus the lookup maps). SetBytes is the list's size. It also verifies a QR
// text against a Verifier holding both lists (QRText-with-10k-lists): the
// lookups must not make VerifyQR slower than against small lists.
func BenchmarkLists(b *testing.B) {
	w := world(1)
	trust, revocation := bigLists(b, w, listEntries)
	root := &w.Root.Key.PublicKey
	b.Run("ParseTrustList", func(b *testing.B) {
		b.SetBytes(int64(len(trust)))
		b.ReportAllocs()
		for b.Loop() {
			tl, err := credential.ParseTrustList(trust, root)
			if err != nil || len(tl.Keys) != listEntries {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParseRevocationList", func(b *testing.B) {
		b.SetBytes(int64(len(revocation)))
		b.ReportAllocs()
		for b.Loop() {
			rl, err := credential.ParseRevocationList(revocation, root)
			if err != nil || len(rl.Revoked) != listEntries {
				b.Fatal(err)
			}
		}
	})
	b.Run("SetTrustList", func(b *testing.B) {
		v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: root})
		b.SetBytes(int64(len(trust)))
		b.ReportAllocs()
		for b.Loop() {
			if err := v.SetTrustList(trust); err != nil { // the same bytes again: accepted
				b.Fatal(err)
			}
		}
	})
	b.Run("SetRevocationList", func(b *testing.B) {
		v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: root})
		b.SetBytes(int64(len(revocation)))
		b.ReportAllocs()
		for b.Loop() {
			if err := v.SetRevocationList(revocation); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("QRText-with-10k-lists", func(b *testing.B) {
		texts, vs := bigListFeed(b, w, trust, revocation, b.N)
		b.SetBytes(int64(len(texts[0])))
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			p, err := vs[i/len(texts)].VerifyQR(texts[i%len(texts)])
			if err != nil {
				b.Fatal(err)
			}
			sinkPresentation = p
		}
	})
}

// bigListFeed is newQRFeed with Verifiers holding the 10k lists.
func bigListFeed(tb testing.TB, w *testworld.World, trust, revocation []byte, n int) ([]string, []*credential.Verifier) {
	tb.Helper()
	f := newQRFeed(tb, w, qrBatch, 0)
	vs := make([]*credential.Verifier, (n+qrBatch-1)/qrBatch)
	for i := range vs {
		now := w.Now
		vs[i] = credential.NewVerifier(credential.VerifierConfig{ListAuthority: &w.Root.Key.PublicKey,
			Now: func() time.Time { return now }})
		if err := vs[i].SetTrustList(trust); err != nil {
			tb.Fatal(err)
		}
		if err := vs[i].SetRevocationList(revocation); err != nil {
			tb.Fatal(err)
		}
	}
	return f.texts, vs
}

// TestBigLists checks the lists of BenchmarkLists: a Verifier holding them
// accepts the world's QR text, and refuses a credential the revocation
// list names.
func TestBigLists(t *testing.T) {
	w := world(1)
	trust, revocation := bigLists(t, w, 100)
	texts, vs := bigListFeed(t, w, trust, revocation, 1)
	if _, err := vs[0].VerifyQR(texts[0]); err != nil {
		t.Fatal(err)
	}
	rl, err := credential.ParseRevocationList(revocation, &w.Root.Key.PublicKey)
	if err != nil || len(rl.Revoked) != 100 {
		t.Fatalf("%d entries, %v", len(rl.Revoked), err)
	}
	// The same list naming the world's credential: refused.
	rl.Revoked[42] = w.CID
	rl.Seq++
	raw, err := credential.SignRevocationList(w.Root, *rl)
	if err != nil {
		t.Fatal(err)
	}
	if err := vs[0].SetRevocationList(raw); err != nil {
		t.Fatal(err)
	}
	if _, err := vs[0].VerifyQR(texts[1]); err == nil {
		t.Fatal("a revoked credential verified")
	}
}
