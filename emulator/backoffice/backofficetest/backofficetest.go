package backofficetest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
)

// Service is a running online service.
type Service struct {
	URL       string         // "https://127.0.0.1:port"
	Roots     *x509.CertPool // the PS authority's CA: what a reader pins for the server certificate
	Authority *psauth.Authority
	Handler   *backoffice.Handler
	Server    *backoffice.Server
	AuditPath string // the audit log (ReadAudit)

	t     testing.TB
	audit *portal.AuditLog
}

type config struct {
	clock      clock.Clock
	logger     *slog.Logger
	auditEvery time.Duration
}

// Option configures Start.
type Option func(*config)

// WithClock gives the PS authority (certificate validity) and the audit
// log this clock; the issuer keeps its own.
func WithClock(c clock.Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithLogger gives the service's handler this logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(cfg *config) { cfg.logger = l } }

// WithAuditSyncInterval syncs the audit log at most every d instead of
// after each entry (backoffice.Config.AuditSyncInterval): for benchmarks and
// load tests, where an fsync per request would measure the disk.
func WithAuditSyncInterval(d time.Duration) Option { return func(cfg *config) { cfg.auditEvery = d } }

// Start serves iss (an *issuer.Issuer, or any backend: a wrapper that
// counts or fails calls) on a free loopback port until the test ends.
// Failures to start are fatal to the test.
func Start(t testing.TB, iss backoffice.Backend, opts ...Option) *Service {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	auth, err := psauth.New(psauth.Options{Clock: cfg.clock})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), portal.AuditFile)
	audit, err := portal.OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := backoffice.New(backoffice.Config{Backend: iss, Authority: auth, Audit: audit, Clock: cfg.clock, Logger: cfg.logger,
		AuditSyncInterval: cfg.auditEvery})
	if err != nil {
		audit.Close()
		t.Fatal(err)
	}
	srv := backoffice.NewServer(h, backoffice.ServerConfig{})
	if err := srv.Start(); err != nil {
		h.Close()
		audit.Close()
		t.Fatal(err)
	}
	s := &Service{URL: srv.URL, Roots: auth.Roots(), Authority: auth, Handler: h, Server: srv, AuditPath: path, t: t, audit: audit}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and waits for its goroutines; it is idempotent
// and registered with t.Cleanup.
func (s *Service) Close() {
	if err := s.Server.Close(); err != nil {
		s.t.Errorf("backofficetest: close: %v", err)
	}
	s.Handler.Close()
	s.audit.Close()
}

// PSCert issues a client certificate for the professional with this RPPS
// (11 digits) from the service's authority.
func (s *Service) PSCert(t testing.TB, rpps string) tls.Certificate {
	t.Helper()
	c, err := s.Authority.IssuePSCert(psauth.PS{RPPS: rpps, Name: "PS " + rpps, Profession: "Médecin"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ClientTLS returns a client TLS configuration for the professional with
// this RPPS that pins the service's roots.
func (s *Service) ClientTLS(t testing.TB, rpps string) *tls.Config {
	t.Helper()
	return &tls.Config{Certificates: []tls.Certificate{s.PSCert(t, rpps)}, RootCAs: s.Roots, MinVersion: tls.VersionTLS12}
}

// Revoke revokes the professional with this RPPS at the authority: their
// certificates are refused from now on (ps-revoked).
func (s *Service) Revoke(rpps string) {
	if err := s.Authority.RevokeRPPS(rpps); err != nil {
		s.t.Errorf("backofficetest: revoke %s: %v", rpps, err)
	}
}

// SetFault injects faults from now on (backoffice.Fault{}: none).
func (s *Service) SetFault(f backoffice.Fault) {
	if err := s.Handler.SetFault(f); err != nil {
		s.t.Errorf("backofficetest: %v", err)
	}
}

// ReadAudit returns the audit log's entries so far.
func (s *Service) ReadAudit(t testing.TB) []portal.AuditEntry {
	t.Helper()
	es, torn, err := portal.ReadAuditLog(s.AuditPath)
	if err != nil || torn != 0 {
		t.Fatal(fmt.Errorf("backofficetest: audit log: %v (%d torn lines)", err, torn))
	}
	return es
}
