package reader

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/waithint"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader/online"
)

// ListSource provides the signed trust and revocation lists. The list
// fetcher of package reader/lists implements it over HTTP with a cache;
// StaticLists serves fixed bytes.
type ListSource interface {
	TrustList(ctx context.Context) ([]byte, error)
	RevocationList(ctx context.Context) ([]byte, error)
}

// StaticLists is a ListSource of fixed lists (tests, offline set-ups).
type StaticLists struct{ Trust, Revocation []byte }

// TrustList returns s.Trust.
func (s StaticLists) TrustList(context.Context) ([]byte, error) { return s.Trust, nil }

// RevocationList returns s.Revocation.
func (s StaticLists) RevocationList(context.Context) ([]byte, error) { return s.Revocation, nil }

// ReceiptSink delivers receipts for identities read by QR (the app's
// backend; the emulator provides one).
type ReceiptSink interface {
	PostReceipt(ctx context.Context, credentialID [8]byte, r credential.Receipt) error
}

// Config configures a Reader. The zero value refuses to read: Enabled must
// be set, as the billing software's "ApCV function" switch.
type Config struct {
	// Enabled is the billing software's "ApCV function enabled" setting.
	Enabled bool
	// Departement is the PS's département; with Deployed non-empty, Open
	// fails with ErrNotDeployed unless it is listed.
	Departement string
	Deployed    []string
	// Groups are the data groups asked for over NFC and at the online
	// service for a short QR code (default AMO). A full QR code carries
	// AMO only.
	Groups []credential.Group

	// ListAuthority is the pinned key that signs the lists; Lists serves
	// them. Both are required: Open fetches and verifies the lists, and
	// they are refreshed every ListRefresh (default 1 h) while the Reader is
	// open.
	ListAuthority *ecdsa.PublicKey
	Lists         ListSource
	ListRefresh   time.Duration
	// QRWindow is how long a QR code stays valid after the phone signed it (default 3 min).
	QRWindow time.Duration
	// Replay remembers the QR presentations accepted, to refuse one shown
	// twice; nil means one in memory per Reader. A replaystore.Store shares
	// it between the processes (the desks' agents) of one machine.
	Replay credential.ReplayCache

	// Sources: contactless readers and QR sources, all read concurrently.
	NFC []nfc.Source
	QR  []qrscan.Source
	// Receipts delivers receipts for QR identities; nil disables them.
	Receipts ReceiptSink
	// Online is the issuer's online service (protocol version 2): a short
	// QR code ("APCV2:…") is resolved there, and each verified identity's
	// AMO rights are fetched from there in the background
	// (Identity.Rights). Nil: a short QR code fails with
	// online.ErrOnlineNotConfigured, and Identity.Rights with
	// online.ErrRightsUnavailable.
	Online *online.Config

	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// APDUTimeout bounds each APDU exchanged with a phone over NFC
	// (default nfc.DefaultAPDUTimeout, 2 s): a phone that stops answering
	// fails the read with nfc.ErrPhoneTimeout (a PC/SC source cuts its
	// connection, so nothing stays blocked). It is the only time limit the
	// Reader sets on a read; the ctx given to Read bounds the whole of it.
	APDUTimeout time.Duration
	// Logger receives events without personal data; nil discards.
	Logger *slog.Logger
	// OnEvent, when set, receives every event instead of the Events
	// channel (which then only gets closed by Close): it is called in the
	// goroutine where the event happens (Open's, the Read's, a source's),
	// one call at a time, in order, and never after Close. An event of a
	// Read is delivered before that Read returns. It must return quickly
	// and must not call the Reader. A session that forwards events to
	// several consumers uses it to do so without a goroutine of its own.
	OnEvent func(Event)
}

// Reader reads verified identities from every configured source.
type Reader struct {
	cfg    Config
	v      *credential.Verifier
	oc     *online.Client // nil without Config.Online
	events chan Event
	log    *slog.Logger

	ctx    context.Context // lives until Close
	cancel context.CancelFunc
	bg     sync.WaitGroup // list refresh, rights fetches

	readMu  sync.Mutex // one Read at a time
	mu      sync.Mutex
	reading chan struct{} // closed when the Read under way returns; nil between Reads
	closed  bool
	gone    map[int]bool // sources that failed for good
	held    []*Identity  // NFC identities whose phone is kept open for a receipt
}

