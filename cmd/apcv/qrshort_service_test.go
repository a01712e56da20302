package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/service"
)

// TestQRShortResolvedByPortal runs the sequence the usage texts give: a
// short code of `apcv qr text --short --state DIR` is resolved by `apcv
// portal serve --state DIR/issuer --service-addr` (the phone's issuer is
// kept in DIR/issuer), once: the same code again is already-resolved.
func TestQRShortResolvedByPortal(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "qr", "text", "--profile", "isere-solo", "--short", "--state", dir)
	text := strings.TrimSpace(out)
	if code != exitOK || !credential.IsShortQR(text) {
		t.Fatalf("qr --short: exit %d, %q: %s", code, text, errOut)
	}
	issDir := filepath.Join(dir, "issuer")
	certF, keyF := filepath.Join(dir, "ps.pem"), filepath.Join(dir, "ps-key.pem")
	if code, _, e := runCLI(t, "ps-cert", "--state", issDir, "--rpps", "10101234567", "--out-cert", certF, "--out-key", keyF); code != exitOK {
		t.Fatalf("ps-cert: %s", e)
	}
	if code, _, e := runPortal(t, "token", "--id", "a", "--role", "habilite", "--add", filepath.Join(issDir, "agents.json")); code != exitOK {
		t.Fatal(e)
	}
	tr := psTransport(t, certF, keyF, filepath.Join(issDir, "ps-ca.pem"))
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	url, stop := startPortalServe(t, "--state", issDir)
	defer func() {
		tr.CloseIdleConnections()
		if code, e := stop(); code != exitOK {
			t.Errorf("serve: exit %d: %s", code, e)
		}
	}()
	for i, want := range []struct {
		status int
		ctype  string
	}{{200, service.ContentTypeCOSE}, {409, service.ContentTypeJSON}} {
		resp, err := client.Post(url+service.PathResolve, "application/json", strings.NewReader(`{"qr":"`+text+`","groups":["AMO"]}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), want.ctype) {
			t.Errorf("resolve %d: %d %s %s, want %d %s", i, resp.StatusCode, resp.Header.Get("Content-Type"), body, want.status, want.ctype)
		}
	}
}

// TestQRShortWhilePortalServes is the sequence that lost credentials when
// the service saved the state it held in memory: with `apcv portal serve`
// running on DIR/issuer (started before any phone), `apcv qr --state DIR`
// activates phones and draws codes; the service resolves each, once, and its saves keep what
// the other process added (the first phone's next code still resolves).
func TestQRShortWhilePortalServes(t *testing.T) {
	dir := t.TempDir()
	qr := func(profile string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "qr", "text", "--profile", profile, "--short", "--state", dir)
		text := strings.TrimSpace(out)
		if code != exitOK || !credential.IsShortQR(text) {
			t.Fatalf("qr --short %s: exit %d, %q: %s", profile, code, text, errOut)
		}
		return text
	}
	issDir := filepath.Join(dir, "issuer")
	certF, keyF := filepath.Join(dir, "ps.pem"), filepath.Join(dir, "ps-key.pem")
	if code, _, e := runCLI(t, "ps-cert", "--state", issDir, "--rpps", "10101234567", "--out-cert", certF, "--out-key", keyF); code != exitOK {
		t.Fatalf("ps-cert: %s", e)
	}
	if code, _, e := runPortal(t, "token", "--id", "a", "--role", "habilite", "--add", filepath.Join(issDir, "agents.json")); code != exitOK {
		t.Fatal(e)
	}
	tr := psTransport(t, certF, keyF, filepath.Join(issDir, "ps-ca.pem"))
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	url, stop := startPortalServe(t, "--state", issDir)
	defer func() {
		tr.CloseIdleConnections()
		if code, e := stop(); code != exitOK {
			t.Errorf("serve: exit %d: %s", code, e)
		}
	}()
	resolve := func(name, text string, want int) {
		t.Helper()
		resp, err := client.Post(url+service.PathResolve, "application/json", strings.NewReader(`{"qr":"`+text+`","groups":["AMO"]}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d %s, want %d", name, resp.StatusCode, body, want)
		}
	}
	first := qr("isere-solo") // the service started before any phone
	resolve("first phone", first, 200)
	other := qr("corse-2a") // a person and a credential the service has not seen
	resolve("second phone", other, 200)
	resolve("second phone again", other, 409)
	time.Sleep(1100 * time.Millisecond) // codes carry seconds: the next draw is later
	resolve("first phone's next code", qr("isere-solo"), 200)
	resolve("first phone's first code again", first, 409)
	third := qr("corse-2a")
	resolve("second phone's next code", third, 200)
}
