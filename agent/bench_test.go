package agent

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkHandlerRead is the agent's own cost on a read, without the
// network: POST /v1/read through ServeHTTP (token, body, JSON) against
// the desk session's Read of the same kind of presentation (a QR code of
// the emulated phone already presented), interleaved. x-session is the
// ratio of the medians; the loopback round trip comes on top
// (benchmarks.BenchmarkAgentRead).
func BenchmarkHandlerRead(b *testing.B) {
	ctx := context.Background()
	a, err := New(ctx, Config{Emulate: &Emulate{Profile: "isere-solo", Mode: "qr", Presented: 2 * b.N}}, Options{Token: NewToken()})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	s := a.Session()
	hs := make([]time.Duration, 0, b.N)
	ss := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		id, err := s.Read(ctx)
		if err != nil {
			b.Fatal(err)
		}
		_ = id.JSON(false)
		t1 := time.Now()
		req := httptest.NewRequest("POST", "http://127.0.0.1:7723/v1/read", strings.NewReader(`{"timeout_ms":10000}`))
		req.Header.Set("Authorization", "Bearer "+a.opts.Token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		t2 := time.Now()
		ss = append(ss, t1.Sub(t0))
		hs = append(hs, t2.Sub(t1))
	}
	b.StopTimer()
	mS, mH := median(ss), median(hs)
	b.ReportMetric(float64(mH)/float64(mS), "x-session")
	b.ReportMetric(float64(mH-mS)/1e3, "handler-µs-median")
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}
