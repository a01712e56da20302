// The PC/SC benchmark replays a recorded session byte for byte, which needs
// the phone's and the reader's randomness to be reproducible: since Go 1.26
// the crypto packages ignore a caller's io.Reader unless this is set. It
// changes nothing for the benchmarks that pass no reader (crypto/rand).

//go:debug cryptocustomrand=1

package benchmarks_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/apcvkit/apcvkit/apdu/apdutest"
	"github.com/apcvkit/apcvkit/benchmarks/internal/corpus"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testworld"
)

// Package-level sinks keep the compiler from dropping results.
var (
	sinkPresentation *credential.Presentation
	sinkBytes        []byte
	sinkBool         bool
)

// Worlds are expensive (keys, issuance); one per family size per binary.
var (
	worldsMu sync.Mutex
	worlds   = map[int]*testworld.World{}
)

func world(n int) *testworld.World {
	worldsMu.Lock()
	defer worldsMu.Unlock()
	w, ok := worlds[n]
	if !ok {
		w = testworld.New(n)
		worlds[n] = w
	}
	return w
}

// qrBatch is the number of QR texts verified against one Verifier.
const qrBatch = 512

// qrFeed hands out (Verifier, text) pairs that all verify: texts with
// counters 1..len(texts) against one Verifier, then the next Verifier.
type qrFeed struct {
	texts []string
	vs    []*credential.Verifier
}

// newQRFeed prepares n verifications of w's QR texts, batch texts per
// Verifier. Call it before the timer starts.
func newQRFeed(tb testing.TB, w *testworld.World, batch, n int) *qrFeed {
	tb.Helper()
	texts, err := corpus.Texts(w, 1, batch)
	if err != nil {
		tb.Fatal(err)
	}
	return &qrFeed{texts: texts, vs: corpus.Verifiers(w, (n+batch-1)/batch)}
}

// at returns the pair of the i-th verification.
func (f *qrFeed) at(i int) (*credential.Verifier, string) {
	return f.vs[i/len(f.texts)], f.texts[i%len(f.texts)]
}

// detRand is a reproducible randomness source: each Read of two bytes or
// more takes the next bytes of a ChaCha8 stream from a fixed seed. A one-byte
// Read returns 0 and does not advance the stream: the crypto packages read
// one byte or none at random from a caller's reader (randutil.MaybeReadByte)
// precisely to defeat such reproducibility, which the replay needs.
type detRand struct {
	seed [32]byte
	mu   sync.Mutex // Reset runs in the benchmark, Read in the phone's goroutine
	c    *rand.ChaCha8
}

func newDetRand(seed byte) *detRand {
	r := &detRand{}
	r.seed[0] = seed
	r.Reset()
	return r
}

// Reset restarts the stream from the seed.
func (r *detRand) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.c = rand.NewChaCha8(r.seed)
}

func (r *detRand) Read(p []byte) (int, error) {
	if len(p) == 1 {
		p[0] = 0
		return 1, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c.Read(p)
}

// exchangedBytes returns the bytes the recorded exchanges carried, both ways.
func exchangedBytes(r *apdutest.Record) int64 {
	var n int64
	for _, e := range r.Exchanges {
		n += int64(len(e.Command) + len(e.Response))
	}
	return n
}