// Open checks the policy, loads the lists and returns a Reader over the
// configured sources. Close releases everything, sources included.
func Open(ctx context.Context, cfg Config) (*Reader, error) {
	if !cfg.Enabled {
		return nil, fmt.Errorf("reader: open: %w", ErrDisabled)
	}
	if len(cfg.Deployed) > 0 && !slices.Contains(cfg.Deployed, cfg.Departement) {
		return nil, fmt.Errorf("reader: open: département %q: %w", cfg.Departement, ErrNotDeployed)
	}
	if len(cfg.NFC)+len(cfg.QR) == 0 {
		return nil, fmt.Errorf("reader: open: %w", ErrNoSource)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ListRefresh <= 0 {
		cfg.ListRefresh = time.Hour
	}
	if len(cfg.Groups) == 0 {
		cfg.Groups = []credential.Group{credential.GroupAMO}
	}
	r := &Reader{cfg: cfg, events: make(chan Event, 64), gone: map[int]bool{}, log: cfg.Logger}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if cfg.ListAuthority == nil || cfg.Lists == nil {
		return nil, fmt.Errorf("reader: open: no ListAuthority and Lists: %w", credential.ErrTrustListStale)
	}
	if cfg.Online != nil {
		oc, err := online.New(*cfg.Online)
		if err != nil {
			return nil, fmt.Errorf("reader: open: %w", err)
		}
		r.oc = oc
	}
	r.v = credential.NewVerifier(credential.VerifierConfig{ListAuthority: cfg.ListAuthority, Now: cfg.Now, QRWindow: cfg.QRWindow, Replay: cfg.Replay})
	if err := r.refreshLists(ctx); err != nil {
		return nil, fmt.Errorf("reader: open: %w", err)
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.bg.Add(1)
	go r.refreshLoop()
	for _, s := range cfg.NFC {
		r.emit(Event{Kind: DeviceAdded, Source: "nfc:" + s.Name()})
	}
	for _, s := range cfg.QR {
		r.emit(Event{Kind: DeviceAdded, Source: s.Name()})
		if st, ok := s.(qrscan.Starter); ok {
			// Reading at the first characters of a scan, not after the
			// last: a long code takes a second or more on a wedge scanner.
			name := s.Name()
			st.OnStart(func() { r.emit(Event{Kind: Reading, Source: name}) })
		}
	}
	return r, nil
}

// refreshLists fetches and installs both lists, each on its own: a trust
// list refused (tampered, rolled back, server down) must not hold back the
// revocation list, or one bad answer would suspend revocation. A list
// refused leaves the one in use in place; the errors are joined.
func (r *Reader) refreshLists(ctx context.Context) error {
	var terr, rerr error
	tl, err := r.cfg.Lists.TrustList(ctx)
	if err == nil {
		err = r.v.SetTrustList(tl)
	}
	if err != nil {
		terr = fmt.Errorf("trust list: %w", err)
	}
	rl, err := r.cfg.Lists.RevocationList(ctx)
	if err == nil {
		err = r.v.SetRevocationList(rl)
	}
	if err != nil {
		rerr = fmt.Errorf("revocation list: %w", err)
	}
	return errors.Join(terr, rerr)
}

func (r *Reader) refreshLoop() {
	defer r.bg.Done()
	t := time.NewTicker(r.cfg.ListRefresh)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
			if err := r.refreshLists(ctx); err != nil {
				r.log.Warn("reader: list refresh failed; keeping the lists in use", "err", err)
			}
			cancel()
		}
	}
}

// RefreshLists fetches the lists now. A list refused (tampered, rolled
// back) leaves the one in use in place.
func (r *Reader) RefreshLists(ctx context.Context) error {
	return r.refreshLists(ctx)
}

// Lists returns the trust and revocation lists in use (nil before the first
// accepted one), for a desk that shows their dates or a service that
// reports its state. They are shared: do not modify them.
func (r *Reader) Lists() (*credential.TrustList, *credential.RevocationList) {
	return r.v.Lists()
}

