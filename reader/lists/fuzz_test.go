package lists_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/reader/lists"
)

var fuzzWorld = sync.OnceValue(func() *testworld.World { return testworld.New(1) })

func fuzzSeeds(f *testing.F) {
	w := fuzzWorld()
	tampered := append([]byte(nil), w.Revocation...)
	tampered[len(tampered)-3] ^= 0x40
	for _, s := range [][]byte{w.Revocation, w.TrustList, tampered, []byte("<html>"), nil, {0xd2, 0x84}} {
		f.Add(s)
	}
}

// FuzzServerAnswer: whatever the server answers, the fetcher returns either
// an error or a list that verifies, and caches only such a list.
func FuzzServerAnswer(f *testing.F) {
	fuzzSeeds(f)
	w := fuzzWorld()
	var mu sync.Mutex
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		rw.Write(body)
	}))
	defer srv.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		mu.Lock()
		body = data
		mu.Unlock()
		dir := t.TempDir()
		fe, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: srv.URL, CacheDir: dir, Authority: &w.Root.Key.PublicKey, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		got, err := fe.RevocationList(context.Background())
		if err == nil {
			if _, perr := credential.ParseRevocationList(got, &w.Root.Key.PublicKey); perr != nil {
				t.Fatalf("returned a list that does not verify: %v", perr)
			}
			return
		}
		if _, serr := os.Stat(filepath.Join(dir, "revocation-list.json")); serr == nil {
			t.Fatalf("refused list (%v) was cached", err)
		}
	})
}

// FuzzCachedList: whatever the cache file holds, the fetcher (server down)
// returns either ErrUnreachable or a list that verifies.
func FuzzCachedList(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(`{"etag":"x","list":"0oRDoQEmoQRGcm9vdC0xWQ"}`))
	w := fuzzWorld()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "revocation-list.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		fe, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: srv.URL, CacheDir: dir, Authority: &w.Root.Key.PublicKey})
		if err != nil {
			t.Fatal(err)
		}
		got, err := fe.RevocationList(context.Background())
		if err != nil {
			if !errors.Is(err, lists.ErrUnreachable) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if _, perr := credential.ParseRevocationList(got, &w.Root.Key.PublicKey); perr != nil {
			t.Fatalf("cached list that does not verify was returned: %v", perr)
		}
	})
}
