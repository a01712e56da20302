package portal_test

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/internal/permtest"
)

// TestRoleActionMatrix runs every role against every action on a fresh
// world and checks the answer, the effect on the issuer, and the audit line.
func TestRoleActionMatrix(t *testing.T) {
	type who int
	const (
		nobody who = iota
		stranger
		viewer
		habilite
	)
	names := map[who]string{nobody: "no-token", stranger: "unknown-token", viewer: "viewer", habilite: "habilite"}
	actions := []string{"view", "revoke-app", "block", "unblock"}
	want := map[who]map[string]int{
		nobody:   {"view": 401, "revoke-app": 401, "block": 401, "unblock": 401},
		stranger: {"view": 401, "revoke-app": 401, "block": 401, "unblock": 401},
		viewer:   {"view": 200, "revoke-app": 403, "block": 403, "unblock": 403},
		habilite: {"view": 200, "revoke-app": 200, "block": 200, "unblock": 200},
	}
	for _, wh := range []who{nobody, stranger, viewer, habilite} {
		for _, act := range actions {
			t.Run(names[wh]+"/"+act, func(t *testing.T) {
				w := newWorld(t)
				if act == "unblock" { // something to unblock
					if err := w.iss.Block(w.nir); err != nil {
						t.Fatal(err)
					}
				}
				before, err := w.iss.PersonView(w.nir)
				if err != nil {
					t.Fatal(err)
				}
				tok := map[who]string{stranger: "apcvp_not-a-token", viewer: w.viewer, habilite: w.habilite}[wh]
				a := w.do("POST", "/v1/person/"+act, tok, jsonBody(w.nir, "user-request"))
				if a.status != want[wh][act] {
					t.Fatalf("status %d, want %d (%s)", a.status, want[wh][act], a.body)
				}
				after, err := w.iss.PersonView(w.nir)
				if err != nil {
					t.Fatal(err)
				}
				e := w.lastAudit()
				wantAgent := map[who]string{nobody: portal.Anonymous, stranger: portal.Anonymous, viewer: "v-martin", habilite: "h-durand"}[wh]
				if e.Agent != wantAgent || e.Action != act || e.Status != a.status {
					t.Errorf("audit %+v, want agent %s action %s status %d", e, wantAgent, act, a.status)
				}
				if a.status != 200 {
					if after != before {
						t.Errorf("refused request changed the person: %+v -> %+v", before, after)
					}
					if e.Result == "ok" {
						t.Errorf("refused request audited as ok: %+v", e)
					}
					if a.status == 401 && a.header.Get("WWW-Authenticate") == "" {
						t.Error("401 without WWW-Authenticate")
					}
					a.errCode(t)
					if wh == viewer && e.NIR != w.nir.Masked() {
						t.Errorf("refused attempt audited with NIR %q, want masked %q", e.NIR, w.nir.Masked())
					}
					return
				}
				if e.Result != "ok" || e.NIR != w.nir.Masked() {
					t.Errorf("audit %+v", e)
				}
				p := a.person(t)
				if p.NIR != w.nir.Masked() {
					t.Errorf("answer NIR %q is not the masked form", p.NIR)
				}
				switch act {
				case "view":
					if p.AppState != "active" || p.Phone.Model != "Google Pixel 7" || p.Phone.OS != "android" || p.Phone.Version == "" ||
						!p.Eligible || p.ActivationState != string(issuer.ActivationCompleted) || p.CredentialID == "" {
						t.Errorf("view %+v", p)
					}
				case "revoke-app":
					if after.AppState != issuer.AppRevoked || p.AppState != "revoked" || after.Blocked {
						t.Errorf("after revoke: %+v / %+v", after, p)
					}
				case "block":
					if !after.Blocked || after.AppState != issuer.AppRevoked || !p.Blocked {
						t.Errorf("after block: %+v", after)
					}
				case "unblock":
					if after.Blocked || p.Blocked {
						t.Errorf("after unblock: %+v", after)
					}
				}
				if e.Reason != "user-request" {
					t.Errorf("audit reason %q", e.Reason)
				}
				if act != "view" {
					if p.InListsBy == nil || p.InListsBy.Before(start.Add(w.delay)) {
						t.Errorf("in_lists_by %v, want >= %v", p.InListsBy, start.Add(w.delay))
					}
				}
			})
		}
	}
}

