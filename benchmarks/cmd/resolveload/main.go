// Command resolveload is the load test of protocol version 2 on loopback:
// the issuer's online service (emulator/backoffice, mutual TLS) and Desks
// simulated desks, each a reader.Reader with its own health professional's
// certificate, resolving short QR codes drawn by Phones emulated phones and
// fetching the AMO rights of each identity, back to back for Duration.
//
// Besides fresh codes, a share of the scans are a code another desk has
// already resolved (-replay: a photographed code) and a share are one fresh
// code scanned by two desks at once (-race): the service must refuse every
// second use, already-resolved. Every identity is checked against the phone
// that drew the code (credential id and ouvrant droit) and every rights
// answer against the identity's beneficiaries.
//
// It prints the counts, the latency percentiles of a read (scan → verified
// identity) and of the rights that follow, and the process's goroutines and
// file descriptors before and after. It exits 1 on any wrong identity or
// rights, on any code resolved twice, on more failed reads than
// -max-errors (a share of the reads: timeouts on a loaded machine), or on
// a goroutine or file descriptor left behind.
//
//	go run ./benchmarks/cmd/resolveload                  # 200 desks, 400 phones, 60 s
//	go run ./benchmarks/cmd/resolveload -duration 10s    # shorter (CI)
//
// A code is single-use per second of its draw time (the service keeps, per
// credential, the newest time resolved), so each phone draws its codes one
// second apart, starting 150 s in the past (still in the 3-minute window):
// Phones × (150 + Duration in seconds) fresh codes at most.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
	"github.com/apcvkit/apcvkit/internal/agentload"
	"github.com/apcvkit/apcvkit/internal/testfamily"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/online"
)

func main() {
	o := options{}
	flag.IntVar(&o.desks, "desks", 200, "simulated desks, each a Reader with its own PS certificate")
	flag.DurationVar(&o.duration, "duration", time.Minute, "how long the desks read")
	flag.IntVar(&o.phones, "phones", 400, "emulated phones drawing the codes (one code at a time each: more phones than desks keeps every desk busy)")
	flag.Float64Var(&o.replay, "replay", 0.05, "share of scans that are a code another desk already resolved")
	flag.Float64Var(&o.race, "race", 0.02, "share of fresh codes scanned by two desks at once")
	flag.Float64Var(&o.maxErrors, "max-errors", 0.01, "share of failed reads (other than the expected refusals) tolerated")
	flag.DurationVar(&o.auditSync, "audit-sync", 10*time.Millisecond, "the service's audit log sync interval (backoffice.Config.AuditSyncInterval), by default apcv portal serve's; 0: each entry synced before its answer (the Config's zero value)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "resolveload:", err)
		os.Exit(1)
	}
}

type options struct {
	desks, phones       int
	duration, auditSync time.Duration
	replay, race        float64
	maxErrors           float64
}

// profiles are the built-in profiles the phones are made from (a variant
// of each, with NIRs of its own).
var profiles = []string{"isere-solo", "famille-6-drome", "corse-2b", "lunaire-1978"}

