package portal_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
)

// start is the fixed start time of every test world.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const secretCode = "482915"

// world is an issuer with one activated phone, a portal over it on a real
// loopback HTTP server, and two agents.
type world struct {
	t        testing.TB
	fc       *clock.Fake
	iss      *issuer.Issuer
	ph       *phone.Phone
	nir      credential.NIR
	dir      string
	h        *portal.Handler
	srv      *portal.Server
	agents   []portal.Agent
	viewer   string // tokens
	habilite string
	delay    time.Duration

	skipListAudit bool
}

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, fc: clock.NewFake(start), dir: t.TempDir(), delay: time.Minute}
	var err error
	if w.iss, err = issuer.Open(w.dir, issuer.Options{Clock: w.fc, Eligibility: issuer.TrainingDeck()}); err != nil {
		t.Fatal(err)
	}
	prof, err := phone.BuiltinProfile("isere-solo")
	if err != nil {
		t.Fatal(err)
	}
	if w.ph, err = phone.New(prof, phone.Options{Issuer: w.iss, Clock: w.fc}); err != nil {
		t.Fatal(err)
	}
	if err := w.ph.Activate(secretCode); err != nil {
		t.Fatal(err)
	}
	w.nir = prof.OuvrantDroit().NIR
	for _, a := range []struct {
		id   string
		role portal.Role
		tok  *string
	}{{"v-martin", portal.RoleViewer, &w.viewer}, {"h-durand", portal.RoleHabilite, &w.habilite}} {
		tok, hash, err := portal.NewToken(nil)
		if err != nil {
			t.Fatal(err)
		}
		*a.tok = tok
		w.agents = append(w.agents, portal.Agent{ID: a.id, Name: "Agent " + a.id, Role: a.role, TokenSHA256: hash})
	}
	w.startPortal()
	return w
}

// startPortal (re)starts the handler and the server over w.iss.
func (w *world) startPortal() {
	w.t.Helper()
	h, err := portal.New(portal.Config{Backend: w.iss, Agents: w.agents, StateDir: w.dir, Clock: w.fc, PublishDelay: w.delay,
		SkipListAudit: w.skipListAudit})
	if err != nil {
		w.t.Fatal(err)
	}
	srv := portal.NewServer(h, portal.ServerConfig{})
	if err := srv.Start(); err != nil {
		h.Close()
		w.t.Fatal(err)
	}
	w.h, w.srv = h, srv
	w.t.Cleanup(w.stopPortal)
}

func (w *world) stopPortal() {
	if w.srv == nil {
		return
	}
	if err := w.srv.Close(); err != nil {
		w.t.Errorf("server close: %v", err)
	}
	if err := w.h.Close(); err != nil {
		w.t.Errorf("handler close: %v", err)
	}
	w.srv, w.h = nil, nil
}

// restart stops the portal, reopens the issuer from the state directory
// and starts a new portal over it.
func (w *world) restart() {
	w.t.Helper()
	w.stopPortal()
	iss, err := issuer.Open(w.dir, issuer.Options{Clock: w.fc, Eligibility: issuer.TrainingDeck()})
	if err != nil {
		w.t.Fatal(err)
	}
	w.iss = iss
	w.startPortal()
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) person(t *testing.T) portal.PersonAnswer {
	t.Helper()
	var p portal.PersonAnswer
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("answer %d %q: %v", a.status, a.body, err)
	}
	return p
}

func (a answer) errCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error     string `json:"error"`
		MessageFR string `json:"message_fr"`
		MessageEN string `json:"message_en"`
	}
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("error answer %d %q: %v", a.status, a.body, err)
	}
	if e.Error == "" || e.MessageFR == "" || e.MessageEN == "" || e.MessageFR == e.MessageEN {
		t.Fatalf("error answer %q lacks a code or FR/EN messages", a.body)
	}
	return e.Error
}

// do sends a request to the portal; token "" sends no Authorization.
func (w *world) do(method, path, token string, body string, hdr ...string) answer {
	w.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func jsonBody(nir credential.NIR, reason string) string {
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(map[string]string{"nir": string(nir), "reason": reason})
	return b.String()
}

func (w *world) audit() []portal.AuditEntry {
	w.t.Helper()
	es, torn, err := portal.ReadAuditLog(w.h.AuditLog().Path())
	if err != nil {
		w.t.Fatal(err)
	}
	if torn != 0 {
		w.t.Fatalf("%d torn audit lines", torn)
	}
	return es
}

func (w *world) lastAudit() portal.AuditEntry {
	w.t.Helper()
	es := w.audit()
	if len(es) == 0 {
		w.t.Fatal("audit log is empty")
	}
	return es[len(es)-1]
}
