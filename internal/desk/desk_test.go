package desk_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/psauth"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/internal/testlog"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/online"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		ok         bool
	}{
		{"emulate", `{"emulate":{"profile":"famille-6-drome"}}`, true},
		{"emulate qr presented", `{"emulate":{"profile":"isere-solo","mode":"qr","presented":3}}`, true},
		{"devices", `{"lists":"/tmp/l","pcsc":["any"],"serial":["/dev/ttyACM0"],"baud":115200,"groups":["AMO","INS"],"apdu_timeout_ms":500}`, true},
		{"auto", `{"lists":"/tmp/l","auto":true}`, true},
		{"masked", `{"masked":true,"emulate":{"mode":"qr"}}`, true},
		{"masked not a boolean", `{"masked":"yes","emulate":{}}`, false},
		{"empty", ``, false},
		{"not an object", `[]`, false},
		{"unknown field", `{"emulate":{"profile":"x"},"colour":"blue"}`, false},
		{"unknown emulate field", `{"emulate":{"profil":"x"}}`, false},
		{"trailing data", `{"emulate":{}} {}`, false},
		{"wrong type", `{"lists":"/tmp/l","pcsc":"any"}`, false},
		{"bad mode", `{"emulate":{"mode":"bluetooth"}}`, false},
		{"presented with nfc", `{"emulate":{"presented":2}}`, false},
		{"presented negative", `{"emulate":{"mode":"qr","presented":-1}}`, false},
		{"emulate qr beneficiary", `{"emulate":{"mode":"qr","beneficiary":0}}`, true},
		{"beneficiary with nfc", `{"emulate":{"beneficiary":1}}`, false},
		{"beneficiary negative", `{"emulate":{"mode":"qr","beneficiary":-1}}`, false},
		{"beneficiary past the largest family", `{"emulate":{"mode":"qr","beneficiary":32}}`, false},
		{"emulate and lists", `{"lists":"/tmp/l","emulate":{}}`, false},
		{"emulate and pcsc", `{"pcsc":["any"],"emulate":{}}`, false},
		{"no lists", `{"pcsc":["any"]}`, false},
		{"no device", `{"lists":"/tmp/l"}`, false},
		{"negative baud", `{"lists":"/tmp/l","serial":["x"],"baud":-1}`, false},
		{"too large", `{"lists":"` + strings.Repeat("a", desk.MaxConfigSize) + `"}`, false},
		{"online service", `{"lists":"/tmp/l","auto":true,"service_url":"https://127.0.0.1:8443","ps_cert":"c.pem","ps_key":"k.pem","service_ca":"ca.pem","service_timeout_ms":1500}`, true},
		{"service without certificate", `{"lists":"/tmp/l","auto":true,"service_url":"https://127.0.0.1:8443","service_ca":"ca.pem"}`, false},
		{"certificate without service", `{"lists":"/tmp/l","auto":true,"ps_cert":"c.pem","ps_key":"k.pem"}`, false},
		{"negative service timeout", `{"lists":"/tmp/l","auto":true,"service_timeout_ms":-1}`, false},
		{"emulate and service", `{"emulate":{},"service_url":"https://127.0.0.1:8443","ps_cert":"c.pem","ps_key":"k.pem","service_ca":"ca.pem"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := desk.ParseConfig([]byte(tc.json))
			if tc.ok && err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if !tc.ok && !errors.Is(err, desk.ErrBadConfig) {
				t.Fatalf("ParseConfig = %v, want ErrBadConfig", err)
			}
		})
	}
}

// open opens a session on cfg; the test fails if Close leaves a goroutine behind.
func open(t *testing.T, cfg desk.Config) *desk.Session {
	t.Helper()
	before := runtime.NumGoroutine()
	cfg.Logger = testlog.New(t)
	s, err := desk.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		noLeak(t, before)
	})
	return s
}

func noLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after Close\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitEvent returns the first event of type typ on sub.
func waitEvent(t *testing.T, sub *desk.Subscription, typ string) desk.Event {
	t.Helper()
	for {
		e, err := sub.Next(ctxT(t, 10*time.Second))
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if e.Type == typ {
			return e
		}
	}
}

// queued returns the events in sub's queue, without waiting.
func queued(sub *desk.Subscription) []desk.Event {
	var es []desk.Event
	for {
		select {
		case e := <-sub.C():
			es = append(es, e)
		default:
			return es
		}
	}
}

func eventTypes(es []desk.Event) string {
	var ts []string
	for _, e := range es {
		ts = append(ts, e.Type)
	}
	return strings.Join(ts, " ")
}

func TestReadEmulated(t *testing.T) {
	for _, mode := range []string{"nfc", "qr"} {
		t.Run(mode, func(t *testing.T) {
			s := open(t, desk.Config{Emulate: &desk.Emulate{Profile: "famille-6-drome", Mode: mode}, Groups: []string{"AMO", "INS"}})
			sub := s.Subscribe(0, true)
			device := map[string]string{"nfc": "nfc:emulated", "qr": "qr:emulated"}[mode]
			if es := queued(sub); len(es) != 1 || es[0].Type != desk.DeviceAdded || es[0].Device != device {
				t.Errorf("events queued after Open: %+v, want device-added %q", es, device)
			}
			for i := range 2 { // the patient presents the phone at each Read
				id, err := s.Read(ctxT(t, 20*time.Second))
				if err != nil {
					t.Fatalf("read %d: %v", i, err)
				}
				if got := id.Mode.String(); !strings.EqualFold(got, mode) {
					t.Errorf("mode %s, want %s", got, mode)
				}
				if len(id.Beneficiaires) == 0 || id.Source != device {
					t.Errorf("identity: %d beneficiaires from %q", len(id.Beneficiaires), id.Source)
				}
				// The reading's events are queued when Read returns, in order.
				got := queued(sub)
				if types := eventTypes(got); types != "phone-presented reading identity" {
					t.Fatalf("events queued after Read: %q", types)
				}
				e := got[2]
				if ej := e.IdentityJSON(); ej == nil || ej.Verification.CredentialID != id.Verification.CredentialID || e.Device != device {
					t.Fatalf("identity event %+v", e)
				}
				if _, err := time.Parse(time.RFC3339, e.Time); err != nil {
					t.Errorf("time %q: %v", e.Time, err)
				}
				rec := `{"beneficiary":0,"psId":"10101010101","psName":"Pharmacie de la Gare","amountCents":1250}`
				if err := s.PostReceipt(ctxT(t, 10*time.Second), []byte(rec)); err != nil {
					t.Fatalf("receipt: %v", err)
				}
			}
			if rs := s.Readers(); len(rs) != 1 || rs[0].Name != device || rs[0].State != desk.StateReady || rs[0].Kind != mode {
				t.Errorf("Readers = %+v", rs)
			}
			if err := s.RefreshLists(ctxT(t, 10*time.Second)); err != nil {
				t.Errorf("RefreshLists: %v", err)
			}
		})
	}
}

// TestRefused: a locked app and a revoked credential are refused with their
// codes, as results of Read and as "refused" events carrying the desk message.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		emu  desk.Emulate
		code string
	}{
		{"nfc locked", desk.Emulate{Locked: true}, "app-locked"},
		{"qr locked", desk.Emulate{Mode: "qr", Locked: true}, "app-locked"},
		{"nfc revoked", desk.Emulate{Revoked: true}, "app-revoked"}, // the app knows, and says so over NFC
		{"qr revoked", desk.Emulate{Mode: "qr", Revoked: true}, "revoked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, desk.Config{Emulate: &tc.emu})
			sub := s.Subscribe(0, false)
			id, err := s.Read(ctxT(t, 20*time.Second))
			if id != nil || apcverr.Code(err) != tc.code {
				t.Fatalf("Read = %v, %v (code %q), want code %q", id, err, apcverr.Code(err), tc.code)
			}
			e := waitEvent(t, sub, desk.Refused)
			want := desk.ErrorOf(err)
			if e.Error == nil || *e.Error != *want || e.Error.MessageFR == e.Error.MessageEN || e.Identity != nil {
				t.Fatalf("refused event %+v, want error %+v", e, want)
			}
			if err := s.PostReceipt(ctxT(t, 5*time.Second), []byte(`{"beneficiary":0,"psId":"1","psName":"P","amountCents":1}`)); !errors.Is(err, reader.ErrNoReceipts) {
				t.Errorf("receipt without identity: %v, want ErrNoReceipts", err)
			}
		})
	}
}

func TestBusyCancelTimeout(t *testing.T) {
	s := open(t, desk.Config{Emulate: &desk.Emulate{Absent: true}})
	if _, err := s.Read(ctxT(t, 50*time.Millisecond)); !errors.Is(err, desk.ErrTimeout) {
		t.Fatalf("Read with no phone = %v, want ErrTimeout", err)
	}
	done := make(chan error, 1)
	start := func() { go func() { _, err := s.Read(context.Background()); done <- err }() }
	start()
	// Busy: while one Read waits, another fails at once.
	for {
		_, err := s.Read(ctxT(t, 50*time.Millisecond))
		if errors.Is(err, reader.ErrBusy) {
			break
		}
		if !errors.Is(err, desk.ErrTimeout) {
			t.Fatalf("second Read = %v, want ErrBusy", err)
		}
		select { // this one started first: the goroutine's was the busy one
		case e := <-done:
			if !errors.Is(e, reader.ErrBusy) {
				t.Fatalf("goroutine Read = %v, want ErrBusy", e)
			}
			start()
		default:
		}
	}
	var err error
	for err == nil { // Cancel does nothing before the Read starts: repeat until it ends
		s.Cancel()
		select {
		case err = <-done:
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !errors.Is(err, desk.ErrCancelled) || apcverr.Code(err) != "cancelled" {
		t.Fatalf("cancelled Read = %v (code %q)", err, apcverr.Code(err))
	}
}

func TestSubscription(t *testing.T) {
	s := open(t, desk.Config{Emulate: &desk.Emulate{Absent: true}})
	sub := s.Subscribe(0, false)
	if e := waitEvent(t, sub, desk.DeviceAdded); e.Device != "nfc:emulated" {
		t.Errorf("late subscriber: device-added %+v", e)
	}
	if _, err := sub.Next(ctxT(t, 20*time.Millisecond)); !errors.Is(err, desk.ErrNoEvent) {
		t.Errorf("Next with nothing queued = %v, want ErrNoEvent", err)
	}
	done := make(chan error, 1)
	go func() { _, err := sub.Next(context.Background()); done <- err }()
	var err error
	for err == nil {
		s.Cancel()
		select {
		case err = <-done:
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !errors.Is(err, desk.ErrCancelled) {
		t.Errorf("cancelled Next = %v", err)
	}
	sub2 := s.Subscribe(1, false)
	waitEvent(t, sub2, desk.DeviceAdded)
	go func() { _, err := sub2.Next(context.Background()); done <- err }()
	s.Close()
	if err := <-done; !errors.Is(err, reader.ErrClosed) {
		t.Errorf("Next across Close = %v, want ErrClosed", err)
	}
	if _, err := s.Read(context.Background()); !errors.Is(err, reader.ErrClosed) {
		t.Errorf("Read after Close = %v", err)
	}
	if _, ok := <-s.Subscribe(0, false).C(); ok {
		t.Error("Subscribe after Close: queue open")
	}
}

func TestDroppedWhenFull(t *testing.T) {
	s := open(t, desk.Config{Emulate: &desk.Emulate{Mode: "qr"}})
	sub := s.Subscribe(1, false) // device-added takes the extra slot; 1 more
	for range 3 {
		if _, err := s.Read(ctxT(t, 20*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for sub.Dropped() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if sub.Dropped() == 0 {
		t.Fatal("no event dropped from a full queue")
	}
	if n := len(sub.C()); n != 2 {
		t.Errorf("queue holds %d events, want its 2", n)
	}
}

func TestReceiptRefused(t *testing.T) {
	s := open(t, desk.Config{Emulate: &desk.Emulate{}})
	if _, err := s.Read(ctxT(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, json string }{
		{"empty", ``},
		{"unknown field", `{"beneficiary":0,"psId":"1","psName":"P","amountCents":1,"vat":2}`},
		{"beneficiary out of range", `{"beneficiary":99,"psId":"1","psName":"P","amountCents":1}`},
		{"negative amount", `{"beneficiary":0,"psId":"1","psName":"P","amountCents":-5}`},
		{"no psId", `{"beneficiary":0,"psName":"P","amountCents":1}`},
		{"bad date", `{"beneficiary":0,"psId":"1","psName":"P","amountCents":1,"date":"yesterday"}`},
		{"trailing", `{"beneficiary":0,"psId":"1","psName":"P","amountCents":1}x`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.PostReceipt(ctxT(t, 5*time.Second), []byte(tc.json)); !errors.Is(err, desk.ErrBadReceipt) {
				t.Errorf("PostReceipt = %v, want ErrBadReceipt", err)
			}
		})
	}
}

// TestSources reads through a lists directory (as written by apcv emulate
// --lists-out) and checks that a device that cannot be opened leaves
// nothing open.
func TestSources(t *testing.T) {
	w, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := w.WriteLists(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	_, _, err = desk.Sources(context.Background(), desk.Config{Lists: dir, Serial: []string{filepath.Join(dir, "no-such-port")}})
	if err == nil {
		t.Fatal("opened a serial port that does not exist")
	}
	noLeak(t, before)
	_, _, err = desk.Sources(context.Background(), desk.Config{Lists: filepath.Join(dir, "missing")})
	if err == nil {
		t.Fatal("a missing lists directory was accepted")
	}
	rc, _, err := desk.Sources(context.Background(), desk.Config{Lists: dir, Groups: []string{"AMO", "ETAT_CIVIL"}, APDUTimeoutMS: 700,
		ReplayStore: filepath.Join(dir, "replay.db")})
	if err != nil {
		t.Fatal(err)
	}
	if rc.ListAuthority == nil || rc.Lists == nil || len(rc.Groups) != 2 || rc.APDUTimeout != 700*time.Millisecond || rc.Replay == nil {
		t.Errorf("reader config %+v", rc)
	}
	if _, err := os.Stat(filepath.Join(dir, "replay.db")); err != nil {
		t.Errorf("replay store: %v", err)
	}
	if _, _, err := desk.Sources(context.Background(), desk.Config{Lists: dir, Groups: []string{"AME"}}); !errors.Is(err, desk.ErrBadConfig) {
		t.Errorf("unknown group: %v", err)
	}
}

// TestSourcesOnline: the online service's fields become the reader's
// online configuration, from the PEM files apcv ps-cert writes; a file
// missing is a configuration error.
func TestSourcesOnline(t *testing.T) {
	w, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := w.WriteLists(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	auth, err := psauth.New(psauth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := auth.IssuePS(psauth.PS{RPPS: "10101234567", Name: "Dr Test", Profession: "Médecin"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"ps.pem": certPEM, "ps-key.pem": keyPEM, "ps-ca.pem": auth.CAPEM()}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := desk.Config{Lists: dir, ServiceURL: "https://127.0.0.1:8443", PSCert: filepath.Join(dir, "ps.pem"),
		PSKey: filepath.Join(dir, "ps-key.pem"), ServiceCA: filepath.Join(dir, "ps-ca.pem"), ServiceTimeoutMS: 1500}
	rc, _, err := desk.Sources(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if o := rc.Online; o == nil || o.URL != c.ServiceURL || o.Timeout != 1500*time.Millisecond || len(o.Cert.Certificate) == 0 || o.Roots == nil {
		t.Fatalf("online config %+v", rc.Online)
	}
	missing := filepath.Join(dir, "missing.pem")
	for name, mod := range map[string]func(*desk.Config){
		"certificate":                func(c *desk.Config) { c.PSCert = missing },
		"key":                        func(c *desk.Config) { c.PSKey = missing },
		"service CA":                 func(c *desk.Config) { c.ServiceCA = missing },
		"key of another certificate": func(c *desk.Config) { c.PSKey = c.PSCert },
	} {
		bad := c
		mod(&bad)
		_, _, err := desk.Sources(context.Background(), bad)
		if !errors.Is(err, desk.ErrBadConfig) || !errors.Is(err, online.ErrOnlineNotConfigured) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConcurrentReadsAndEvents(t *testing.T) {
	s := open(t, desk.Config{Emulate: &desk.Emulate{Mode: "qr"}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				_, err := s.Read(ctxT(t, 20*time.Second))
				mu.Lock()
				got[apcverr.Code(err)]++
				mu.Unlock()
			}
		}()
	}
	subs := []*desk.Subscription{s.Subscribe(0, false), s.Subscribe(0, false)}
	wg.Wait()
	if got[""] == 0 || len(got) > 2 || (len(got) == 2 && got["busy"] == 0) {
		t.Errorf("results %v: want identities, and busy only", got)
	}
	for _, sub := range subs {
		sub.Close()
		sub.Close()
	}
}

func TestEventJSON(t *testing.T) {
	s := open(t, desk.Config{Emulate: &desk.Emulate{Locked: true}})
	sub := s.Subscribe(0, false)
	s.Read(ctxT(t, 20*time.Second))
	e := waitEvent(t, sub, desk.Refused)
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	errObj, _ := m["error"].(map[string]any)
	if m["type"] != "refused" || m["device"] != "nfc:emulated" || errObj["code"] != "app-locked" || errObj["message_fr"] == "" || m["identity"] != nil {
		t.Errorf("event JSON %s", b)
	}
}

// TestMasked: identity events are masked unless the subscription asks for
// the identity unmasked and the configuration does not mask it; the same
// rule for Session.IdentityJSON, whatever the way the event is taken (Next,
// C then IdentityJSON, or encoded).
func TestMasked(t *testing.T) {
	for _, tc := range []struct {
		name                string
		cfgMasked, unmasked bool
		wantEvent, wantRead bool // masked?
		readMasked          bool // IdentityJSON's argument
	}{
		{"default subscription", false, false, true, false, false},
		{"unmasked subscription", false, true, false, false, false},
		{"read asks for masked", false, true, false, true, true},
		{"config masked, subscription unmasked", true, true, true, true, false},
		{"config masked", true, false, true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, desk.Config{Masked: tc.cfgMasked, Emulate: &desk.Emulate{Profile: "famille-6-drome", Mode: "qr"}})
			next, raw := s.Subscribe(0, tc.unmasked), s.Subscribe(0, tc.unmasked)
			id, err := s.Read(ctxT(t, 20*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			want := func(masked bool) string {
				b, _ := json.Marshal(id.JSON(masked))
				return string(b)
			}
			if b, _ := json.Marshal(s.IdentityJSON(id, tc.readMasked)); string(b) != want(tc.wantRead) {
				t.Errorf("IdentityJSON(masked=%v) masked=%v: %s", tc.readMasked, !tc.wantRead, b)
			}
			if want(true) == want(false) {
				t.Fatal("the masked identity is the identity")
			}
			e := waitEvent(t, next, desk.Identity)
			if b, _ := json.Marshal(e.Identity); string(b) != want(tc.wantEvent) {
				t.Errorf("Next: identity %s, want masked=%v", b, tc.wantEvent)
			}
			var got desk.Event
			for _, q := range queued(raw) {
				if q.Type == desk.Identity {
					got = q
				}
			}
			if got.Identity != nil {
				t.Error("an event from C() carries its identity converted already")
			}
			if b, _ := json.Marshal(got.IdentityJSON()); string(b) != want(tc.wantEvent) {
				t.Errorf("C, IdentityJSON: %s, want masked=%v", b, tc.wantEvent)
			}
			b, err := json.Marshal(got)
			var dec struct{ Identity json.RawMessage }
			if err != nil || json.Unmarshal(b, &dec) != nil || string(dec.Identity) != want(tc.wantEvent) {
				t.Errorf("encoded event %s (%v), want its identity masked=%v", b, err, tc.wantEvent)
			}
		})
	}
}