// Events returns the channel of events for a UI. Events are produced while
// a Read runs (and DeviceAdded at Open); when the channel is full, new
// events are dropped rather than slowing the reading. It is closed by Close.
// With Config.OnEvent, events go there instead and this channel stays empty.
func (r *Reader) Events() <-chan Event { return r.events }

func (r *Reader) emit(e Event) {
	if e.At.IsZero() {
		e.At = r.cfg.Now()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.cfg.OnEvent != nil {
		r.cfg.OnEvent(e)
		return
	}
	select {
	case r.events <- e:
	default:
	}
}

type outcome struct {
	id     *Identity
	err    error
	src    int    // source index that fails for good, or -1
	source string // the device's name
}

// Read returns the first verified identity presented on any source, or the
// error of the first failed presentation (QR expired, app locked, phone
// removed…: show Message(err) at the desk and call Read again). Device
// failures are reported as events and end that source only; when no source
// is left, Read fails with ErrNoSource. Read never returns an identity that
// was not fully verified.
func (r *Reader) Read(ctx context.Context) (*Identity, error) {
	if !r.readMu.TryLock() {
		return nil, fmt.Errorf("reader: read: %w", ErrBusy)
	}
	defer r.readMu.Unlock()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, fmt.Errorf("reader: read: %w", ErrClosed)
	}
	done := make(chan struct{})
	r.reading = done
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.reading = nil
		r.mu.Unlock()
		close(done) // Close may be waiting
	}()
	r.releaseHeld()
	id, err := r.read(ctx)
	if id != nil {
		// The AMO rights, in the background: started once the read is
		// over (its sources stopped), so that the fetch's first steps do
		// not run ahead of Read's return on this thread.
		r.fetchRights(id)
	}
	return id, err
}

// releaseHeld closes the NFC connections kept for receipts after earlier reads.
func (r *Reader) releaseHeld() {
	r.mu.Lock()
	held := r.held
	r.held = nil
	r.mu.Unlock()
	for _, id := range held {
		id.Release()
	}
}

func (r *Reader) read(ctx context.Context) (*Identity, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(r.ctx, cancel) // Close ends a running Read
	defer stop()
	live := make([]int, 0, 4) // the sources not gone, by index (NFC first, then QR)
	r.mu.Lock()
	for i := range len(r.cfg.NFC) + len(r.cfg.QR) {
		if !r.gone[i] {
			live = append(live, i)
		}
	}
	r.mu.Unlock()
	switch len(live) {
	case 0:
		return nil, fmt.Errorf("reader: read: %w", ErrNoSource)
	case 1:
		// One device, as at most desks: it is read in this goroutine, with
		// no hand-off to another goroutine and back (for a caller from C,
		// an OS thread parked and woken), and the same outcomes.
		var o outcome
		got := false
		r.loop(ctx, live[0], func(x outcome) bool { o, got = x, true; return true })
		if !got { // the loop returns without an outcome only when ctx ends
			return nil, r.ended(ctx)
		}
		n := 1
		id, err, _ := r.settle(o, &n)
		return id, err
	}
	out := make(chan outcome)
	var wg sync.WaitGroup
	for _, i := range live {
		wg.Add(1)
		go func() { defer wg.Done(); r.loop(ctx, i, func(o outcome) bool { return send(ctx, out, o) }) }()
	}
	defer func() { cancel(); wg.Wait() }()
	n := len(live)
	for {
		select {
		case <-ctx.Done():
			return nil, r.ended(ctx)
		case o := <-out:
			if id, err, done := r.settle(o, &n); done {
				return id, err
			}
		}
	}
}

// ended is the error of a Read whose ctx ended: Close, or the caller's ctx.
func (r *Reader) ended(ctx context.Context) error {
	if r.ctx.Err() != nil {
		return fmt.Errorf("reader: read: %w", ErrClosed)
	}
	return ctx.Err()
}

// loop reads source i (NFC first, then QR) until it has an outcome for
// the Read, given to deliver, or ctx ends.
func (r *Reader) loop(ctx context.Context, i int, deliver func(outcome) bool) {
	if i < len(r.cfg.NFC) {
		r.nfcLoop(ctx, i, r.cfg.NFC[i], deliver)
		return
	}
	r.qrLoop(ctx, i, r.cfg.QR[i-len(r.cfg.NFC)], deliver)
}

