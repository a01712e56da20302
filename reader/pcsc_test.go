// The facade over a real PC/SC reader: pcscd with the project's vpcd
// readers "reader" and "reader2" (scripts/pcscd/with-pcscd.sh), the emulated
// phone served by emulator/vpcd, an nfc/pcsc Source. Without pcscd these
// tests skip (internal/pcsctest), unless APCV_REQUIRE_PCSC=1.

package reader_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/apdutest"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/internal/testlog"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/nfc/wire"
	"github.com/apcvkit/apcvkit/reader"
)

// presentTimeout bounds the wait for pcscd to see a phone come or go (it
// polls vpcd every 400 ms; the machine is shared: under load 22, 8 s was
// not enough once). A hang guard, not a measure.
const presentTimeout = 20 * time.Second

var allGroups = []credential.Group{credential.GroupAMO, credential.GroupINS, credential.GroupEtatCivil}

func newWorld(t testing.TB, profile string) *emulator.World {
	t.Helper()
	w, err := emulator.New(emulator.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func phoneApplet(t testing.TB, w *emulator.World) apdu.Transport {
	t.Helper()
	a, err := w.Applet()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tap puts card on the reader at addr (vpcd.Serve) until takeAway, or the
// end of the test, takes it away; takeAway waits for Serve to return. The
// reader must be empty first: tap waits for that.
func tap(t testing.TB, addr, readerName string, card apdu.Transport, opts vpcd.Options) (takeAway func()) {
	t.Helper()
	pcsctest.WaitCard(t, readerName, false, presentTimeout)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opts.Logger = testlog.New(t) // silent once the test has ended
	go func() { done <- vpcd.Serve(ctx, addr, card, opts) }()
	var once sync.Once
	takeAway = func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("vpcd.Serve: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		takeAway()
		pcsctest.WaitCard(t, readerName, false, presentTimeout)
	})
	return takeAway
}

// retap takes the phone away, waits until pcscd saw it go, and taps card
// again: the patient presents the phone anew.
func retap(t testing.TB, takeAway func(), addr, readerName string, card apdu.Transport, opts vpcd.Options) func() {
	t.Helper()
	takeAway()
	return tap(t, addr, readerName, card, opts)
}

// open opens a Reader over src for w's lists.
func open(t testing.TB, w *emulator.World, cfg reader.Config, src ...nfc.Source) *reader.Reader {
	t.Helper()
	cfg.Enabled = true
	cfg.ListAuthority = w.Issuer.ListAuthority()
	cfg.Lists = w
	cfg.NFC = src
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("reader Close: %v", err)
		}
	})
	return r
}

