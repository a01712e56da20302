package portal_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
)

// killChildEnv tells the test binary it is a child of TestKillAuditBeforeAction.
const killChildEnv = "APCV_PORTAL_KILL_CHILD"

func killProfile() *phone.Profile {
	p, err := phone.BuiltinProfile("isere-solo")
	if err != nil {
		panic(err)
	}
	return p
}

// killChild runs a portal over the state in dir and, as fast as it can,
// blocks the person when unblocked and unblocks them when blocked, through
// the portal's HTTP handler. It runs until killed.
func killChild(dir string) {
	fail := func(err error) {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	iss, err := issuer.Open(dir, issuer.Options{Eligibility: issuer.TrainingDeck()})
	if err != nil {
		fail(err)
	}
	agents, err := portal.LoadAgents(filepath.Join(dir, "agents.json"))
	if err != nil {
		fail(err)
	}
	h, err := portal.New(portal.Config{Backend: iss, Agents: agents, StateDir: dir})
	if err != nil {
		fail(err)
	}
	nir := killProfile().OuvrantDroit().NIR
	fmt.Println("ready")
	for {
		v, err := iss.PersonView(nir)
		if err != nil {
			fail(err)
		}
		act := "block"
		if v.Blocked {
			act = "unblock"
		}
		req := httptest.NewRequest(http.MethodPost, "/v1/person/"+act, strings.NewReader(`{"nir":"`+string(nir)+`","reason":"check"}`))
		req.Header.Set("Authorization", "Bearer "+os.Getenv(killChildEnv+"_TOKEN"))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			fail(fmt.Errorf("%s: %d %s", act, rec.Code, rec.Body))
		}
	}
}

// action is one block/unblock as the audit log tells it.
type killAction struct {
	block bool
	state string // "ok": applied and audited; "unknown": intent without outcome; "refused"
}

// auditActions reads the audit log as plain JSON (whatever the entry type
// holds) and returns its block/unblock actions in order.
func auditActions(t *testing.T, path string) []killAction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []killAction
	byOp := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct{ Action, Result, Op, Phase string }
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.Action != "block" && e.Action != "unblock" {
			continue // a torn line, or another action
		}
		switch {
		case e.Phase == "intent":
			byOp[e.Op] = len(out)
			out = append(out, killAction{block: e.Action == "block", state: "unknown"})
		case e.Phase == "outcome":
			i, ok := byOp[e.Op]
			if !ok {
				t.Fatalf("outcome without intent: %s", sc.Text())
			}
			out[i].state = map[bool]string{true: "ok", false: "refused"}[e.Result == "ok"]
		case e.Result == "ok": // an entry written after the action, without intent
			out = append(out, killAction{block: e.Action == "block", state: "ok"})
		}
	}
	return out
}

// TestKillAuditBeforeAction kills (SIGKILL) a portal that keeps blocking
// and unblocking a person, many times, and checks after each kill that
// every change of the saved state is accounted for by the audit log: each
// child chooses its action from the state it finds, so a block or unblock
// applied without its audit entry shows as two audited actions in a row
// from the same state, or as a final state the log cannot explain.
func TestKillAuditBeforeAction(t *testing.T) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		killChild(dir)
		return
	}
	kills := 30
	if testing.Short() {
		kills = 10
	}
	dir := t.TempDir()
	iss, err := issuer.Open(dir, issuer.Options{Eligibility: issuer.TrainingDeck()})
	if err != nil {
		t.Fatal(err)
	}
	prof := killProfile()
	if err := iss.Register(issuer.Person{Family: prof.Family, Departement: prof.Departement}); err != nil {
		t.Fatal(err)
	}
	nir := prof.OuvrantDroit().NIR
	tok, hash, err := portal.NewToken(nil)
	if err != nil {
		t.Fatal(err)
	}
	agents, err := portal.MarshalAgents([]portal.Agent{{ID: "h-kill", Name: "Agent", Role: portal.RoleHabilite, TokenSHA256: hash}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "agents.json"), agents, 0o600); err != nil {
		t.Fatal(err)
	}
	applied, midAction := 0, 0
	for k := range kills {
		runPortalChild(t, dir, tok, time.Duration(20+rand.IntN(100))*time.Millisecond)
		iss, err := issuer.Open(dir, issuer.Options{Eligibility: issuer.TrainingDeck()})
		if err != nil {
			t.Fatalf("kill %d: open: %v", k, err)
		}
		v, err := iss.PersonView(nir)
		if err != nil {
			t.Fatal(err)
		}
		// poss: the states the person may be in, by the log.
		poss := map[bool]bool{false: true}
		acts := auditActions(t, filepath.Join(dir, portal.AuditFile))
		for i, a := range acts {
			if a.state == "refused" {
				continue
			}
			if !poss[!a.block] { // the child saw the state the action changes
				t.Fatalf("kill %d: action %d (block=%v, %s) from a state the log cannot explain: a change was applied without its audit entry (%d actions)",
					k, i, a.block, a.state, len(acts))
			}
			if a.state == "ok" {
				poss = map[bool]bool{a.block: true}
			} else {
				poss = map[bool]bool{true: true, false: true}
			}
		}
		if !poss[v.Blocked] {
			t.Fatalf("kill %d: saved state blocked=%v, not what the audit log allows: applied without its audit entry", k, v.Blocked)
		}
		applied = len(acts)
		if n := len(acts); n > 0 && acts[n-1].state == "unknown" {
			midAction++ // this kill fell between an intent and its outcome
		}
	}
	t.Logf("%d kills, %d audited actions, %d kills between an intent and its outcome", kills, applied, midAction)
	if applied < kills {
		t.Fatalf("only %d actions in %d runs: the test tested little", applied, kills)
	}
}

func runPortalChild(t *testing.T, dir, token string, delay time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillAuditBeforeAction$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir, killChildEnv+"_TOKEN="+token)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if line := sc.Text(); line == "ready" {
			break
		} else if strings.HasPrefix(line, "ERR") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child: %s", line)
		}
	}
	time.Sleep(delay)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "ERR") {
			t.Fatalf("child: %s", line)
		}
	}
	cmd.Wait()
}