// settle takes an outcome of a source while *live sources are read: a
// source gone for good (the Read goes on with the others while there are
// some), or a refusal or an identity, which end the Read (done).
func (r *Reader) settle(o outcome, live *int) (id *Identity, err error, done bool) {
	if o.src >= 0 {
		r.mu.Lock()
		r.gone[o.src] = true
		r.mu.Unlock()
		*live--
		if *live > 0 {
			return nil, nil, false
		}
		if o.err != nil { // the last device's own reason speaks first to the desk
			return nil, fmt.Errorf("reader: read: %w: %w", o.err, ErrNoSource), true
		}
		return nil, fmt.Errorf("reader: read: %w", ErrNoSource), true
	}
	if o.err != nil {
		r.log.Info("reader: presentation refused", "source", o.source, "code", apcverr.Code(o.err), "err", o.err)
		r.emit(Event{Kind: Error, Source: o.source, Err: o.err})
		return nil, o.err, true
	}
	r.emit(Event{Kind: IdentityRead, Source: o.id.Source, Identity: o.id})
	r.log.Info("reader: identity verified", "identity", o.id)
	if o.id.link != nil {
		r.mu.Lock()
		r.held = append(r.held, o.id)
		r.mu.Unlock()
	}
	return o.id, nil, true
}

func send(ctx context.Context, out chan<- outcome, o outcome) bool {
	select {
	case out <- o:
		return true
	case <-ctx.Done():
		return false
	}
}

func (r *Reader) nfcLoop(ctx context.Context, idx int, s nfc.Source, deliver func(outcome) bool) {
	name := "nfc:" + s.Name()
	var lastCode string
	for {
		phone, err := s.WaitPhone(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, nfc.ErrReaderUnplugged) || errors.Is(err, nfc.ErrUnknownReader) || errors.Is(err, nfc.ErrNoService) {
				r.emit(Event{Kind: DeviceRemoved, Source: name, Err: err})
				deliver(outcome{src: idx, err: err})
				return
			}
			r.log.Warn("reader: waiting for a phone failed", "source", name, "err", err)
			if apcverr.Code(err) != lastCode { // tell the desk once per kind of failure
				lastCode = apcverr.Code(err)
				r.emit(Event{Kind: Error, Source: name, Err: err})
			}
			waithint.Waiting(ctx)
			select { // a transient failure: do not spin
			case <-time.After(200 * time.Millisecond):
				continue
			case <-ctx.Done():
				return
			}
		}
		r.emit(Event{Kind: PhoneDetected, Source: name})
		r.log.Debug("reader: phone in the field", "source", name)
		r.emit(Event{Kind: Reading, Source: name})
		sess, err := nfc.Read(ctx, phone, r.v, nfc.Options{Groups: r.cfg.Groups, APDUTimeout: r.cfg.APDUTimeout,
			Logger: r.cfg.Logger})
		if err != nil {
			phone.Close()
			if ctx.Err() != nil {
				return
			}
			// Read returns with this outcome: stop here rather than
			// start waiting for the next phone.
			deliver(outcome{err: err, src: -1, source: name})
			return
		}
		id := newIdentity(sess.Presentation, name, r.cfg.Now())
		id.link = &nfcLink{sess: sess, phone: phone}
		if !deliver(outcome{id: id, src: -1}) {
			phone.Close()
			return
		}
		return
	}
}

