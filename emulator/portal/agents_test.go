package portal_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/portal"
)

var hashA = portal.HashToken("apcvp_a")
var hashB = portal.HashToken("apcvp_b")

var agentRows = []struct {
	name string
	data string
	ok   bool
}{
	{"two agents", `{"agents":[{"id":"a","name":"A","role":"viewer","token_sha256":"` + hashA + `"},{"id":"b.c-d_e","name":"B","role":"habilite","token_sha256":"` + hashB + `"}]}`, true},
	{"none", `{"agents":[]}`, true},
	{"empty object", `{}`, true},
	{"plain token field", `{"agents":[{"id":"a","role":"viewer","token":"apcvp_a","token_sha256":"` + hashA + `"}]}`, false},
	{"unknown role", `{"agents":[{"id":"a","role":"admin","token_sha256":"` + hashA + `"}]}`, false},
	{"no role", `{"agents":[{"id":"a","token_sha256":"` + hashA + `"}]}`, false},
	{"upper-case hash", `{"agents":[{"id":"a","role":"viewer","token_sha256":"` + strings.ToUpper(hashA) + `"}]}`, false},
	{"short hash", `{"agents":[{"id":"a","role":"viewer","token_sha256":"` + hashA[:62] + `"}]}`, false},
	{"duplicate id", `{"agents":[{"id":"a","role":"viewer","token_sha256":"` + hashA + `"},{"id":"a","role":"viewer","token_sha256":"` + hashB + `"}]}`, false},
	{"shared token", `{"agents":[{"id":"a","role":"viewer","token_sha256":"` + hashA + `"},{"id":"b","role":"habilite","token_sha256":"` + hashA + `"}]}`, false},
	{"empty id", `{"agents":[{"id":"","role":"viewer","token_sha256":"` + hashA + `"}]}`, false},
	{"id with space", `{"agents":[{"id":"a b","role":"viewer","token_sha256":"` + hashA + `"}]}`, false},
	{"id too long", `{"agents":[{"id":"` + strings.Repeat("a", 65) + `","role":"viewer","token_sha256":"` + hashA + `"}]}`, false},
	{"trailing data", `{"agents":[]} {}`, false},
	{"not JSON", `agents: []`, false},
	{"empty", ``, false},
}

func TestParseAgents(t *testing.T) {
	for _, tt := range agentRows {
		t.Run(tt.name, func(t *testing.T) {
			as, err := portal.ParseAgents([]byte(tt.data))
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, portal.ErrBadAgents) {
				t.Errorf("%v does not wrap ErrBadAgents", err)
			}
			if err == nil {
				out, err := portal.MarshalAgents(as)
				if err != nil {
					t.Fatal(err)
				}
				back, err := portal.ParseAgents(out)
				if err != nil || len(back) != len(as) {
					t.Errorf("round trip: %v", err)
				}
			}
		})
	}
	big := []byte(`{"agents":[` + strings.Repeat(" ", portal.MaxAgentsFile) + `]}`)
	if _, err := portal.ParseAgents(big); !errors.Is(err, portal.ErrBadAgents) {
		t.Errorf("oversized file: %v", err)
	}
}

func FuzzParseAgents(f *testing.F) {
	for _, r := range agentRows {
		f.Add([]byte(r.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := portal.ParseAgents(data)
		if err != nil {
			if !errors.Is(err, portal.ErrBadAgents) {
				t.Fatalf("error %v does not wrap ErrBadAgents", err)
			}
			return
		}
		// Whatever parsed is usable by the handler as is.
		ids := map[string]bool{}
		for _, a := range as {
			if ids[a.ID] || (a.Role != portal.RoleViewer && a.Role != portal.RoleHabilite) || len(a.TokenSHA256) != 64 {
				t.Fatalf("accepted bad agent %+v", a)
			}
			ids[a.ID] = true
		}
	})
}

func TestNewToken(t *testing.T) {
	tok, hash, err := portal.NewToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	tok2, _, _ := portal.NewToken(nil)
	if !strings.HasPrefix(tok, portal.TokenPrefix) || len(tok) != len(portal.TokenPrefix)+43 || tok == tok2 {
		t.Errorf("tokens %q %q", tok, tok2)
	}
	if hash != portal.HashToken(tok) || len(hash) != 64 || strings.Contains(hash, tok) {
		t.Errorf("hash %q", hash)
	}
	// Deterministic with a given source; a failing source is an error.
	a, _, _ := portal.NewToken(bytes.NewReader(make([]byte, 32)))
	if a != portal.TokenPrefix+strings.Repeat("A", 43) {
		t.Errorf("zero token %q", a)
	}
	if _, _, err := portal.NewToken(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Error("short randomness accepted")
	}
}

func TestLoadAgents(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "agents.json")
	if _, err := portal.LoadAgents(path); err == nil {
		t.Error("missing file accepted")
	}
	if err := os.WriteFile(path, []byte(agentRows[0].data), 0o600); err != nil {
		t.Fatal(err)
	}
	as, err := portal.LoadAgents(path)
	if err != nil || len(as) != 2 || as[1].Role != portal.RoleHabilite {
		t.Errorf("%+v %v", as, err)
	}
}
