package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/internal/permtest"
)

func runPortal(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = cmdPortal(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestPortalUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		out  string // substring of stdout (or stderr when code != 0)
	}{
		{"no subcommand", nil, exitUsage, "usage:"},
		{"unknown subcommand", []string{"run"}, exitUsage, `unknown subcommand "run"`},
		{"help", []string{"--help"}, exitOK, "exit codes: 0 ok, 1 failure, 2 usage"},
		{"serve help", []string{"serve", "--help"}, exitOK, "-publish-delay"},
		{"token help", []string{"token", "-h"}, exitOK, "-role"},
		{"serve without state", []string{"serve"}, exitUsage, "--state DIR is required"},
		{"serve bad flag", []string{"serve", "--state", dir, "--port", "1"}, exitUsage, "flag provided but not defined"},
		{"serve extra argument", []string{"serve", "--state", dir, "now"}, exitUsage, `unexpected argument "now"`},
		{"serve bad delay", []string{"serve", "--state", dir, "--publish-delay", "2h"}, exitUsage, "publish-delay"},
		{"serve bad audit sync", []string{"serve", "--state", dir, "--service-audit-sync", "2s"}, exitUsage, "service-audit-sync"},
		{"serve negative audit sync", []string{"serve", "--state", dir, "--service-audit-sync", "-1ms"}, exitUsage, "service-audit-sync"},
		{"serve all interfaces", []string{"serve", "--state", dir, "--addr", "0.0.0.0:8080"}, exitFailure, "non-loopback"},
		{"serve no agents file", []string{"serve", "--state", dir, "--addr", "127.0.0.1:0"}, exitFailure, "apcv portal token --role habilite --add"},
		{"token bad role", []string{"token", "--role", "admin"}, exitUsage, "role"},
		{"token bad id", []string{"token", "--id", "a b"}, exitUsage, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runPortal(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			where := out
			if code != exitOK {
				where = errOut
			}
			if !strings.Contains(where, tt.out) {
				t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", tt.out, out, errOut)
			}
		})
	}
}

func TestPortalToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agents.json")
	code, out, errOut := runPortal(t, "token", "--id", "h-durand", "--name", "H. Durand", "--role", "habilite", "--add", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	token, line := tokenOutput(t, out)
	var a portal.Agent
	if err := json.Unmarshal([]byte(line), &a); err != nil {
		t.Fatal(err)
	}
	if a.ID != "h-durand" || a.Role != portal.RoleHabilite || a.TokenSHA256 != portal.HashToken(token) {
		t.Errorf("agent %+v for token %q", a, token)
	}
	if code, _, _ := runPortal(t, "token", "--id", "v-martin", "--add", path); code != exitOK {
		t.Fatal("second agent")
	}
	if code, _, errOut := runPortal(t, "token", "--id", "v-martin", "--add", path); code != exitFailure || !strings.Contains(errOut, "listed twice") {
		t.Errorf("duplicate id: exit %d, %s", code, errOut)
	}
	agents, err := portal.LoadAgents(path)
	if err != nil || len(agents) != 2 || agents[0].ID != "h-durand" || agents[1].Role != portal.RoleViewer {
		t.Fatalf("agents file: %+v, %v", agents, err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), token) {
		t.Error("agents file holds the token")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != permtest.Want(0o600, false) {
		t.Errorf("agents file mode %v", st.Mode())
	}
}

func tokenOutput(t *testing.T, out string) (token, line string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "token: "); ok {
			token = v
		}
		if v, ok := strings.CutPrefix(l, "agent: "); ok {
			line = v
		}
	}
	if token == "" || line == "" {
		t.Fatalf("no token/agent line in %q", out)
	}
	return token, line
}

// syncWriter lets the test read what the command prints while it runs.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
	pw *io.PipeWriter
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	return w.pw.Write(p)
}

// TestPortalServe runs "apcv portal serve" for real on loopback, talks to
// it over HTTP, stops it with the context, and starts it again on the same
// state.
func TestPortalServe(t *testing.T) {
	dir := t.TempDir()
	agents := filepath.Join(dir, "agents.json")
	code, out, _ := runPortal(t, "token", "--id", "h-durand", "--role", "habilite", "--add", agents)
	if code != exitOK {
		t.Fatal(code)
	}
	token, _ := tokenOutput(t, out)

	for round := 1; round <= 2; round++ {
		args := []string{"serve", "--state", dir, "--addr", "127.0.0.1:0"}
		if round == 1 {
			args = append(args, "--register", "isere-solo")
		}
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		stdout := &syncWriter{pw: pw}
		var stderr bytes.Buffer
		done := make(chan int, 1)
		go func() {
			done <- cmdPortal(ctx, args, stdout, &stderr)
			pw.Close()
		}()
		url := ""
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "portal: listening on "); ok {
				url = strings.Fields(rest)[0]
				break
			}
		}
		go io.Copy(io.Discard, pr)
		if url == "" {
			cancel()
			t.Fatalf("round %d: no listening line; exit %d, stderr %s", round, <-done, stderr.String())
		}
		post := func(action, body string) int {
			req, _ := http.NewRequest("POST", url+"/v1/person/"+action, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		nir := `"nir": "288023818506636"`
		if round == 1 {
			if s := post("block", `{`+nir+`, "reason": "check"}`); s != 200 {
				t.Errorf("block: %d", s)
			}
		} else if s := post("unblock", `{`+nir+`, "reason": "agent-error"}`); s != 200 {
			t.Errorf("unblock after restart: %d (the person was not kept?)", s)
		}
		resp, err := http.Get(url + "/trust-list")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("trust list: %d", resp.StatusCode)
		}
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("round %d: exit %d: %s", round, code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop")
		}
		iss, err := issuer.Open(dir, issuer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := credential.ParseTrustList(body, iss.ListAuthority()); err != nil {
			t.Errorf("served trust list does not verify with the state's authority: %v", err)
		}
		stdout.mu.Lock()
		printed := stdout.b.String()
		stdout.mu.Unlock()
		if strings.Contains(printed, "288023818506636") || strings.Contains(stderr.String(), "288023818506636") {
			t.Error("the NIR was printed in clear")
		}
	}
	entries, torn, err := portal.ReadAuditLog(filepath.Join(dir, portal.AuditFile))
	if err != nil || torn != 0 {
		t.Fatal(err, torn)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+map[string]string{portal.PhaseIntent: "(intent)"}[e.Phase])
	}
	if got := strings.Join(actions, ","); got != "block(intent),block,trust-list,unblock(intent),unblock,trust-list" {
		t.Errorf("audit actions %s", got)
	}
}
