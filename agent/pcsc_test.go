package agent

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/internal/leaktest"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/internal/testlog"
)

// The agent over the real pcscd: the emulated phone is a virtual card on
// the harness's "agent" vpcd slot (what apcv emulate --vpcd serves), read
// with Config.PCSC naming that reader. Run through
// scripts/pcscd/with-pcscd.sh; the restart test also needs --allow-restart.

// pcscAgent sets up the phone of w (not yet presented), a lists directory
// and an agent reading the slot's reader; present serves the phone until
// the returned func is called (the phone taken away).
func pcscAgent(t *testing.T, profile string) (a *Agent, name string, present func() (remove func())) {
	t.Helper()
	addr, name := pcsctest.Require(t, "agent")
	w, err := emulator.New(emulator.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	applet, err := w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := w.WriteLists(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	pcsctest.WaitCard(t, name, false, 20*time.Second) // the previous test's phone is gone
	present = func() func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- vpcd.Serve(ctx, addr, applet, vpcd.Options{MinRedial: 20 * time.Millisecond, MaxRedial: 200 * time.Millisecond,
				Logger: testlog.New(t)})
		}()
		pcsctest.WaitCard(t, name, true, 20*time.Second)
		removed := false
		remove := func() {
			if removed {
				return
			}
			removed = true
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("vpcd.Serve: %v", err)
			}
			pcsctest.WaitCard(t, name, false, 20*time.Second)
		}
		t.Cleanup(remove)
		return remove
	}
	a = newAgent(t, Config{Lists: dir, PCSC: []string{name}}, Options{})
	return a, name, present
}

// TestPCSCPhoneComesAndGoes: a phone tapped is read; taken away, the next
// read times out (504), never a stale identity; tapped again, it is read.
// The event stream sees each presentation.
func TestPCSCPhoneComesAndGoes(t *testing.T) {
	a, name, present := pcscAgent(t, "famille-6-drome")
	srv := serve(t, a)
	tok := a.opts.Token
	events, _ := stream(t, srv, "/v1/events", map[string]string{"Authorization": "Bearer " + tok})
	if e := next(t, events); e.typ != desk.DeviceAdded {
		t.Fatalf("first event %s", e.typ)
	}
	remove := present()
	an := call(t, srv, "POST", "/v1/read", tok, nil, `{"timeout_ms":20000}`)
	if an.status != 200 {
		t.Fatalf("read: %d %s", an.status, an.body)
	}
	waitEvent(t, events, desk.Identity)
	remove()
	an = call(t, srv, "POST", "/v1/read", tok, nil, `{"timeout_ms":1500}`)
	if an.status != http.StatusGatewayTimeout || an.code(t) != "read-timeout" {
		t.Fatalf("read without a phone: %d %s, want 504 read-timeout", an.status, an.body)
	}
	present()
	an = call(t, srv, "POST", "/v1/read", tok, nil, `{"timeout_ms":20000}`)
	if an.status != 200 {
		t.Fatalf("read of the phone tapped again: %d %s", an.status, an.body)
	}
	waitEvent(t, events, desk.Identity)
	var readers ReadersJSON
	if r := call(t, srv, "GET", "/v1/readers", tok, nil, ""); r.status != 200 || decode(r.body, &readers) != nil ||
		len(readers.Readers) != 1 || readers.Readers[0].Name != "nfc:pcsc:"+name || readers.Readers[0].State == desk.StateRemoved {
		t.Fatalf("readers: %d %s", r.status, r.body)
	}
}

// TestPCSCDRestartAgent: pcscd stops and starts again under the agent;
// the next read succeeds (the agent opens its session again), the event
// stream carries on, and nothing is left running after Close.
func TestPCSCDRestartAgent(t *testing.T) {
	pcsctest.MayRestart(t)
	before := runtime.NumGoroutine()
	func() {
		a, _, present := pcscAgent(t, "isere-solo")
		srv := serve(t, a)
		defer srv.Close()
		defer a.Close()
		tok := a.opts.Token
		events, _ := stream(t, srv, "/v1/events", map[string]string{"Authorization": "Bearer " + tok})
		remove := present()
		defer remove()
		if an := call(t, srv, "POST", "/v1/read", tok, nil, `{"timeout_ms":20000}`); an.status != 200 {
			t.Fatalf("read: %d %s", an.status, an.body)
		}
		waitEvent(t, events, desk.Identity)

		old := a.Session()
		pcsctest.RestartPCSCD(t)
		_, name := pcsctest.Require(t, "agent")
		pcsctest.WaitCard(t, name, true, 15*time.Second) // the emulator dialled again

		// The reader keeps the phone it read until it leaves the field;
		// across the restart it is a new card: read again.
		an := call(t, srv, "POST", "/v1/read", tok, nil, `{"timeout_ms":30000}`)
		if an.status != 200 {
			t.Fatalf("read after the pcscd restart: %d %s", an.status, an.body)
		}
		if a.Session() == old {
			t.Error("the session was not opened again, yet the read after the restart succeeded?")
		}
		waitEvent(t, events, desk.Identity) // the stream follows the new session
		srv.Client().CloseIdleConnections()
	}()
	leaktest.WaitGoroutines(t, before)
}

// waitEvent skips events until one of type typ.
func waitEvent(t testing.TB, events <-chan sseEvent, typ string) sseEvent {
	t.Helper()
	for {
		e := next(t, events)
		checkEvent(t, e.data)
		if e.typ == typ {
			return e
		}
	}
}
