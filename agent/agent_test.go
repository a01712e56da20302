package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/internal/leaktest"
	"github.com/apcvkit/apcvkit/reader"
)

// netHTTPTests is set in the run of this package's tests over net/http's
// server (TestOverNetHTTP): every agent is made with Options.NetHTTP.
var netHTTPTests = os.Getenv("APCV_AGENT_NETHTTP") == "1"

// newAgent opens an agent over cfg (an emulated phone) with a fresh token,
// closed at the end of the test.
func newAgent(t testing.TB, cfg Config, opts Options) *Agent {
	t.Helper()
	if opts.Token == "" {
		opts.Token = NewToken()
	}
	opts.NetHTTP = opts.NetHTTP || netHTTPTests
	a, err := New(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// testServer is an agent served by Agent.Serve on a loopback port, with a
// client of its own (as httptest.Server).
type testServer struct {
	URL      string // "http://127.0.0.1:PORT"
	Listener net.Listener
	client   *http.Client
	stop     context.CancelFunc
	served   chan error
	once     sync.Once
	t        testing.TB
}

// serve starts a on a loopback port (Agent.Serve: the agent's own HTTP/1.1
// server, or net/http's in the run over net/http).
func serve(t testing.TB, a *Agent) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, a, ln)
}

// serveOn serves a on ln (which it closes).
func serveOn(t testing.TB, a *Agent, ln net.Listener) *testServer {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	srv := &testServer{URL: "http://" + ln.Addr().String(), Listener: ln, client: &http.Client{Transport: &http.Transport{}},
		stop: stop, served: make(chan error, 1), t: t}
	go func() { srv.served <- a.Serve(ctx, ln, nil) }()
	t.Cleanup(func() { a.Close(); srv.Close() })
	return srv
}

// Client returns a client of the server (its own connections).
func (s *testServer) Client() *http.Client { return s.client }

