package backoffice

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
)

// Backend is what the service needs from the issuer; *issuer.Issuer
// implements it. Both methods are safe for concurrent use.
type Backend interface {
	// Resolve resolves a short QR text for the professional whose client
	// certificate's DER hashes to psHash (issuer.Issuer.Resolve).
	Resolve(text string, psHash [32]byte, groups []credential.Group) ([]byte, error)
	// Rights returns the AMO rights of the beneficiaries, in order.
	Rights(who []rights.Who) ([]rights.Rights, error)
}

// ClockOffsetter is implemented by backends whose service clock can be
// shifted (*issuer.Issuer is): the skew fault needs it.
type ClockOffsetter interface {
	SetServiceClockOffset(d time.Duration)
}

// Config configures a Handler. Backend, Authority and Audit are required.
type Config struct {
	Backend   Backend
	Authority *psauth.Authority
	// Audit is the portal's audit log (portal.Handler.AuditLog): the
	// service writes one entry per request. The Handler does not close it.
	Audit *portal.AuditLog
	// AuditSyncInterval, when positive, writes each entry before the
	// answer without syncing it, and syncs the log at most this long
	// after (group commit: one fsync for the requests of an interval;
	// Close syncs what is left). Zero: each entry is synced before its
	// answer, as the portal's are.
	AuditSyncInterval time.Duration
	Clock             clock.Clock  // the audit's time; nil: real time
	Logger            *slog.Logger // nil discards; never given personal data
}

// Handler is the online service's http.Handler. It must be served over TLS
// with client certificates requested (Server does so).
type Handler struct {
	cfg   Config
	clock clock.Clock
	fault atomic.Pointer[Fault]

	stopSync  chan struct{} // closed by Close (AuditSyncInterval)
	syncDone  chan struct{}
	closeOnce sync.Once
}

// New returns a Handler.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Backend == nil:
		return nil, errors.New("backoffice: no backend")
	case cfg.Authority == nil:
		return nil, errors.New("backoffice: no PS authority")
	case cfg.Audit == nil:
		return nil, errors.New("backoffice: no audit log")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, clock: clock.Or(cfg.Clock)}
	h.fault.Store(&Fault{})
	if cfg.AuditSyncInterval > 0 {
		h.stopSync, h.syncDone = make(chan struct{}), make(chan struct{})
		go h.syncAudit()
	}
	return h, nil
}

// syncAudit syncs the audit log every AuditSyncInterval until Close.
func (h *Handler) syncAudit() {
	defer close(h.syncDone)
	t := time.NewTicker(h.cfg.AuditSyncInterval)
	defer t.Stop()
	for {
		select {
		case <-h.stopSync:
			if err := h.cfg.Audit.Sync(); err != nil {
				h.cfg.Logger.Error("backoffice: audit sync", "err", err)
			}
			return
		case <-t.C:
			if err := h.cfg.Audit.Sync(); err != nil {
				h.cfg.Logger.Error("backoffice: audit sync", "err", err)
			}
		}
	}
}

// Close stops the audit's syncing goroutine (AuditSyncInterval) after a
// last sync, and waits for it. It does not close the audit log. Serve no
// request after Close; a second Close does nothing.
func (h *Handler) Close() error {
	h.closeOnce.Do(func() {
		if h.stopSync != nil {
			close(h.stopSync)
			<-h.syncDone
		}
	})
	return h.cfg.Audit.Err()
}

// SetFault sets the faults injected from now on (the zero Fault: none).
// A clock skew needs a backend that is a ClockOffsetter.
func (h *Handler) SetFault(f Fault) error {
	if f.Delay < 0 {
		return fmt.Errorf("backoffice: fault delay %v: %w", f.Delay, ErrBadFault)
	}
	o, ok := h.cfg.Backend.(ClockOffsetter)
	if !ok && f.Skew != 0 {
		return fmt.Errorf("backoffice: the backend's clock cannot be shifted: %w", ErrBadFault)
	}
	if ok {
		o.SetServiceClockOffset(f.Skew)
	}
	h.fault.Store(&f)
	h.cfg.Logger.Info("backoffice: fault set", "fault", f.String())
	return nil
}

