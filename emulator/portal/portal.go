package portal

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
)

// Backend is what the portal needs from the issuer backend;
// *issuer.Issuer implements it. Every method is safe for concurrent use.
type Backend interface {
	// PersonView returns what an agent may see of one person, or an error
	// wrapping issuer.ErrUnknownNIR.
	PersonView(nir credential.NIR) (issuer.PersonView, error)
	// RevokeDevice revokes the person's current app.
	RevokeDevice(nir credential.NIR) error
	// Block revokes the person's app and refuses any new activation.
	Block(nir credential.NIR) error
	// Unblock lets a blocked person activate again.
	Unblock(nir credential.NIR) error
	// TrustList returns a freshly signed trust list.
	TrustList() ([]byte, error)
	// RevocationList returns a revocation list signed as of now.
	RevocationList(now time.Time) ([]byte, error)
	// ListAuthority is the key that signs both lists.
	ListAuthority() *ecdsa.PublicKey
}

// Saver is implemented by backends that persist their state to a
// directory (*issuer.Issuer does). When Config.StateDir is set the portal
// saves after every change and before serving a list with a new sequence
// number.
type Saver interface {
	Save(dir string) error
}

// Defaults.
const (
	DefaultPublishDelay = time.Minute
	DefaultMaxBody      = 4 << 10
	// MaxReason bounds the agent's note, in characters.
	MaxReason = 200
	// AuditFile is the audit log's name in Config.StateDir.
	AuditFile = "audit.jsonl"
)

// Config configures a Handler. Backend and Agents are required; the zero
// value of the rest gives the defaults.
type Config struct {
	Backend Backend
	Agents  []Agent
	// StateDir, when set, receives the backend's state (if it is a Saver)
	// and the audit log (AuditFile), unless AuditPath says otherwise.
	StateDir string
	// AuditPath is the audit log file (default StateDir/audit.jsonl). One
	// of StateDir, AuditPath and Audit is required: the portal does not run
	// without an audit log.
	AuditPath string
	// Audit, when set, is the audit log to use instead of opening
	// AuditPath (the Handler closes it on Close).
	Audit *AuditLog
	// PublishDelay bounds how stale a served list may be: the backend is
	// asked for a freshly signed list at most once per PublishDelay
	// (default 1 min). A revocation or block made at t is in every list
	// served from t + PublishDelay (plus the backend's own publication
	// delay, issuer.Options.PublicationDelay).
	PublishDelay time.Duration
	// MaxBody bounds request bodies (default 4 KiB); larger ones get 413.
	MaxBody int64
	// SkipListAudit leaves fetches of the public lists out of the audit
	// log (they carry no personal data; a busy deployment polled by many
	// readers may not want an fsync per fetch). Default: audited.
	SkipListAudit bool
	// Clock is the time source; nil means real time.
	Clock clock.Clock
	// Logger receives operational messages; nil discards. Never given a NIR.
	Logger *slog.Logger
}

// Handler is the portal's http.Handler. Endpoints:
//
//	POST /v1/person/view        {"nir": "…", "reason": "code", "note": "…"}  viewer, habilite (reason optional)
//	POST /v1/person/revoke-app  {"nir": "…", "reason": "code", "note": "…"}  habilite
//	POST /v1/person/block       {"nir": "…", "reason": "code", "note": "…"}  habilite
//	POST /v1/person/unblock     {"nir": "…", "reason": "code", "note": "…"}  habilite
//	GET  /trust-list            no authentication, application/cose
//	GET  /revocation-list       no authentication, application/cose
//
// The NIR travels in the body, never in a URL (URLs end up in proxy and
// browser logs). "reason" is a code of ReasonCodes and "note" optional
// free text (required with "other"), at most MaxReason characters, from
// which NIR-shaped numbers and the person's names are removed before it is
// audited (ScrubNote). A state-changing action is audited before it is applied
// (its intent, synced; then its outcome: see AuditEntry); when the intent
// cannot be written the action is refused with 500 and not applied. The
// reason is required for revoke-app, block and unblock. Agents
// authenticate with "Authorization: Bearer <token>".
// Errors are JSON {"error", "message_fr", "message_en"}.
type Handler struct {
	cfg    Config
	agents *agentSet
	audit  *AuditLog
	clock  clock.Clock
	saver  Saver
	trust  *publisher
	revoc  *publisher
	mux    *http.ServeMux
}