// Close shuts the server down (Agent.Serve returns) and closes the
// client's idle connections.
func (s *testServer) Close() {
	s.once.Do(func() {
		s.client.CloseIdleConnections()
		s.stop()
		if err := <-s.served; err != nil {
			s.t.Errorf("Serve: %v", err)
		}
		s.client.CloseIdleConnections()
	})
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (an answer) code(t testing.TB) string {
	t.Helper()
	var e ErrorJSON
	if err := json.Unmarshal(an.body, &e); err != nil {
		t.Fatalf("error body %q: %v", an.body, err)
	}
	return e.Code
}

// call sends one request and checks the answer against docs/openapi.json.
func call(t testing.TB, srv *testServer, method, path, token string, hdr map[string]string, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	an := answer{resp.StatusCode, resp.Header, b}
	if resp.StatusCode != http.StatusNoContent {
		p := strings.SplitN(path, "?", 2)[0]
		checkAnswer(t, method, p, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	return an
}

// TestEndpoints calls every endpoint with a good and a refused request:
// each answer's status and error code, and its body against the spec.
func TestEndpoints(t *testing.T) {
	a := newAgent(t, Config{Emulate: &Emulate{Profile: "famille-6-drome"}}, Options{MaxBody: 1024})
	srv := serve(t, a)
	tok := a.opts.Token
	big := `{"timeout_ms":1,"masked":false` + strings.Repeat(" ", 2000) + `}`
	for _, tc := range []struct {
		name, method, path, token string
		hdr                       map[string]string
		body                      string
		status                    int
		code                      string // error code, for refusals
	}{
		{"health without token", "GET", "/v1/health", "", nil, "", 200, ""},
		{"readers without token", "GET", "/v1/readers", "", nil, "", 401, "unauthorized"},
		{"readers with a wrong token", "GET", "/v1/readers", tok + "x", nil, "", 401, "unauthorized"},
		{"readers with a token of another length", "GET", "/v1/readers", "x", nil, "", 401, "unauthorized"},
		{"readers", "GET", "/v1/readers", tok, nil, "", 200, ""},
		{"read without token", "POST", "/v1/read", "", nil, "", 401, "unauthorized"},
		{"read", "POST", "/v1/read", tok, nil, "", 200, ""},
		{"read masked", "POST", "/v1/read", tok, nil, `{"masked":true,"timeout_ms":30000}`, 200, ""},
		{"read with rights, no service", "POST", "/v1/read", tok, nil, `{"rights":true,"timeout_ms":30000}`, 200, ""},
		{"read with GET", "GET", "/v1/read", tok, nil, "", 405, "wrong-method"},
		{"health with POST", "POST", "/v1/health", "", nil, "", 405, "wrong-method"},
		{"read with an unknown field", "POST", "/v1/read", tok, nil, `{"timeout":5}`, 400, "bad-request"},
		{"read with a negative timeout", "POST", "/v1/read", tok, nil, `{"timeout_ms":-1}`, 400, "bad-request"},
		{"read with a timeout above the maximum", "POST", "/v1/read", tok, nil, `{"timeout_ms":600001}`, 400, "bad-request"},
		{"read with two objects", "POST", "/v1/read", tok, nil, `{}{}`, 400, "bad-request"},
		{"read of text/plain", "POST", "/v1/read", tok, map[string]string{"Content-Type": "text/plain"}, `{}`, 415, "unsupported-media-type"},
		{"read too large", "POST", "/v1/read", tok, nil, big, 413, "request-too-large"},
		{"unknown path", "GET", "/v1/nope", tok, nil, "", 404, "unknown-endpoint"},
		{"unknown path without token", "GET", "/admin", "", nil, "", 404, "unknown-endpoint"},
		{"receipt", "POST", "/v1/receipts", tok, nil, `{"psId":"10101010101","psName":"Cabinet du Dr Martin","amountCents":2650}`, 200, ""},
		{"receipt without body", "POST", "/v1/receipts", tok, nil, "", 400, "bad-request"},
		{"receipt with an unknown field", "POST", "/v1/receipts", tok, nil, `{"psId":"1","amount":3}`, 400, "bad-receipt"},
		{"receipt without token", "POST", "/v1/receipts", "", nil, `{}`, 401, "unauthorized"},
		{"lists refresh", "POST", "/v1/lists/refresh", tok, nil, "", 200, ""},
		{"lists refresh with GET", "GET", "/v1/lists/refresh", tok, nil, "", 405, "wrong-method"},
		{"rebound DNS name", "GET", "/v1/health", "", map[string]string{"Host": "evil.example:7723"}, "", 403, "host-forbidden"},
		{"origin not allowed", "GET", "/v1/readers", tok, map[string]string{"Origin": "https://evil.example"}, "", 403, "origin-forbidden"},
		{"origin not allowed, health", "GET", "/v1/health", "", map[string]string{"Origin": "https://evil.example"}, "", 403, "origin-forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			an := call(t, srv, tc.method, tc.path, tc.token, tc.hdr, tc.body)
			if an.status != tc.status {
				t.Fatalf("status %d, want %d: %s", an.status, tc.status, an.body)
			}
			if tc.code != "" {
				if got := an.code(t); got != tc.code {
					t.Errorf("code %q, want %q", got, tc.code)
				}
			}
			if an.status == 401 && an.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if an.status == 405 && an.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
	// Rights asked for without the online service: the identity, and why
	// there are no rights.
	var withRights reader.IdentityJSON
	if err := json.Unmarshal(call(t, srv, "POST", "/v1/read", tok, nil, `{"rights":true}`).body, &withRights); err != nil {
		t.Fatal(err)
	}
	if e := withRights.RightsError; len(withRights.Beneficiaires) == 0 || withRights.Rights != nil || e == nil || e.Code != "rights-unavailable" || e.MessageFR == "" {
		t.Errorf("rights without a service: %+v", withRights.RightsError)
	}
	// The masked read hides the NIR and the names; the plain one does not.
	var plain, masked struct {
		Beneficiaires []struct{ NIR, NomFamille string } `json:"beneficiaires"`
	}
	json.Unmarshal(call(t, srv, "POST", "/v1/read", tok, nil, "").body, &plain)
	json.Unmarshal(call(t, srv, "POST", "/v1/read", tok, nil, `{"masked":true}`).body, &masked)
	if len(plain.Beneficiaires) == 0 || len(masked.Beneficiaires) == 0 {
		t.Fatal("no beneficiaires")
	}
	if p, m := plain.Beneficiaires[0], masked.Beneficiaires[0]; !strings.Contains(m.NIR, "*") || p.NIR == m.NIR || p.NomFamille == m.NomFamille {
		t.Errorf("masked %+v, plain %+v: want the masked one hidden", m, p)
	}
}

// TestRefusal: a refused presentation (a locked app) answers 422 with its
// own code and desk messages, and the device state shows it.
func TestRefusal(t *testing.T) {
	a := newAgent(t, Config{Emulate: &Emulate{Locked: true}}, Options{})
	srv := serve(t, a)
	events, _ := stream(t, srv, "/v1/events?token="+a.opts.Token, nil)
	an := call(t, srv, "POST", "/v1/read", a.opts.Token, nil, "")
	if an.status != http.StatusUnprocessableEntity || an.code(t) != "app-locked" {
		t.Fatalf("%d %s, want 422 app-locked", an.status, an.body)
	}
	var e ErrorJSON
	json.Unmarshal(an.body, &e)
	if !strings.Contains(e.MessageFR, "code") || e.MessageFR == e.MessageEN {
		t.Errorf("desk messages %+v", e)
	}
	var ev Event
	if err := json.Unmarshal(waitEvent(t, events, desk.Refused).data, &ev); err != nil || ev.Error == nil || *ev.Error != e {
		t.Errorf("refused event %+v, want the error %+v", ev, e)
	}
}

// TestHeartbeat: an idle stream gets a ": ping" comment every Heartbeat.
func TestHeartbeat(t *testing.T) {
	a := newAgent(t, Config{Emulate: &Emulate{}}, Options{Heartbeat: 10 * time.Millisecond})
	srv := serve(t, a)
	req, _ := http.NewRequest("GET", srv.URL+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+a.opts.Token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	pings := 0
	for pings < 3 && sc.Scan() {
		if sc.Text() == ": ping" {
			pings++
		}
	}
	if pings < 3 {
		t.Fatalf("%d pings before the stream ended: %v", pings, sc.Err())
	}
}

// TestCORS: the preflight of an allowed page (with Chrome's Private
// Network Access request) and its requests get the CORS headers; other
// origins are refused before the token is looked at.
func TestCORS(t *testing.T) {
	const page = "https://desk.example"
	a := newAgent(t, Config{Emulate: &Emulate{}}, Options{Origins: []string{page, "null"}})
	srv := serve(t, a)
	pre := call(t, srv, "OPTIONS", "/v1/read", "", map[string]string{"Origin": page,
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
		"Access-Control-Request-Private-Network": "true"}, "")
	if pre.status != http.StatusNoContent {
		t.Fatalf("preflight: %d %s", pre.status, pre.body)
	}
	for k, want := range map[string]string{"Access-Control-Allow-Origin": page, "Access-Control-Allow-Private-Network": "true",
		"Access-Control-Allow-Headers": "Authorization, Content-Type", "Access-Control-Allow-Methods": "GET, POST, OPTIONS"} {
		if got := pre.header.Get(k); got != want {
			t.Errorf("preflight %s = %q, want %q", k, got, want)
		}
	}
	noPNA := call(t, srv, "OPTIONS", "/v1/read", "", map[string]string{"Origin": page, "Access-Control-Request-Method": "POST"}, "")
	if noPNA.header.Get("Access-Control-Allow-Private-Network") != "" {
		t.Error("Private Network Access allowed without being asked")
	}
	got := call(t, srv, "GET", "/v1/readers", a.opts.Token, map[string]string{"Origin": page}, "")
	if got.status != 200 || got.header.Get("Access-Control-Allow-Origin") != page || !strings.Contains(got.header.Get("Vary"), "Origin") {
		t.Errorf("allowed page: %d, headers %v", got.status, got.header)
	}
	noTok := call(t, srv, "GET", "/v1/readers", "", map[string]string{"Origin": page}, "")
	if noTok.status != 401 {
		t.Errorf("allowed page without token: %d, want 401", noTok.status)
	}
	evil := call(t, srv, "OPTIONS", "/v1/read", "", map[string]string{"Origin": "http://127.0.0.1:9999",
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"}, "")
	if evil.status != 403 || evil.header.Get("Access-Control-Allow-Origin") != "" || evil.header.Get("Access-Control-Allow-Private-Network") != "" {
		t.Errorf("preflight of another origin: %d %v", evil.status, evil.header)
	}
}

// holdRead starts a read that waits (the patient never presents) on
// behalf of a client that can hang up (cancel), and returns once a second
// read was answered 409 busy: the first holds the session. If the probing
// read was the one to get the session (the first one then answered busy),
// it tries again.
func holdRead(t *testing.T, cl *http.Client, base, tok, body string) (cancel func(), first <-chan answer) {
	t.Helper()
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		ch := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/read", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := cl.Do(req)
			if err != nil {
				ch <- answer{status: -1, body: []byte(err.Error())}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			ch <- answer{resp.StatusCode, resp.Header, b}
		}()
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); {
			probe := post(t, cl, base+"/v1/read", tok, `{"timeout_ms":1}`)
			if probe.status == http.StatusConflict {
				if probe.code(t) != "busy" {
					t.Fatalf("409 with code %s", probe.body)
				}
				return cancel, ch
			}
			select {
			case an := <-ch: // the probe took the session first
				if an.status != http.StatusConflict {
					t.Fatalf("first read: %d %s", an.status, an.body)
				}
				end = time.Time{}
			default:
			}
		}
		cancel()
	}
	t.Fatal("no read held the session")
	return nil, nil
}

// post sends a POST with a JSON body and the token.
func post(t testing.TB, cl *http.Client, url, tok, body string) answer {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// TestOneReadAtATime: while a read waits (the patient never presents),
// a second one gets 409 busy at once; the first ends with 504 at its
// timeout; the next read is accepted again.
func TestOneReadAtATime(t *testing.T) {
	a := newAgent(t, Config{Emulate: &Emulate{Absent: true}}, Options{})
	srv := serve(t, a)
	tok := a.opts.Token
	cancel, first := holdRead(t, srv.Client(), srv.URL, tok, `{"timeout_ms":3000}`)
	defer cancel()
	an := call(t, srv, "POST", "/v1/read", tok, nil, `{"timeout_ms":100}`)
	if an.status != http.StatusConflict || an.code(t) != "busy" {
		t.Fatalf("second read: %d %s, want 409 busy", an.status, an.body)
	}
	if an := <-first; an.status != http.StatusGatewayTimeout || an.code(t) != "read-timeout" {
		t.Fatalf("first read: %d %s, want 504 read-timeout", an.status, an.body)
	}
	if an := call(t, srv, "POST", "/v1/read", tok, nil, `{"timeout_ms":10}`); an.status != http.StatusGatewayTimeout {
		t.Fatalf("read after: %d %s, want 504 (free again)", an.status, an.body)
	}
}

// waitState polls cond for up to 10 s (the machine may be loaded).
func waitState(t testing.TB, a *Agent, _ string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached in 10 s")
}

// TestDisconnectCancelsRead: a client that goes away mid-read cancels it:
// the next read is accepted (not 409), and no goroutine is left. The
// emulated reader and scanner say they wait (internal/waithint): h1 then
// watches the connection at once, its sweep being an hour away here.
func TestDisconnectCancelsRead(t *testing.T) {
	defer func(w time.Duration) { watchAfter = w }(watchAfter)
	watchAfter = time.Hour
	for _, mode := range []string{"nfc", "qr"} {
		t.Run(mode, func(t *testing.T) { testDisconnectCancelsRead(t, mode) })
	}
}

func testDisconnectCancelsRead(t *testing.T, mode string) {
	before := runtime.NumGoroutine()
	func() {
		a := newAgent(t, Config{Emulate: &Emulate{Absent: true, Mode: mode}}, Options{})
		srv := serve(t, a)
		defer srv.Close()
		defer a.Close()
		tok := a.opts.Token
		hangUp, first := holdRead(t, srv.Client(), srv.URL, tok, `{"timeout_ms":60000}`)
		hangUp() // the client goes away
		if an := <-first; an.status != -1 || !strings.Contains(string(an.body), "context canceled") {
			t.Fatalf("client: %d %s", an.status, an.body)
		}
		// The read ends with the connection (at once, not at its 60 s):
		// a read is soon accepted again.
		waitState(t, a, "", func() bool {
			return call(t, srv, "POST", "/v1/read", tok, nil, `{"timeout_ms":1}`).status == http.StatusGatewayTimeout
		})
		srv.Client().CloseIdleConnections()
	}()
	leaktest.WaitGoroutines(t, before)
}

// sseEvent is one event read from a stream.
type sseEvent struct {
	typ  string
	data []byte
}

// stream opens /v1/events and returns its events; the stream ends with the test.
func stream(t testing.TB, srv *testServer, url string, hdr map[string]string) (<-chan sseEvent, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan sseEvent, 64)
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		checkAnswer(t, "GET", "/v1/events", resp.StatusCode, resp.Header.Get("Content-Type"), b)
		close(ch)
		return ch, resp
	}
	checkAnswer(t, "GET", "/v1/events", resp.StatusCode, resp.Header.Get("Content-Type"), nil)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var e sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				e.typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data = []byte(strings.TrimPrefix(line, "data: "))
			case line == "" && e.typ != "":
				ch <- e
				e = sseEvent{}
			}
		}
	}()
	return ch, resp
}

// next returns the next event of ch, failing after 10 s.
func next(t testing.TB, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event in 10 s")
	}
	return sseEvent{}
}

// TestEvents: two streams (one by header, one by ?token= as EventSource
// does) both get a read's events in order, each valid against the event
// schema, the identity one carrying the identity; no token is refused.
func TestEvents(t *testing.T) {
	a := newAgent(t, Config{Emulate: &Emulate{}}, Options{Heartbeat: 20 * time.Millisecond})
	srv := serve(t, a)
	tok := a.opts.Token
	if _, resp := stream(t, srv, "/v1/events", nil); resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	if _, resp := stream(t, srv, "/v1/readers?token="+tok, nil); resp.StatusCode != 401 {
		t.Fatalf("?token= on /v1/readers: %d, want 401 (events only)", resp.StatusCode)
	}
	s1, _ := stream(t, srv, "/v1/events", map[string]string{"Authorization": "Bearer " + tok})
	s2, _ := stream(t, srv, "/v1/events?token="+tok, nil)
	for _, s := range []<-chan sseEvent{s1, s2} {
		if e := next(t, s); e.typ != desk.DeviceAdded {
			t.Fatalf("first event %s, want device-added", e.typ)
		}
	}
	if an := call(t, srv, "POST", "/v1/read", tok, nil, ""); an.status != 200 {
		t.Fatalf("read: %d %s", an.status, an.body)
	}
	for i, s := range []<-chan sseEvent{s1, s2} {
		var types []string
		for len(types) == 0 || types[len(types)-1] != desk.Identity {
			e := next(t, s)
			checkEvent(t, e.data)
			var ev Event
			if err := json.Unmarshal(e.data, &ev); err != nil || ev.Type != e.typ {
				t.Fatalf("stream %d: event %s with data %s", i, e.typ, e.data)
			}
			if ev.Type == desk.Identity && (ev.Identity == nil || len(ev.Identity.Beneficiaires) == 0) {
				t.Fatalf("identity event without the identity: %s", e.data)
			}
			types = append(types, e.typ)
		}
		if want := "phone-presented reading identity"; strings.Join(types, " ") != want {
			t.Errorf("stream %d: %v, want %s", i, types, want)
		}
	}
}

// TestEventsMasked: a stream's identity events are masked by default,
// unmasked with ?masked=false, masked whatever the stream asks when the
// configuration sets masked (which masks POST /v1/read too); a masked
// value that is not a boolean is refused.
func TestEventsMasked(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfgMasked bool
		query     string
		masked    bool // the stream's identity
	}{
		{"default", false, "", true},
		{"masked=true", false, "&masked=true", true},
		{"masked=false", false, "&masked=false", false},
		{"config masked, masked=false", true, "&masked=false", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAgent(t, Config{Masked: tc.cfgMasked, Emulate: &Emulate{Profile: "famille-6-drome", Mode: "qr"}}, Options{})
			srv := serve(t, a)
			tok := a.opts.Token
			s, resp := stream(t, srv, "/v1/events?token="+tok+tc.query, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("stream: %d", resp.StatusCode)
			}
			next(t, s) // device-added
			an := call(t, srv, "POST", "/v1/read", tok, nil, "")
			if an.status != 200 {
				t.Fatalf("read: %d %s", an.status, an.body)
			}
			var id, ev struct {
				Beneficiaires []struct{ NIR, NomFamille, DateNaissance string }
			}
			if err := json.Unmarshal(an.body, &id); err != nil || len(id.Beneficiaires) == 0 {
				t.Fatalf("read: %s", an.body)
			}
			if readMasked := strings.Contains(id.Beneficiaires[0].NIR, "*"); readMasked != tc.cfgMasked {
				t.Errorf("POST /v1/read without masked: masked=%v, want %v", readMasked, tc.cfgMasked)
			}
			for {
				e := next(t, s)
				if e.typ != desk.Identity {
					continue
				}
				var data struct{ Identity json.RawMessage }
				if err := json.Unmarshal(e.data, &data); err != nil || json.Unmarshal(data.Identity, &ev) != nil {
					t.Fatalf("identity event %s", e.data)
				}
				break
			}
			if len(ev.Beneficiaires) != len(id.Beneficiaires) {
				t.Fatalf("identity event: %d beneficiaires, the read %d", len(ev.Beneficiaires), len(id.Beneficiaires))
			}
			for i, b := range ev.Beneficiaires {
				nir, name, date := strings.Contains(b.NIR, "*"), strings.Contains(b.NomFamille, "*"), strings.HasSuffix(b.DateNaissance, "-**-**")
				if nir != tc.masked || name != tc.masked || date != tc.masked || (!tc.masked && b.NIR != id.Beneficiaires[i].NIR) {
					t.Errorf("beneficiary %d: NIR masked %v, name %v, date %v; want masked=%v", i, nir, name, date, tc.masked)
				}
			}
		})
	}
	a := newAgent(t, Config{Emulate: &Emulate{}}, Options{})
	srv := serve(t, a)
	if _, resp := stream(t, srv, "/v1/events?masked=maybe&token="+a.opts.Token, nil); resp.StatusCode != 400 {
		t.Errorf("masked=maybe: %d, want 400", resp.StatusCode)
	}
}