// Fault returns the faults in force.
func (h *Handler) Fault() Fault { return *h.fault.Load() }

// request is one request's audit record.
type request struct {
	ps, credential string
	// claimed is the RPPS a certificate that failed its chain check
	// claims: anyone can write one, so it is audited as unverified.
	claimed string
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	f := h.Fault()
	var re request
	if f.Unreachable {
		// A connection kept alive from before the fault: the request is
		// cut (HTTP/2 stream reset, HTTP/1.1 connection closed), as by a
		// host that went down.
		panic(http.ErrAbortHandler)
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client gave up, or the server is closing
		}
	}
	if f.Down {
		w.Header().Set("Retry-After", "30")
		h.finish(w, r, re, http.StatusServiceUnavailable, service.ErrServiceUnavailable, nil)
		return
	}
	// Fail closed: nothing is answered that cannot be audited.
	if err := h.cfg.Audit.Err(); err != nil {
		h.cfg.Logger.Error("backoffice: audit log unwritable, refusing", "err", err)
		writeError(w, http.StatusInternalServerError, service.ErrServiceInternal)
		return
	}
	var chain []*x509.Certificate
	if r.TLS != nil {
		chain = r.TLS.PeerCertificates
	}
	ps, err := h.cfg.Authority.Check(chain)
	re.ps = ps.RPPS
	if errors.Is(err, service.ErrPSCertRefused) {
		re.ps, re.claimed = "", ps.RPPS
	}
	if err == nil && f.RevokedPS {
		err = fmt.Errorf("backoffice: fault: %w", service.ErrPSRevoked)
	}
	if err != nil {
		h.cfg.Logger.Info("backoffice: professional refused", "rpps", ps.RPPS, "code", apcverr.Code(err))
		h.fail(w, r, re, err)
		return
	}
	psHash := sha256.Sum256(chain[0].Raw)
	switch r.URL.Path {
	case service.PathResolve, service.PathRights:
	default:
		h.finish(w, r, re, http.StatusNotFound, service.ErrNotFound, nil)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.finish(w, r, re, http.StatusMethodNotAllowed, service.ErrNotFound, nil)
		return
	}
	if r.URL.Path == service.PathResolve {
		h.resolve(w, r, re, psHash)
		return
	}
	h.rights(w, r, re)
}

func (h *Handler) resolve(w http.ResponseWriter, r *http.Request, re request, psHash [32]byte) {
	var req service.ResolveRequest
	if st, e := readJSON(w, r, &req); e != nil {
		h.finish(w, r, re, st, e, nil)
		return
	}
	groups := make([]credential.Group, 0, len(req.Groups))
	for _, s := range req.Groups {
		g, err := credential.ParseGroup(s)
		if err != nil {
			h.fail(w, r, re, err)
			return
		}
		groups = append(groups, g)
	}
	if q, err := credential.ParseShortQR(req.QR); err == nil {
		re.credential = hex.EncodeToString(q.CID[:])
	}
	answer, err := h.cfg.Backend.Resolve(req.QR, psHash, groups)
	if err != nil {
		h.fail(w, r, re, err)
		return
	}
	h.finish(w, r, re, http.StatusOK, nil, func() {
		w.Header().Set("Content-Type", service.ContentTypeCOSE)
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(http.StatusOK)
		w.Write(answer)
	})
}