func run(o options) error {
	if o.desks < 1 || o.phones < 1 || o.duration <= 0 {
		return errors.New("desks, phones and duration must be positive")
	}
	g0, f0 := agentload.Baseline()
	rep, err := load(o)
	if err != nil {
		return err
	}
	g1, f1 := agentload.Settle(g0, f0, 10*time.Second)
	audit := "each entry"
	if o.auditSync > 0 {
		audit = "every " + o.auditSync.String()
	}
	fmt.Printf("resolveload: %d desks, %d phones (%s), %s, loopback mutual TLS, audit synced %s; %s %s/%s, %d CPUs\n\n",
		o.desks, o.phones, strings.Join(profiles, ", "), o.duration, audit, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Print(rep)
	fmt.Printf("goroutines %d before, %d after; file descriptors %d before, %d after\n", g0, g1, f0, f1)
	var problems []string
	if rep.wrong > 0 || rep.wrongRights > 0 {
		problems = append(problems, fmt.Sprintf("%d wrong identities, %d wrong rights", rep.wrong, rep.wrongRights))
	}
	if rep.double > 0 {
		problems = append(problems, fmt.Sprintf("%d codes resolved twice", rep.double))
	}
	if n := rep.failures(); float64(n) > o.maxErrors*float64(rep.reads) {
		problems = append(problems, fmt.Sprintf("%d failed reads or rights out of %d reads (more than %.1f %%)", n, rep.reads, 100*o.maxErrors))
	}
	if rep.reads == 0 {
		problems = append(problems, "no read at all")
	}
	if g1 > g0 || f1 > f0 {
		problems = append(problems, "goroutines or file descriptors leaked")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// aPhone is an emulated phone: its credential (with its short QR key) and
// the next time it may draw a code at.
type aPhone struct {
	held *credential.Held
	cid  [8]byte
	od   credential.NIR
	nben int

	busy atomic.Bool // shown at a desk: one code at a time
	last time.Time   // the time of the last code drawn (under busy)
}

// draw takes the phone to a desk and returns a new short QR code, or ""
// when the phone is at another desk or has drawn a code for every second
// up to now. A phone shows one code at a time, as the app does: a newer
// code resolved first would make an older one already-resolved. release
// gives the phone back.
func (p *aPhone) draw(now time.Time) (string, error) {
	if !p.busy.CompareAndSwap(false, true) {
		return "", nil
	}
	at := p.last.Add(time.Second)
	if floor := now.Add(-150 * time.Second).Truncate(time.Second); at.Before(floor) {
		at = floor
	}
	if at.After(now) {
		p.busy.Store(false)
		return "", nil
	}
	p.last = at
	return p.held.PresentShortQR(at)
}

func (p *aPhone) release() { p.busy.Store(false) }

// variant is built-in profile name with NIRs of its own for phone i (the
// serial part of each NIR replaced, the key computed again), so that every
// phone is another person.
func variant(name string, i int) (*phone.Profile, error) {
	p, err := phone.BuiltinProfile(name)
	if err != nil {
		return nil, err
	}
	q := *p
	q.Name = fmt.Sprintf("%s-load-%d", name, i)
	q.Email = fmt.Sprintf("load-%d@example.test", i)
	q.Family.Beneficiaires = slices.Clone(p.Family.Beneficiaires)
	q.Rights = slices.Clone(p.Rights)
	for j := range q.Family.Beneficiaires {
		b := &q.Family.Beneficiaires[j]
		old := b.NIR
		defer func() { // the profile's explicit rights follow their beneficiary
			for k := range q.Rights {
				if q.Rights[k].NIR == old {
					q.Rights[k].NIR = b.NIR
				}
			}
		}()
		body := string(old[:7]) + fmt.Sprintf("%06d", (i*10+j)%1_000_000)
		b.NIR = testfamily.NIR(body)
		if b.INS != nil {
			ins := *b.INS
			if ins.Matricule == old {
				ins.Matricule = b.NIR
			}
			b.INS = &ins
		}
	}
	return &q, nil
}

func newPhones(iss *issuer.Issuer, n int) ([]*aPhone, error) {
	out := make([]*aPhone, n)
	for i := range out {
		prof, err := variant(profiles[i%len(profiles)], i)
		if err != nil {
			return nil, err
		}
		ph, err := phone.New(prof, phone.Options{Issuer: iss, CodeHashIterations: phone.MinCodeHashIterations})
		if err != nil {
			return nil, fmt.Errorf("phone %d: %w", i, err)
		}
		if err := ph.ActivateOrUnlock(emulator.DefaultCode); err != nil {
			return nil, fmt.Errorf("phone %d (%s): activate: %w", i, prof.Name, err)
		}
		held, _, err := ph.Wallet()
		if err != nil {
			return nil, err
		}
		cid, err := held.CredentialID()
		if err != nil {
			return nil, err
		}
		out[i] = &aPhone{held: held, cid: cid, od: prof.Family.Beneficiaires[0].NIR, nben: len(prof.Family.Beneficiaires)}
	}
	return out, nil
}

// scanner is a desk's QR scanner: the code the desk's user shows it.
type scanner chan string

func (s scanner) Name() string { return "qr:load" }
func (s scanner) Close() error { return nil }
func (s scanner) Next(ctx context.Context) (qrscan.Scan, error) {
	select {
	case t := <-s:
		return qrscan.Scan{Text: t, Source: s.Name(), At: time.Now()}, nil
	case <-ctx.Done():
		return qrscan.Scan{}, ctx.Err()
	}
}

// report is what the desks saw.
type report struct {
	mu           sync.Mutex
	reads        int            // scans read (identity or error)
	ok           int            // identities
	refusedAgain int            // second uses refused as already-resolved (replays and races)
	replays      int            // replayed scans
	races        int            // fresh codes scanned by two desks
	errs         map[string]int // failed reads by code (not the expected refusals)
	rightsErrs   map[string]int
	wrong        int // identities not the phone's
	wrongRights  int // rights not the identity's beneficiaries
	double       int // codes resolved more than once
	readLat      []time.Duration
	rightsLat    []time.Duration
	resolved     map[string]int // successes per code
}

// failures counts the failed reads (but the expected refusals) and the
// failed rights fetches.
func (r *report) failures() int {
	n := 0
	for _, c := range r.errs {
		n += c
	}
	for _, c := range r.rightsErrs {
		n += c
	}
	return n
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(p*float64(len(d))))]
}

func (r *report) String() string {
	slices.Sort(r.readLat)
	slices.Sort(r.rightsLat)
	var b strings.Builder
	fmt.Fprintf(&b, "reads %d: %d identities verified, %d second uses refused (already-resolved) of %d replays and %d races, %d failed %v\n",
		r.reads, r.ok, r.refusedAgain, r.replays, r.races, r.failures(), r.errs)
	fmt.Fprintf(&b, "read (scan → verified identity, through the service): p50 %v, p90 %v, p99 %v, max %v\n",
		pct(r.readLat, .5).Round(time.Microsecond), pct(r.readLat, .9).Round(time.Microsecond),
		pct(r.readLat, .99).Round(time.Microsecond), pct(r.readLat, 1).Round(time.Microsecond))
	fmt.Fprintf(&b, "rights (after the read): %d fetched, p50 %v, p99 %v; failed %v\n", len(r.rightsLat),
		pct(r.rightsLat, .5).Round(time.Microsecond), pct(r.rightsLat, .99).Round(time.Microsecond), r.rightsErrs)
	fmt.Fprintf(&b, "wrong identities %d, wrong rights %d, codes resolved twice %d\n", r.wrong, r.wrongRights, r.double)
	return b.String()
}

func load(o options) (*report, error) {
	ctx := context.Background()
	iss, err := issuer.New(issuer.Options{})
	if err != nil {
		return nil, err
	}
	phones, err := newPhones(iss, o.phones)
	if err != nil {
		return nil, err
	}
	owner := map[[8]byte]*aPhone{}
	for _, p := range phones {
		owner[p.cid] = p
	}
	auth, err := psauth.New(psauth.Options{})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "resolveload-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	audit, err := portal.OpenAuditLog(filepath.Join(dir, portal.AuditFile))
	if err != nil {
		return nil, err
	}
	defer audit.Close()
	h, err := backoffice.New(backoffice.Config{Backend: iss, Authority: auth, Audit: audit, AuditSyncInterval: o.auditSync})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	srv := backoffice.NewServer(h, backoffice.ServerConfig{})
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer srv.Close()
	tl, err := iss.TrustList()
	if err != nil {
		return nil, err
	}
	rl, err := iss.RevocationList(time.Now())
	if err != nil {
		return nil, err
	}
	lists := reader.StaticLists{Trust: tl, Revocation: rl}

	type desk struct {
		r    *reader.Reader
		scan scanner
	}
	desks := make([]desk, o.desks)
	defer func() {
		for _, d := range desks {
			if d.r != nil {
				d.r.Close()
			}
		}
	}()
	for i := range desks {
		cert, err := auth.IssuePSCert(psauth.PS{RPPS: fmt.Sprintf("1%010d", 100000+i), Name: fmt.Sprintf("Desk %d", i), Profession: "Médecin"})
		if err != nil {
			return nil, err
		}
		scan := make(scanner, 1)
		r, err := reader.Open(ctx, reader.Config{Enabled: true, ListAuthority: iss.ListAuthority(), Lists: lists,
			QR: []qrscan.Source{scan}, Groups: []credential.Group{credential.GroupAMO, credential.GroupINS},
			Online: &online.Config{URL: srv.URL, Cert: cert, Roots: auth.Roots()}})
		if err != nil {
			return nil, err
		}
		desks[i] = desk{r: r, scan: scan}
	}

	rep := &report{errs: map[string]int{}, rightsErrs: map[string]int{}, resolved: map[string]int{}}
	var recentMu sync.Mutex
	var recent []string           // codes resolved lately, for replays
	race := make(chan string, 64) // fresh codes offered to a second desk
	var stopped atomic.Bool
	time.AfterFunc(o.duration, func() { stopped.Store(true) })
	var wg sync.WaitGroup
	for i, d := range desks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(i), 1))
			for !stopped.Load() {
				var text string
				kind := "fresh"
				select {
				case text = <-race:
					kind = "race"
				default:
				}
				if text == "" && rng.Float64() < o.replay {
					recentMu.Lock()
					if len(recent) > 0 {
						text, kind = recent[rng.IntN(len(recent))], "replay"
					}
					recentMu.Unlock()
				}
				var held *aPhone // the phone this desk took, when it drew a fresh code
				if text == "" {
					var err error
					for tries := 0; text == "" && tries < len(phones); tries++ {
						held = phones[rng.IntN(len(phones))]
						if text, err = held.draw(time.Now()); err != nil {
							panic(err)
						}
					}
					if text == "" { // every phone tried has drawn up to now
						time.Sleep(100 * time.Millisecond)
						continue
					}
					if rng.Float64() < o.race {
						select {
						case race <- text:
							kind = "race" // this desk is one of the two
							rep.mu.Lock()
							rep.races++
							rep.mu.Unlock()
						default:
						}
					}
				}
				d.scan <- text
				t0 := time.Now()
				id, err := d.r.Read(ctx)
				lat := time.Since(t0)
				if held != nil {
					held.release()
				}
				rep.mu.Lock()
				rep.reads++
				rep.readLat = append(rep.readLat, lat)
				if kind == "replay" {
					rep.replays++
				}
				switch {
				case err != nil && kind != "fresh" && errors.Is(err, service.ErrAlreadyResolved):
					rep.refusedAgain++
				case err != nil:
					rep.errs[apcverr.Code(err)]++
				default:
					rep.ok++
					rep.resolved[text]++
					if rep.resolved[text] == 2 {
						rep.double++
					}
				}
				rep.mu.Unlock()
				if err != nil {
					continue
				}
				q, _ := credential.ParseShortQR(text)
				p := owner[q.CID]
				if p == nil || id.Verification.CredentialID != fmt.Sprintf("%x", p.cid) ||
					len(id.Beneficiaires) != p.nben || id.Beneficiaires[0].NIR != p.od {
					rep.mu.Lock()
					rep.wrong++
					rep.mu.Unlock()
				}
				if kind == "fresh" {
					recentMu.Lock()
					if len(recent) < 1024 {
						recent = append(recent, text)
					} else {
						recent[rng.IntN(len(recent))] = text
					}
					recentMu.Unlock()
				}
				t1 := time.Now()
				list, err := id.Rights(ctx)
				lat = time.Since(t1)
				rep.mu.Lock()
				if err != nil {
					rep.rightsErrs[err.Error()]++ // codes and context, no personal data
				} else {
					rep.rightsLat = append(rep.rightsLat, lat)
					bad := len(list) != len(id.Beneficiaires)
					for j := 0; !bad && j < len(list); j++ {
						bad = list[j].NIR != id.Beneficiaires[j].NIR || list[j].Rang != id.Beneficiaires[j].RangNaissance
					}
					if bad {
						rep.wrongRights++
					}
				}
				rep.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return rep, nil
}
