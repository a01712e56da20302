package benchmarks_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/apcvkit/apcvkit/agent"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
)

// presentedReader is the Go side of the agent's benchmarks: a reader.Reader
// over a QR source holding n texts already presented by an emulated phone
// of this profile. The cleanup closes it.
func presentedReader(b *testing.B, profile string, n int) *reader.Reader {
	b.Helper()
	w, err := emulator.New(emulator.Options{Profile: profile})
	if err != nil {
		b.Fatal(err)
	}
	src := &textSource{}
	for range n {
		text, err := w.Phone.PresentQR()
		if err != nil {
			b.Fatal(err)
		}
		src.texts = append(src.texts, text)
	}
	r, err := reader.Open(context.Background(), reader.Config{Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w,
		QR: []qrscan.Source{src}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// serveAgent serves a on a loopback port until the benchmark ends (the
// cleanup stops it and waits for Serve) and returns the port's address.
func serveAgent(b *testing.B, a *agent.Agent) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln, nil) }()
	b.Cleanup(func() { stop(); <-served })
	return ln.Addr().String()
}

// serveHTTP serves h with net/http's server on a loopback port until the
// benchmark ends and returns the URL of /v1/read there.
func serveHTTP(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/v1/read"
}
