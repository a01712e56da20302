package soak_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/link"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// sizes returns the reads over the link model and through pcscd.
func sizes() (linkN, pcscN int) {
	if os.Getenv("APCV_SOAK") == "full" {
		return 10_000, 1_000
	}
	return 1_000, 100
}

const faultRate = 0.05

// usage is what must stay flat.
type usage struct {
	goroutines, fds int
	rss             int64 // bytes
}

func measure() usage {
	runtime.GC()
	debug.FreeOSMemory()
	u := usage{goroutines: runtime.NumGoroutine(), fds: -1, rss: -1}
	if runtime.GOOS != "linux" {
		// Elsewhere there is no /proc; under Wine, Z:\proc\self is Wine's
		// own Unix process, whose descriptors change by themselves.
		return u
	}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		u.fds = len(ents)
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				u.rss = kb << 10
			}
		}
	}
	return u
}

// tally gathers the outcomes of a soak.
type tally struct {
	n, ok, wrong, untyped int
	faulted               int
	codes                 map[string]int
	durations             []time.Duration
	airtimes              []time.Duration // link model: the modelled time on the air
	firstUntyped          error
}

func (t *tally) add(w *testworld.World, s *nfc.Session, err error, d time.Duration) {
	t.n++
	t.durations = append(t.durations, d)
	if err != nil {
		code := apcverr.Code(err)
		if code == "" || code == "internal" {
			t.untyped++
			if t.firstUntyped == nil {
				t.firstUntyped = err
			}
		}
		t.codes[code]++
		return
	}
	t.ok++
	if !sameIdentity(w, s.Presentation) {
		t.wrong++
	}
}

