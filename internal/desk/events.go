package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/internal/waithint"
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
// The identity of an identity event is the one Read returned, masked (NIRs
// masked, names reduced to an initial, birth dates to the year) unless the
// subscription asked for it unmasked and the session's Config.Masked is
// off. It is converted to JSON only when a consumer takes it (Next,
// IdentityJSON, or encoding/json through MarshalJSON): a reading with no
// subscriber, or one that never looks at its events, does not pay for it.
type Event struct {
	Type     string               `json:"type"`
	Device   string               `json:"device,omitempty"`
	Time     string               `json:"time"` // RFC 3339
	Identity *reader.IdentityJSON `json:"identity,omitempty"`
	Error    *ErrorJSON           `json:"error,omitempty"`

	id     *reader.Identity // an identity event's identity, until converted into Identity
	masked bool             // how id is converted
	at     time.Time        // Time, before it is formatted
}

// IdentityJSON returns the identity of an identity event (nil for the
// other types): Identity, or the identity converted now, masked as the
// subscription says.
func (e Event) IdentityJSON() *reader.IdentityJSON {
	if e.Identity != nil || e.id == nil {
		return e.Identity
	}
	j := e.id.JSON(e.masked)
	return &j
}

// MarshalJSON encodes e with its identity converted (IdentityJSON).
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event // the fields without the methods
	e.Identity = e.IdentityJSON()
	return json.Marshal(plain(e))
}

// DefaultEventBuffer is the queue length of a Subscription given 0.
const DefaultEventBuffer = 256

// Subscription receives every event of a Session from Subscribe on. Its
// queue is bounded: when the subscriber does not keep up, the newest events
// are dropped (and counted) rather than slowing the reading.
type Subscription struct {
	s      *Session
	ch     chan Event
	masked bool // identities masked (Subscribe)

	mu      sync.Mutex
	dropped int
	closed  bool
}

// C returns the queue. It is closed by Close, or when the Session closes.
// The Identity field of an identity event received here is nil until
// converted: use IdentityJSON, or encode the event (MarshalJSON does).
func (sub *Subscription) C() <-chan Event { return sub.ch }

// Dropped returns how many events were dropped because the queue was full.
func (sub *Subscription) Dropped() int {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	return sub.dropped
}

// Next waits for the next event and returns it with its identity
// converted (Identity set on an identity event). It fails with ErrNoEvent
// when ctx ends first (a ctx deadline is a normal "nothing happened"),
// ErrCancelled when the Session's Cancel is called meanwhile, and
// reader.ErrClosed once the subscription or the Session is closed and the
// queue is empty.
func (sub *Subscription) Next(ctx context.Context) (Event, error) {
	select { // an event already queued wins over an expired ctx
	case e, ok := <-sub.ch:
		return taken(e, ok)
	default:
	}
	cancelled := sub.s.cancelled()
	waithint.Waiting(ctx)
	select {
	case e, ok := <-sub.ch:
		return taken(e, ok)
	case <-cancelled:
		return Event{}, fmt.Errorf("desk: next event: %w", ErrCancelled)
	case <-ctx.Done():
		return Event{}, fmt.Errorf("desk: next event: %w", ErrNoEvent)
	}
}

// taken is the result of Next for a receive from the queue.
func taken(e Event, ok bool) (Event, error) {
	if !ok {
		return Event{}, fmt.Errorf("desk: next event: %w", reader.ErrClosed)
	}
	e.Identity = e.IdentityJSON()
	return e, nil
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
	e.masked = sub.masked
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
// ready at the time, so a late subscriber knows the devices. Its identity
// events carry the identity masked, unless unmasked is set and the
// session's Config.Masked is not: ask for personal data only on behalf of
// a caller that may see it. After Close, the subscription's queue is
// closed at once.
func (s *Session) Subscribe(buffer int, unmasked bool) *Subscription {
	if buffer <= 0 {
		buffer = DefaultEventBuffer
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := &Subscription{s: s, ch: make(chan Event, buffer+len(s.devices)), masked: !unmasked || s.masked}
	if s.closed {
		sub.close()
		return sub
	}
	now := s.stamp()
	for _, d := range s.devices {
		if d.announced && d.State != StateRemoved { // the others are announced when they are added
			sub.send(Event{Type: DeviceAdded, Device: d.Name, Time: now})
		}
	}
	s.subs[sub] = struct{}{}
	return sub
}

// publish updates the devices' state and sends e to every subscriber. It
// runs in the goroutine where the event happens: the reader's (onEvent)
// or the Read's, so that a reading's events are queued when its result
// is returned (a C client that reads its events right after apcv_read
// finds them), and the devices are announced when Open returns. Without
// subscribers, it only updates the devices' state.
func (s *Session) publish(e Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trackLocked(e)
	if len(s.subs) == 0 {
		return
	}
	if e.Time == "" {
		e.Time = e.at.UTC().Format(time.RFC3339)
	}
	for sub := range s.subs {
		sub.send(e)
	}
}

// onEvent is the reader's Config.OnEvent: it publishes the reader's event,
// in the goroutine that emits it.
func (s *Session) onEvent(e reader.Event) {
	ev := Event{Device: e.Source, at: e.At}
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
		ev.Type, ev.id = Identity, e.Identity
	default:
		ev.Type, ev.Error = Refused, ErrorOf(e.Err)
	}
	s.publish(ev)
}
