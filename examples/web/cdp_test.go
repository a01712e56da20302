package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/examples/internal/agenttest"
)

// A small Chrome DevTools Protocol client over --remote-debugging-pipe: the
// browser reads NUL-terminated JSON commands on its fd 3 and writes answers
// and events on its fd 4. No websocket, no dependency: the test needs a
// dozen commands (targets, navigation, evaluation, screenshots, console).

// browser is one headless chromium process.
type browser struct {
	cmd    *exec.Cmd
	w      io.WriteCloser // its fd 3
	stderr bytes.Buffer

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpMessage
	subs    map[string][]func(cdpMessage) // by sessionId
	readErr error
	done    chan struct{} // closed when the read loop ends
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// startBrowser starts headless chromium with a fresh profile; the test's
// cleanup closes it (Browser.close, then SIGKILL by PID if it lingers).
func startBrowser(t testing.TB) *browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		agenttest.Missing(t, "chromium", err)
	}
	profile := t.TempDir()
	// Chromium refuses to run as root without --no-sandbox; the pages it
	// opens are the test's own, on loopback.
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--remote-debugging-pipe", "--user-data-dir=" + profile,
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-sync", "--disable-component-update",
		"--disable-features=Translate,MediaRouter,OptimizationHints", "--mute-audio",
		"--window-size=1280,900", "about:blank",
	}
	in, toBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromBrowser, out, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{pending: map[int64]chan cdpMessage{}, subs: map[string][]func(cdpMessage){}, done: make(chan struct{})}
	b.cmd = exec.Command(path, args...)
	b.cmd.ExtraFiles = []*os.File{in, out} // fd 3, fd 4
	b.cmd.Stderr = &lockedWriter{w: &b.stderr, mu: &b.mu}
	b.cmd.Env = append(os.Environ(), "HOME="+profile) // its caches and crash reports go to the temp dir
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	in.Close()
	out.Close()
	b.w = toBrowser
	go b.readLoop(fromBrowser)
	t.Cleanup(func() { b.close(t) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var v struct{ Product string }
	if err := b.call(ctx, "", "Browser.getVersion", nil, &v); err != nil {
		t.Fatalf("chromium does not answer on its DevTools pipe: %v\nstderr:\n%s", err, b.stderrText())
	}
	t.Logf("browser: %s", v.Product)
	return b
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (b *browser) stderrText() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.String()
}

func (b *browser) readLoop(r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	var err error
	for {
		var msg []byte
		msg, err = br.ReadBytes(0)
		if err != nil {
			break
		}
		var m cdpMessage
		if err = json.Unmarshal(msg[:len(msg)-1], &m); err != nil {
			break
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.pending[m.ID]; ok {
				delete(b.pending, m.ID)
				ch <- m
			}
			b.mu.Unlock()
			continue
		}
		subs := append([]func(cdpMessage){}, b.subs[m.SessionID]...)
		b.mu.Unlock()
		for _, f := range subs {
			f(m)
		}
	}
	b.mu.Lock()
	b.readErr = err
	for id, ch := range b.pending {
		close(ch)
		delete(b.pending, id)
	}
	b.mu.Unlock()
	close(b.done)
}

// call sends method with params to the browser (session "") or to a page's
// session and decodes the result into result (when not nil).
func (b *browser) call(ctx context.Context, session, method string, params, result any) error {
	b.mu.Lock()
	if b.readErr != nil {
		b.mu.Unlock()
		return fmt.Errorf("cdp %s: browser gone: %w", method, b.readErr)
	}
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	b.mu.Lock()
	_, err = b.w.Write(append(data, 0))
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("cdp %s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("cdp %s: browser gone", method)
		}
		if m.Error != nil {
			return fmt.Errorf("cdp %s: %d %s", method, m.Error.Code, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("cdp %s: %w", method, ctx.Err())
	}
}

func (b *browser) close(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.call(ctx, "", "Browser.close", nil, nil)
	exited := make(chan error, 1)
	go func() { exited <- b.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Logf("chromium (PID %d) did not exit within 10 s of Browser.close (a loaded machine): killed", b.cmd.Process.Pid)
		_ = b.cmd.Process.Signal(syscall.SIGKILL)
		<-exited
	}
	b.w.Close()
	<-b.done
}

// page is one tab, attached in flat mode.
type page struct {
	b       *browser
	target  string
	session string

	mu      sync.Mutex
	console []string // console messages and browser log entries ("level: text")
}

// newPage opens a tab on about:blank and records its console and log.
func (b *browser) newPage(ctx context.Context, t testing.TB) *page {
	t.Helper()
	var tr struct{ TargetID string }
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &tr); err != nil {
		t.Fatal(err)
	}
	var ar struct{ SessionID string }
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": tr.TargetID, "flatten": true}, &ar); err != nil {
		t.Fatal(err)
	}
	p := &page{b: b, target: tr.TargetID, session: ar.SessionID}
	b.mu.Lock()
	b.subs[p.session] = append(b.subs[p.session], p.onEvent)
	b.mu.Unlock()
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		if err := b.call(ctx, p.session, m, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.call(ctx, "", "Target.closeTarget", map[string]any{"targetId": p.target}, nil)
	})
	return p
}

