//go:build cgo || windows

package pcsc

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ebfe/scard"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/nfc"
)

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   error
		want error // nil: no nfc sentinel
	}{
		{"not transacted", scard.ErrNotTransacted, nfc.ErrPhoneRemoved},
		{"removed card", scard.ErrRemovedCard, nfc.ErrPhoneRemoved},
		{"reset card", scard.ErrResetCard, nfc.ErrPhoneRemoved},
		{"unresponsive card", scard.ErrUnresponsiveCard, nfc.ErrPhoneTimeout},
		{"no smartcard", scard.ErrNoSmartcard, nfc.ErrNoPhone},
		{"status timeout", scard.ErrTimeout, nfc.ErrNoPhone},
		{"unknown reader", scard.ErrUnknownReader, nfc.ErrUnknownReader},
		{"no readers", scard.ErrNoReadersAvailable, nfc.ErrUnknownReader},
		{"reader unavailable", scard.ErrReaderUnavailable, nfc.ErrReaderUnplugged},
		{"sharing violation", scard.ErrSharingViolation, nfc.ErrSharingViolation},
		{"no service", scard.ErrNoService, nfc.ErrNoService},
		{"service stopped", scard.ErrServiceStopped, nfc.ErrNoService},
		{"unmapped code", scard.ErrInvalidParameter, nil},
		{"unknown code", scard.Error(0x80109999), nil},
		{"not a scard error", errors.New("boom"), nil},
		{"already wrapped", fmt.Errorf("inner: %w", scard.ErrRemovedCard), nfc.ErrPhoneRemoved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := wrap("step", tc.in)
			if !errors.Is(err, tc.in) {
				t.Errorf("%v does not wrap %v", err, tc.in)
			}
			var code scard.Error
			if errors.As(tc.in, &code) && !errors.As(err, &code) {
				t.Errorf("errors.As(scard.Error) fails on %v", err)
			}
			var sentinel *apcverr.Error
			switch {
			case tc.want == nil && errors.As(err, &sentinel):
				t.Errorf("%v maps to %v, want nothing", tc.in, sentinel)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("%v maps to %v, want %v", tc.in, err, tc.want)
			case tc.want != nil && apcverr.Message(err, apcverr.FR) != tc.want.(*apcverr.Error).FR:
				t.Errorf("desk message %q", apcverr.Message(err, apcverr.FR))
			}
		})
	}
	if wrap("step", nil) != nil {
		t.Error("wrap(nil) != nil")
	}
}