func TestErrorAnswers(t *testing.T) {
	w := newWorld(t)
	unknown := credential.NIR("1790692012345")
	k, _ := credential.ComputeKey(string(unknown))
	unknown = credential.NIR(string(unknown) + string(rune('0'+k/10)) + string(rune('0'+k%10)))
	if err := unknown.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, token, body string
		hdr                             []string
		status                          int
		code                            string
	}{
		{"no token", "POST", "/v1/person/view", "", jsonBody(w.nir, ""), nil, 401, "unauthenticated"},
		{"wrong token", "POST", "/v1/person/view", "apcvp_x", jsonBody(w.nir, ""), nil, 401, "unauthenticated"},
		{"hash as token", "POST", "/v1/person/view", w.agents[0].TokenSHA256, jsonBody(w.nir, ""), nil, 401, "unauthenticated"},
		{"basic auth", "POST", "/v1/person/view", "", jsonBody(w.nir, ""), []string{"Authorization", "Basic dTpw"}, 401, "unauthenticated"},
		{"empty bearer", "POST", "/v1/person/view", "", jsonBody(w.nir, ""), []string{"Authorization", "Bearer "}, 401, "unauthenticated"},
		{"viewer revokes", "POST", "/v1/person/revoke-app", w.viewer, jsonBody(w.nir, "x"), nil, 403, "forbidden"},
		{"GET view", "GET", "/v1/person/view", w.viewer, "", nil, 405, "method-not-allowed"},
		{"PUT block", "PUT", "/v1/person/block", w.habilite, jsonBody(w.nir, "x"), nil, 405, "method-not-allowed"},
		{"POST trust list", "POST", "/trust-list", "", "{}", nil, 405, "method-not-allowed"},
		{"DELETE revocation list", "DELETE", "/revocation-list", "", "", nil, 405, "method-not-allowed"},
		{"unknown endpoint", "GET", "/v1/persons", w.viewer, "", nil, 404, "not-found"},
		{"NIR in URL", "GET", "/v1/person/view/" + string(w.nir), w.viewer, "", nil, 404, "not-found"},
		{"unknown person", "POST", "/v1/person/view", w.viewer, jsonBody(unknown, ""), nil, 404, "unknown-person"},
		{"unknown person block", "POST", "/v1/person/block", w.habilite, jsonBody(unknown, "fraud-suspected"), nil, 404, "unknown-person"},
		{"bad NIR key", "POST", "/v1/person/view", w.viewer, jsonBody(w.nir[:13]+"00", ""), nil, 400, "bad-nir"},
		{"short NIR", "POST", "/v1/person/view", w.viewer, `{"nir":"2880238"}`, nil, 400, "bad-nir"},
		{"no NIR", "POST", "/v1/person/view", w.viewer, `{}`, nil, 400, "bad-nir"},
		{"not JSON", "POST", "/v1/person/view", w.viewer, `nir=2880238185066`, nil, 400, "bad-body"},
		{"JSON array", "POST", "/v1/person/view", w.viewer, `["x"]`, nil, 400, "bad-body"},
		{"unknown field", "POST", "/v1/person/view", w.viewer, `{"nir":"` + string(w.nir) + `","name":"DURAND"}`, nil, 400, "bad-body"},
		{"two objects", "POST", "/v1/person/view", w.viewer, `{"nir":"` + string(w.nir) + `"}{}`, nil, 400, "bad-body"},
		{"empty body", "POST", "/v1/person/view", w.viewer, "", nil, 400, "bad-body"},
		{"form content type", "POST", "/v1/person/view", w.viewer, jsonBody(w.nir, ""), []string{"Content-Type", "application/x-www-form-urlencoded"}, 400, "bad-body"},
		{"no reason", "POST", "/v1/person/block", w.habilite, jsonBody(w.nir, ""), nil, 400, "reason-required"},
		{"blank reason", "POST", "/v1/person/unblock", w.habilite, jsonBody(w.nir, " \t\n "), nil, 400, "reason-required"},
		{"free-text reason", "POST", "/v1/person/revoke-app", w.habilite, jsonBody(w.nir, "perte du téléphone"), nil, 400, "bad-reason"},
		{"note too long", "POST", "/v1/person/revoke-app", w.habilite, `{"nir":"` + string(w.nir) + `","reason":"other","note":"` + strings.Repeat("é", portal.MaxReason+1) + `"}`, nil, 400, "bad-reason"},
		{"too large", "POST", "/v1/person/view", w.viewer, `{"nir":"` + strings.Repeat("1", portal.DefaultMaxBody) + `"}`, nil, 413, "body-too-large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(w.audit())
			a := w.do(tt.method, tt.path, tt.token, tt.body, tt.hdr...)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			if code := a.errCode(t); code != tt.code {
				t.Errorf("code %q, want %q", code, tt.code)
			}
			if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.status == 401 && a.header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate")
			}
			if tt.status == 405 && a.header.Get("Allow") == "" {
				t.Error("no Allow")
			}
			es := w.audit()
			if len(es) != n+1 {
				t.Fatalf("%d audit entries added, want 1", len(es)-n)
			}
			if e := es[n]; e.Status != tt.status || e.Result != tt.code {
				t.Errorf("audit %+v", e)
			}
		})
	}
	// The note boundary: exactly MaxReason characters is accepted.
	if a := w.do("POST", "/v1/person/block", w.habilite, `{"nir":"`+string(w.nir)+`","reason":"other","note":"`+strings.Repeat("é", portal.MaxReason)+`"}`); a.status != 200 {
		t.Errorf("reason of MaxReason characters: %d %s", a.status, a.body)
	}
	// Revoking when no app is active is a conflict (the block revoked it).
	if a := w.do("POST", "/v1/person/revoke-app", w.habilite, jsonBody(w.nir, "device-lost")); a.status != 409 || a.errCode(t) != "no-active-app" {
		t.Errorf("revoke with no active app: %d %s", a.status, a.body)
	}
}