func source(t testing.TB, readerName string) *pcsc.Source {
	t.Helper()
	src, err := pcsc.OpenSource(readerName)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// read runs r.Read with a bound.
func read(t testing.TB, r *reader.Reader, d time.Duration) (*reader.Identity, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return r.Read(ctx)
}

// checkIdentity fails t unless id is w's phone's family, read over NFC.
func checkIdentity(t testing.TB, id *reader.Identity, w *emulator.World, groups []credential.Group) {
	t.Helper()
	prof := w.Phone.Profile()
	if id.Mode != credential.ModeNFC {
		t.Errorf("mode %v, want NFC", id.Mode)
	}
	if len(id.Beneficiaires) != len(prof.Family.Beneficiaires) {
		t.Fatalf("%d beneficiaires, want %d", len(id.Beneficiaires), len(prof.Family.Beneficiaires))
	}
	for i, b := range id.Beneficiaires {
		if b.NIR != prof.Family.Beneficiaires[i].NIR || b.NomFamille != prof.Family.Beneficiaires[i].NomFamille {
			t.Errorf("beneficiaire %d differs from the phone's profile", i)
		}
	}
	if !slices.Equal(id.Groups, groups) {
		t.Errorf("groups %v, want %v", id.Groups, groups)
	}
	if cid, _ := w.Phone.CredentialID(); id.Verification.CredentialID != fmt.Sprintf("%x", cid) {
		t.Errorf("credential %s, want the phone's %x", id.Verification.CredentialID, cid)
	}
}

// TestPCSCFullRead reads the three groups through pcscd via the facade, then
// writes a receipt over NFC that the app shows in its Activités.
func TestPCSCFullRead(t *testing.T) {
	addr, name := pcsctest.Require(t, "reader")
	w := newWorld(t, "famille-6-drome")
	tap(t, addr, name, phoneApplet(t, w), vpcd.Options{})
	src := source(t, name)
	if src.Name() != "pcsc:"+name {
		t.Errorf("Name() = %q", src.Name())
	}
	r := open(t, w, reader.Config{Groups: allGroups}, src)
	id, err := read(t, r, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkIdentity(t, id, w, allGroups)
	if id.Source != "nfc:pcsc:"+name {
		t.Errorf("source %q", id.Source)
	}
	if id.EtatCivil == nil || id.EtatCivil.NomNaissance != w.Phone.Profile().Family.EtatCivil.NomNaissance {
		t.Errorf("état civil missing or wrong")
	}
	for i, b := range id.Beneficiaires {
		if b.INS == nil {
			t.Errorf("beneficiaire %d has no INS", i)
		}
	}

	rec := credential.Receipt{Beneficiary: 1, PSID: "10101010101", PSName: "Dr Test PC/SC", AmountCents: 2650,
		Date: uint64(time.Now().Unix())}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.PostReceipt(ctx, id, rec); err != nil {
		t.Fatal(err)
	}
	acts, err := w.Phone.Activities()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(acts, func(a phone.Activity) bool {
		return a.PSName == rec.PSName && a.AmountCents == rec.AmountCents && a.Beneficiary == rec.Beneficiary && a.PSID == rec.PSID
	}) {
		t.Errorf("receipt not in the app's Activités: %+v", acts)
	}
	// The connection was released with the receipt: a second one fails.
	if err := r.PostReceipt(ctx, id, rec); !errors.Is(err, reader.ErrNoReceipts) {
		t.Errorf("second receipt: %v, want reader.ErrNoReceipts", err)
	}
}

// TestPCSCOneTapOneRead: a phone left on the reader is not read twice; taken
// away and presented again, it is.
func TestPCSCOneTapOneRead(t *testing.T) {
	addr, name := pcsctest.Require(t, "reader")
	w := newWorld(t, "famille-6-drome")
	card := phoneApplet(t, w)
	takeAway := tap(t, addr, name, card, vpcd.Options{})
	r := open(t, w, reader.Config{}, source(t, name))
	if _, err := read(t, r, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if id, err := read(t, r, time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second read with the phone left on the reader: %v, %v; want the deadline", id, err)
	}
	retap(t, takeAway, addr, name, card, vpcd.Options{})
	id, err := read(t, r, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	checkIdentity(t, id, w, []credential.Group{credential.GroupAMO})
}

// countAPDUs returns the C-APDUs of one clean ApCV session with the three
// groups.
func countAPDUs(t testing.TB, w *emulator.World) [][]byte {
	t.Helper()
	rec := &apdutest.Record{Transport: phoneApplet(t, w)}
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: w.Issuer.ListAuthority()})
	tl, _ := w.TrustList(context.Background())
	rl, _ := w.RevocationList(context.Background())
	if err := v.SetTrustList(tl); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(rl); err != nil {
		t.Fatal(err)
	}
	if _, err := nfc.Read(context.Background(), rec, v, nfc.Options{Groups: allGroups}); err != nil {
		t.Fatal(err)
	}
	cmds := make([][]byte, len(rec.Exchanges))
	for i, e := range rec.Exchanges {
		cmds[i] = e.Command
	}
	return cmds
}

// stepName names the n-th APDU of the session (1-based).
func stepName(cmds [][]byte, n int) string {
	c := cmds[n-1]
	switch {
	case c[1] == wire.InsSelect:
		return "SELECT"
	case c[1] == wire.InsKeyAgreement:
		return "KEY AGREEMENT"
	case c[1] == wire.InsGetData:
		return "GET DATA"
	case c[1] == wire.InsGetResponse:
		return fmt.Sprintf("GET RESPONSE %d", n-slices.IndexFunc(cmds, func(c []byte) bool { return c[1] == wire.InsGetResponse }))
	}
	return fmt.Sprintf("INS %02X", c[1])
}

// TestPCSCTearing takes the phone away at every APDU of the ApCV session: the
// read fails with nfc.ErrPhoneRemoved and its desk message, the next tap
// yields a verified identity, and nothing leaks.
func TestPCSCTearing(t *testing.T) {
	addr, name := pcsctest.Require(t, "reader")
	w := newWorld(t, "famille-6-drome")
	cmds := countAPDUs(t, w)
	if len(cmds) < 4 || cmds[3][1] != wire.InsGetResponse {
		t.Fatalf("the session has %d APDUs, want SELECT, KEY AGREEMENT, GET DATA and GET RESPONSEs", len(cmds))
	}
	t.Logf("session: %d APDUs", len(cmds))
	card := phoneApplet(t, w)
	var removeAt atomic.Int32
	opts := vpcd.Options{Fault: func(n int, _ []byte) vpcd.Fault {
		if n == int(removeAt.Load()) && removeAt.CompareAndSwap(int32(n), 0) {
			// Longer than pcscd's 400 ms presence poll: seen as a removal.
			return vpcd.Fault{Remove: true, Away: 600 * time.Millisecond}
		}
		return vpcd.Fault{}
	}}
	takeAway := tap(t, addr, name, card, opts)
	r := open(t, w, reader.Config{Groups: allGroups}, source(t, name))
	if _, err := read(t, r, 20*time.Second); err != nil {
		t.Fatalf("warm-up read: %v", err)
	}
	base := pcsctest.Snapshot()
	for at := 1; at <= len(cmds); at++ {
		t.Run(fmt.Sprintf("%d %s", at, stepName(cmds, at)), func(t *testing.T) {
			// A new tap, with the phone to be torn away at APDU at.
			removeAt.Store(int32(at))
			takeAway = retap(t, takeAway, addr, name, card, opts)
			start := time.Now()
			_, err := read(t, r, 20*time.Second)
			if !errors.Is(err, nfc.ErrPhoneRemoved) {
				t.Fatalf("torn at APDU %d: %v, want nfc.ErrPhoneRemoved", at, err)
			}
			if removeAt.Load() != 0 {
				t.Fatalf("the read failed before APDU %d: %v", at, err)
			}
			if got := apcverr.Message(err, apcverr.FR); got != nfc.ErrPhoneRemoved.FR {
				t.Errorf("desk message %q, want %q", got, nfc.ErrPhoneRemoved.FR)
			}
			t.Logf("torn after %v: %v", time.Since(start).Round(time.Millisecond), err)
			// The phone comes back by itself (Away): the next read waits
			// for pcscd to see the torn phone go, then reads the new tap.
			id, err := read(t, r, 20*time.Second)
			if err != nil {
				t.Fatalf("next tap: %v", err)
			}
			checkIdentity(t, id, w, allGroups)
		})
	}
	// The last read's phone is held for a receipt, as after the warm-up.
	pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
}

// lateAnswer is a phone that calls answered after each APDU it answers.
type lateAnswer struct {
	apdu.Transport
	answered func()
}

func (c lateAnswer) Transmit(ctx context.Context, capdu []byte) ([]byte, error) {
	defer c.answered()
	return c.Transport.Transmit(ctx, capdu)
}

// Reset passes vpcd's power events on to the phone.
func (c lateAnswer) Reset() {
	if r, ok := c.Transport.(apdu.Resetter); ok {
		r.Reset()
	}
}

// TestPCSCHungPhone: a phone that stops answering fails the read with
// nfc.ErrPhoneTimeout at the APDU bound (Config.APDUTimeout); the next tap
// reads.
func TestPCSCHungPhone(t *testing.T) {
	addr, name := pcsctest.Require(t, "reader")
	w := newWorld(t, "famille-6-drome")
	applet := phoneApplet(t, w)
	const step = 400 * time.Millisecond
	// The phone answers, late, after hangFor; the test waits for that
	// before the next tap: pcscd's reader thread stays blocked on vpcd until
	// then, and a phone cut off while pcscd still waits for it leaves vpcd
	// confused for seconds (see nfc/pcsc's TestHungPhone). A read not cut
	// at its bound would end with the late answer, 3 s after the hang:
	// seconds later than a loaded machine delays one that is cut.
	const hangFor = 3 * time.Second
	for _, at := range []int{1, 2, 3, 4} { // SELECT, KEY AGREEMENT, GET DATA, GET RESPONSE
		t.Run(fmt.Sprint("APDU ", at), func(t *testing.T) {
			var hungAt atomic.Int64  // when the phone got the APDU it does not answer
			var prevAt atomic.Int64  // when it got the APDU before that one
			var answered atomic.Bool // the hung APDU has reached the card, late
			card := lateAnswer{applet, func() { answered.Store(hungAt.Load() != 0) }}
			hang := vpcd.Once(at, vpcd.Fault{Delay: hangFor})
			fault := func(n int, capdu []byte) vpcd.Fault {
				f := hang(n, capdu)
				if f.Delay > 0 {
					hungAt.Store(time.Now().UnixNano())
				} else if hungAt.Load() == 0 {
					prevAt.Store(time.Now().UnixNano())
				}
				return f
			}
			takeAway := tap(t, addr, name, card, vpcd.Options{Fault: fault})
			r := open(t, w, reader.Config{Groups: allGroups, APDUTimeout: step}, source(t, name))
			base := pcsctest.Snapshot()
			readStart := time.Now()
			_, err := read(t, r, 20*time.Second)
			end := time.Now()
			if !errors.Is(err, nfc.ErrPhoneTimeout) {
				t.Fatalf("err = %v, want nfc.ErrPhoneTimeout", err)
			}
			if got := apcverr.Message(err, apcverr.FR); got != nfc.ErrPhoneTimeout.FR {
				t.Errorf("desk message %q", got)
			}
			if hungAt.Load() == 0 {
				t.Fatal("the phone never got the APDU it hangs on")
			}
			// The APDU's bound starts when the reader sends it, a transit
			// before the phone gets it (up to tens of ms through pcscd and
			// vpcd on a loaded machine), and after the reader got the answer
			// to the APDU before it (or after Read began, for the first). So
			// Read cannot return sooner than step after that earlier event,
			// and should return about step after the phone hung, plus
			// scheduling slack on a shared machine.
			earliest := readStart
			if p := prevAt.Load(); p != 0 && at > 1 {
				earliest = time.Unix(0, p)
			}
			if sinceEarlier := end.Sub(earliest); sinceEarlier < step {
				t.Errorf("timed out %v after the APDU before the hung one was sent, sooner than the %v bound", sinceEarlier, step)
			}
			took := end.Sub(time.Unix(0, hungAt.Load()))
			if took > step+1500*time.Millisecond {
				t.Errorf("timed out %v after the phone hung, want about %v (the late answer comes at %v)", took, step, hangFor)
			}
			t.Logf("timed out %v after the phone hung: %v", took.Round(time.Millisecond), err)
			// The late answer: the hung APDU reaches the card after the
			// delay, and vpcd writes its answer right after. Waited for, not
			// slept for: on a loaded machine it may come late.
			for late := time.Now().Add(hangFor + 10*time.Second); !answered.Load(); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(late) {
					t.Fatal("the hung phone never answered")
				}
			}
			time.Sleep(100 * time.Millisecond) // for vpcd's write of the answer
			// Counted once the phone's late answer is out: until then this
			// process's emulated phone (vpcd) may hold a connection more
			// (CI, load ~20: fds 11 → 12 two seconds after the cut). A
			// context or socket the reader leaked stays past that.
			pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
			// The patient presents the phone again.
			retap(t, takeAway, addr, name, card, vpcd.Options{})
			id, err := read(t, r, 20*time.Second)
			if err != nil {
				t.Fatalf("next tap: %v", err)
			}
			checkIdentity(t, id, w, allGroups)
		})
	}
}

// TestPCSCTwoReaders reads two phones on two readers at the same time, one
// Reader per reader, each with its own issuer's lists.
func TestPCSCTwoReaders(t *testing.T) {
	type desk struct {
		slot, profile string
		w             *emulator.World
		r             *reader.Reader
		id            *reader.Identity
		err           error
		start, end    time.Time
	}
	desks := []*desk{{slot: "reader", profile: "famille-6-drome"}, {slot: "reader2", profile: "isere-solo"}}
	for _, d := range desks {
		addr, name := pcsctest.Require(t, d.slot)
		d.w = newWorld(t, d.profile)
		tap(t, addr, name, phoneApplet(t, d.w), vpcd.Options{})
		d.r = open(t, d.w, reader.Config{Groups: allGroups}, source(t, name))
	}
	var wg sync.WaitGroup
	for _, d := range desks {
		wg.Go(func() {
			d.start = time.Now()
			d.id, d.err = d.r.Read(context.Background())
			d.end = time.Now()
		})
	}
	wg.Wait()
	for _, d := range desks {
		if d.err != nil {
			t.Fatalf("%s: %v", d.slot, d.err)
		}
		checkIdentity(t, d.id, d.w, allGroups)
		t.Logf("%s: read %v → %v", d.slot, d.start.Format("15:04:05.000"), d.end.Format("15:04:05.000"))
	}
	if desks[0].id.Beneficiaires[0].NIR == desks[1].id.Beneficiaires[0].NIR {
		t.Error("both readers read the same phone")
	}
	// Concurrently: each read started before the other ended.
	if !desks[0].start.Before(desks[1].end) || !desks[1].start.Before(desks[0].end) {
		t.Error("the two reads did not overlap")
	}
}

// TestPCSCAnyReader: a Source for every contactless reader reads the phone on
// whichever reader it is.
func TestPCSCAnyReader(t *testing.T) {
	pcsctest.Alone(t)
	addr, name := pcsctest.Require(t, "reader2")
	w := newWorld(t, "isere-solo")
	tap(t, addr, name, phoneApplet(t, w), vpcd.Options{})
	src := source(t, "any")
	if src.Name() != "pcsc:*" {
		t.Errorf("Name() = %q", src.Name())
	}
	r := open(t, w, reader.Config{}, src)
	// A phone left on another reader by this package's earlier tests
	// fails verification against this world's lists. Read until ours comes.
	deadline := time.Now().Add(30 * time.Second)
	for {
		id, err := read(t, r, 20*time.Second)
		if err == nil && id.Source == "nfc:pcsc:*" {
			checkIdentity(t, id, w, []credential.Group{credential.GroupAMO})
			return
		}
		if err == nil {
			t.Fatalf("source %q", id.Source)
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		t.Logf("another phone: %v", err)
	}
}
