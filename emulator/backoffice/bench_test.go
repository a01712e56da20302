package backoffice_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/backoffice/backofficetest"
)

// BenchmarkResolve: one desk (keep-alive, mutual TLS) resolving a fresh
// short QR per iteration through the loopback service, audit included;
// compare with BenchmarkBareMTLS in the same run.
func BenchmarkResolve(b *testing.B) {
	b.Run("audit-sync-each", func(b *testing.B) { benchResolve(b) })
	b.Run("audit-sync-10ms", func(b *testing.B) { benchResolve(b, backofficetest.WithAuditSyncInterval(10*time.Millisecond)) })
}

func benchResolve(b *testing.B, opts ...backofficetest.Option) {
	iss, fc := newIssuer(b, "")
	h := activate(b, iss, "famille-6-drome")
	svc := backofficetest.Start(b, iss, opts...)
	d := psDesk(b, svc, rppsA)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fc.Advance(time.Second)
		text := h.qr(b, fc.Now())
		b.StartTimer()
		a := d.resolve(b, svc, text, allGroups)
		if a.status != 200 {
			b.Fatalf("%d %+v", a.status, a.err)
		}
	}
}

// BenchmarkBareMTLS: the same client, one bare request over mutual TLS to
// a loopback server that answers 32 bytes.
func BenchmarkBareMTLS(b *testing.B) {
	iss, _ := newIssuer(b, "")
	svc := backofficetest.Start(b, iss)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write(make([]byte, 32))
	}))
	good, err := svc.Authority.ServerCertificate()
	if err != nil {
		b.Fatal(err)
	}
	srv.TLS = svc.ClientTLS(b, rppsB).Clone()
	srv.TLS.Certificates = []tls.Certificate{good}
	srv.TLS.ClientAuth = tls.RequestClientCert
	srv.StartTLS()
	defer srv.Close()
	d := psDesk(b, svc, rppsA)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := d.c.Post(srv.URL+service.PathResolve, "application/json", strings.NewReader(`{"qr":"x"}`))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
