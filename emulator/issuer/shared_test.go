package issuer_test

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/internal/filelock"
)

// Two issuers opened on one state directory are what two processes
// sharing it are (`apcv portal serve` and `apcv qr`): each reads and
// writes the directory, nothing but the file lock is shared.
func openTwo(t *testing.T, opts issuer.Options) (a, b *issuer.Issuer, dir string, fc *clock.Fake) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "issuer")
	fc = clock.NewFake(t0)
	opts.Clock = fc
	a, err := issuer.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err = issuer.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a, b, dir, fc
}

// The reproduced bug: B adds a person and a credential while A runs; A
// resolves B's short code (A never saw the credential), A's next change
// keeps B's person and credential, and so does the directory.
func TestSharedDirKeepsOtherChanges(t *testing.T) {
	a, b, dir, fc := openTwo(t, issuer.Options{})
	nirA := register(t, a, "isere-solo")
	nirB := register(t, b, "famille-6-drome")
	got, _ := activate(t, b, nirB)
	// The portal's views see what B saved.
	if _, err := a.PersonView(nirB); err != nil {
		t.Errorf("A's view of B's person: %v", err)
	}
	if n := len(a.Persons()); n != 2 {
		t.Errorf("A sees %d persons, want 2", n)
	}

	fc.Advance(time.Minute)
	text := shortQR(t, got, got.Held.ShortQRKey, fc.Now())
	if _, err := a.Resolve(text, psA, nil); err != nil {
		t.Fatalf("A resolves B's code: %v", err)
	}
	// A's next change (a credential of its own) saves on top of B's.
	gotA, _ := activate(t, a, nirA)

	c, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	for _, nir := range []credential.NIR{nirA, nirB} {
		if _, err := c.PersonView(nir); err != nil {
			t.Errorf("person %s lost: %v", nir.Masked(), err)
		}
	}
	for _, id := range [][8]byte{got.CredentialID, gotA.CredentialID} {
		if st, err := c.CredentialStatus(id); err != nil || st.Revoked {
			t.Errorf("credential %x: %+v, %v", id, st, err)
		}
	}
	// The single-use record A made is in the directory too: B refuses
	// the code.
	if _, err := b.Resolve(text, psB, nil); !errors.Is(err, service.ErrAlreadyResolved) {
		t.Errorf("B after A resolved: %v, want already-resolved", err)
	}
}

