package psauth_test

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/psauth"
)

var drX = psauth.PS{RPPS: "10101234567", Name: "Dr Claire EXEMPLE", Profession: "Médecin"}

func chainOf(t *testing.T, a *psauth.Authority, ps psauth.PS) []*x509.Certificate {
	t.Helper()
	c, err := a.IssuePSCert(ps)
	if err != nil {
		t.Fatal(err)
	}
	return []*x509.Certificate{c.Leaf}
}

func TestIssueAndCheck(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC))
	a, err := psauth.New(psauth.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	chain := chainOf(t, a, drX)
	ps, err := a.Check(chain)
	if err != nil || ps != drX {
		t.Fatalf("Check = %+v, %v", ps, err)
	}
	other, _ := psauth.New(psauth.Options{Clock: clk})
	for _, tc := range []struct {
		name  string
		chain []*x509.Certificate
		want  error
	}{
		{"none", nil, service.ErrPSCertRefused},
		{"other authority", chainOf(t, other, drX), service.ErrPSCertRefused},
	} {
		if _, err := a.Check(tc.chain); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A server certificate is not a client one.
	srv, err := a.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Check([]*x509.Certificate{srv.Leaf}); !errors.Is(err, service.ErrPSCertRefused) {
		t.Errorf("server certificate as a client's: %v", err)
	}
	if _, err := srv.Leaf.Verify(x509.VerifyOptions{Roots: a.Roots(), DNSName: "127.0.0.1", CurrentTime: clk.Now()}); err != nil {
		t.Errorf("server certificate for 127.0.0.1: %v", err)
	}
	if _, err := srv.Leaf.Verify(x509.VerifyOptions{Roots: a.Roots(), DNSName: "localhost", CurrentTime: clk.Now()}); err != nil {
		t.Errorf("server certificate for localhost: %v", err)
	}
	clk.Advance(psauth.PSValidity + time.Hour)
	if _, err := a.Check(chain); !errors.Is(err, service.ErrPSCertRefused) {
		t.Errorf("expired: err = %v", err)
	}
}

func TestRevoke(t *testing.T) {
	a, _ := psauth.New(psauth.Options{})
	c1, c2 := chainOf(t, a, drX), chainOf(t, a, drX)
	if err := a.RevokeSerial(c1[0].SerialNumber); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Check(c1); !errors.Is(err, service.ErrPSRevoked) {
		t.Errorf("revoked serial: %v", err)
	}
	if _, err := a.Check(c2); err != nil {
		t.Errorf("the other certificate: %v", err)
	}
	if err := a.RevokeRPPS(drX.RPPS); err != nil {
		t.Fatal(err)
	}
	if ps, err := a.Check(c2); !errors.Is(err, service.ErrPSRevoked) || ps.RPPS != drX.RPPS {
		t.Errorf("revoked RPPS: %+v, %v", ps, err)
	}
	if _, _, err := a.IssuePS(drX); !errors.Is(err, service.ErrPSRevoked) {
		t.Errorf("issue to a revoked RPPS: %v", err)
	}
	if err := a.RevokeSerial(c1[0].SerialNumber.SetInt64(999)); !errors.Is(err, psauth.ErrUnknownSerial) {
		t.Errorf("unknown serial: %v", err)
	}
	for _, bad := range []string{"", "1010123456", "1010123456A", "101012345678"} {
		if _, _, err := a.IssuePS(psauth.PS{RPPS: bad}); !errors.Is(err, credential.ErrInvalidField) {
			t.Errorf("RPPS %q: %v", bad, err)
		}
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	a, err := psauth.Open(dir, psauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c1 := chainOf(t, a, drX)
	other := psauth.PS{RPPS: "10107654321", Name: "Pharmacie EXEMPLE", Profession: "Pharmacien"}
	c2 := chainOf(t, a, other)
	if err := a.RevokeRPPS(other.RPPS); err != nil {
		t.Fatal(err)
	}
	b, err := psauth.Open(dir, psauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !b.CA().Equal(a.CA()) {
		t.Fatal("CA changed across Open")
	}
	if _, err := b.Check(c1); err != nil {
		t.Errorf("after reopen: %v", err)
	}
	if _, err := b.Check(c2); !errors.Is(err, service.ErrPSRevoked) {
		t.Errorf("revocation lost across reopen: %v", err)
	}
	c3 := chainOf(t, b, drX)
	if c3[0].SerialNumber.Cmp(c2[0].SerialNumber) <= 0 {
		t.Errorf("serial %v reused after reopen (last %v)", c3[0].SerialNumber, c2[0].SerialNumber)
	}
	pemCA, err := os.ReadFile(filepath.Join(dir, psauth.CAFile))
	if err != nil || string(pemCA) != string(a.CAPEM()) {
		t.Errorf("%s: %v", psauth.CAFile, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "ps-ca-key.pem")); runtime.GOOS != "windows" && (err != nil || st.Mode().Perm() != 0o600) { // no Unix modes on Windows
		t.Errorf("CA key file: %v %v", st.Mode(), err)
	}
	os.WriteFile(filepath.Join(dir, "psauth.json"), []byte("{"), 0o600)
	if _, err := psauth.Open(dir, psauth.Options{}); !errors.Is(err, psauth.ErrBadState) {
		t.Errorf("damaged state: %v", err)
	}
}

// TestRevocationSeenByAnotherProcess: a service running on a state dir
// sees a revocation made by "apcv ps-cert --revoke" (another Authority on
// the same directory) within ReloadInterval, and keeps it when it saves.
func TestRevocationSeenByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	running, err := psauth.Open(dir, psauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	chain := chainOf(t, running, drX)
	if _, err := running.Check(chain); err != nil {
		t.Fatal(err)
	}
	cli, err := psauth.Open(dir, psauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokeRPPS(drX.RPPS); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * psauth.ReloadInterval)
	for {
		_, err := running.Check(chain)
		if errors.Is(err, service.ErrPSRevoked) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revocation not seen: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The running authority saves (a server certificate): the revocation stays.
	if _, err := running.ServerCertificate(); err != nil {
		t.Fatal(err)
	}
	again, err := psauth.Open(dir, psauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Check(chain); !errors.Is(err, service.ErrPSRevoked) {
		t.Errorf("revocation lost by a save of the running authority: %v", err)
	}
}