// New returns a Handler; it opens the audit log, which Close closes.
func New(cfg Config) (*Handler, error) {
	if cfg.Backend == nil {
		return nil, errors.New("portal: no backend")
	}
	if cfg.PublishDelay <= 0 {
		cfg.PublishDelay = DefaultPublishDelay
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AuditPath == "" && cfg.Audit == nil {
		if cfg.StateDir == "" {
			return nil, errors.New("portal: neither StateDir nor AuditPath: an audit log is required")
		}
		cfg.AuditPath = filepath.Join(cfg.StateDir, AuditFile)
	}
	agents, err := newAgentSet(cfg.Agents)
	if err != nil {
		return nil, err
	}
	authority := cfg.Backend.ListAuthority()
	if authority == nil {
		return nil, errors.New("portal: backend has no list authority key")
	}
	audit := cfg.Audit
	if audit == nil {
		if audit, err = OpenAuditLog(cfg.AuditPath); err != nil {
			return nil, err
		}
	}
	h := &Handler{cfg: cfg, agents: agents, audit: audit, clock: clock.Or(cfg.Clock)}
	if s, ok := cfg.Backend.(Saver); ok && cfg.StateDir != "" {
		h.saver = s
	}
	h.trust = &publisher{kind: "trust list", delay: cfg.PublishDelay, clock: h.clock,
		sign: func(time.Time) ([]byte, error) { return cfg.Backend.TrustList() }, parse: trustContent(authority), persist: h.save}
	h.revoc = &publisher{kind: "revocation list", delay: cfg.PublishDelay, clock: h.clock,
		sign: cfg.Backend.RevocationList, parse: revocationContent(authority), persist: h.save}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("/trust-list", func(w http.ResponseWriter, r *http.Request) { h.serveList(w, r, "trust-list", h.trust) })
	h.mux.HandleFunc("/revocation-list", func(w http.ResponseWriter, r *http.Request) { h.serveList(w, r, "revocation-list", h.revoc) })
	for _, a := range []action{actView, actRevoke, actBlock, actUnblock} {
		h.mux.HandleFunc("/v1/person/"+string(a), func(w http.ResponseWriter, r *http.Request) { h.servePerson(w, r, a) })
	}
	h.mux.HandleFunc("/", h.serveNotFound)
	return h, nil
}

// AuditLog returns the handler's audit log.
func (h *Handler) AuditLog() *AuditLog { return h.audit }

// Close closes the audit log and saves the backend's state (when it is a
// Saver and StateDir is set).
func (h *Handler) Close() error {
	err := h.save()
	if cerr := h.audit.Close(); err == nil {
		err = cerr
	}
	return err
}

func (h *Handler) save() error {
	if h.saver == nil {
		return nil
	}
	return h.saver.Save(h.cfg.StateDir)
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

type action string

const (
	actView    action = "view"
	actRevoke  action = "revoke-app"
	actBlock   action = "block"
	actUnblock action = "unblock"
)

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error     string `json:"error"`
	MessageFR string `json:"message_fr"`
	MessageEN string `json:"message_en"`
}

// PhoneView is the phone part of a PersonView answer.
type PhoneView struct {
	OS      string `json:"os"`
	Version string `json:"version"`
	Model   string `json:"model"`
}

// PersonAnswer is the JSON answer of every /v1/person endpoint: the
// person's view after the action. The NIR is masked.
type PersonAnswer struct {
	NIR             string     `json:"nir"` // masked
	Eligible        bool       `json:"eligible"`
	Ineligibility   string     `json:"ineligibility,omitempty"`
	Blocked         bool       `json:"blocked"`
	AppState        string     `json:"app_state"`
	ActivationState string     `json:"activation_state"`
	Phone           PhoneView  `json:"phone"`
	CredentialID    string     `json:"credential_id,omitempty"`
	IssuedAt        *time.Time `json:"issued_at,omitempty"`
	RevokeReason    string     `json:"revoke_reason,omitempty"`
	// Action and InListsBy are set for revoke-app, block and unblock:
	// every list served from InListsBy on reflects the action.
	Action    string     `json:"action,omitempty"`
	InListsBy *time.Time `json:"in_lists_by,omitempty"`
}

func answerOf(v issuer.PersonView) PersonAnswer {
	a := PersonAnswer{NIR: v.NIR.Masked(), Eligible: v.Eligible, Ineligibility: v.Ineligibility, Blocked: v.Blocked,
		AppState: string(v.AppState), ActivationState: string(v.ActivationState),
		Phone:        PhoneView{OS: v.Device.OS, Version: v.Device.Version, Model: v.Device.Model},
		CredentialID: v.CredentialID, RevokeReason: string(v.RevokeReason)}
	if !v.IssuedAt.IsZero() {
		t := v.IssuedAt.UTC()
		a.IssuedAt = &t
	}
	return a
}

// request is the JSON body of the /v1/person endpoints.
type request struct {
	NIR    string `json:"nir"`
	Reason string `json:"reason"` // a code of ReasonCodes
	Note   string `json:"note"`   // optional free text, scrubbed before it is audited
}

// rec is what one request leaves in the audit log.
type rec struct {
	agent, action, nir, reason, note string
	op                               string // set once an action's intent is durable
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// finish writes the audit entry and the answer. An audit failure turns a
// successful answer into 500.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, re rec, status int, apiErr *apcverr.Error, body any) {
	result := "ok"
	if apiErr != nil {
		result = apiErr.Code
	}
	if re.agent == "" {
		re.agent = Anonymous
	}
	e := AuditEntry{Time: h.clock.Now().UTC(), Agent: re.agent, Action: re.action, NIR: re.nir,
		Reason: re.reason, Note: re.note, Status: status, Result: result, Remote: remoteIP(r)}
	if re.op != "" {
		e.Op, e.Phase = re.op, PhaseOutcome
	}
	if err := h.audit.Append(e); err != nil {
		h.cfg.Logger.Error("portal: audit", "err", err)
		// An action already applied keeps its true answer: its durable
		// intent records it, and the failed log now refuses every next
		// action. Anything else (a view's data) is not given out unaudited.
		if apiErr == nil && re.op == "" {
			status, apiErr = http.StatusInternalServerError, ErrInternal
		}
	}
	if apiErr != nil {
		writeError(w, status, apiErr)
		return
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"`+ErrInternal.Code+`"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, e *apcverr.Error) {
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="apcv-portal"`)
	case http.StatusMethodNotAllowed:
		if w.Header().Get("Allow") == "" {
			w.Header().Set("Allow", http.MethodPost)
		}
	}
	writeJSON(w, status, errorBody{Error: e.Code, MessageFR: e.FR, MessageEN: e.EN})
}

func (h *Handler) serveNotFound(w http.ResponseWriter, r *http.Request) {
	re := rec{action: "unknown-endpoint"}
	if a, ok := h.authenticate(r); ok {
		re.agent = a.ID
	}
	h.finish(w, r, re, http.StatusNotFound, ErrNotFound, nil)
}

// authenticate returns the agent of the request's bearer token.
func (h *Handler) authenticate(r *http.Request) (Agent, bool) {
	auth := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(auth) <= len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return Agent{}, false
	}
	token := strings.TrimSpace(auth[len(prefix):])
	if token == "" {
		return Agent{}, false
	}
	return h.agents.lookup(token)
}

func (h *Handler) servePerson(w http.ResponseWriter, r *http.Request, act action) {
	re := rec{action: string(act)}
	agent, authed := h.authenticate(r)
	if authed {
		re.agent = agent.ID
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.finish(w, r, re, http.StatusMethodNotAllowed, ErrMethod, nil)
		return
	}
	if !authed {
		h.finish(w, r, re, http.StatusUnauthorized, ErrUnauthenticated, nil)
		return
	}
	var req request
	status, apiErr := h.readBody(w, r, &req)
	if apiErr != nil {
		h.finish(w, r, re, status, apiErr, nil)
		return
	}
	nir, nirErr := credential.ParseNIR(req.NIR)
	if nirErr == nil {
		re.nir = nir.Masked()
	} else if req.NIR != "" {
		re.nir = credential.NIR(req.NIR).Masked()
	}
	// Only a known code and a scrubbed note are kept: what an agent types
	// may hold a NIR or a name (AuditEntry keeps none).
	var reasonErr *apcverr.Error
	re.reason, re.note, reasonErr = h.checkReason(act, nir, nirErr == nil, req)
	if !agent.Role.allows(act) {
		h.finish(w, r, re, http.StatusForbidden, ErrForbidden, nil)
		return
	}
	if nirErr != nil {
		h.finish(w, r, re, http.StatusBadRequest, ErrBadNIR, nil)
		return
	}
	if reasonErr != nil {
		h.finish(w, r, re, http.StatusBadRequest, reasonErr, nil)
		return
	}
	if act != actView {
		// Fail closed: no action is taken once the audit log cannot be written.
		if err := h.audit.Err(); err != nil {
			h.cfg.Logger.Error("portal: audit log unwritable, refusing", "action", act, "err", err)
			h.finish(w, r, re, http.StatusInternalServerError, ErrInternal, nil)
			return
		}
	}
	be := h.cfg.Backend
	view, err := be.PersonView(nir)
	if err == nil && act != actView {
		if act == actRevoke && view.AppState != issuer.AppActive {
			h.finish(w, r, re, http.StatusConflict, ErrNoActiveApp, nil)
			return
		}
		// Audit before action: the intent is on disk before anything
		// changes, or nothing changes.
		if err := h.intent(r, &re); err != nil {
			h.cfg.Logger.Error("portal: audit intent unwritable, refusing", "action", act, "err", err)
			h.finish(w, r, re, http.StatusInternalServerError, ErrInternal, nil)
			return
		}
	}
	if err == nil {
		switch act {
		case actRevoke:
			err = be.RevokeDevice(nir)
		case actBlock:
			err = be.Block(nir)
		case actUnblock:
			err = be.Unblock(nir)
		}
		if err == nil && act != actView {
			if err = h.save(); err != nil {
				h.cfg.Logger.Error("portal: save state", "action", act, "err", err)
			}
		}
		if err == nil && act != actView {
			view, err = be.PersonView(nir)
		}
	}
	switch {
	case errors.Is(err, issuer.ErrUnknownNIR):
		h.finish(w, r, re, http.StatusNotFound, ErrUnknownPerson, nil)
		return
	case err != nil:
		h.cfg.Logger.Error("portal: backend", "action", act, "err", err)
		h.finish(w, r, re, http.StatusInternalServerError, ErrInternal, nil)
		return
	}
	ans := answerOf(view)
	if act != actView {
		ans.Action = string(act)
		by := h.clock.Now().Add(h.cfg.PublishDelay).UTC().Truncate(time.Second).Add(time.Second)
		ans.InListsBy = &by
	}
	h.finish(w, r, re, http.StatusOK, nil, ans)
}

// intent appends re's intent entry with a new operation id, synced; on
// success re.op is set, so that finish records the outcome under it.
func (h *Handler) intent(r *http.Request, re *rec) error {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	op := hex.EncodeToString(b[:])
	if err := h.audit.Append(AuditEntry{Time: h.clock.Now().UTC(), Agent: re.agent, Action: re.action, NIR: re.nir,
		Reason: re.reason, Note: re.note, Result: ResultPending, Remote: remoteIP(r), Op: op, Phase: PhaseIntent}); err != nil {
		return err
	}
	re.op = op
	return nil
}

// readBody decodes the request body into v, strictly: one JSON object, no
// unknown field, at most MaxBody bytes.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, v any) (int, *apcverr.Error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt := strings.TrimSpace(strings.ToLower(strings.SplitN(ct, ";", 2)[0]))
		if mt != "application/json" {
			return http.StatusBadRequest, ErrBadBody
		}
	}
	body := http.MaxBytesReader(w, r.Body, h.cfg.MaxBody)
	data, err := io.ReadAll(body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, ErrTooLarge
	case err != nil:
		return http.StatusBadRequest, ErrBadBody
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return http.StatusBadRequest, ErrBadBody
	}
	return 0, nil
}

// cleanReason trims the reason and drops control characters, so that the
// audit log stays one readable line per entry.
func cleanReason(s string) string {
	s = strings.TrimSpace(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

func (h *Handler) serveList(w http.ResponseWriter, r *http.Request, name string, p *publisher) {
	re := rec{action: name}
	if a, ok := h.authenticate(r); ok {
		re.agent = a.ID
	}
	audit := func(status int, apiErr *apcverr.Error) {
		if h.cfg.SkipListAudit {
			return
		}
		result := "ok"
		if apiErr != nil {
			result = apiErr.Code
		}
		agent := re.agent
		if agent == "" {
			agent = Anonymous
		}
		if err := h.audit.Append(AuditEntry{Time: h.clock.Now().UTC(), Agent: agent, Action: name, Status: status,
			Result: result, Remote: remoteIP(r)}); err != nil {
			h.cfg.Logger.Error("portal: audit", "err", err)
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		audit(http.StatusMethodNotAllowed, ErrMethod)
		writeError(w, http.StatusMethodNotAllowed, ErrMethod)
		return
	}
	cur, err := p.get()
	if err != nil {
		h.cfg.Logger.Error("portal: lists", "err", err)
		audit(http.StatusInternalServerError, ErrInternal)
		writeError(w, http.StatusInternalServerError, ErrInternal)
		return
	}
	hdr := w.Header()
	hdr.Set("ETag", cur.etag)
	hdr.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(p.maxAge(cur)/time.Second)))
	if etagMatch(r.Header.Get("If-None-Match"), cur.etag) {
		audit(http.StatusNotModified, nil)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	audit(http.StatusOK, nil)
	hdr.Set("Content-Type", "application/cose")
	hdr.Set("Content-Length", strconv.Itoa(len(cur.raw)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(cur.raw)
	}
}

// etagMatch implements If-None-Match's weak comparison: "*" or any listed
// tag equal to etag, W/ prefixes ignored.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		if t == etag {
			return true
		}
	}
	return false
}

var _ Backend = (*issuer.Issuer)(nil)
var _ Saver = (*issuer.Issuer)(nil)
