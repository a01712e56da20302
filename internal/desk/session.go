package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/reader"
)

// Device states (ReaderState.State).
const (
	StateReady     = "ready"     // waiting for a presentation
	StatePresented = "presented" // a phone is in the field or its QR code was shown
	StateReading   = "reading"   // reading and verifying
	StateRemoved   = "removed"   // failed for good (unplugged); left out of the next Reads
)

// ReaderState is a device of the session and its state.
type ReaderState struct {
	Name  string     `json:"name"`            // e.g. "nfc:ACS ACR1252 PICC", "serial:/dev/ttyACM0", "nfc:emulated"
	Kind  string     `json:"kind"`            // "nfc" or "qr"
	State string     `json:"state"`           // ready, presented, reading, removed
	Since string     `json:"since"`           // RFC 3339: when it entered that state
	Error *ErrorJSON `json:"error,omitempty"` // why it was removed, or the last refusal on it

	since     time.Time // Since, before it is formatted (Readers)
	announced bool      // its device-added event was published
}

// Session is one desk's reading session over a reader.Reader: the core of
// apcv agent and libapcv. Its methods are safe for concurrent use.
type Session struct {
	r      *reader.Reader
	emu    *emulated // nil unless Config.Emulate
	now    func() time.Time
	disc   *Discovery
	masked bool // Config.Masked

	readMu sync.Mutex // one Read at a time (TryLock)

	mu         sync.Mutex
	closed     bool
	subs       map[*Subscription]struct{}
	devices    []*ReaderState
	cancelRead context.CancelCauseFunc // the Read under way, nil between Reads
	cancelCh   chan struct{}           // closed by Cancel, then replaced
	last       *reader.Identity        // the last identity read, for PostReceipt
}

// Open opens the devices of cfg (or builds its emulated phone), loads and
// verifies the lists and returns the session. Close releases everything.
// A configuration error wraps ErrBadConfig.
func Open(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Session{now: time.Now, subs: map[*Subscription]struct{}{}, cancelCh: make(chan struct{}), masked: cfg.Masked}
	var rc reader.Config
	if cfg.Emulate != nil {
		rc = reader.Config{Enabled: true, Logger: cfg.Logger, APDUTimeout: time.Duration(cfg.APDUTimeoutMS) * time.Millisecond}
		gs, err := parseGroups(cfg.Groups)
		if err != nil {
			return nil, err
		}
		rc.Groups = gs
		if s.emu, err = newEmulated(*cfg.Emulate, &rc); err != nil {
			return nil, err
		}
	} else {
		var err error
		if rc, s.disc, err = Sources(ctx, cfg); err != nil {
			return nil, err
		}
	}
	for _, src := range rc.NFC {
		s.devices = append(s.devices, &ReaderState{Name: "nfc:" + src.Name(), Kind: "nfc", State: StateReady})
	}
	for _, src := range rc.QR {
		s.devices = append(s.devices, &ReaderState{Name: src.Name(), Kind: "qr", State: StateReady})
	}
	now := s.now()
	for _, d := range s.devices {
		d.since = now
	}
	// The reader's events are published in the goroutine that emits them
	// (no hand-off to another goroutine on the read path): the devices are
	// announced when Open returns, a reading's events when Read returns.
	rc.OnEvent = s.onEvent
	r, err := reader.Open(ctx, rc)
	if err != nil {
		CloseSources(rc)
		return nil, err
	}
	s.r = r
	return s, nil
}

// Discovery returns what Config.Auto found (nil for an emulated phone).
func (s *Session) Discovery() *Discovery { return s.disc }

// Read waits for the next presentation on any device and returns the
// verified identity, or the error of the failed presentation (show its
// desk message and call Read again). One Read at a time: a second one
// fails at once with reader.ErrBusy. Cancel ends it with ErrCancelled, the
// ctx deadline with ErrTimeout, Close with reader.ErrClosed. With an
// emulated phone, the patient presents it as Read starts.
func (s *Session) Read(ctx context.Context) (*reader.Identity, error) {
	if !s.readMu.TryLock() {
		return nil, fmt.Errorf("desk: read: %w", reader.ErrBusy)
	}
	defer s.readMu.Unlock()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, fmt.Errorf("desk: read: %w", reader.ErrClosed)
	}
	s.cancelRead, s.last = cancel, nil
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancelRead = nil
		s.mu.Unlock()
	}()
	if s.emu != nil {
		// The reader's events are published as they are emitted (during
		// Open and Read): the events published here come after Open's and
		// before this Read's.
		presented, err := s.emu.present()
		if err != nil { // e.g. a locked app shows no QR code
			s.publish(Event{Type: Refused, Device: s.emu.device, at: s.now(), Error: ErrorOf(err)})
			return nil, fmt.Errorf("desk: read: %w", err)
		}
		if presented && s.emu.qr != nil { // NFC: the reader says phone-presented itself
			s.publish(Event{Type: PhonePresented, Device: s.emu.device, at: s.now()})
		}
	}
	id, err := s.r.Read(ctx) // its events are published when it returns (onEvent)
	if err != nil {
		switch {
		case errors.Is(context.Cause(ctx), ErrCancelled):
			return nil, fmt.Errorf("desk: read: %w", ErrCancelled)
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("desk: read: %w", ErrTimeout)
		case errors.Is(err, context.Canceled):
			return nil, fmt.Errorf("desk: read: %w: %w", ErrCancelled, err)
		}
		return nil, err
	}
	s.mu.Lock()
	s.last = id
	s.mu.Unlock()
	return id, nil
}