func (h *Handler) rights(w http.ResponseWriter, r *http.Request, re request) {
	var req rights.Request
	if st, e := readJSON(w, r, &req); e != nil {
		h.finish(w, r, re, st, e, nil)
		return
	}
	switch n := len(req.Beneficiaires); {
	case n == 0:
		h.finish(w, r, re, http.StatusBadRequest, service.ErrBadRequest, nil)
		return
	case n > rights.MaxWho:
		h.finish(w, r, re, http.StatusBadRequest, credential.ErrTooLarge, nil)
		return
	}
	who := make([]rights.Who, 0, len(req.Beneficiaires))
	for _, j := range req.Beneficiaires {
		wh, err := j.Who()
		if err != nil {
			h.fail(w, r, re, err)
			return
		}
		who = append(who, wh)
	}
	rs, err := h.cfg.Backend.Rights(who)
	if err != nil {
		h.fail(w, r, re, err)
		return
	}
	ans := rights.Answer{Rights: make([]rights.RightsJSON, 0, len(rs))}
	for _, x := range rs {
		ans.Rights = append(ans.Rights, rights.JSONOf(x))
	}
	h.finish(w, r, re, http.StatusOK, nil, func() { writeJSON(w, http.StatusOK, ans) })
}

// readJSON decodes the body, one JSON object with known fields only, at
// most service.MaxRequestBody bytes.
func readJSON(w http.ResponseWriter, r *http.Request, v any) (int, *apcverr.Error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, service.MaxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return http.StatusRequestEntityTooLarge, credential.ErrTooLarge
		}
		return http.StatusBadRequest, service.ErrBadRequest
	}
	if _, err := dec.Token(); err != io.EOF {
		return http.StatusBadRequest, service.ErrBadRequest
	}
	return 0, nil
}

// statuses maps the error kinds the service answers to HTTP statuses.
var statuses = []struct {
	kind   *apcverr.Error
	status int
}{
	{service.ErrPSCertRefused, http.StatusUnauthorized},
	{service.ErrPSRevoked, http.StatusForbidden},
	{credential.ErrDeviceBinding, http.StatusForbidden},
	{service.ErrUnknownCredential, http.StatusNotFound},
	{service.ErrUnknownBeneficiary, http.StatusNotFound},
	{service.ErrAlreadyResolved, http.StatusConflict},
	{credential.ErrQRExpired, http.StatusGone},
	{credential.ErrRevoked, http.StatusGone},
	{credential.ErrExpired, http.StatusGone},
	{credential.ErrMalformed, http.StatusBadRequest},
	{credential.ErrUnsupportedVersion, http.StatusBadRequest},
	{credential.ErrTooLarge, http.StatusBadRequest},
	{credential.ErrInvalidField, http.StatusBadRequest},
	{service.ErrBadRequest, http.StatusBadRequest},
	{service.ErrServiceUnavailable, http.StatusServiceUnavailable},
}

// StatusOf returns the HTTP status and the error kind the service answers
// for err: service-internal (500) for an error of no known kind.
func StatusOf(err error) (int, *apcverr.Error) {
	for _, s := range statuses {
		if errors.Is(err, s.kind) {
			return s.status, s.kind
		}
	}
	return http.StatusInternalServerError, service.ErrServiceInternal
}

// fail answers err's kind.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, re request, err error) {
	st, kind := StatusOf(err)
	if st == http.StatusInternalServerError {
		h.cfg.Logger.Error("backoffice: backend", "path", r.URL.Path, "err", err)
	}
	h.finish(w, r, re, st, kind, nil)
}

