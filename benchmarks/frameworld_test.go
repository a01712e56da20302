package benchmarks_test

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/benchmarks/internal/corpus"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testworld"
)

var updateFrameWorld = flag.Bool("update-frame-world", false,
	"rewrite testdata/frameworld.json from a fresh testworld (go test ./benchmarks -run TestFrameWorld -update-frame-world)")

// frameWorldFile holds the QR text the image benchmarks render and what a
// Verifier needs to accept it. The text is fixed so that the frames are the
// same bits from run to run: with a fresh testworld each run (fresh keys,
// randomized signatures) the hard frame's rescues and Reed-Solomon attempts,
// hence its allocations and time, changed from run to run (312–1082
// allocs/op).
const frameWorldFile = "testdata/frameworld.json"

// frameWorld is the decoded frameworld.json.
type frameWorld struct {
	Root       []byte // list authority's public key, PKIX DER
	TrustList  []byte
	Revocation []byte
	Text       string // a one-beneficiary presentation, counter 1
	Now        time.Time

	root *ecdsa.PublicKey
}

// loadFrameWorld reads and checks frameworld.json.
func loadFrameWorld() (*frameWorld, error) {
	b, err := os.ReadFile(frameWorldFile)
	if err != nil {
		return nil, err
	}
	var fw frameWorld
	if err := json.Unmarshal(b, &fw); err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(fw.Root)
	if err != nil {
		return nil, err
	}
	var ok bool
	if fw.root, ok = k.(*ecdsa.PublicKey); !ok {
		return nil, os.ErrInvalid
	}
	return &fw, nil
}

// Verifier returns a fresh Verifier (empty replay cache) trusting fw's lists
// at fw.Now.
func (fw *frameWorld) Verifier() *credential.Verifier {
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: fw.root, Now: func() time.Time { return fw.Now }})
	if err := v.SetTrustList(fw.TrustList); err != nil {
		panic(err)
	}
	if err := v.SetRevocationList(fw.Revocation); err != nil {
		panic(err)
	}
	return v
}

// Verifiers returns n fresh Verifiers.
func (fw *frameWorld) Verifiers(n int) []*credential.Verifier {
	out := make([]*credential.Verifier, n)
	for i := range out {
		out[i] = fw.Verifier()
	}
	return out
}

// TestFrameWorld checks that the fixed text verifies to testworld's
// one-beneficiary family; with -update-frame-world it first rewrites the
// file from a fresh world.
func TestFrameWorld(t *testing.T) {
	if *updateFrameWorld {
		w := testworld.New(1)
		texts, err := corpus.Texts(w, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		root, err := x509.MarshalPKIXPublicKey(&w.Root.Key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.MarshalIndent(frameWorld{Root: root, TrustList: w.TrustList, Revocation: w.Revocation,
			Text: texts[0], Now: w.Now}, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(frameWorldFile), append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := loadFrameWorld()
	if err != nil {
		t.Fatal(err)
	}
	p, err := fw.Verifier().VerifyQR(fw.Text)
	if err != nil {
		t.Fatal(err)
	}
	checkIdentity(t, p, testworld.Family(1))
}