// IdentityJSON returns the JSON form of id, an identity Read returned:
// masked when masked is set or the session's Config.Masked is.
func (s *Session) IdentityJSON(id *reader.Identity, masked bool) reader.IdentityJSON {
	return id.JSON(masked || s.masked)
}

// Masked reports whether the session masks every identity (Config.Masked).
func (s *Session) Masked() bool { return s.masked }

func (s *Session) stamp() string { return s.now().UTC().Format(time.RFC3339) }

// Cancel ends the Read under way with ErrCancelled, and the
// Subscription.Next calls waiting at the time. Without either, it does
// nothing: it does not cancel the next Read.
func (s *Session) Cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelRead != nil {
		s.cancelRead(ErrCancelled)
	}
	close(s.cancelCh)
	s.cancelCh = make(chan struct{})
}

func (s *Session) cancelled() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelCh
}

// ReceiptJSON is the JSON of a care-expense record sent to the patient's
// app (it shows in Activités for 7 days):
//
//	{"beneficiary":0,"psId":"10101010101","psName":"Pharmacie de la Gare","amountCents":1250,"date":"2026-12-06T10:00:00Z"}
//
// beneficiary is the index in the identity's beneficiaires (for a chosen
// beneficiary's code, "selected" or 0: the app gets the person's index in
// the family, reader.PostReceipt); date (RFC 3339) defaults to now.
type ReceiptJSON struct {
	Beneficiary int    `json:"beneficiary"`
	PSID        string `json:"psId"`
	PSName      string `json:"psName"`
	AmountCents int64  `json:"amountCents"`
	Date        string `json:"date,omitempty"`
}

// ParseReceipt decodes a receipt strictly (no unknown field) and checks it.
// Errors wrap ErrBadReceipt.
func ParseReceipt(data []byte, now time.Time) (credential.Receipt, error) {
	var j ReceiptJSON
	if len(data) > MaxConfigSize {
		return credential.Receipt{}, fmt.Errorf("desk: receipt: too large: %w", ErrBadReceipt)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return credential.Receipt{}, fmt.Errorf("desk: receipt: %s: %w", jsonProblem(err), ErrBadReceipt)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return credential.Receipt{}, fmt.Errorf("desk: receipt: data after the object: %w", ErrBadReceipt)
	}
	at := now
	if j.Date != "" {
		t, err := time.Parse(time.RFC3339, j.Date)
		if err != nil || t.Unix() <= 0 {
			return credential.Receipt{}, fmt.Errorf("desk: receipt: date: want RFC 3339: %w", ErrBadReceipt)
		}
		at = t
	}
	r := credential.Receipt{Beneficiary: j.Beneficiary, PSID: j.PSID, PSName: j.PSName, AmountCents: j.AmountCents, Date: uint64(at.Unix())}
	if err := r.Validate(); err != nil {
		return credential.Receipt{}, fmt.Errorf("desk: receipt: %v: %w", err, ErrBadReceipt)
	}
	return r, nil
}

// PostReceipt sends a receipt (ReceiptJSON) for the last identity Read
// returned: over NFC while the phone is still in the field, or through the
// app's backend for a QR identity (reader.PostReceipt). Without an identity
// read since the last Read started, it fails with reader.ErrNoReceipts.
func (s *Session) PostReceipt(ctx context.Context, receiptJSON []byte) error {
	rec, err := ParseReceipt(receiptJSON, s.now())
	if err != nil {
		return err
	}
	s.mu.Lock()
	id, closed := s.last, s.closed
	s.mu.Unlock()
	if closed {
		return fmt.Errorf("desk: receipt: %w", reader.ErrClosed)
	}
	if id == nil {
		return fmt.Errorf("desk: receipt: no identity read: %w", reader.ErrNoReceipts)
	}
	return s.r.PostReceipt(ctx, id, rec)
}

// RefreshLists fetches the trust and revocation lists now. A list refused
// (tampered, rolled back) leaves the one in use in place.
func (s *Session) RefreshLists(ctx context.Context) error {
	return s.r.RefreshLists(ctx)
}

// Readers returns the session's devices and their state.
func (s *Session) Readers() []ReaderState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ReaderState, len(s.devices))
	for i, d := range s.devices {
		out[i] = *d
		out[i].Since = d.since.UTC().Format(time.RFC3339)
	}
	return out
}

// trackLocked updates the state of e's device.
func (s *Session) trackLocked(e Event) {
	var d *ReaderState
	for _, x := range s.devices {
		if x.Name == e.Device {
			d = x
		}
	}
	if d == nil {
		return
	}
	state := d.State
	if e.Type == DeviceAdded {
		d.announced = true
	}
	switch e.Type {
	case DeviceAdded, Identity:
		state = StateReady
	case Refused:
		state, d.Error = StateReady, e.Error
	case DeviceRemoved:
		state, d.Error = StateRemoved, e.Error
	case PhonePresented:
		state = StatePresented
	case Reading:
		state = StateReading
	}
	if d.State == StateRemoved && e.Type != DeviceAdded {
		return
	}
	if state != d.State {
		d.State, d.since = state, e.at
	}
}

// Close ends a running Read (reader.ErrClosed), closes the reader and its
// devices and every subscription, and returns once every goroutine of the
// session has. Closing twice is harmless.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	err := s.r.Close() // ends the Read under way; no event comes after it
	s.mu.Lock()
	subs := s.subs
	s.subs = map[*Subscription]struct{}{}
	s.mu.Unlock()
	for sub := range subs {
		sub.close()
	}
	return err
}