// TestAuditLog checks that refused attempts are recorded, that no full NIR,
// token or name reaches the file, and that the log survives a restart.
func TestAuditLog(t *testing.T) {
	w := newWorld(t)
	w.do("POST", "/v1/person/block", w.viewer, jsonBody(w.nir, "check")) // 403
	w.do("POST", "/v1/person/view", "", jsonBody(w.nir, ""))             // 401
	w.do("POST", "/v1/person/view", w.viewer, jsonBody(w.nir, ""))       // 200
	w.do("POST", "/v1/person/revoke-app", w.habilite, jsonBody(w.nir, "device-stolen"))
	path := w.h.AuditLog().Path()
	w.restart()
	if w.h.AuditLog().Path() != path {
		t.Fatalf("audit path moved: %s", w.h.AuditLog().Path())
	}
	w.fc.Advance(time.Hour)
	w.do("POST", "/v1/person/view", w.habilite, jsonBody(w.nir, ""))
	es := w.audit()
	want := []struct {
		agent, action string
		status        int
		result        string
	}{
		{"v-martin", "block", 403, "forbidden"},
		{portal.Anonymous, "view", 401, "unauthenticated"},
		{"v-martin", "view", 200, "ok"},
		{"h-durand", "revoke-app", 0, portal.ResultPending}, // the intent, before the action
		{"h-durand", "revoke-app", 200, "ok"},
		{"h-durand", "view", 200, "ok"},
	}
	if len(es) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(es), len(want), es)
	}
	for i, wt := range want {
		e := es[i]
		if e.Agent != wt.agent || e.Action != wt.action || e.Status != wt.status || e.Result != wt.result || e.Remote != "127.0.0.1" {
			t.Errorf("entry %d: %+v, want %+v", i, e, wt)
		}
		if wt.status != 401 && e.NIR != w.nir.Masked() {
			t.Errorf("entry %d NIR %q, want %q", i, e.NIR, w.nir.Masked())
		}
	}
	if !es[5].Time.Equal(start.Add(time.Hour)) || !es[0].Time.Equal(start) {
		t.Errorf("times %v, %v", es[0].Time, es[5].Time)
	}
	if es[3].Op == "" || es[3].Op != es[4].Op || es[3].Phase != portal.PhaseIntent || es[4].Phase != portal.PhaseOutcome {
		t.Errorf("intent and outcome not linked: %+v / %+v", es[3], es[4])
	}
	for _, i := range []int{0, 1, 2, 5} {
		if es[i].Op != "" || es[i].Phase != "" {
			t.Errorf("entry %d (no action) has op %q phase %q", i, es[i].Op, es[i].Phase)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	prof := w.ph.Profile()
	for _, secret := range []string{string(w.nir), w.nir.Format(), w.nir.Format()[:9], w.viewer, w.habilite, "DURAND", "Camille", "Agent "} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("audit log contains %q", secret)
		}
	}
	_ = prof
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != permtest.Want(0o600, false) {
		t.Errorf("audit log mode: %v %v", st.Mode(), err)
	}
}

