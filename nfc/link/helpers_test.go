package link

import (
	"bytes"
	"context"
	"encoding/binary"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
)

// apduEcho is a scripted applet: its response is n bytes derived from the
// command (byte i = cmd[i%len] + i), then 90 00.
func apduEcho(n int) apdu.TransportFunc {
	return func(ctx context.Context, cmd []byte) ([]byte, error) {
		return echoResponse(cmd, n), nil
	}
}

func echoResponse(cmd []byte, n int) []byte {
	out := make([]byte, n+2)
	for i := range min(n, n*len(cmd)) { // an empty command gets zeros
		out[i] = cmd[i%len(cmd)] + byte(i)
	}
	binary.BigEndian.PutUint16(out[n:], 0x9000)
	return out
}

// command returns an n-byte command APDU-like payload.
func command(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + n)
	}
	return b
}

// phone is a scripted applet (an apdu.TransportFunc) that records what it
// received and counts resets, as a phone's HCE service would see them.
type phone struct {
	apdu.TransportFunc
	mu     sync.Mutex
	cmds   [][]byte
	resets int
}

func newPhone(n int, then func(ctx context.Context, cmd []byte) error) *phone {
	p := &phone{}
	p.TransportFunc = func(ctx context.Context, cmd []byte) ([]byte, error) {
		p.mu.Lock()
		p.cmds = append(p.cmds, append([]byte(nil), cmd...))
		p.mu.Unlock()
		if then != nil {
			if err := then(ctx, cmd); err != nil {
				return nil, err
			}
		}
		return echoResponse(cmd, n), nil
	}
	return p
}

func (p *phone) Reset() {
	p.mu.Lock()
	p.resets++
	p.mu.Unlock()
}

func (p *phone) counts() (cmds, resets int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.cmds), p.resets
}

// fakeClock is a manual clock: WaitUntil jumps to the deadline.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits int
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) WaitUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits++
	if t.After(c.now) {
		c.now = t
	}
	return nil
}

// checkGoroutines fails t if goroutines started during the test are still
// running when it ends.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("%d goroutines left running (%d before):\n%s", n-before, before, buf[:runtime.Stack(buf, true)])
		}
	})
}

// mustExchange sends cmd and checks the response is the scripted one.
func mustExchange(t *testing.T, l *Link, cmd []byte, n int) {
	t.Helper()
	resp, err := l.Transmit(context.Background(), cmd)
	if err != nil {
		t.Fatalf("Transmit(%d bytes): %v (stats %+v)", len(cmd), err, l.Stats())
	}
	if want := echoResponse(cmd, n); !bytes.Equal(resp, want) {
		t.Fatalf("Transmit(%d bytes) returned %d bytes, want %d (equal prefix %v)", len(cmd), len(resp), len(want), bytes.HasPrefix(want, resp))
	}
}
