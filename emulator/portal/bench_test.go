package portal_test

import (
	"testing"
)

// BenchmarkView is one agent's view request over loopback HTTP, audit
// entry (fsync) included.
func BenchmarkView(b *testing.B) {
	w := newWorld(b)
	body := jsonBody(w.nir, "")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if a := w.do("POST", "/v1/person/view", w.viewer, body); a.status != 200 {
			b.Fatal(a.status)
		}
	}
}

// BenchmarkList is a reader's conditional revocation-list fetch answered
// 304, audited ("audited", one fsync) or not ("skip-audit").
func BenchmarkList(b *testing.B) {
	for _, skip := range []bool{false, true} {
		name := "audited"
		if skip {
			name = "skip-audit"
		}
		b.Run(name, func(b *testing.B) {
			w := newWorld(b)
			if skip {
				w.skipListAudit = true
				w.stopPortal()
				w.startPortal()
			}
			tag := w.do("GET", "/revocation-list", "", "").header.Get("ETag")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if a := w.do("GET", "/revocation-list", "", "", "If-None-Match", tag); a.status != 304 {
					b.Fatal(a.status)
				}
			}
		})
	}
}
