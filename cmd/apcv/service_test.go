package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/portal"
)

func TestPSCertUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--help"}, exitOK, "--out-cert"},
		{nil, exitUsage, "--state DIR is required"},
		{[]string{"--state", dir, "--rpps", "10101234567"}, exitUsage, "required"},
		{[]string{"--state", dir, "--revoke", "10101234567", "--rpps", "1"}, exitUsage, "alone"},
		{[]string{"--state", dir, "--rpps", "123", "--out-cert", filepath.Join(dir, "c"), "--out-key", filepath.Join(dir, "k")}, exitFailure, "rpps"},
	} {
		var o, e bytes.Buffer
		code := cmdPSCert(context.Background(), tc.args, &o, &e)
		if code != tc.code || !strings.Contains(o.String()+e.String(), tc.out) {
			t.Errorf("%v: exit %d\nstdout %s\nstderr %s", tc.args, code, o.String(), e.String())
		}
	}
}

// TestPortalServeService: "apcv ps-cert" issues a certificate, "apcv portal
// serve --service-addr" serves the online service with it over mutual TLS,
// the fault file changes its faults at run time, and "apcv ps-cert
// --revoke" takes effect at the next start.
func TestPortalServeService(t *testing.T) {
	dir := t.TempDir()
	agents := filepath.Join(dir, "agents.json")
	if code, _, e := runPortal(t, "token", "--id", "a", "--role", "habilite", "--add", agents); code != exitOK {
		t.Fatal(e)
	}
	certF, keyF := filepath.Join(dir, "ps.pem"), filepath.Join(dir, "ps-key.pem")
	var o, e bytes.Buffer
	if code := cmdPSCert(context.Background(), []string{"--state", dir, "--rpps", "10101234567", "--name", "Dr EXEMPLE",
		"--out-cert", certF, "--out-key", keyF}, &o, &e); code != exitOK {
		t.Fatalf("ps-cert: %s", e.String())
	}
	if st, err := os.Stat(keyF); runtime.GOOS != "windows" && (err != nil || st.Mode().Perm()&0o077 != 0) { // no Unix modes on Windows
		t.Errorf("key file: %v %v", st.Mode(), err)
	}
	faults := filepath.Join(dir, "faults")
	tr := psTransport(t, certF, keyF, filepath.Join(dir, "ps-ca.pem"))
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	rightsReq := `{"beneficiaires":[{"nir":"288023818506636","dateNaissance":"1988-02-29","rang":1}]}`

	serve := func(args ...string) (url string, stop func()) {
		url, halt := startPortalServe(t, append([]string{"--state", dir, "--service-fault-file", faults}, args...)...)
		return url, func() {
			tr.CloseIdleConnections()
			code, stderr := halt()
			if code != exitOK {
				t.Errorf("exit %d: %s", code, stderr)
			}
			if strings.Contains(stderr, "288023818506636") {
				t.Error("the NIR was logged")
			}
		}
	}
	post := func(url string) (int, service.ErrorBody, []byte) {
		resp, err := client.Post(url+service.PathRights, "application/json", strings.NewReader(rightsReq))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var eb service.ErrorBody
		if resp.StatusCode != 200 {
			json.Unmarshal(body, &eb)
		}
		return resp.StatusCode, eb, body
	}

	url, stop := serve("--register", "isere-solo")
	st, _, body := post(url)
	var ans rights.Answer
	if st != 200 || json.Unmarshal(body, &ans) != nil || len(ans.Rights) != 1 || ans.Rights[0].C2S == nil {
		t.Errorf("rights: %d %s", st, body)
	}
	if err := os.WriteFile(faults, []byte("down\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, eb, _ := post(url)
		if st == 503 && eb.Code == service.ErrServiceUnavailable.Code {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fault file not applied: %d %+v", st, eb)
		}
		time.Sleep(200 * time.Millisecond)
	}
	os.WriteFile(faults, []byte("none"), 0o600)
	stop()

	// Revoked between two runs.
	if code := cmdPSCert(context.Background(), []string{"--state", dir, "--revoke", "10101234567"}, &o, &e); code != exitOK {
		t.Fatalf("revoke: %s", e.String())
	}
	url, stop = serve()
	if st, eb, _ := post(url); st != 403 || eb.Code != service.ErrPSRevoked.Code {
		t.Errorf("revoked professional: %d %+v", st, eb)
	}
	stop()

	entries, _, err := portal.ReadAuditLog(filepath.Join(dir, portal.AuditFile))
	if err != nil {
		t.Fatal(err)
	}
	var results []string
	for _, e := range entries {
		if e.Action == "service"+service.PathRights {
			results = append(results, e.Agent+":"+e.Result)
		}
	}
	if len(results) < 3 || results[0] != "ps:10101234567:ok" || results[len(results)-1] != "ps:10101234567:ps-revoked" {
		t.Errorf("audit: %v", results)
	}
}

// startPortalServe runs `apcv portal serve --addr 127.0.0.1:0
// --service-addr 127.0.0.1:0 ARGS…` in process until stop, which returns
// its exit code and standard error; url is the online service's.
func startPortalServe(t *testing.T, args ...string) (url string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stdout := &syncWriter{pw: pw}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cmdPortal(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--service-addr", "127.0.0.1:0"}, args...), stdout, &stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "service: listening on "); ok {
			url = strings.Fields(rest)[0]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		cancel()
		t.Fatalf("no service line; exit %d: %s", <-done, stderr.String())
	}
	return url, func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, stderr.String()
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop")
			return 0, ""
		}
	}
}

// psTransport is an HTTP transport that authenticates with the PS
// certificate in certF/keyF and pins the roots in caFile (ps-ca.pem).
func psTransport(t *testing.T, certF, keyF, caFile string) *http.Transport {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(certF, keyF)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	return &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots}}
}
