package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/reader"
)

// Options configure an Agent. Token is required; the zero value of every
// other field is a working default.
type Options struct {
	// Token is the installation's pairing token (LoadOrCreateToken):
	// every endpoint but /v1/health needs it, as "Authorization: Bearer
	// TOKEN" (or ?token=TOKEN on /v1/events, for a browser EventSource).
	Token string
	// Origins are the web origins ("https://desk.example", "http://127.0.0.1:8080")
	// whose pages may call the agent (CORS). A request with any other
	// Origin header is refused (403); requests without one (programs) are
	// not concerned.
	Origins []string
	// AllowRemote accepts any Host header; otherwise only loopback names
	// (127.0.0.1, localhost, [::1]) are answered, so that a page on a
	// rebound DNS name cannot reach the agent. Set it only with TLS
	// (CheckAddr).
	AllowRemote bool
	// MaxBody bounds a request body (default 64 KiB).
	MaxBody int64
	// ReadTimeout is how long POST /v1/read waits when the request gives
	// no timeout_ms (default 60 s); MaxReadTimeout bounds timeout_ms
	// (default 10 min).
	ReadTimeout, MaxReadTimeout time.Duration
	// Heartbeat is the interval of the ": ping" comment on /v1/events
	// (default 15 s), which keeps proxies and idle timers from cutting
	// the stream and lets the agent notice a client gone.
	Heartbeat time.Duration
	// EventBuffer is how many events a slow /v1/events client may lag
	// behind before its stream is ended (default 256); the reading never
	// waits for a client.
	EventBuffer int
	// EventWriteTimeout ends a stream whose client does not take an
	// event (or a heartbeat) within it (default 10 s).
	EventWriteTimeout time.Duration
	// Version is reported by /v1/health (default reader.Version()).
	Version string
	// Logger receives requests and failures, never personal data nor
	// query strings (the token); nil discards.
	Logger *slog.Logger
	// NetHTTP makes Serve answer plain HTTP with net/http's server
	// rather than the agent's own HTTP/1.1 server (internal/h1), which
	// calls the handler in the connection's goroutine and so answers a
	// loopback read sooner. HTTPS (Serve with a tls.Config) is always
	// net/http's.
	NetHTTP bool
}

// Agent is the HTTP handler of the local agent over one desk session.
// Create it with New; Close ends its event streams, waits for them and
// closes the session.
type Agent struct {
	cfg   Config
	opts  Options
	log   *slog.Logger
	mux   *http.ServeMux
	paths []string // the routes, for the spec's tests

	smu      sync.Mutex
	s        *desk.Session // the current session (see reopen)
	replaced chan struct{} // closed when s is replaced
	opened   time.Time     // when s was last reopened

	stop    context.Context // done at Close: ends the event streams
	stopped context.CancelFunc
	closeMu sync.Once
	mu      sync.Mutex
	closing bool           // set by Close, under mu: no new stream
	active  int            // streams running, under mu
	streams sync.WaitGroup // added to under mu while !closing
}

var _ http.Handler = (*Agent)(nil)

// New opens the reading session of cfg (its devices, or an emulated
// phone) and returns the agent serving it. Close releases both.
func New(ctx context.Context, cfg Config, opts Options) (*Agent, error) {
	if opts.Token == "" {
		return nil, fmt.Errorf("agent: no pairing token: %w", ErrUnauthorized)
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 64 << 10
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = time.Minute
	}
	if opts.MaxReadTimeout <= 0 {
		opts.MaxReadTimeout = 10 * time.Minute
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.EventWriteTimeout <= 0 {
		opts.EventWriteTimeout = 10 * time.Second
	}
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 256
	}
	if opts.Version == "" {
		opts.Version = reader.Version()
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Logger == nil {
		cfg.Logger = log
	}
	s, err := desk.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	a := &Agent{cfg: cfg, s: s, replaced: make(chan struct{}), opts: opts, log: log}
	a.stop, a.stopped = context.WithCancel(context.Background())
	a.mux = http.NewServeMux()
	a.route("/v1/health", http.MethodGet, false, a.health)
	a.route("/v1/readers", http.MethodGet, true, a.readers)
	a.route("/v1/read", http.MethodPost, true, a.read)
	a.route("/v1/events", http.MethodGet, true, a.events)
	a.route("/v1/receipts", http.MethodPost, true, a.receipts)
	a.route("/v1/lists/refresh", http.MethodPost, true, a.refresh)
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, fmt.Errorf("agent: %s: %w", r.URL.Path, ErrUnknownEndpoint))
	})
	return a, nil
}

