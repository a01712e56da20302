package desk

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/reader"
)

// Event types (Event.Type).
const (
	DeviceAdded    = "device-added"    // a device is ready
	DeviceRemoved  = "device-removed"  // a device failed for good (unplugged); Error says why
	PhonePresented = "phone-presented" // a phone entered an NFC field, or the emulated patient showed the phone
	Reading        = "reading"         // a presentation is being read and verified
	Identity       = "identity"        // a verified identity (Identity set)
	Refused        = "refused"         // a presentation failed (Error set: show its message)
)

// Event is the one event type of the agent's SSE stream and of
// apcv_next_event:
//
//	{"type":"identity","device":"nfc:emulated","time":"2026-12-06T10:00:00Z","identity":{…IdentityJSON…}}
//	{"type":"refused","device":"nfc:emulated","time":"…","error":{"code":"app-locked","message_fr":"…","message_en":"…"}}
//
// Identity holds personal data (it is the identity Read returned, unmasked):
// hand events only to the callers that may see it.
type Event struct {
	Type     string               `json:"type"`
	Device   string               `json:"device,omitempty"`
	Time     string               `json:"time"` // RFC 3339
	Identity *reader.IdentityJSON `json:"identity,omitempty"`
	Error    *ErrorJSON           `json:"error,omitempty"`
}

// DefaultEventBuffer is the queue length of a Subscription given 0.
const DefaultEventBuffer = 256

// Subscription receives every event of a Session from Subscribe on. Its
// queue is bounded: when the subscriber does not keep up, the newest events
// are dropped (and counted) rather than slowing the reading.
type Subscription struct {
	s  *Session
	ch chan Event

	mu      sync.Mutex
	dropped int
	closed  bool
}

// C returns the queue. It is closed by Close, or when the Session closes.
func (sub *Subscription) C() <-chan Event { return sub.ch }

// Dropped returns how many events were dropped because the queue was full.
func (sub *Subscription) Dropped() int {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.dropped
}

// Next waits for the next event. It fails with ErrNoEvent when ctx ends
// first (a ctx deadline is a normal "nothing happened"), ErrCancelled when
// the Session's Cancel is called meanwhile, and reader.ErrClosed once the
// subscription or the Session is closed and the queue is empty.
func (sub *Subscription) Next(ctx context.Context) (Event, error) {
	select { // an event already queued wins over an expired ctx
	case e, ok := <-sub.ch:
		if !ok {
			return Event{}, fmt.Errorf("desk: next event: %w", reader.ErrClosed)
		}
		return e, nil
	default:
	}
	cancelled := sub.s.cancelled()
	select {
	case e, ok := <-sub.ch:
		if !ok {
			return Event{}, fmt.Errorf("desk: next event: %w", reader.ErrClosed)
		}
		return e, nil
	case <-cancelled:
		return Event{}, fmt.Errorf("desk: next event: %w", ErrCancelled)
	case <-ctx.Done():
		return Event{}, fmt.Errorf("desk: next event: %w", ErrNoEvent)
	}
}

// Close ends the subscription and closes its queue. Closing twice is harmless.
func (sub *Subscription) Close() {
	sub.s.mu.Lock()
	delete(sub.s.subs, sub)
	sub.s.mu.Unlock()
	sub.close()
}

func (sub *Subscription) close() {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if !sub.closed {
		sub.closed = true
		close(sub.ch)
	}
}

func (sub *Subscription) send(e Event) {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if sub.closed {
		return
	}
	select {
	case sub.ch <- e:
	default:
		sub.dropped++
	}
}

// Subscribe returns a new subscription with a queue of buffer events (0:
// DefaultEventBuffer). It starts with one device-added event per device
// ready at the time, so a late subscriber knows the devices. After Close,
// the subscription's queue is closed at once.
func (s *Session) Subscribe(buffer int) *Subscription {
	if buffer <= 0 {
		buffer = DefaultEventBuffer
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := &Subscription{s: s, ch: make(chan Event, buffer+len(s.devices))}
	if s.closed {
		sub.close()
		return sub
	}
	now := s.now().UTC().Format(time.RFC3339)
	for _, d := range s.devices {
		if d.announced && d.State != StateRemoved { // the others are announced by pump
			sub.send(Event{Type: DeviceAdded, Device: d.Name, Time: now})
		}
	}
	s.subs[sub] = struct{}{}
	return sub
}

// publish updates the devices' state and sends e to every subscriber.
func (s *Session) publish(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trackLocked(e)
	for sub := range s.subs {
		sub.send(e)
	}
}

// convert turns a reader event into an Event.
func convert(e reader.Event) Event {
	ev := Event{Device: e.Source, Time: e.At.UTC().Format(time.RFC3339)}
	switch e.Kind {
	case reader.DeviceAdded:
		ev.Type = DeviceAdded
	case reader.DeviceRemoved:
		ev.Type, ev.Error = DeviceRemoved, ErrorOf(e.Err)
	case reader.PhoneDetected:
		ev.Type = PhonePresented
	case reader.Reading:
		ev.Type = Reading
	case reader.IdentityRead:
		ev.Type = Identity
		if e.Identity != nil {
			j := e.Identity.JSON(false)
			ev.Identity = &j
		}
	default:
		ev.Type, ev.Error = Refused, ErrorOf(e.Err)
	}
	return ev
}

// pump forwards the reader's events until its channel is closed (Close),
// and answers flush requests.
func (s *Session) pump(events <-chan reader.Event) {
	defer close(s.pumped)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return
			}
			s.publish(convert(e))
		case done := <-s.flushes:
			for len(events) > 0 {
				e, ok := <-events
				if !ok {
					break
				}
				s.publish(convert(e))
			}
			close(done)
		}
	}
}

// flush returns once every event the reader emitted before the call is
// published: Read calls it before returning, so that the events of a
// reading are queued when its result is (a C client that reads its events
// right after apcv_read finds them), and Open too, so that the devices are
// announced when it returns.
func (s *Session) flush() {
	done := make(chan struct{})
	select {
	case s.flushes <- done:
		<-done
	case <-s.pumped:
	}
}