// TestSlowStreamNeverBlocksReading: a client that opens the event stream
// and never reads it does not hold back reads, nor the other streams; its
// stream is ended (falling behind, or its write timing out), and Close
// leaves no goroutine.
func TestSlowStreamNeverBlocksReading(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		a := newAgent(t, Config{Emulate: &Emulate{Mode: "qr"}}, Options{EventBuffer: 64, EventWriteTimeout: 300 * time.Millisecond})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := serveOn(t, a, smallBuffers{ln})
		defer srv.Close()
		defer a.Close()
		tok := a.opts.Token
		// The stalled client: a raw connection with a tiny receive
		// buffer that sends the request and never reads.
		conn := dialStalled(t, srv.Listener.Addr().String())
		defer conn.Close()
		io.WriteString(conn, "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "+tok+"\r\n\r\n")
		good, _ := stream(t, srv, "/v1/events", map[string]string{"Authorization": "Bearer " + tok})
		waitState(t, a, "", func() bool { return a.streamsActive() == 2 })
		var mu sync.Mutex
		got := 0
		go func() {
			for e := range good {
				if e.typ == desk.Identity {
					mu.Lock()
					got++
					mu.Unlock()
				}
			}
		}()
		const reads = 40
		for i := range reads {
			if an := call(t, srv, "POST", "/v1/read", tok, nil, ""); an.status != 200 {
				t.Fatalf("read %d: %d %s", i, an.status, an.body)
			}
		}
		t.Logf("after %d reads: %d streams", reads, a.streamsActive())
		waitState(t, a, "", func() bool { return a.streamsActive() == 1 }) // the stalled one ended
		waitState(t, a, "", func() bool { mu.Lock(); defer mu.Unlock(); return got == reads })
		srv.Client().CloseIdleConnections()
	}()
	leaktest.WaitGoroutines(t, before)
}