func TestIsContactlessName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"Virtual PCD 00 00", true},
		{"APCV Virtual PCD A 00 01", true},
		{"ACS ACR122U PICC Interface 00 00", true},
		{"ACS ACR122U 00 00", true},
		{"ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader PICC] 00 00", true},
		{"ACS ACR1281 1S Dual Reader [ACR1281 1S Dual Reader PICC] 00 01", true},
		{"Identiv uTrust 3700 F CL Reader 00 00", true},
		{"Identive SCM SCL011 [SCL011] 00 00", true},
		{"SCM Microsystems SCL3711 reader & NFC device 00 00", true},
		{"HID Global OMNIKEY 5022 Smart Card Reader 00 00", true},
		{"HID Global OMNIKEY 5422CL Smartcard Reader 00 00", true},
		{"HID Global OMNIKEY 5422 Smartcard Reader [OMNIKEY 5x2x CL] 01 00", true},
		{"Generic Contactless Reader", true},
		// Contact readers.
		{"Gemalto PC Twin Reader 00 00", false},
		{"HID Global OMNIKEY 3x21 Smart Card Reader 00 00", false},
		{"Alcor Micro AU9540 00 00", false},
		{"ACS ACR1281 1S Dual Reader [ACR1281 1S Dual Reader ICC] 00 00", false},
		{"ACS ACR1252 1S CL Reader [ACR1252 1S CL Reader SAM] 00 01", false},
		{"Cherry KC 1000 SC 00 00", false},
		{"CLUB reader", false}, // "CL" inside a word
		{"", false},
	} {
		if got := IsContactlessName(tc.name); got != tc.want {
			t.Errorf("IsContactlessName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIsContactlessATR(t *testing.T) {
	for _, tc := range []struct {
		name string
		atr  []byte
		want bool
	}{
		{"ISO 14443-4 no historical bytes", []byte{0x3B, 0x80, 0x80, 0x01, 0x01}, true},
		{"storage card PC/SC part 3", []byte{0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6A}, true},
		{"ISO 14443-4 with historical bytes", []byte{0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x77, 0x81, 0x81, 0x00, 0x79}, true},
		{"contact card (carte Vitale style)", []byte{0x3B, 0x65, 0x00, 0x00, 0x9C, 0x11, 0x01, 0x01, 0x03}, false},
		{"inverse convention", []byte{0x3F, 0x80, 0x80, 0x01, 0x01}, false},
		{"T=0 in TD1", []byte{0x3B, 0x80, 0x00, 0x01}, false},
		{"too short", []byte{0x3B, 0x80, 0x80}, false},
		{"empty", nil, false},
	} {
		if got := IsContactlessATR(tc.atr); got != tc.want {
			t.Errorf("%s: IsContactlessATR(%X) = %v, want %v", tc.name, tc.atr, got, tc.want)
		}
	}
}

// plugSim plays pcscd for waitForPhone: a script of reader sets (reader →
// phone present) that advances one step each time nothing changed for the
// caller (as time passes).
type plugSim struct {
	steps []map[string]bool
	i     int
}

func (p *plugSim) now() map[string]bool { return p.steps[min(p.i, len(p.steps)-1)] }

func (p *plugSim) ListReaders() ([]string, error) {
	var names []string
	for n := range p.now() {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return nil, scard.ErrNoReadersAvailable
	}
	return names, nil
}

func (p *plugSim) GetStatusChange(states []scard.ReaderState, _ time.Duration) error {
	for range 2 {
		now := p.now()
		changed := false
		for i := range states {
			s := &states[i]
			var ev scard.StateFlag
			if s.Reader == pnpNotification {
				ev = scard.StateFlag(len(now)) << 16
			} else if card, ok := now[s.Reader]; !ok {
				ev = scard.StateUnknown
			} else if card {
				ev = scard.StatePresent
			} else {
				ev = scard.StateEmpty
			}
			if ev != s.CurrentState&^scard.StateChanged {
				ev |= scard.StateChanged
				changed = true
			}
			s.EventState = ev
		}
		if changed {
			return nil
		}
		if p.i >= len(p.steps)-1 {
			return scard.ErrTimeout
		}
		p.i++
	}
	return scard.ErrTimeout
}

func TestWaitForPhoneHotplug(t *testing.T) {
	const (
		cl1     = "ACS ACR122U PICC Interface 00 00"
		cl2     = "Identiv uTrust 3700 F CL Reader 01 00"
		contact = "Gemalto PC Twin Reader 02 00"
	)
	for _, tc := range []struct {
		name    string
		readers []string
		steps   []map[string]bool
		want    string
		wantErr error
		events  []Event
	}{
		{"phone already there", nil, []map[string]bool{{cl1: true}}, cl1, nil, nil},
		{"reader plugged, then phone", nil,
			[]map[string]bool{{}, {cl1: false}, {cl1: true}}, cl1, nil, []Event{{ReaderAdded, cl1}}},
		{"contact reader ignored", nil,
			[]map[string]bool{{contact: true}, {contact: true, cl2: false}, {contact: true, cl2: true}}, cl2, nil, []Event{{ReaderAdded, cl2}}},
		{"any reader unplugged and another plugged", nil,
			[]map[string]bool{{cl1: false}, {}, {cl2: false}, {cl2: true}}, cl2, nil, []Event{{ReaderRemoved, cl1}, {ReaderAdded, cl2}}},
		{"named reader unplugged", []string{cl1},
			[]map[string]bool{{cl1: false, cl2: false}, {cl2: false}}, "", nfc.ErrReaderUnplugged, []Event{{ReaderRemoved, cl1}}},
		{"named reader missing", []string{cl1},
			[]map[string]bool{{cl2: true}}, "", nfc.ErrUnknownReader, nil},
		{"named reader replugged", []string{cl1, contact},
			[]map[string]bool{{cl1: false, contact: false}, {contact: false}, {cl1: false, contact: false}, {cl1: true, contact: false}},
			cl1, nil, []Event{{ReaderRemoved, cl1}, {ReaderAdded, cl1}}},
		{"named contact reader", []string{contact},
			[]map[string]bool{{contact: false, cl1: true}, {contact: true, cl1: true}}, contact, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var events []Event
			got, err := waitForPhone(context.Background(), &plugSim{steps: tc.steps}, tc.readers, func(e Event) { events = append(events, e) })
			if got.Reader != tc.want || !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Errorf("waitForPhone = %q, %v; want %q, %v", got.Reader, err, tc.want, tc.wantErr)
			}
			if !slices.Equal(events, tc.events) {
				t.Errorf("events %v, want %v", events, tc.events)
			}
		})
	}
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[EventKind]string{ReaderAdded: "reader added", ReaderRemoved: "reader removed", 9: "EventKind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

// statusScript plays pcscd for waitForRemoval: each GetStatusChange returns
// the next step (the last one repeats), and records the CurrentState it was
// given.
type statusScript struct {
	steps   []statusStep
	i       int
	current []scard.StateFlag
}

type statusStep struct {
	ev  scard.StateFlag
	err error
}

func (s *statusScript) ListReaders() ([]string, error) { return nil, scard.ErrNoReadersAvailable }

func (s *statusScript) GetStatusChange(states []scard.ReaderState, _ time.Duration) error {
	s.current = append(s.current, states[0].CurrentState)
	step := s.steps[min(s.i, len(s.steps)-1)]
	s.i++
	if step.err == nil {
		states[0].EventState = step.ev
	}
	return step.err
}

func TestWaitForRemovalStates(t *testing.T) {
	const (
		present = scard.StatePresent | scard.StateChanged
		empty   = scard.StateEmpty | scard.StateChanged
	)
	count := func(n int) scard.StateFlag { return scard.StateFlag(n) << 16 }
	for _, tc := range []struct {
		name  string
		since int
		steps []statusStep
		want  error // nil: removed
		calls int
	}{
		{"already empty", -1, []statusStep{{ev: empty}}, nil, 1},
		{"removed after two polls", -1, []statusStep{{ev: present | count(3)}, {err: scard.ErrTimeout}, {ev: empty | count(4)}}, nil, 3},
		{"cancelled poll is not an error", -1, []statusStep{{ev: present}, {err: scard.ErrCancelled}, {ev: empty}}, nil, 3},
		{"mute phone stays until it leaves", -1, []statusStep{{ev: present | scard.StateMute}, {ev: empty}}, nil, 2},
		{"in use by us is still present", -1, []statusStep{{ev: present | scard.StateInuse}, {ev: present}, {ev: empty}}, nil, 3},
		{"neither present nor empty", -1, []statusStep{{ev: scard.StateChanged}}, nil, 1},
		{"count unchanged waits", 3, []statusStep{{ev: present | count(3)}, {ev: empty | count(4)}}, nil, 2},
		{"count moved: tapped again", 3, []statusStep{{ev: present | count(5)}}, nil, 1},
		{"count wraps", 0xFFFF, []statusStep{{ev: present | count(0xFFFF)}, {ev: present | count(1)}}, nil, 2},
		{"unknown reader", -1, []statusStep{{ev: scard.StateUnknown | scard.StateChanged}}, nfc.ErrUnknownReader, 1},
		{"unknown reader error", -1, []statusStep{{err: scard.ErrUnknownReader}}, nfc.ErrUnknownReader, 1},
		{"card's reader missing", 3, []statusStep{{err: scard.ErrUnknownReader}}, nfc.ErrReaderUnplugged, 1},
		{"unplugged while waiting", -1, []statusStep{{ev: present}, {ev: scard.StateUnknown | scard.StateChanged}}, nfc.ErrReaderUnplugged, 2},
		{"unavailable while waiting", -1, []statusStep{{ev: present}, {err: scard.ErrReaderUnavailable}}, nfc.ErrReaderUnplugged, 2},
		{"ignored", -1, []statusStep{{ev: present}, {ev: scard.StateIgnore}}, nfc.ErrReaderUnplugged, 2},
		{"pcscd stopped", -1, []statusStep{{ev: present}, {err: scard.ErrNoService}}, nfc.ErrNoService, 2},
		{"other error", -1, []statusStep{{err: scard.ErrInvalidParameter}}, scard.ErrInvalidParameter, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := &statusScript{steps: tc.steps}
			err := waitForRemoval(context.Background(), sim, "R", tc.since)
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Errorf("waitForRemoval = %v, want %v", err, tc.want)
			}
			if sim.i != tc.calls {
				t.Errorf("%d GetStatusChange calls, want %d", sim.i, tc.calls)
			}
			// The first call tells pcscd what is known: nothing, or a
			// present card at count since.
			want := scard.StateUnaware
			if tc.since >= 0 {
				want = scard.StatePresent | count(tc.since)
			}
			if sim.current[0] != want {
				t.Errorf("first CurrentState %#x, want %#x", sim.current[0], want)
			}
			// Later calls pass the last state seen, without StateChanged.
			for i := 1; i < len(sim.current); i++ {
				if sim.current[i]&scard.StateChanged != 0 {
					t.Errorf("call %d: CurrentState %#x has StateChanged", i+1, sim.current[i])
				}
			}
		})
	}
	t.Run("context done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		sim := &statusScript{steps: []statusStep{{ev: present}, {err: scard.ErrCancelled}}}
		n := 0
		// Cancel during the second poll, as the AfterFunc does.
		wrapped := statusFunc(func(st []scard.ReaderState, d time.Duration) error {
			n++
			if n == 2 {
				cancel()
			}
			return sim.GetStatusChange(st, d)
		})
		if err := waitForRemoval(ctx, wrapped, "R", -1); !errors.Is(err, context.Canceled) {
			t.Errorf("waitForRemoval = %v, want context.Canceled", err)
		}
		if n != 2 {
			t.Errorf("%d polls, want 2", n)
		}
	})
}

