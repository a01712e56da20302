package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// startAgent runs "apcv agent serve" with args in-process and returns its
// URL (from the first stdout line) and a stop func that waits for its exit
// code.
func startAgent(t *testing.T, args ...string) (url string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stdout := &syncWriter{pw: pw}
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cmdAgent(ctx, append([]string{"serve"}, args...), stdout, &stderr)
		pw.Close()
	}()
	first, err := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	if err != nil {
		cancel()
		t.Fatalf("no first line (%v); exit %d, stderr %s", err, <-done, stderr.String())
	}
	m := regexp.MustCompile(`^apcv agent listening on (https?://127\.0\.0\.1:[0-9]+)\n$`).FindStringSubmatch(first)
	if m == nil {
		cancel()
		t.Fatalf("first line %q", first)
	}
	return m[1], func() int {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Logf("stderr: %s", stderr.String())
			}
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("apcv agent serve did not stop")
		}
		return -1
	}
}

// TestAgentServe: serve prints its URL first; pair prints the token it
// uses; a read with the token gives the identity; it stops cleanly.
func TestAgentServe(t *testing.T) {
	tokFile := filepath.Join(t.TempDir(), "conf", "agent-token")
	url, stop := startAgent(t, "--emulate", "isere-solo", "--addr", "127.0.0.1:0", "--token-file", tokFile)
	code, out, errOut := runCLI(t, "agent", "pair", "--token-file", tokFile)
	if code != exitOK {
		t.Fatalf("pair: exit %d: %s", code, errOut)
	}
	tok := strings.TrimSpace(out)
	if len(tok) != 43 || strings.Contains(out[:len(out)-1], "\n") {
		t.Fatalf("pair printed %q, want one 43-character line", out)
	}
	get := func(method, path, token string) (int, []byte) {
		req, _ := http.NewRequest(method, url+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if s, b := get("GET", "/v1/health", ""); s != 200 || !strings.Contains(string(b), `"status":"ok"`) {
		t.Fatalf("health: %d %s", s, b)
	}
	if s, _ := get("POST", "/v1/read", "wrong"); s != 401 {
		t.Fatalf("read with a wrong token: %d", s)
	}
	s, b := get("POST", "/v1/read", tok)
	var id struct {
		Mode          string
		Beneficiaires []struct{ NomFamille string }
	}
	if err := json.Unmarshal(b, &id); s != 200 || err != nil || id.Mode != "NFC" || len(id.Beneficiaires) == 0 || id.Beneficiaires[0].NomFamille != "DURAND" {
		t.Fatalf("read: %d %s", s, b)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

func TestAgentUsage(t *testing.T) {
	dir := t.TempDir()
	badConf := filepath.Join(dir, "bad.json")
	os.WriteFile(badConf, []byte(`{"emulate":{"profile":"isere-solo"},"colour":"blue"}`), 0o600)
	openTok := filepath.Join(dir, "open-token")
	os.WriteFile(openTok, []byte("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"), 0o644)
	os.Chmod(openTok, 0o644)
	tok := filepath.Join(dir, "tok")
	for _, tc := range []struct {
		name string
		args []string
		want int
		msg  string // in stderr
	}{
		{"no subcommand", []string{"agent"}, exitUsage, "usage"},
		{"unknown subcommand", []string{"agent", "run"}, exitUsage, "unknown subcommand"},
		{"no reading configuration", []string{"agent", "serve", "--token-file", tok}, exitUsage, "--config FILE"},
		{"config and flags", []string{"agent", "serve", "--config", badConf, "--lists", dir, "--token-file", tok}, exitUsage, "excludes"},
		{"all interfaces", []string{"agent", "serve", "--emulate", "isere-solo", "--addr", ":7723", "--token-file", tok}, exitUsage, "remote-needs-tls"},
		{"remote without TLS", []string{"agent", "serve", "--emulate", "isere-solo", "--addr", "192.0.2.1:7723", "--allow-remote", "--token-file", tok}, exitUsage, "remote-needs-tls"},
		{"TLS cert without key", []string{"agent", "serve", "--emulate", "isere-solo", "--tls-cert", badConf, "--token-file", tok}, exitUsage, "go together"},
		{"unknown config field", []string{"agent", "serve", "--config", badConf, "--token-file", tok}, exitUsage, "bad-config"},
		{"token file readable by others", []string{"agent", "serve", "--emulate", "isere-solo", "--addr", "127.0.0.1:0", "--token-file", openTok}, exitFailure, "bad-token-file"},
		{"pair, token file readable by others", []string{"agent", "pair", "--token-file", openTok}, exitFailure, "bad-token-file"},
		{"status with arguments", []string{"agent", "status", "now"}, exitUsage, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.msg == "bad-token-file" && runtime.GOOS == "windows" {
				// No Unix mode bits: the token file's protection on Windows is
				// the user profile's ACL (agent.LoadToken checks the mode elsewhere).
				t.Skip("file modes do not exist on Windows")
			}
			code, _, errOut := runCLI(t, tc.args...)
			if code != tc.want || !strings.Contains(errOut, tc.msg) {
				t.Fatalf("exit %d (want %d), stderr:\n%s", code, tc.want, errOut)
			}
		})
	}
}

// TestAgentInstallArgs: install hands the service the serve flags with
// absolute paths and the token file named (created now).
func TestAgentInstallArgs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir("lists", 0o700)
	args, err := installArgs([]string{"--lists", "lists", "--pcsc", "any", "--origin", "https://a.example", "--origin", "https://b.example",
		"--token-file", "tok"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(args, " ")
	for _, want := range []string{"--lists=" + filepath.Join(dir, "lists"), "--token-file=" + filepath.Join(dir, "tok"),
		"--origin=https://a.example", "--origin=https://b.example", "--pcsc=any"} {
		if !strings.Contains(got, want) {
			t.Errorf("service arguments %q lack %q", got, want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "tok")); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("token file: %v %v", fi, err) // Windows: no Unix modes, only its existence
	}
	f := newServeFlags("check", io.Discard)
	if !f.parse(args) {
		t.Errorf("the service's arguments do not parse: %q", args)
	}
}

// TestAgentServeTLS: with a certificate the agent serves HTTPS; with
// --allow-remote too it answers any Host name (on loopback here).
func TestAgentServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	url, stop := startAgent(t, "--emulate", "isere-solo", "--addr", "127.0.0.1:0", "--token-file", filepath.Join(dir, "tok"),
		"--allow-remote", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %s, want https", url)
	}
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer cl.CloseIdleConnections()
	req, _ := http.NewRequest("GET", url+"/v1/health", nil)
	req.Host = "desk.example"
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("health over TLS with another Host: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "apcv agent test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"desk.example"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
