package lists_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/permtest"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/reader/lists"
)

// listServer is a real HTTP server on loopback serving whatever bytes the
// test sets, with an ETag of their hash and If-None-Match support.
type listServer struct {
	*httptest.Server
	mu          sync.Mutex
	trust, revo []byte
	status      int           // non-zero: answer this status instead
	delay       time.Duration // before answering
	requests    atomic.Int32
	conditional atomic.Int32 // requests carrying If-None-Match
	notModified atomic.Int32
}

func newListServer(t testing.TB, trust, revo []byte) *listServer {
	s := &listServer{trust: trust, revo: revo}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`
}

func (s *listServer) set(trust, revo []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if trust != nil {
		s.trust = trust
	}
	if revo != nil {
		s.revo = revo
	}
}

func (s *listServer) setStatus(code int) {
	s.mu.Lock()
	s.status = code
	s.mu.Unlock()
}

func (s *listServer) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	body, status, delay := s.revo, s.status, s.delay
	if r.URL.Path == lists.TrustListPath {
		body = s.trust
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	inm := r.Header.Get("If-None-Match")
	if inm != "" {
		s.conditional.Add(1)
	}
	if status != 0 {
		http.Error(w, "down", status)
		return
	}
	tag := etag(body)
	w.Header().Set("ETag", tag)
	if inm != "" {
		if inm == tag {
			s.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/cose")
	w.Write(body)
}

func revList(t testing.TB, w *testworld.World, seq uint64, issued time.Time, revoked ...[8]byte) []byte {
	t.Helper()
	raw, err := credential.SignRevocationList(w.Root, credential.RevocationList{Seq: seq, IssuedAt: issued,
		NextUpdate: issued.Add(time.Hour), Revoked: revoked})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// highS returns the list with its signature (r, s) replaced by (r, n−s): a
// twin that verifies under plain ECDSA, made with no key.
func highS(list []byte) []byte {
	n := elliptic.P256().Params().N
	out := append([]byte(nil), list...)
	s := new(big.Int).SetBytes(out[len(out)-32:])
	new(big.Int).Sub(n, s).FillBytes(out[len(out)-32:])
	return out
}

func newFetcher(t *testing.T, w *testworld.World, url, dir string) *lists.Fetcher {
	t.Helper()
	f, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: url, CacheDir: dir, Authority: &w.Root.Key.PublicKey,
		Timeout: 2 * time.Second, Now: func() time.Time { return w.Now }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func otherKey(t testing.TB) credential.IssuerKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return credential.IssuerKey{Kid: []byte("root-1"), Key: k}
}

// TestFetchRules runs, after a good list (seq 5) is held, each kind of
// answer the server may give, and checks what the fetcher returns and keeps.
func TestFetchRules(t *testing.T) {
	w := testworld.New(1)
	good := revList(t, w, 5, w.Now.Add(-time.Minute))
	newer := revList(t, w, 6, w.Now, w.CID)
	same := revList(t, w, 5, w.Now.Add(-time.Minute), w.CID) // same seq, other bytes
	older := revList(t, w, 4, w.Now.Add(-2*time.Minute), w.CID)
	tampered := append([]byte(nil), newer...)
	tampered[len(tampered)/2] ^= 0x01
	forged, err := credential.SignRevocationList(otherKey(t), credential.RevocationList{Seq: 9, IssuedAt: w.Now, NextUpdate: w.Now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		body    []byte
		status  int
		wantErr error  // nil: success
		want    []byte // returned on success
		keep    []byte // held afterwards
	}{
		{"unchanged (304)", good, 0, nil, good, good},
		{"newer", newer, 0, nil, newer, newer},
		{"same seq, other bytes", same, 0, credential.ErrRollback, nil, good},
		{"high-S twin of the held list", highS(good), 0, credential.ErrBadSignature, nil, good},
		{"rollback", older, 0, credential.ErrRollback, nil, good},
		{"tampered", tampered, 0, credential.ErrBadSignature, nil, good},
		{"signed by another key", forged, 0, credential.ErrBadSignature, nil, good},
		{"trust list served as revocation list", w.TrustList, 0, credential.ErrMalformed, nil, good},
		{"garbage", []byte("<html>hello</html>"), 0, credential.ErrMalformed, nil, good},
		{"empty", []byte{}, 0, credential.ErrMalformed, nil, good},
		{"too large", make([]byte, credential.MaxList+1), 0, credential.ErrTooLarge, nil, good},
		{"server error 500 (cached)", good, 500, nil, good, good},
		{"server 404 (cached)", good, 404, nil, good, good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newListServer(t, w.TrustList, good)
			dir := t.TempDir()
			f := newFetcher(t, w, srv.URL, dir)
			if got, err := f.RevocationList(context.Background()); err != nil || string(got) != string(good) {
				t.Fatalf("first fetch: %v", err)
			}
			srv.set(nil, tt.body)
			srv.setStatus(tt.status)
			got, err := f.RevocationList(context.Background())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Fatalf("got %d bytes, %v; want %v", len(got), err, tt.wantErr)
				}
			} else if err != nil || string(got) != string(tt.want) {
				t.Fatalf("got %d bytes, %v", len(got), err)
			}
			if srv.conditional.Load() != 1 {
				t.Errorf("%d conditional requests, want 1", srv.conditional.Load())
			}
			if tt.name == "unchanged (304)" && srv.notModified.Load() != 1 {
				t.Error("no 304 answered")
			}
			// What is held: the server goes down and the fetcher answers
			// from memory; a new fetcher answers from the disk cache.
			srv.setStatus(503)
			for _, ff := range []*lists.Fetcher{f, newFetcher(t, w, srv.URL, dir)} {
				held, err := ff.RevocationList(context.Background())
				if err != nil || string(held) != string(tt.keep) {
					t.Errorf("held %d bytes, %v; want the %d-byte list", len(held), err, len(tt.keep))
				}
			}
			if st := f.RevocationStatus(); st.LastError == nil {
				t.Error("status has no error while the server is down")
			}
		})
	}
}

func TestUnreachableWithoutCache(t *testing.T) {
	w := testworld.New(1)
	srv := newListServer(t, w.TrustList, w.Revocation)
	url := srv.URL
	srv.Close()
	f := newFetcher(t, w, url, t.TempDir())
	if _, err := f.TrustList(context.Background()); !errors.Is(err, lists.ErrUnreachable) {
		t.Errorf("trust list: %v", err)
	}
	if _, err := f.RevocationList(context.Background()); !errors.Is(err, lists.ErrUnreachable) {
		t.Errorf("revocation list: %v", err)
	}
}

func TestContextAndTimeout(t *testing.T) {
	w := testworld.New(1)
	srv := newListServer(t, w.TrustList, w.Revocation)
	f, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: srv.URL, Authority: &w.Root.Key.PublicKey, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.TrustList(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	srv.delay = 5 * time.Second
	srv.mu.Unlock()
	// The fetcher's own timeout: the server is too slow, the held list is used.
	t0 := time.Now()
	if got, err := f.TrustList(context.Background()); err != nil || string(got) != string(w.TrustList) {
		t.Errorf("slow server: %d bytes, %v", len(got), err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}
	// The caller's context: its error, not the cached list.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if got, err := f.TrustList(ctx); !errors.Is(err, context.DeadlineExceeded) || got != nil {
		t.Errorf("deadline: %d bytes, %v", len(got), err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := f.RevocationList(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestDamagedCache: a cache file tampered with on disk is never used.
func TestDamagedCache(t *testing.T) {
	w := testworld.New(1)
	srv := newListServer(t, w.TrustList, w.Revocation)
	dir := t.TempDir()
	f := newFetcher(t, w, srv.URL, dir)
	if _, err := f.RevocationList(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "revocation-list.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := credential.SignRevocationList(otherKey(t), credential.RevocationList{Seq: 99, IssuedAt: w.Now, NextUpdate: w.Now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"forged": []byte(`{"etag":"x","list":"` + base64.StdEncoding.EncodeToString(forged) + `"}`),
		"torn":   data[:len(data)/2],
		"empty":  nil,
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			srv.setStatus(503)
			if got, err := newFetcher(t, w, srv.URL, dir).RevocationList(context.Background()); !errors.Is(err, lists.ErrUnreachable) {
				t.Errorf("damaged cache used: %d bytes, %v", len(got), err)
			}
			// Server back: the good list replaces the damaged cache, and a
			// high forged Seq does not block it as a "rollback".
			srv.setStatus(0)
			if got, err := newFetcher(t, w, srv.URL, dir).RevocationList(context.Background()); err != nil || string(got) != string(w.Revocation) {
				t.Errorf("after repair: %v", err)
			}
		})
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != permtest.Want(0o600, false) {
		t.Errorf("cache file mode %v, %v", st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestVerifierWithFetcher: the Verifier fed by the fetcher refuses a
// rolled-back list and, with the server gone, goes stale after the grace.
func TestVerifierWithFetcher(t *testing.T) {
	w := testworld.New(1)
	now := w.Now
	clk := func() time.Time { return now }
	srv := newListServer(t, w.TrustList, revList(t, w, 3, now))
	f := newFetcher(t, w, srv.URL, t.TempDir())
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: &w.Root.Key.PublicKey, Now: clk, RevocationGrace: 2 * time.Hour})
	refresh := func() error {
		tl, err := f.TrustList(context.Background())
		if err != nil {
			return err
		}
		if err := v.SetTrustList(tl); err != nil {
			return err
		}
		rl, err := f.RevocationList(context.Background())
		if err != nil {
			return err
		}
		return v.SetRevocationList(rl)
	}
	verify := func(ctr uint32) error {
		qr, err := w.Held.PresentQR(w.Device, now, ctr)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.VerifyQR(qr)
		return err
	}
	if err := refresh(); err != nil {
		t.Fatal(err)
	}
	if err := verify(1); err != nil {
		t.Fatalf("fresh lists: %v", err)
	}
	// The credential is revoked at seq 4; the server then serves seq 2,
	// without it: the rollback is refused and the revocation holds.
	srv.set(nil, revList(t, w, 4, now, w.CID))
	if err := refresh(); err != nil {
		t.Fatal(err)
	}
	if err := verify(2); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("revoked: %v", err)
	}
	srv.set(nil, revList(t, w, 2, now))
	if err := refresh(); !errors.Is(err, credential.ErrRollback) {
		t.Fatalf("rollback: %v", err)
	}
	if err := verify(3); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("after refused rollback: %v", err)
	}
	// Unrevoked at seq 5; then the server goes away.
	srv.set(nil, revList(t, w, 5, now))
	if err := refresh(); err != nil {
		t.Fatal(err)
	}
	srv.setStatus(502)
	now = now.Add(time.Hour + 2*time.Hour) // exactly next update + grace
	if err := refresh(); err != nil {
		t.Fatalf("offline refresh: %v", err)
	}
	if err := verify(4); err != nil {
		t.Fatalf("offline within grace: %v", err)
	}
	now = now.Add(time.Second)
	if err := refresh(); err != nil {
		t.Fatalf("offline refresh: %v", err)
	}
	if err := verify(5); !errors.Is(err, credential.ErrRevocationListStale) {
		t.Fatalf("offline beyond grace: %v", err)
	}
}

func TestNewFetcherConfig(t *testing.T) {
	w := testworld.New(1)
	for _, cfg := range []lists.FetcherConfig{
		{BaseURL: "http://127.0.0.1:1"},
		{BaseURL: "ftp://x", Authority: &w.Root.Key.PublicKey},
		{BaseURL: "", Authority: &w.Root.Key.PublicKey},
	} {
		if _, err := lists.NewFetcher(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