// qrLoop reads scans until one is an attempt (verified or refused), sends
// its outcome and returns: a Read takes one outcome, and a scan taken from
// a device must never be dropped by the cancel that follows.
func (r *Reader) qrLoop(ctx context.Context, idx int, s qrscan.Source, deliver func(outcome) bool) {
	name := s.Name()
	for {
		scan, err := s.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, qrscan.ErrDeviceGone) || errors.Is(err, io.EOF) {
				// Unplugged, or a finite source (image files) exhausted.
				r.emit(Event{Kind: DeviceRemoved, Source: name, Err: err})
				deliver(outcome{src: idx, err: err})
				return
			}
			if errors.Is(err, qrscan.ErrNoCode) {
				continue // a frame without a code is not an attempt
			}
			// Read returns with this outcome: stop here, so that no scan
			// is taken from the device and then dropped by the cancel.
			deliver(outcome{err: err, src: -1, source: name})
			return
		}
		if _, ok := s.(qrscan.Starter); !ok {
			r.emit(Event{Kind: Reading, Source: name}) // a Starter announced it at its first bytes
		}
		r.log.Debug("reader: QR scanned", "source", name, "chars", len(scan.Text), "symbology", scan.Symbology)
		var p *credential.Presentation
		if credential.IsShortQR(scan.Text) {
			p, err = r.resolve(ctx, scan.Text)
		} else {
			p, err = r.v.VerifyQR(scan.Text)
		}
		if err != nil {
			deliver(outcome{err: fmt.Errorf("reader: %s: %w", name, err), src: -1, source: name})
			return
		}
		deliver(outcome{id: newIdentity(p, name, r.cfg.Now()), src: -1})
		return
	}
}

// resolve verifies a short QR text (protocol version 2): its window first,
// before any network; then the online service's resolution, which the
// Verifier checks itself (issuer signature, binding to this text and to
// this desk's PS certificate, service clock, revocation, groups, replay).
func (r *Reader) resolve(ctx context.Context, text string) (*credential.Presentation, error) {
	if r.oc == nil {
		return nil, fmt.Errorf("short QR code: %w", online.ErrOnlineNotConfigured)
	}
	if _, err := r.v.CheckShortQRWindow(text); err != nil {
		return nil, err
	}
	answer, psHash, err := r.oc.Resolve(ctx, text, r.cfg.Groups)
	if err != nil {
		return nil, err
	}
	return r.v.VerifyResolution(text, answer, psHash, r.cfg.Groups)
}

// PostReceipt sends a care-expense record to the patient's app, where it
// shows in Activités for 7 days: over NFC while the phone is still in the
// field, or through the ReceiptSink for QR identities. rec.Beneficiary is
// an index in id.Beneficiaires; for a chosen beneficiary's code
// (id.Selected ≥ 0) it is sent as that person's index in the family, and an
// index that is neither the person seen nor the ouvrant droit is refused
// (credential.ErrInvalidField).
func (r *Reader) PostReceipt(ctx context.Context, id *Identity, rec credential.Receipt) error {
	if id == nil {
		return fmt.Errorf("reader: receipt: no identity: %w", ErrNoReceipts)
	}
	// rec names an entry of id.Beneficiaires; the phone's activities, a
	// member of the family (they differ for a chosen beneficiary's code).
	fi, err := id.familyIndex(rec.Beneficiary)
	if err != nil {
		return fmt.Errorf("reader: receipt: %w", err)
	}
	rec.Beneficiary = fi
	if id.link != nil {
		if err := id.link.putReceipt(ctx, rec); err != nil {
			return fmt.Errorf("reader: receipt: %w", err)
		}
		return nil
	}
	if r.cfg.Receipts == nil {
		return fmt.Errorf("reader: receipt: no receipt service configured: %w", ErrNoReceipts)
	}
	if err := r.cfg.Receipts.PostReceipt(ctx, id.cid, rec); err != nil {
		return fmt.Errorf("reader: receipt: %w: %w", ErrNoReceipts, err)
	}
	return nil
}

// Close ends any running Read, stops the list refresh, closes every source
// and the Events channel, and waits for every goroutine.
func (r *Reader) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	reading := r.reading
	r.mu.Unlock()
	r.cancel() // ends a Read under way…
	if reading != nil {
		<-reading // …and Close waits until it has returned
	}
	r.bg.Wait()
	if r.oc != nil {
		r.oc.Close()
	}
	r.releaseHeld()
	var errs []error
	for _, s := range r.cfg.NFC {
		errs = append(errs, s.Close())
	}
	for _, s := range r.cfg.QR {
		errs = append(errs, s.Close())
	}
	r.mu.Lock()
	close(r.events)
	r.mu.Unlock()
	return errors.Join(errs...)
}
