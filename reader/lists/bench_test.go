package lists_test

import (
	"context"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/reader/lists"
)

var sink []byte

// BenchmarkFetch measures one refresh over loopback: "304" when the list is
// unchanged (the common case), "200" when a new list is downloaded,
// verified and written to the cache.
func BenchmarkFetch(b *testing.B) {
	w := testworld.New(1)
	for _, tc := range []struct {
		name  string
		fresh bool
	}{{"304", false}, {"200", true}} {
		b.Run(tc.name, func(b *testing.B) {
			srv := newListServer(b, w.TrustList, w.Revocation)
			f, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: srv.URL, CacheDir: b.TempDir(), Authority: &w.Root.Key.PublicKey})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if _, err := f.RevocationList(ctx); err != nil {
				b.Fatal(err)
			}
			var lists [2][]byte
			lists[0], lists[1] = w.Revocation, w.Revocation
			if tc.fresh {
				lists[0] = revList(b, w, 1, w.Now.Add(-time.Second))
				lists[1] = revList(b, w, 1, w.Now.Add(-2*time.Second))
			}
			b.SetBytes(int64(len(w.Revocation)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				srv.set(nil, lists[i%2])
				if sink, err = f.RevocationList(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
