package reader_test

import (
	"context"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/field"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
	listfetch "github.com/apcvkit/apcvkit/reader/lists"
)

// listPortal serves the two lists with ETags and If-None-Match, as the
// emulator's portal does; poison, when set, makes the next trust-list answer
// carry the genuine ETag with a body of the attacker's making (an on-path
// rewrite that needs no key).
type listPortal struct {
	mu     sync.Mutex
	trust  []byte
	revo   []byte
	poison func([]byte) []byte
}

func (p *listPortal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	body := p.revo
	if r.URL.Path == listfetch.TrustListPath {
		body = p.trust
	}
	sum := sha256.Sum256(body)
	tag := `"` + hex.EncodeToString(sum[:8]) + `"`
	if r.URL.Path == listfetch.TrustListPath && p.poison != nil {
		body, p.poison = p.poison(body), nil
	} else if r.Header.Get("If-None-Match") == tag {
		p.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	p.mu.Unlock()
	w.Header().Set("ETag", tag)
	w.Write(body)
}

// highS turns a COSE_Sign1's signature (r, s) into (r, n−s).
func highS(list []byte) []byte {
	out := append([]byte(nil), list...)
	s := new(big.Int).SetBytes(out[len(out)-32:])
	new(big.Int).Sub(elliptic.P256().Params().N, s).FillBytes(out[len(out)-32:])
	return out
}

// TestPoisonedTrustListAnswer: one intercepted trust-list answer must not
// stop revocation. The genuine lists are served; one trust-list answer is
// rewritten on the way (high-S twin, then same seq with other bytes); the
// phone is then revoked. The next refresh must install the revocation list
// whatever became of the trust list, and the refresh after must be clean.
func TestPoisonedTrustListAnswer(t *testing.T) {
	w := testworld.New(1)
	twin, err := credential.SignTrustList(w.Root, credential.TrustList{Seq: 1, IssuedAt: w.Now.Add(-2 * time.Hour),
		NextUpdate: w.Now.Add(24 * time.Hour), Keys: []credential.TrustedKey{{Kid: w.Issuer.Kid, Issuer: "CNAM",
			Key: &w.Issuer.Key.PublicKey, NotBefore: w.Now.Add(-time.Hour), NotAfter: w.Now}}}) // seq 1 like the genuine list
	if err != nil {
		t.Fatal(err)
	}
	for name, poison := range map[string]func([]byte) []byte{
		"high-S twin":             highS,
		"same seq, other content": func([]byte) []byte { return twin },
	} {
		t.Run(name, func(t *testing.T) {
			p := &listPortal{trust: w.TrustList, revo: w.Revocation}
			srv := httptest.NewServer(p)
			defer srv.Close()
			f, err := listfetch.NewFetcher(listfetch.FetcherConfig{BaseURL: srv.URL, CacheDir: t.TempDir(),
				Authority: &w.Root.Key.PublicKey, Now: func() time.Time { return w.Now }})
			if err != nil {
				t.Fatal(err)
			}
			scans := make(chanScan)
			r, err := reader.Open(context.Background(), reader.Config{Enabled: true, ListAuthority: &w.Root.Key.PublicKey,
				Lists: f, Now: func() time.Time { return w.Now }, QR: []qrscan.Source{scans}})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			qr := func(ctr uint32) error {
				text, err := w.Held.PresentQR(w.Device, w.Now, ctr)
				if err != nil {
					t.Fatal(err)
				}
				return scans.read(t, r, text)
			}
			if err := qr(1); err != nil {
				t.Fatalf("before: %v", err)
			}

			rev, err := credential.SignRevocationList(w.Root, credential.RevocationList{Seq: 2, IssuedAt: w.Now,
				NextUpdate: w.Now.Add(time.Hour), Revoked: [][8]byte{w.CID}})
			if err != nil {
				t.Fatal(err)
			}
			p.mu.Lock()
			p.poison, p.revo = poison, rev
			p.mu.Unlock()

			err = r.RefreshLists(context.Background())
			if !errors.Is(err, credential.ErrBadSignature) && !errors.Is(err, credential.ErrRollback) {
				t.Errorf("refresh with the poisoned answer: %v", err)
			}
			if err := qr(2); !errors.Is(err, credential.ErrRevoked) {
				t.Errorf("revoked phone after the poisoned refresh: %v", err)
			}
			if err := r.RefreshLists(context.Background()); err != nil {
				t.Errorf("next refresh (genuine answers): %v", err)
			}
			if tl, _ := r.Lists(); tl == nil || !tl.IssuedAt.Equal(w.Now.Add(-time.Hour)) {
				t.Errorf("trust list in use: %+v", tl)
			}
			if err := qr(3); !errors.Is(err, credential.ErrRevoked) {
				t.Errorf("revoked phone after a clean refresh: %v", err)
			}
		})
	}
}

// TestRevocationRefreshIndependent: a trust list that cannot be had does not
// hold back the revocation list.
func TestRevocationRefreshIndependent(t *testing.T) {
	w := testworld.New(1)
	src := &flakyLists{StaticLists: lists(w)}
	r, err := reader.Open(context.Background(), reader.Config{Enabled: true, ListAuthority: &w.Root.Key.PublicKey,
		Lists: src, Now: func() time.Time { return w.Now }, NFC: []nfc.Source{field.New("desk")}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	src.Revocation, err = credential.SignRevocationList(w.Root, credential.RevocationList{Seq: 2, IssuedAt: w.Now,
		NextUpdate: w.Now.Add(time.Hour), Revoked: [][8]byte{w.CID}})
	if err != nil {
		t.Fatal(err)
	}
	src.trustErr = errors.New("trust list server down")
	if err := r.RefreshLists(context.Background()); !errors.Is(err, src.trustErr) {
		t.Errorf("refresh: %v", err)
	}
	if _, rl := r.Lists(); rl == nil || rl.Seq != 2 {
		t.Fatalf("revocation list in use: %+v", rl)
	}
}

type flakyLists struct {
	reader.StaticLists
	trustErr error
}

func (f *flakyLists) TrustList(ctx context.Context) ([]byte, error) {
	if f.trustErr != nil {
		return nil, f.trustErr
	}
	return f.StaticLists.TrustList(ctx)
}

// chanScan is a QR source that delivers the texts sent on it, so that a
// test reads each one through the facade (policy, lists, verifier).
type chanScan chan string

func (c chanScan) Name() string { return "test-scanner" }

func (c chanScan) Next(ctx context.Context) (qrscan.Scan, error) {
	select {
	case text := <-c:
		return qrscan.Scan{Text: text, Source: c.Name(), At: time.Now()}, nil
	case <-ctx.Done():
		return qrscan.Scan{}, ctx.Err()
	}
}

func (c chanScan) Close() error { return nil }

// read scans text and returns what the reader made of it (scanRead).
func (c chanScan) read(t *testing.T, r *reader.Reader, text string) error {
	t.Helper()
	_, err := scanRead(t, r, c, text)
	return err
}