type statusFunc func([]scard.ReaderState, time.Duration) error

func (f statusFunc) ListReaders() ([]string, error) { return nil, scard.ErrNoReadersAvailable }
func (f statusFunc) GetStatusChange(st []scard.ReaderState, d time.Duration) error {
	return f(st, d)
}

// TestTakeSeen: Connect takes what WaitForPhone saw only for the same
// reader, once, and only while it is fresh.
func TestTakeSeen(t *testing.T) {
	atr := []byte{0x3B, 0x80, 0x80, 0x01, 0x01}
	for _, tc := range []struct {
		name   string
		seen   readerSeen
		reader string
		want   bool
	}{
		{"same reader, just seen", readerSeen{"r1", atr, 7, time.Now()}, "r1", true},
		{"another reader", readerSeen{"r1", atr, 7, time.Now()}, "r2", false},
		{"stale", readerSeen{"r1", atr, 7, time.Now().Add(-seenFresh)}, "r1", false},
		{"nothing seen", readerSeen{}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Context{seen: tc.seen}
			got := c.takeSeen(tc.reader)
			if ok := got.reader != ""; ok != tc.want || ok && (got.events != 7 || !slices.Equal(got.atr, atr)) {
				t.Errorf("takeSeen(%q) = %+v, want taken: %v", tc.reader, got, tc.want)
			}
			if again := c.takeSeen(tc.reader); again.reader != "" {
				t.Errorf("taken twice: %+v", again)
			}
		})
	}
}