func (p *page) onEvent(m cdpMessage) {
	var line string
	switch m.Method {
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string
			Args []struct {
				Value       any
				Description string
			}
		}
		if json.Unmarshal(m.Params, &e) != nil {
			return
		}
		var parts []string
		for _, a := range e.Args {
			if a.Value != nil {
				parts = append(parts, fmt.Sprint(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		line = e.Type + ": " + strings.Join(parts, " ")
	case "Runtime.exceptionThrown":
		var e struct {
			ExceptionDetails struct {
				Text      string
				Exception struct{ Description string }
			}
		}
		if json.Unmarshal(m.Params, &e) != nil {
			return
		}
		line = "exception: " + e.ExceptionDetails.Text + " " + e.ExceptionDetails.Exception.Description
	case "Log.entryAdded":
		var e struct {
			Entry struct{ Level, Text, URL string }
		}
		if json.Unmarshal(m.Params, &e) != nil {
			return
		}
		line = "log " + e.Entry.Level + ": " + e.Entry.Text
	default:
		return
	}
	p.mu.Lock()
	p.console = append(p.console, line)
	p.mu.Unlock()
}

// Console returns the page's console and log lines so far.
func (p *page) Console() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.console...)
}

func (p *page) navigate(ctx context.Context, t testing.TB, url string) {
	t.Helper()
	var r struct{ ErrorText string }
	if err := p.b.call(ctx, p.session, "Page.navigate", map[string]any{"url": url}, &r); err != nil {
		t.Fatal(err)
	}
	if r.ErrorText != "" {
		t.Fatalf("navigate %s: %s", url, r.ErrorText)
	}
	p.waitTrue(ctx, t, `document.readyState === "complete"`)
}

// eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its value into out (when not nil).
func (p *page) eval(ctx context.Context, expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage
		}
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	err := p.b.call(ctx, p.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "returnByValue": true, "awaitPromise": true, "userGesture": true,
	}, &r)
	if err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("eval %q: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, out)
	}
	return nil
}

// mustEval is eval that fails the test.
func (p *page) mustEval(ctx context.Context, t testing.TB, expr string, out any) {
	t.Helper()
	if err := p.eval(ctx, expr, out); err != nil {
		t.Fatal(err)
	}
}

// waitTrue polls expr every 50 ms until it is true, failing the test when
// ctx ends first.
func (p *page) waitTrue(ctx context.Context, t testing.TB, expr string) {
	t.Helper()
	for {
		var ok bool
		err := p.eval(ctx, "Boolean("+expr+")", &ok)
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			var body string
			_ = p.eval(context.Background(), "document.body ? document.body.innerText : ''", &body)
			t.Fatalf("page: %s is not true (%v, %v); the page shows:\n%s\nconsole:\n%s", expr, err, ctx.Err(), body, strings.Join(p.Console(), "\n"))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// screenshot captures the page as a PNG and writes it to path.
func (p *page) screenshot(ctx context.Context, t testing.TB, path string) []byte {
	t.Helper()
	var r struct{ Data string }
	if err := p.b.call(ctx, p.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &r); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return png
}