func TestAuditLogTornLine(t *testing.T) {
	path := t.TempDir() + "/audit.jsonl"
	if err := os.WriteFile(path, []byte(`{"time":"2026-03-02T09:00:00Z","agent":"a","action":"view","status":200,"result":"ok"}`+"\n"+`{"time":"2026-03-02T09:0`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := portal.OpenAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(portal.AuditEntry{Time: start, Agent: "b", Action: "block", Status: 200, Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(portal.AuditEntry{Agent: "c"}); err == nil {
		t.Error("Append after Close succeeded")
	}
	es, torn, err := portal.ReadAuditLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if torn != 1 || len(es) != 2 || es[0].Agent != "a" || es[1].Agent != "b" {
		t.Errorf("entries %+v, torn %d", es, torn)
	}
}

// TestAuditFailureRefusesActions: once the audit log cannot be written, no
// action is taken.
func TestAuditFailureRefusesActions(t *testing.T) {
	w := newWorld(t)
	if err := w.h.AuditLog().Close(); err != nil {
		t.Fatal(err)
	}
	// The first request discovers the failure.
	if a := w.do("POST", "/v1/person/view", w.viewer, jsonBody(w.nir, "")); a.status != 500 {
		t.Fatalf("view with a broken audit log: %d", a.status)
	}
	if a := w.do("POST", "/v1/person/block", w.habilite, jsonBody(w.nir, "fraud-suspected")); a.status != 500 {
		t.Fatalf("block with a broken audit log: %d", a.status)
	}
	if v, _ := w.iss.PersonView(w.nir); v.Blocked {
		t.Error("block applied although it could not be audited")
	}
}

// TestPortalActionsReachThePhone: an agent's revocation shows on the
// emulated phone, which can no longer present; a blocked user cannot
// activate again until unblocked.
func TestPortalActionsReachThePhone(t *testing.T) {
	w := newWorld(t)
	if err := w.ph.Unlock(secretCode); err != nil {
		t.Fatal(err)
	}
	if _, err := w.ph.PresentQR(); err != nil {
		t.Fatal(err)
	}
	if a := w.do("POST", "/v1/person/revoke-app", w.habilite, jsonBody(w.nir, "device-lost")); a.status != 200 {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	if st := w.ph.State(); st != phone.Revoked {
		t.Errorf("phone state %v after revocation", st)
	}
	if _, err := w.ph.PresentQR(); !errors.Is(err, credential.ErrRevoked) {
		t.Errorf("revoked phone presents: %v", err)
	}
	if a := w.do("POST", "/v1/person/block", w.habilite, jsonBody(w.nir, "fraud-suspected")); a.status != 200 {
		t.Fatalf("block: %d %s", a.status, a.body)
	}
	if err := w.ph.Activate(secretCode); !errors.Is(err, issuer.ErrBlocked) {
		t.Errorf("blocked user activates: %v", err)
	}
	if a := w.do("POST", "/v1/person/unblock", w.habilite, jsonBody(w.nir, "agent-error")); a.status != 200 {
		t.Fatalf("unblock: %d %s", a.status, a.body)
	}
	if err := w.ph.Activate(secretCode); err != nil {
		t.Errorf("unblocked user cannot activate: %v", err)
	}
	if v := w.do("POST", "/v1/person/view", w.viewer, jsonBody(w.nir, "")).person(t); v.AppState != "active" || v.Blocked {
		t.Errorf("view after re-activation: %+v", v)
	}
}

// TestStateSurvivesRestart: a block made through the portal is still there
// after a restart from the state directory, and lists keep growing Seq.
func TestStateSurvivesRestart(t *testing.T) {
	w := newWorld(t)
	a := w.do("GET", "/revocation-list", "", "")
	rl1, err := credential.ParseRevocationList(a.body, w.iss.ListAuthority())
	if err != nil {
		t.Fatal(err)
	}
	if a := w.do("POST", "/v1/person/block", w.habilite, jsonBody(w.nir, "fraud-suspected")); a.status != 200 {
		t.Fatalf("block: %d", a.status)
	}
	w.restart()
	v := w.do("POST", "/v1/person/view", w.viewer, jsonBody(w.nir, "")).person(t)
	if !v.Blocked || v.AppState != "revoked" {
		t.Errorf("after restart: %+v", v)
	}
	a = w.do("GET", "/revocation-list", "", "")
	rl2, err := credential.ParseRevocationList(a.body, w.iss.ListAuthority())
	if err != nil {
		t.Fatal(err)
	}
	if rl2.Seq <= rl1.Seq {
		t.Errorf("seq after restart %d, before %d: readers would refuse a rollback", rl2.Seq, rl1.Seq)
	}
	cid, _ := w.ph.CredentialID()
	if len(rl2.Revoked) != 1 || rl2.Revoked[0] != cid {
		t.Errorf("revoked after restart: %x, want %x", rl2.Revoked, cid)
	}
}

func TestHandlerConfig(t *testing.T) {
	w := newWorld(t)
	bad := []struct {
		name string
		cfg  portal.Config
	}{
		{"no backend", portal.Config{StateDir: t.TempDir()}},
		{"no audit", portal.Config{Backend: w.iss}},
		{"bad agent", portal.Config{Backend: w.iss, StateDir: t.TempDir(), Agents: []portal.Agent{{ID: "x", Role: "admin", TokenSHA256: strings.Repeat("0", 64)}}}},
		{"audit dir missing", portal.Config{Backend: w.iss, AuditPath: t.TempDir() + "/no/such/dir/audit.jsonl"}},
	}
	for _, tt := range bad {
		if h, err := portal.New(tt.cfg); err == nil {
			h.Close()
			t.Errorf("%s: accepted", tt.name)
		}
	}
	_ = http.StatusOK
}