// TestWatchdog: calls that each end within their bound are never cut,
// however long the run of them lasts (the one timer fires and re-arms on
// the call in progress), and a call that outlives its bound is cut, not
// before its bound and long before any other timer would, once.
//
// On a loaded machine a call meant to last an eighth of its bound may
// outlive it (the sleeping goroutine is not run again in time): the
// watchdog is then right to cut it, so such a call proves nothing and is
// not counted; the run goes on until it holds enough calls that ended
// within their bound (each measured from before its begin to after its
// end, so that one measured within its bound was within it).
func TestWatchdog(t *testing.T) {
	var w watchdog
	k := &Card{fd: -1} // no socket: the cut only records why
	const bound = 40 * time.Millisecond
	var within, over int
	start := time.Now()
	for within < 40 || time.Since(start) < 5*bound {
		if over > 1000 {
			t.Fatalf("only %d of %d calls ended within their %v bound: the machine is too loaded to test the watchdog", within, within+over, bound)
		}
		callStart := time.Now()
		w.begin(k, bound)
		time.Sleep(bound / 8)
		w.end()
		took := time.Since(callStart)
		why := k.why.Swap(0)
		if took >= bound {
			over++
			continue
		}
		within++
		if why != 0 {
			t.Fatalf("a call that ended %v after it began, within its %v bound, was cut (why %d)", took, bound, why)
		}
	}
	t.Logf("%d calls within their bound, %d outlived it (loaded machine)", within, over)
	// Up to 5 s for the cut: a loaded machine may run the timer late, but
	// a watchdog that does not cut waits forever, and the test below
	// catches one left to a longer timer (an hour).
	const late = 5 * time.Second
	start = time.Now()
	w.begin(k, bound)
	for k.why.Load() == 0 && time.Since(start) < late {
		time.Sleep(time.Millisecond)
	}
	took := time.Since(start)
	w.end()
	if why := k.why.Load(); why != cutDeadline || took < bound || took >= late {
		t.Errorf("a call past its bound: why %d after %v, want %d after its %v bound", why, took, cutDeadline, bound)
	}
	// A shorter bound after a longer one is not left to the longer timer.
	k2 := &Card{fd: -1}
	w.begin(k2, time.Hour)
	w.end()
	start = time.Now()
	w.begin(k2, bound)
	for k2.why.Load() == 0 && time.Since(start) < late {
		time.Sleep(time.Millisecond)
	}
	w.end()
	if why, took := k2.why.Load(), time.Since(start); why != cutDeadline || took < bound || took >= late {
		t.Errorf("a short bound after a long one: why %d after %v, want %d after its %v bound", why, took, cutDeadline, bound)
	}
}