// sameIdentity: the verified presentation is the world's credential and
// family, field for field where it matters to the desk.
func sameIdentity(w *testworld.World, p *credential.Presentation) bool {
	if p == nil || p.CredentialID != w.CID || len(p.Family.Beneficiaires) != len(w.Family.Beneficiaires) {
		return false
	}
	for i, b := range p.Family.Beneficiaires {
		want := w.Family.Beneficiaires[i]
		if b.NIR != want.NIR || b.NomFamille != want.NomFamille || b.Prenoms != want.Prenoms || b.DateNaissance != want.DateNaissance {
			return false
		}
	}
	return true
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func (t *tally) report(tb testing.TB, name string, before, warm, after usage) {
	codes := make([]string, 0, len(t.codes))
	for c, n := range t.codes {
		codes = append(codes, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(codes)
	tb.Logf("%s: %d reads, %d verified, %d with a fault injected; wrong identities: %d; untyped failures: %d; failures by code: %s",
		name, t.n, t.ok, t.faulted, t.wrong, t.untyped, strings.Join(codes, " "))
	tb.Logf("%s: per read p50 %v, p99 %v, max %v", name, pct(t.durations, 0.50).Round(time.Microsecond),
		pct(t.durations, 0.99).Round(time.Microsecond), pct(t.durations, 1).Round(time.Microsecond))
	if len(t.airtimes) > 0 {
		tb.Logf("%s: modelled airtime per read p50 %v, p99 %v", name, pct(t.airtimes, 0.50).Round(time.Microsecond), pct(t.airtimes, 0.99).Round(time.Microsecond))
	}
	tb.Logf("%s: goroutines %d → %d → %d, fds %d → %d → %d, RSS %.1f → %.1f → %.1f MiB (before, after warm-up, after)", name,
		before.goroutines, warm.goroutines, after.goroutines, before.fds, warm.fds, after.fds,
		float64(before.rss)/(1<<20), float64(warm.rss)/(1<<20), float64(after.rss)/(1<<20))
	if t.wrong != 0 {
		tb.Errorf("%s: %d wrong identities", name, t.wrong)
	}
	if t.untyped != 0 {
		tb.Errorf("%s: %d failures without a stable code, the first: %v", name, t.untyped, t.firstUntyped)
	}
	if t.ok < t.n*8/10 {
		tb.Errorf("%s: only %d of %d reads verified with %.0f %% faults", name, t.ok, t.n, faultRate*100)
	}
	if after.goroutines > before.goroutines+2 {
		tb.Errorf("%s: goroutines %d → %d", name, before.goroutines, after.goroutines)
	}
	if before.fds >= 0 && after.fds > before.fds+2 {
		tb.Errorf("%s: file descriptors %d → %d", name, before.fds, after.fds)
	}
	if warm.rss >= 0 && after.rss > warm.rss+32<<20 {
		tb.Errorf("%s: RSS grew from %.1f to %.1f MiB after warm-up", name, float64(warm.rss)/(1<<20), float64(after.rss)/(1<<20))
	}
}

func newWorlds() []*testworld.World {
	return []*testworld.World{testworld.New(1), testworld.New(3), testworld.New(6)}
}

var receipt = credential.Receipt{PSID: "10000000000", PSName: "Cabinet soak", AmountCents: 2650, Date: 1767225600}

// read runs one read and, on success, a receipt (whose failure, a fault
// too, must be typed as well).
func read(ctx context.Context, t apdu.Transport, v *credential.Verifier, groups []credential.Group) (*nfc.Session, error) {
	s, err := nfc.Read(ctx, t, v, nfc.Options{Groups: groups, APDUTimeout: 500 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	if err := s.PutReceipt(ctx, receipt); err != nil {
		return nil, err
	}
	return s, nil
}

// TestSoakLink: reads over the link model at 424 kbit/s, 5 % of them with
// one fault: the phone torn away at a random frame, a burst of bit errors,
// one bit error, or a phone slow enough to need WTX.
func TestSoakLink(t *testing.T) {
	n, _ := sizes()
	worlds := newWorlds()
	verifiers := make([]*credential.Verifier, len(worlds))
	applets := make([]*applet.Applet, len(worlds))
	for i, w := range worlds {
		verifiers[i] = w.Verifier(nil)
		applets[i] = applet.New(&discardWallet{w}, applet.Options{})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tl := tally{codes: map[string]int{}}
	ctx := context.Background()
	before := measure()
	var warm usage
	for i := range n {
		if i == n/10 {
			warm = measure()
		}
		k := rng.IntN(len(worlds))
		var f link.Faults
		if rng.Float64() < faultRate {
			tl.faulted++
			switch rng.IntN(4) {
			case 0:
				f.RemoveAtFrame = 1 + rng.IntN(40)
			case 1:
				f.BER, f.Seed = 1e-3, rng.Uint64()
			case 2:
				f.BitErrors = []link.BitError{{Frame: 1 + rng.IntN(40), Bit: rng.IntN(2048)}}
			case 3:
				f.SlowPhone = time.Duration(20+rng.IntN(200)) * time.Millisecond
			}
		}
		l := link.New(applets[k], link.Config{BitRate: link.Rate424, Faults: f})
		start := time.Now()
		s, err := read(ctx, l, verifiers[k], []credential.Group{credential.GroupINS})
		tl.add(worlds[k], s, err, time.Since(start))
		tl.airtimes = append(tl.airtimes, l.Stats().Airtime)
	}
	tl.report(t, "link", before, warm, measure())
}

// discardWallet is an unlocked wallet that keeps no receipt (a soak writes
// thousands).
type discardWallet struct{ w *testworld.World }

func (d *discardWallet) Present() (*credential.Held, *ecdsa.PrivateKey, error) {
	return d.w.Held, d.w.Device, nil
}
func (d *discardWallet) AddReceipt(credential.Receipt) error { return nil }

// faultyPhone is the card side served through vpcd: the applet, with the
// fault planned for the current read — a delay, a flipped bit in an answer,
// or the field torn (the applet reset) before a given command.
type faultyPhone struct {
	a *applet.Applet

	mu    sync.Mutex
	plan  fault
	count int // commands since the plan was set
}

type fault struct {
	kind  int // 0 none, 1 delay, 2 bit flip, 3 tearing
	at    int // the command it hits, from 1
	delay time.Duration
	bit   int
}

func (p *faultyPhone) set(f fault) {
	p.mu.Lock()
	p.plan, p.count = f, 0
	p.mu.Unlock()
}

func (p *faultyPhone) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	p.mu.Lock()
	p.count++
	f, hit := p.plan, p.count == p.plan.at
	p.mu.Unlock()
	if hit && f.kind == 1 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if hit && f.kind == 3 {
		p.a.Reset()
	}
	resp, err := p.a.Transmit(ctx, cmd)
	if err == nil && hit && f.kind == 2 && len(resp) > 2 {
		resp = slices.Clone(resp)
		i := f.bit % ((len(resp) - 2) * 8)
		resp[i/8] ^= 1 << (i % 8)
	}
	return resp, err
}

func (p *faultyPhone) Reset() { p.a.Reset() }

// TestSoakPCSC: reads through the real pcscd and vpcd (slot "soak"), each
// with its own connection as at a desk, 5 % with a fault: a phone 50–600 ms
// slow on one command (beyond the 500 ms step bound sometimes), one bit
// flipped in an answer, or the field torn before a command.
func TestSoakPCSC(t *testing.T) {
	_, n := sizes()
	addr, name := pcsctest.Require(t, "soak")
	w := testworld.New(3)
	v := w.Verifier(nil)
	phone := &faultyPhone{a: applet.New(&discardWallet{w}, applet.Options{})}
	pcsctest.WaitCard(t, name, false, 20*time.Second)
	before := measure() // before the vpcd server and the PC/SC context
	pc, err := pcsc.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	tl := tally{codes: map[string]int{}}
	var warm usage
	// Registered before Serve, so run after its cleanup has stopped the
	// vpcd server: what is left then is what the reads leaked.
	t.Cleanup(func() { tl.report(t, "pcsc", before, warm, measure()) })
	pcsctest.Serve(t, addr, phone, vpcd.Options{})
	pcsctest.WaitCard(t, name, true, 20*time.Second)
	ctx := context.Background()
	var timeouts atomic.Int32
	for i := range n {
		if i == n/10 {
			warm = measure()
		}
		f := fault{}
		if rng.Float64() < faultRate {
			tl.faulted++
			f = fault{kind: 1 + rng.IntN(3), at: 1 + rng.IntN(6), delay: time.Duration(50+rng.IntN(550)) * time.Millisecond, bit: rng.IntN(4096)}
		}
		phone.set(f)
		start := time.Now()
		card, err := pc.Connect(ctx, name)
		if err != nil {
			tl.add(w, nil, err, time.Since(start))
			continue
		}
		s, err := read(ctx, card, v, []credential.Group{credential.GroupINS})
		if errors.Is(err, nfc.ErrPhoneTimeout) {
			timeouts.Add(1)
		}
		card.Close()
		tl.add(w, s, err, time.Since(start))
	}
	pc.Close()
	t.Logf("pcsc: %d step timeouts", timeouts.Load())
}

// TestSameIdentityCatches: the soak's identity check tells one family from
// another (it is not a check that cannot fail).
func TestSameIdentityCatches(t *testing.T) {
	worlds := newWorlds()
	a, b := worlds[1], worlds[2]
	s, err := read(context.Background(), applet.New(&discardWallet{a}, applet.Options{}), a.Verifier(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sameIdentity(a, s.Presentation) || sameIdentity(b, s.Presentation) {
		t.Fatal("sameIdentity does not tell the families apart")
	}
	tl := tally{codes: map[string]int{}}
	tl.add(b, s, nil, 0)
	tl.add(a, nil, errors.New("untyped"), 0)
	if tl.wrong != 1 || tl.untyped != 1 {
		t.Fatalf("tally: wrong %d, untyped %d; want 1, 1", tl.wrong, tl.untyped)
	}
}