// Close ends every /v1/events stream and waits for them, then closes the
// session (which ends a read under way). Call it before
// http.Server.Shutdown, which does not end streams (Serve does both).
// Closing twice is harmless.
func (a *Agent) Close() error {
	var err error
	a.closeMu.Do(func() {
		a.mu.Lock()
		a.closing = true
		a.mu.Unlock()
		a.stopped()
		a.streams.Wait()
		a.smu.Lock() // waits for a reopen under way
		err = a.s.Close()
		a.smu.Unlock()
	})
	return err
}

// Token returns the pairing token the agent accepts.
func (a *Agent) Token() string { return a.opts.Token }

// Session returns the agent's current session (for a program that also
// reads in Go, or cancels a read: Session().Cancel()). After a pcscd
// restart the agent opens a new one.
func (a *Agent) Session() *desk.Session {
	s, _ := a.session()
	return s
}

// route registers h for path: method only, behind the token when auth.
func (a *Agent) route(path, method string, auth bool, h func(http.ResponseWriter, *http.Request)) {
	a.paths = append(a.paths, path)
	a.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method+", OPTIONS")
			a.fail(w, r, fmt.Errorf("agent: %s %s: %w", r.Method, path, ErrWrongMethod))
			return
		}
		if auth && !a.authorized(r, path == "/v1/events") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="apcv agent"`)
			a.fail(w, r, fmt.Errorf("agent: %s: %w", path, ErrUnauthorized))
			return
		}
		h(w, r)
	})
}

// ServeHTTP checks the Host and the Origin, answers CORS preflights, then
// routes.
func (a *Agent) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Cache-Control"] = noStore
	h["X-Content-Type-Options"] = noSniff
	if !a.opts.AllowRemote && !loopbackHostHeader(r.Host) {
		a.fail(w, r, fmt.Errorf("agent: host %q: %w", r.Host, ErrHostForbidden))
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !slices.Contains(a.opts.Origins, origin) {
			a.fail(w, r, fmt.Errorf("agent: origin %q: %w", origin, ErrOriginForbidden))
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			if r.Header.Get("Access-Control-Request-Private-Network") == "true" {
				h.Set("Access-Control-Allow-Private-Network", "true")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	a.mux.ServeHTTP(w, r)
}

// authorized checks the bearer token (or ?token= on the event stream).
func (a *Agent) authorized(r *http.Request, queryOK bool) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok && queryOK {
		got, ok = r.URL.Query().Get("token"), true
	}
	return ok && tokenEqual(strings.TrimSpace(got), a.opts.Token)
}

// fail answers err as the error JSON with its status.
func (a *Agent) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	level := slog.LevelInfo
	if status >= 500 && status != http.StatusGatewayTimeout && status != http.StatusServiceUnavailable {
		level = slog.LevelWarn
	}
	a.log.Log(r.Context(), level, "agent: request refused", "method", r.Method, "path", r.URL.Path, "status", status,
		"code", apcverr.Code(err), "err", err)
	writeJSON(w, status, desk.ErrorOf(err))
}

// Header values set on every answer: shared, never modified (net/http
// only reads them; an Add appends to a copy, their capacity being full).
var (
	noStore     = []string{"no-store"}
	noSniff     = []string{"nosniff"}
	jsonType    = []string{"application/json; charset=utf-8"}
	internalErr = []byte(`{"code":"internal","message_fr":"","message_en":""}` + "\n")
)

// jsonBufs holds the buffers answers are encoded into, reused.
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON answers v's JSON and a newline, with its Content-Length (no
// chunked encoding, whatever its size).
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // an unusually large answer is not kept
			buf.Reset()
			jsonBufs.Put(buf)
		}
	}()
	b := internalErr
	if err := json.NewEncoder(buf).Encode(v); err == nil { // Encode adds the newline
		b = buf.Bytes()
	} else {
		status = http.StatusInternalServerError
	}
	writeBody(w, status, b)
}

// identityBufs holds the buffers read answers are encoded into, reused.
var identityBufs = sync.Pool{New: func() any { return new([]byte) }}

// writeIdentity answers id's JSON (masked or not) with its direct encoder,
// reader.Identity.AppendJSON: the bytes writeJSON would write for
// id.JSON(masked), without building it nor reflecting on it.
func writeIdentity(w http.ResponseWriter, id *reader.Identity, masked bool) {
	p := identityBufs.Get().(*[]byte)
	b := append(id.AppendJSON((*p)[:0], masked), '\n')
	writeBody(w, http.StatusOK, b)
	if cap(b) <= 64<<10 { // an unusually large answer is not kept
		clear(b) // nor the personal data of the last answer while pooled
		*p = b[:0]
		identityBufs.Put(p)
	}
}

// writeBody answers b, a JSON body, with status and its Content-Length.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	w.Write(b)
}

// body reads a POST body: empty, or application/json within MaxBody.
func (a *Agent) body(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > a.opts.MaxBody {
		return nil, fmt.Errorf("agent: body of %d bytes: %w", r.ContentLength, ErrTooLarge)
	}
	var b []byte
	var err error
	if r.ContentLength >= 0 {
		// Its length is known and within MaxBody: read it whole
		// (net/http stops the body at Content-Length).
		b = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, b)
	} else {
		b, err = io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxBody))
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fmt.Errorf("agent: body: %w", ErrTooLarge)
		}
		return nil, fmt.Errorf("agent: body: %w: %w", ErrBadRequest, err)
	}
	if len(b) == 0 {
		return nil, nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" { // the usual one, without parsing
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, fmt.Errorf("agent: content type %q: %w", ct, ErrMediaType)
		}
	}
	return b, nil
}

// decodeJSON decodes b, one JSON object, into v; unknown fields are refused.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("agent: body: %w: %w", ErrBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("agent: body: trailing data: %w", ErrBadRequest)
	}
	return nil
}

// HealthJSON is the answer of GET /v1/health (no authentication, no
// personal data).
type HealthJSON struct {
	Status  string `json:"status"` // "ok"
	Version string `json:"version"`
	API     string `json:"api"` // "v1"
}

func (a *Agent) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, HealthJSON{Status: "ok", Version: a.opts.Version, API: "v1"})
}

// ReadersJSON is the answer of GET /v1/readers: the devices and their state.
type ReadersJSON struct {
	Readers []ReaderState `json:"readers"`
}

func (a *Agent) readers(w http.ResponseWriter, r *http.Request) {
	rs := a.Session().Readers()
	if rs == nil {
		rs = []ReaderState{}
	}
	writeJSON(w, http.StatusOK, ReadersJSON{Readers: rs})
}

// ReadRequest is the optional body of POST /v1/read.
type ReadRequest struct {
	// TimeoutMS is how long to wait for a presentation (default
	// Options.ReadTimeout); above Options.MaxReadTimeout it is refused
	// (400 bad-request).
	TimeoutMS int64 `json:"timeout_ms,omitempty"`
	// Masked asks for the identity with its personal data masked
	// (reader.Identity.JSON(true)), for a page that only displays it.
	Masked bool `json:"masked,omitempty"`
	// Rights also waits for the AMO rights (reader.Identity.Rights,
	// bounded by the online service's timeout): the answer then holds
	// "rights", or "rightsError" when they are unavailable.
	Rights bool `json:"rights,omitempty"`
}

func (a *Agent) read(w http.ResponseWriter, r *http.Request) {
	b, err := a.body(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	req, ok := parseReadRequest(b)
	if !ok && b != nil { // not one of the usual bodies: encoding/json decides
		var dec ReadRequest // apart, so that req stays on the stack
		if err := decodeJSON(b, &dec); err != nil {
			a.fail(w, r, err)
			return
		}
		req = dec
	}
	if req.TimeoutMS < 0 || req.TimeoutMS > a.opts.MaxReadTimeout.Milliseconds() {
		a.fail(w, r, fmt.Errorf("agent: read: timeout_ms %d: %w", req.TimeoutMS, ErrBadRequest))
		return
	}
	timeout := a.opts.ReadTimeout
	if req.TimeoutMS > 0 {
		timeout = time.Duration(req.TimeoutMS) * time.Millisecond
	}
	// The read ends with the request: a client that disconnects cancels
	// it (r.Context), and so does Close.
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	if a.log.Enabled(ctx, slog.LevelDebug) { // its arguments cost an allocation
		a.log.Debug("agent: read: waiting for a presentation", "timeout", timeout)
	}
	id, err := a.readAlive(ctx)
	if err != nil {
		if r.Context().Err() != nil {
			a.log.Info("agent: read: client gone, read cancelled")
			return
		}
		a.fail(w, r, err)
		return
	}
	sess := a.Session()
	if !req.Rights { // the identity's JSON straight from the model
		writeIdentity(w, id, req.Masked || sess.Masked())
		return
	}
	j := sess.IdentityJSON(id, req.Masked)
	list, err := id.Rights(r.Context()) // the fetch has its own deadline
	j.SetRights(list, err, req.Masked || sess.Masked())
	writeJSON(w, http.StatusOK, j)
}

// StatusJSON is the answer of the POST endpoints that return no data.
type StatusJSON struct {
	Status string `json:"status"` // "ok"
}

func (a *Agent) receipts(w http.ResponseWriter, r *http.Request) {
	b, err := a.body(w, r)
	if err == nil && b == nil {
		err = fmt.Errorf("agent: receipt: empty body: %w", ErrBadRequest)
	}
	if err == nil {
		err = a.Session().PostReceipt(r.Context(), b)
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, StatusJSON{Status: "ok"})
}

func (a *Agent) refresh(w http.ResponseWriter, r *http.Request) {
	if _, err := a.body(w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.Session().RefreshLists(r.Context()); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, StatusJSON{Status: "ok"})
}

// events streams the session's events (Server-Sent Events) until the
// client leaves, falls more than EventBuffer events behind, or the agent
// closes. A new stream starts with one device-added per device ready.
func (a *Agent) events(w http.ResponseWriter, r *http.Request) {
	// Identities are masked on the stream unless asked for with
	// ?masked=false (the page that shows the patient's name, the program
	// that files it).
	unmasked := false
	if v := r.URL.Query().Get("masked"); v != "" {
		m, err := strconv.ParseBool(v)
		if err != nil {
			a.fail(w, r, fmt.Errorf("agent: events: masked=%q: want true or false: %w", v, ErrBadRequest))
			return
		}
		unmasked = !m
	}
	a.mu.Lock()
	if a.closing {
		a.mu.Unlock()
		a.fail(w, r, fmt.Errorf("agent: events: %w", reader.ErrClosed))
		return
	}
	a.streams.Add(1)
	a.active++
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.active--
		a.mu.Unlock()
		a.streams.Done()
	}()
	sess, replaced := a.session()
	sub := sess.Subscribe(a.opts.EventBuffer, unmasked)
	defer func() { sub.Close() }()
	rc := http.NewResponseController(w)
	// Close ends a stream at once, even one blocked writing to a client
	// that does not read.
	unblock := context.AfterFunc(a.stop, func() { rc.SetWriteDeadline(time.Now()) })
	defer unblock()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Each write has a deadline: a client that stops reading cannot hold
	// this goroutine (and the session never waits for it: its queue drops).
	write := func(b []byte) bool {
		// The deadline is set before Close is checked: Close sets it to
		// now after cancelling a.stop, so one of the two ends the write.
		if rc.SetWriteDeadline(time.Now().Add(a.opts.EventWriteTimeout)) != nil || a.stop.Err() != nil {
			return false
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write([]byte(": ok\n\n")) {
		return
	}
	waithint.Waiting(r.Context()) // a stream: watch the client from now on
	t := time.NewTicker(a.opts.Heartbeat)
	defer t.Stop()
	var buf []byte
	for {
		select {
		case <-r.Context().Done():
			return
		case <-a.stop.Done():
			return
		case <-t.C:
			if !write([]byte(": ping\n\n")) {
				return
			}
		case e, ok := <-sub.C():
			if !ok { // the session closed: the agent's, or one replaced (reopen)
				select {
				case <-replaced:
				case <-a.stop.Done():
					return
				case <-r.Context().Done():
					return
				}
				sess, replaced = a.session()
				sub = sess.Subscribe(a.opts.EventBuffer, unmasked)
				continue
			}
			if sub.Dropped() > 0 {
				// Events were lost for this client: end the stream
				// rather than go on with a gap (EventSource reconnects
				// and gets the devices again).
				a.log.Warn("agent: events: client too slow, stream ended", "dropped", sub.Dropped())
				return
			}
			data, err := json.Marshal(e)
			if err != nil {
				a.log.Warn("agent: events: event not encodable", "type", e.Type, "err", err)
				continue
			}
			buf = append(buf[:0], "event: "...)
			buf = append(buf, e.Type...)
			buf = append(buf, "\ndata: "...)
			buf = append(buf, data...)
			buf = append(buf, "\n\n"...)
			if !write(buf) {
				return
			}
		}
	}
}

// streamsActive returns how many /v1/events streams are running.
func (a *Agent) streamsActive() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.active
}
