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

// shortQRText is the short code `apcv qr text --short --state dir` prints
// for profile (its phone's issuer kept in dir/issuer).
func shortQRText(t *testing.T, dir, profile string) string {
	t.Helper()
	code, out, errOut := runCLI(t, "qr", "text", "--profile", profile, "--short", "--state", dir)
	text := strings.TrimSpace(out)
	if code != exitOK || !credential.IsShortQR(text) {
		t.Fatalf("qr --short %s: exit %d, %q: %s", profile, code, text, errOut)
	}
	return text
}

// shortQRService issues a PS certificate and a portal agent in dir/issuer,
// starts `apcv portal serve --state dir/issuer` (stopped, and its exit
// checked, at the end of the test), and returns the function that posts
// a code to its /v2/resolve with that certificate: status, content type,
// body.
func shortQRService(t *testing.T, dir string) (resolve func(text string) (int, string, string)) {
	t.Helper()
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
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		if code, e := stop(); code != exitOK {
			t.Errorf("serve: exit %d: %s", code, e)
		}
	})
	return func(text string) (int, string, string) {
		t.Helper()
		resp, err := client.Post(url+service.PathResolve, "application/json", strings.NewReader(`{"qr":"`+text+`","groups":["AMO"]}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
	}
}

// TestQRShortResolvedByPortal runs the sequence the usage texts give: a
// short code of `apcv qr text --short --state DIR` is resolved by `apcv
// portal serve --state DIR/issuer --service-addr` (the phone's issuer is
// kept in DIR/issuer), once: the same code again is already-resolved.
func TestQRShortResolvedByPortal(t *testing.T) {
	dir := t.TempDir()
	text := shortQRText(t, dir, "isere-solo")
	resolve := shortQRService(t, dir)
	for i, want := range []struct {
		status int
		ctype  string
	}{{200, service.ContentTypeCOSE}, {409, service.ContentTypeJSON}} {
		status, ctype, body := resolve(text)
		if status != want.status || !strings.HasPrefix(ctype, want.ctype) {
			t.Errorf("resolve %d: %d %s %s, want %d %s", i, status, ctype, body, want.status, want.ctype)
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
	post := shortQRService(t, dir)
	resolve := func(name, text string, want int) {
		t.Helper()
		if status, _, body := post(text); status != want {
			t.Errorf("%s: %d %s, want %d", name, status, body, want)
		}
	}
	first := shortQRText(t, dir, "isere-solo") // the service started before any phone
	resolve("first phone", first, 200)
	other := shortQRText(t, dir, "corse-2a") // a person and a credential the service has not seen
	resolve("second phone", other, 200)
	resolve("second phone again", other, 409)
	time.Sleep(1100 * time.Millisecond) // codes carry seconds: the next draw is later
	resolve("first phone's next code", shortQRText(t, dir, "isere-solo"), 200)
	resolve("first phone's first code again", first, 409)
	third := shortQRText(t, dir, "corse-2a")
	resolve("second phone's next code", third, 200)
}