// smallBuffers makes the server side's send buffer small, so that a client
// that does not read fills it after a few events.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(2048)
	}
	return c, err
}

// TestServeShutdown: Serve returns when its ctx ends, with a read waiting
// and a stream open: both end, and no goroutine is left.
func TestServeShutdown(t *testing.T) {
	before := runtime.NumGoroutine()
	a, err := New(context.Background(), Config{Emulate: &Emulate{Absent: true}}, Options{Token: NewToken(), NetHTTP: netHTTPTests})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln, nil) }()
	base := "http://" + ln.Addr().String()
	cl := &http.Client{Transport: &http.Transport{}}
	req, _ := http.NewRequest("GET", base+"/v1/events?token="+a.opts.Token, nil)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, first := holdRead(t, cl, base, a.opts.Token, `{"timeout_ms":60000}`)
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	<-first // ended: the connection closed or an answer, never stuck
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	cl.CloseIdleConnections()
	leaktest.WaitGoroutines(t, before)
}

func decode(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestReadAnswerIsEncodingJSON: a read's answer, written by the identity's
// direct encoder (reader.Identity.AppendJSON), is byte for byte what
// encoding/json writes for the identity it carries, plus the newline every
// answer ends with, and carries the family an unmasked read gave, masked
// (credential.JSONOf) when asked for or by the session's configuration: for
// a family and for people whose names have accents. A read that waits for
// the rights goes through encoding/json and carries them or why not.
func TestReadAnswerIsEncodingJSON(t *testing.T) {
	families := map[string]credential.Family{} // each profile's, from an unmasked read
	for _, profile := range []string{"isere-solo", "famille-6-drome", "id-accents", "lunaire-1978", "nom-usage", "masked"} {
		cfg := Config{Emulate: &Emulate{Profile: profile, Mode: "qr"}}
		if profile == "masked" { // a session that masks every identity
			cfg = Config{Emulate: &Emulate{Profile: "famille-6-drome", Mode: "qr"}, Masked: true}
		}
		a := newAgent(t, cfg, Options{})
		srv := serve(t, a)
		for _, body := range []string{"", `{"masked":true}`, `{"rights":true}`} {
			an := call(t, srv, "POST", "/v1/read", a.opts.Token, nil, body)
			var j reader.IdentityJSON
			if err := json.Unmarshal(an.body, &j); an.status != http.StatusOK || err != nil || len(j.Beneficiaires) == 0 {
				t.Fatalf("%s %s: %d %v %s", profile, body, an.status, err, an.body)
			}
			want, _ := json.Marshal(j)
			if string(an.body) != string(want)+"\n" {
				t.Errorf("%s %s: answer\n%s\nencoding/json\n%s", profile, body, an.body, want)
			}
			masked := body == `{"masked":true}` || cfg.Masked
			if body == "" && !masked {
				fj := credential.FamilyJSON{Beneficiaires: j.Beneficiaires, EtatCivil: j.EtatCivil}
				f, err := fj.Family()
				if err != nil {
					t.Fatalf("%s: the unmasked answer does not decode: %v", profile, err)
				}
				families[profile] = f
			}
			f, ok := families[cfg.Emulate.Profile]
			if !ok {
				t.Fatalf("%s: no unmasked read of %s before", profile, cfg.Emulate.Profile)
			}
			fam, _ := json.Marshal(credential.JSONOf(f, masked))
			got, _ := json.Marshal(credential.FamilyJSON{Beneficiaires: j.Beneficiaires, EtatCivil: j.EtatCivil})
			if string(got) != string(fam) {
				t.Errorf("%s %s (masked %v): family\n%s\nwant\n%s", profile, body, masked, got, fam)
			}
			if body == `{"rights":true}` && j.Rights == nil && j.RightsError == nil {
				t.Errorf("%s: a read that waited for the rights carries neither them nor why not: %s", profile, an.body)
			}
		}
	}
}
