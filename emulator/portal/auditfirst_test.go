package portal_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/portal"
)

// TestActionNotAppliedWithoutAudit: with the audit log on a full disk
// (/dev/full: every write fails with ENOSPC), an agent's block, revoke or
// unblock is refused and not applied, in memory or on disk.
func TestActionNotAppliedWithoutAudit(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	for _, act := range []string{"block", "revoke-app", "unblock"} {
		t.Run(act, func(t *testing.T) {
			w := newWorld(t)
			if act == "unblock" {
				if err := w.iss.Block(w.nir); err != nil {
					t.Fatal(err)
				}
			}
			before, err := w.iss.PersonView(w.nir)
			if err != nil {
				t.Fatal(err)
			}
			w.stopPortal()
			h, err := portal.New(portal.Config{Backend: w.iss, Agents: w.agents, StateDir: w.dir, AuditPath: "/dev/full", Clock: w.fc})
			if err != nil {
				t.Fatal(err)
			}
			w.h, w.srv = h, portal.NewServer(h, portal.ServerConfig{})
			if err := w.srv.Start(); err != nil {
				t.Fatal(err)
			}
			a := w.do("POST", "/v1/person/"+act, w.habilite, jsonBody(w.nir, "user-request"))
			if a.status != 500 || a.errCode(t) != portal.ErrInternal.Code {
				t.Errorf("answer %d %s", a.status, a.body)
			}
			after, err := w.iss.PersonView(w.nir)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("applied without an audit entry: %+v -> %+v", before, after)
			}
			// Nor on disk: the state saved is the one before.
			w.stopPortal()
			iss, err := issuer.Open(w.dir, issuer.Options{Clock: w.fc, Eligibility: issuer.TrainingDeck()})
			if err != nil {
				t.Fatal(err)
			}
			if v, err := iss.PersonView(w.nir); err != nil || v.Blocked != before.Blocked || v.AppState != before.AppState {
				t.Errorf("saved state %+v, %v; want %+v", v, err, before)
			}
		})
	}
}

// failingFile is an audit file whose writes fail from the failAt-th on
// (1-based; 0 never): a disk that fills up at a chosen moment.
type failingFile struct {
	*os.File
	n, failAt int
}

func (f *failingFile) Write(p []byte) (int, error) {
	f.n++
	if f.failAt > 0 && f.n >= f.failAt {
		return 0, syscall.ENOSPC
	}
	return f.File.Write(p)
}

// TestAuditBeforeAction: an action's intent is durable before the action.
// The audit writer is made to fail at the intent (the action is refused and
// not applied) or at the outcome (the action, whose intent is on disk, was
// applied and is answered as such; the next action is refused).
func TestAuditBeforeAction(t *testing.T) {
	for _, tc := range []struct {
		name    string
		failAt  int // write number that fails: 1 the intent, 2 the outcome
		status  int
		applied bool
	}{
		{"intent write fails", 1, 500, false},
		{"outcome write fails", 2, 200, true},
		{"no failure", 0, 200, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.stopPortal()
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			h, err := portal.New(portal.Config{Backend: w.iss, Agents: w.agents, StateDir: w.dir, Clock: w.fc,
				Audit: portal.NewAuditLog(&failingFile{File: f, failAt: tc.failAt}, path)})
			if err != nil {
				t.Fatal(err)
			}
			w.h, w.srv = h, portal.NewServer(h, portal.ServerConfig{})
			if err := w.srv.Start(); err != nil {
				t.Fatal(err)
			}
			a := w.do("POST", "/v1/person/block", w.habilite, jsonBody(w.nir, "user-request"))
			if a.status != tc.status {
				t.Fatalf("answer %d %s, want %d", a.status, a.body, tc.status)
			}
			v, err := w.iss.PersonView(w.nir)
			if err != nil {
				t.Fatal(err)
			}
			if v.Blocked != tc.applied {
				t.Errorf("blocked = %v, want %v", v.Blocked, tc.applied)
			}
			es, torn, err := portal.ReadAuditLog(path)
			if err != nil || torn != 0 {
				t.Fatal(err, torn)
			}
			// Whatever happened, an applied action has its intent on disk.
			var intents, outcomes int
			for _, e := range es {
				switch e.Phase {
				case portal.PhaseIntent:
					intents++
				case portal.PhaseOutcome:
					outcomes++
				}
			}
			if tc.applied && intents != 1 {
				t.Errorf("action applied with %d intents on disk: %+v", intents, es)
			}
			if want := map[bool]int{true: 1}[tc.failAt == 0]; outcomes != want {
				t.Errorf("%d outcomes on disk, want %d", outcomes, want)
			}
			// Once the log failed, the portal fails closed: the next action
			// is refused and not applied.
			if tc.failAt != 0 {
				a := w.do("POST", "/v1/person/unblock", w.habilite, jsonBody(w.nir, "agent-error"))
				if a.status != 500 || a.errCode(t) != portal.ErrInternal.Code {
					t.Errorf("action after the failure: %d %s", a.status, a.body)
				}
				if v2, _ := w.iss.PersonView(w.nir); v2.Blocked != v.Blocked {
					t.Error("action applied after the audit log failed")
				}
			}
		})
	}
}
