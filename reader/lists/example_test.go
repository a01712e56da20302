package lists_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/reader/lists"
)

// A reader keeps its lists fresh from the list server, and keeps working
// from its cache when the server is down.
func Example() {
	w := testworld.New(1) // a list authority, an issued phone and signed lists
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(rw, "maintenance", http.StatusServiceUnavailable)
			return
		}
		rw.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			rw.WriteHeader(http.StatusNotModified)
			return
		}
		if r.URL.Path == lists.TrustListPath {
			rw.Write(w.TrustList)
		} else {
			rw.Write(w.Revocation)
		}
	}))
	defer srv.Close()
	cache, _ := os.MkdirTemp("", "lists-example")
	defer os.RemoveAll(cache)

	f, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: srv.URL, CacheDir: cache,
		Authority: &w.Root.Key.PublicKey, Timeout: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: &w.Root.Key.PublicKey,
		Now: func() time.Time { return w.Now }})
	ctx := context.Background()
	refresh := func() {
		tl, err := f.TrustList(ctx)
		if err == nil {
			err = v.SetTrustList(tl)
		}
		rl, err2 := f.RevocationList(ctx)
		if err2 == nil {
			err2 = v.SetRevocationList(rl)
		}
		fmt.Println("refresh:", errors.Join(err, err2), "- revocation list seq", f.RevocationStatus().Seq)
	}
	refresh()
	refresh() // 304: nothing downloaded
	down.Store(true)
	refresh() // the cached lists are used
	fmt.Println("server error seen:", f.RevocationStatus().LastError != nil)

	qr, _ := w.Held.PresentQR(w.Device, w.Now, 1)
	_, err = v.VerifyQR(qr)
	fmt.Println("verify:", err)
	// Output:
	// refresh: <nil> - revocation list seq 1
	// refresh: <nil> - revocation list seq 1
	// refresh: <nil> - revocation list seq 1
	// server error seen: true
	// verify: <nil>
}