// finish audits the request, then answers: the error kind, or ok's answer.
// An audit failure turns a success into 500.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, re request, status int, kind *apcverr.Error, ok func()) {
	agent := portal.Anonymous
	switch {
	case re.ps != "":
		agent = "ps:" + re.ps
	case re.claimed != "":
		agent = "unverified-ps:" + re.claimed
	}
	result := "ok"
	if kind != nil {
		result = kind.Code
	}
	action := "service" + r.URL.Path
	if r.URL.Path != service.PathResolve && r.URL.Path != service.PathRights {
		action = "service-unknown-endpoint"
	}
	e := portal.AuditEntry{Time: h.clock.Now().UTC(), Agent: agent, Action: action, Status: status, Result: result,
		Remote: remoteIP(r), Credential: re.credential}
	appendEntry := h.cfg.Audit.Append
	if h.cfg.AuditSyncInterval > 0 {
		appendEntry = h.cfg.Audit.AppendNoSync
	}
	if err := appendEntry(e); err != nil {
		h.cfg.Logger.Error("backoffice: audit", "err", err)
		if kind == nil {
			status, kind = http.StatusInternalServerError, service.ErrServiceInternal
		}
	}
	if kind != nil {
		writeError(w, status, kind)
		return
	}
	ok()
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"`+service.ErrServiceInternal.Code+`"}`)
	}
	w.Header().Set("Content-Type", service.ContentTypeJSON+"; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, e *apcverr.Error) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Mutual-TLS realm="apcv-service"`)
	}
	writeJSON(w, status, service.ErrorBodyOf(e))
}

// Fault is the set of faults the service injects; the zero value is none.
type Fault struct {
	Down        bool          // answer 503 service-unavailable to every request
	Unreachable bool          // reset every new connection at accept (Server) and cut requests on open ones
	Delay       time.Duration // wait this long before answering (a slow service)
	WrongCert   bool          // present a server certificate of another authority (Server)
	RevokedPS   bool          // refuse every professional as revoked (403 ps-revoked)
	Skew        time.Duration // the service's clock offset (signed in resolutions)
}

// String returns f in ParseFault's form ("none" for no fault).
func (f Fault) String() string {
	var parts []string
	if f.Down {
		parts = append(parts, "down")
	}
	if f.Unreachable {
		parts = append(parts, "unreachable")
	}
	if f.Delay > 0 {
		parts = append(parts, "slow="+f.Delay.String())
	}
	if f.WrongCert {
		parts = append(parts, "wrong-cert")
	}
	if f.RevokedPS {
		parts = append(parts, "revoked-ps")
	}
	if f.Skew != 0 {
		parts = append(parts, "skew="+f.Skew.String())
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// ParseFault parses a comma-separated list of faults: down, unreachable,
// slow=DURATION, wrong-cert, revoked-ps, skew=±DURATION; "" or "none" is
// no fault. Errors wrap ErrBadFault.
func ParseFault(s string) (Fault, error) {
	var f Fault
	if s == "" || s == "none" {
		return f, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, val, hasVal := strings.Cut(strings.TrimSpace(part), "=")
		var d time.Duration
		if hasVal {
			var err error
			if d, err = time.ParseDuration(val); err != nil {
				return Fault{}, fmt.Errorf("backoffice: fault %q: %v: %w", part, err, ErrBadFault)
			}
		}
		switch {
		case name == "down" && !hasVal:
			f.Down = true
		case name == "unreachable" && !hasVal:
			f.Unreachable = true
		case name == "slow" && hasVal && d > 0 && d <= time.Hour:
			f.Delay = d
		case name == "wrong-cert" && !hasVal:
			f.WrongCert = true
		case name == "revoked-ps" && !hasVal:
			f.RevokedPS = true
		case name == "skew" && hasVal && d != 0 && d.Abs() <= 24*time.Hour:
			f.Skew = d
		default:
			return Fault{}, fmt.Errorf("backoffice: fault %q (want down, unreachable, slow=2s, wrong-cert, revoked-ps, skew=±45s): %w", part, ErrBadFault)
		}
	}
	return f, nil
}

// ErrBadFault: a fault the service cannot inject.
var ErrBadFault = apcverr.New("service-bad-fault",
	"The fault to inject into the online service is not understood: use down, unreachable, slow=2s, wrong-cert, revoked-ps or skew=45s.",
	"La panne à simuler sur le service en ligne n'est pas comprise : utilisez down, unreachable, slow=2s, wrong-cert, revoked-ps ou skew=45s.")