// Single use across processes: both know the credential; the code A
// resolved is refused by B, and the newer code B resolved is refused by A.
func TestSharedDirSingleUse(t *testing.T) {
	a, b, _, fc := openTwo(t, issuer.Options{})
	got, _ := activate(t, a, register(t, a, "isere-solo"))
	fc.Advance(time.Minute)
	first := shortQR(t, got, got.Held.ShortQRKey, fc.Now())
	// B learns the credential before A resolves (its LastResolved is 0).
	if _, err := b.CredentialStatus(got.CredentialID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Resolve(first, psA, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Resolve(first, psB, nil); !errors.Is(err, service.ErrAlreadyResolved) {
		t.Errorf("B resolving A's code: %v, want already-resolved", err)
	}
	fc.Advance(time.Second)
	second := shortQR(t, got, got.Held.ShortQRKey, fc.Now())
	if _, err := b.Resolve(second, psB, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Resolve(second, psA, nil); !errors.Is(err, service.ErrAlreadyResolved) {
		t.Errorf("A resolving B's code: %v, want already-resolved", err)
	}
}

// Concurrent changes from two issuers on one directory lose nothing: every
// person registered, every activation and Activité, and the revocation
// list's sequence numbers never repeat.
func TestSharedDirConcurrentChanges(t *testing.T) {
	// Each instance's goroutines queue on its mutex and take the file
	// lock one after the other: on a loaded machine under -race the other
	// instance may wait long for its turn. The wait is not what is tested.
	a, b, dir, fc := openTwo(t, issuer.Options{LockTimeout: time.Minute})
	names := phone.Profiles()
	const rounds = 3
	last := make([][8]byte, len(names))
	seqs := make([][]uint64, len(names))
	var wg sync.WaitGroup
	for g, name := range names {
		iss := a
		if g%2 == 1 {
			iss = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := phone.BuiltinProfile(name)
			if err != nil {
				t.Error(err)
				return
			}
			if err := iss.Register(issuer.Person{Family: p.Family, Departement: p.Departement}); err != nil {
				t.Error(err)
				return
			}
			for r := range rounds {
				got, _, err := tryActivate(iss, p.OuvrantDroit().NIR)
				if err != nil {
					t.Error(err)
					return
				}
				if err := iss.AddActivity(got.CredentialID, issuer.Activity{PSID: "1", PSName: "Dr", AmountCents: int64(r)}); err != nil {
					t.Error(err)
					return
				}
				raw, err := iss.RevocationList(fc.Now())
				if err != nil {
					t.Error(err)
					return
				}
				rl, err := credential.ParseRevocationList(raw, iss.ListAuthority())
				if err != nil {
					t.Error(err)
					return
				}
				seqs[g] = append(seqs[g], rl.Seq)
				last[g] = got.CredentialID
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	c, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Persons()); n != len(names) {
		t.Errorf("%d persons in the directory, want %d", n, len(names))
	}
	for g, id := range last {
		if st, err := c.CredentialStatus(id); err != nil || st.Revoked {
			t.Errorf("%s's last credential: %+v, %v", names[g], st, err)
		}
		if acts := c.Activities(id); len(acts) != 1 {
			t.Errorf("%s's Activités: %d, want 1", names[g], len(acts))
		}
	}
	rl := parseRL(t, c, must(c.RevocationList(fc.Now())))
	if want := len(names) * (rounds - 1); len(rl.Revoked) != want {
		t.Errorf("%d revoked, want %d", len(rl.Revoked), want)
	}
	seen := map[uint64]bool{}
	for _, ss := range seqs {
		for _, s := range ss {
			if seen[s] {
				t.Errorf("revocation list sequence %d issued twice", s)
			}
			seen[s] = true
		}
	}
	if int(rl.Seq) != len(names)*rounds+1 {
		t.Errorf("last sequence %d, want %d", rl.Seq, len(names)*rounds+1)
	}
}

// A process holding the directory's lock past LockTimeout: the change
// fails with ErrStateBusy and changes nothing; it succeeds once released.
func TestSharedDirBusy(t *testing.T) {
	a, _, dir, _ := openTwo(t, issuer.Options{LockTimeout: 30 * time.Millisecond})
	l, err := filelock.Acquire(filepath.Join(dir, "state.lock"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p, err := phone.BuiltinProfile("isere-solo")
	if err != nil {
		t.Fatal(err)
	}
	person := issuer.Person{Family: p.Family, Departement: p.Departement}
	if err := a.Register(person); !errors.Is(err, issuer.ErrStateBusy) {
		t.Fatalf("Register while locked: %v, want ErrStateBusy", err)
	}
	if _, err := a.PersonView(p.OuvrantDroit().NIR); !errors.Is(err, issuer.ErrUnknownNIR) {
		t.Errorf("refused change applied: %v", err)
	}
	l.Unlock()
	if err := a.Register(person); err != nil {
		t.Fatalf("after the unlock: %v", err)
	}
}

// Save to an opened issuer's own directory keeps another process's change.
func TestSharedDirSaveOwnDir(t *testing.T) {
	a, b, dir, fc := openTwo(t, issuer.Options{})
	nir := register(t, b, "isere-solo")
	if err := a.Save(dir); err != nil {
		t.Fatal(err)
	}
	c, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PersonView(nir); err != nil {
		t.Errorf("B's person after A's Save: %v", err)
	}
}

// TestSharedDirViews: the read-only views of an issuer answer what another
// process saved since (the portal's inbox and Activités pages, the names it
// keeps out of its audit notes, the online service's rights), not the
// state this process last read.
func TestSharedDirViews(t *testing.T) {
	a, b, _, _ := openTwo(t, issuer.Options{})
	register(t, a, "isere-solo") // A has read the directory before B's changes
	a.Persons()
	profile, err := phone.BuiltinProfile("famille-6-drome")
	if err != nil {
		t.Fatal(err)
	}
	nirB := register(t, b, "famille-6-drome")
	got, _ := activate(t, b, nirB)
	if err := b.AddActivity(got.CredentialID, issuer.Activity{PSID: "10101234567", PSName: "Dr Martin", AmountCents: 2650}); err != nil {
		t.Fatal(err)
	}
	addr := string(nirB) + "@example.test" // activate's address
	if err := b.SendEmailCode(nirB, addr); err != nil {
		t.Fatal(err)
	}

	if acts := a.Activities(got.CredentialID); len(acts) != 1 || acts[0].AmountCents != 2650 {
		t.Errorf("A's Activities of B's credential: %+v", acts)
	}
	if code, _, ok := a.Mailbox(addr); !ok || code == "" {
		t.Errorf("A's Mailbox for B's address: %q, %v", code, ok)
	}
	if mails := a.Mails(addr); len(mails) < 2 { // activation's code, then this one
		t.Errorf("A's Mails for B's address: %d", len(mails))
	}
	if names, err := a.PersonNames(nirB); err != nil || len(names) == 0 {
		t.Errorf("A's PersonNames of B's person: %d, %v", len(names), err)
	}
	who := make([]rights.Who, 0, len(profile.Family.Beneficiaires))
	for _, ben := range profile.Family.Beneficiaires {
		who = append(who, rights.WhoOf(ben))
	}
	if rs, err := a.Rights(who); err != nil || len(rs) != len(who) {
		t.Errorf("A's Rights of B's family: %d, %v", len(rs), err)
	}
}
