package issuer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/store"
	"github.com/apcvkit/apcvkit/internal/filelock"
)

// Files of a state directory.
const (
	stateFile   = "state.json"
	rootKeyFile = "root-key.pem"
	lockFile    = "state.lock" // locked by every change, by every process sharing the directory
	stateFormat = 1
)

type savedState struct {
	Format     int               `json:"format"`
	Name       string            `json:"name"`
	RootKid    string            `json:"rootKid"`
	RootFP     string            `json:"rootFingerprint,omitempty"`
	Keys       []savedKey        `json:"keys"`
	TrustSeq   uint64            `json:"trustSeq"`
	RevSeq     uint64            `json:"revSeq"`
	Persons    []savedPerson     `json:"persons"`
	Creds      []*credRecord     `json:"credentials"`
	Activities []savedActivities `json:"activities"`
	Mailbox    map[string]mail   `json:"mailbox"`
	Inbox      map[string][]Mail `json:"inbox,omitempty"` // absent from states saved before the inbox
	Tickets    map[string]string `json:"tickets"`
}

type savedKey struct {
	Kid       string    `json:"kid"`
	File      string    `json:"file"`
	FP        string    `json:"fingerprint,omitempty"` // of the public key: kids may collide
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
}

type savedPerson struct {
	NIR    credential.NIR `json:"nir"`
	Record *person        `json:"record"`
}

type savedActivities struct {
	Credential string     `json:"credential"`
	Records    []Activity `json:"records"`
}

// Save writes the issuer's state to dir (created 0700 if needed): keys as
// PEM files (0600) and the rest in state.json, each written atomically and
// durably (emulator/store): a crash leaves the old or the new file, never a
// torn one. Open reads it back. An issuer made by Open saves itself after
// every change; Save is for an issuer made by New, or a copy elsewhere. Save
// to the directory of an issuer made by Open re-reads it under its lock, as
// a change does, and rewrites it: it never undoes another process's change.
func (i *Issuer) Save(dir string) error {
	if i.dir != "" && filepath.Clean(dir) == filepath.Clean(i.dir) {
		return i.change(func() error { return nil })
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.saveLocked(dir, nil)
}

// change runs f under i.mu and, when f succeeds, commits: every method that
// changes the issuer goes through it (or through update).
//
// With a state directory, the change is also exclusive between processes:
// it takes the directory's file lock (state.lock, internal/filelock),
// re-reads state.json when another process saved it since this one last
// read or wrote it (refreshLocked), applies f to that state, saves and
// unlocks. Two processes sharing one directory (the portal serving the
// online service, `apcv qr` adding a person) never undo each other's
// changes. A process that cannot get the lock within Options.LockTimeout
// fails with ErrStateBusy, changing nothing.
func (i *Issuer) change(f func() error) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.dir != "" {
		l, err := lockDir(i.dir, i.opts.LockTimeout)
		if err != nil {
			return err
		}
		defer l.Unlock()
		if err := i.refreshLocked(); err != nil {
			return err
		}
	}
	if err := f(); err != nil {
		return err
	}
	return i.commitLocked()
}

// lockDir takes the state directory's inter-process lock.
func lockDir(dir string, wait time.Duration) (*filelock.Lock, error) {
	l, err := filelock.Acquire(filepath.Join(dir, lockFile), wait)
	switch {
	case errors.Is(err, filelock.ErrTimeout):
		return nil, fmt.Errorf("issuer: %w: %w", ErrStateBusy, err)
	case err != nil:
		return nil, fmt.Errorf("issuer: lock %s: %w", dir, err)
	}
	return l, nil
}

// refreshLocked re-reads state.json when its content is not what this
// process last read or wrote there (its SHA-256, i.stateSum), replacing the
// state in memory by the file's: what another process saved is seen before
// this one acts or saves. Options and the service clock offset are this
// process's own and stay. i.mu is held; a change holds the directory's
// lock too, a lookup (Resolve of an unknown credential) need not, the
// file being replaced atomically.
func (i *Issuer) refreshLocked() error {
	data, err := store.ReadFile(i.dir, stateFile, MaxStateSize)
	if err != nil {
		return fmt.Errorf("issuer: reload: %w", err)
	}
	sum := sha256.Sum256(data)
	if sum == i.stateSum {
		return nil
	}
	n, err := decodeState(i.dir, data, i.opts)
	if err != nil {
		return err
	}
	i.keysSaved, i.root, i.keys = n.keysSaved, n.root, n.keys
	i.persons, i.creds, i.tickets, i.activities = n.persons, n.creds, n.tickets, n.activities
	i.mailbox, i.inbox, i.trustSeq, i.revSeq = n.mailbox, n.inbox, n.trustSeq, n.revSeq
	i.stateSum = sum
	return nil
}

// refreshViewLocked is refreshLocked for a read-only view that answers
// even when the directory cannot be re-read: it logs why (view names the
// method) and the view answers from the state this process has. i.mu is
// held.
func (i *Issuer) refreshViewLocked(view string) {
	if i.dir == "" {
		return
	}
	if err := i.refreshLocked(); err != nil {
		i.opts.Logger.Warn("issuer: "+view+": state not re-read", "err", err)
	}
}

// update runs f on the person with this NIR, after the time rules
// (lookupLocked), under i.mu, and commits when f succeeds. An unknown NIR is
// ErrUnknownNIR.
func (i *Issuer) update(nir credential.NIR, f func(*person) error) error {
	return i.change(func() error {
		p, err := i.lookupLocked(nir)
		if err != nil {
			return err
		}
		return f(p)
	})
}

// commitLocked saves the state to the issuer's directory, when it has one,
// after a successful change: the change is durable when the method returns.
//
// It runs with i.mu held, before the change is unlocked, as the phone's
// commitLocked does. Saving after the unlock would let another caller see
// the change, and act on it, before it is on disk: a PersonView or
// CredentialStatus answered to the portal, a credential collected, a list
// published, all of which a crash before the save would undo. Under the
// lock, no one sees a change that is not durable, and the saves follow the
// order of the changes with no second lock. The cost, an fsync while the
// issuer is locked, is the price of that for an emulator.
func (i *Issuer) commitLocked() error {
	if i.dir == "" {
		return nil
	}
	return i.saveLocked(i.dir, i.keysSaved)
}

// saveLocked writes the state to dir; with saved non-nil, key files already
// written there (their content never changes) are skipped and new ones
// recorded. i.mu is held.
func (i *Issuer) saveLocked(dir string, saved map[string]bool) error {
	st := savedState{Format: stateFormat, Name: i.opts.Name, RootKid: hex.EncodeToString(i.root.Kid), RootFP: fingerprint(&i.root.Key.PublicKey),
		TrustSeq: i.trustSeq, RevSeq: i.revSeq, Mailbox: map[string]mail{}, Tickets: map[string]string{}}
	keyPEM := map[string][]byte{}
	addKey := func(name string, k *ecdsa.PrivateKey) error {
		if saved[name] {
			return nil
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return fmt.Errorf("issuer: save: %s: %w", name, err)
		}
		keyPEM[name] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		return nil
	}
	if err := addKey(rootKeyFile, i.root.Key); err != nil {
		return err
	}
	for _, k := range i.keys {
		fp := fingerprint(&k.Key.PublicKey)
		name := "issuer-key-" + fp + ".pem"
		if err := addKey(name, k.Key); err != nil {
			return err
		}
		st.Keys = append(st.Keys, savedKey{Kid: hex.EncodeToString(k.Kid), File: name, FP: fp, NotBefore: k.NotBefore, NotAfter: k.NotAfter})
	}
	for nir, p := range i.persons {
		cp := *p
		st.Persons = append(st.Persons, savedPerson{NIR: nir, Record: &cp})
	}
	slices.SortFunc(st.Persons, func(a, b savedPerson) int { return cmpString(string(a.NIR), string(b.NIR)) })
	for _, c := range i.creds {
		cp := *c
		st.Creds = append(st.Creds, &cp)
	}
	slices.SortFunc(st.Creds, func(a, b *credRecord) int { return cmpString(string(a.ID[:]), string(b.ID[:])) })
	for id, as := range i.activities {
		st.Activities = append(st.Activities, savedActivities{Credential: hex.EncodeToString(id[:]), Records: slices.Clone(as)})
	}
	slices.SortFunc(st.Activities, func(a, b savedActivities) int { return cmpString(a.Credential, b.Credential) })
	for a, m := range i.mailbox {
		st.Mailbox[a] = m
	}
	for t, nir := range i.tickets {
		st.Tickets[t] = string(nir)
	}
	if len(i.inbox) > 0 {
		st.Inbox = map[string][]Mail{}
		for a, ms := range i.inbox {
			st.Inbox[a] = slices.Clone(ms)
		}
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("issuer: save: %w", err)
	}
	if err := store.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("issuer: save: %w", err)
	}
	names := slices.Sorted(maps.Keys(keyPEM))
	for _, name := range names { // keys first: state.json never names a missing key
		if err := store.WriteFile(dir, name, keyPEM[name], 0o600); err != nil {
			return fmt.Errorf("issuer: save: %w", err)
		}
		if saved != nil {
			saved[name] = true
		}
	}
	if err := store.WriteFile(dir, stateFile, data, 0o600); err != nil {
		return fmt.Errorf("issuer: save: %w", err)
	}
	if dir == i.dir {
		i.stateSum = sha256.Sum256(data)
	}
	return nil
}

// fingerprint names a key: hex of the first 8 bytes of SHA-256 of its PKIX
// DER form (the default kid, but unique even when kids are not).
func fingerprint(pub *ecdsa.PublicKey) string { return hex.EncodeToString(kidOf(pub)) }

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MaxStateSize bounds state.json.
const MaxStateSize = 64 << 20

// Open returns the issuer saved in dir, and keeps it there: every change
// (a registration, each activation step, a revocation, a key rotation, an
// Activité, each list issued with its sequence number) is written to dir
// atomically and durably before the method returns, so that a crash or a
// kill -9 at any moment loses nothing a method had returned. When dir holds
// no state yet, Open makes a new issuer (New) and saves it there. opts
// configure the running issuer (clock, eligibility, delays); the name and
// keys come from the state. A damaged state is an error wrapping
// ErrBadState. Temporary files left by a killed writer are removed.
func Open(dir string, opts Options) (*Issuer, error) {
	wait := opts.LockTimeout
	if wait <= 0 {
		wait = DefaultLockTimeout
	}
	if err := store.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("issuer: open: %w", err)
	}
	// Under the directory's lock: two processes opening a new directory
	// make one issuer, not two that overwrite each other's keys.
	l, err := lockDir(dir, wait)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	data, err := store.ReadFile(dir, stateFile, MaxStateSize)
	if errors.Is(err, fs.ErrNotExist) {
		i, err := New(opts)
		if err != nil {
			return nil, err
		}
		i.dir, i.keysSaved = dir, map[string]bool{}
		i.mu.Lock()
		defer i.mu.Unlock()
		if err := i.saveLocked(dir, i.keysSaved); err != nil {
			return nil, err
		}
		if _, err := store.RemoveTemp(dir); err != nil {
			return nil, fmt.Errorf("issuer: open: %w", err)
		}
		return i, nil
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: open: %w", err)
	}
	if _, err := store.RemoveTemp(dir); err != nil {
		return nil, fmt.Errorf("issuer: open: %w", err)
	}
	i, err := decodeState(dir, data, opts)
	if err != nil {
		return nil, err
	}
	i.stateSum = sha256.Sum256(data)
	return i, nil
}

// decodeState makes the issuer saved in dir as data (its state.json), with
// opts but the saved name.
func decodeState(dir string, data []byte, opts Options) (*Issuer, error) {
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("issuer: open %s: %v: %w", stateFile, err, ErrBadState)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("issuer: open %s: format %d: %w", stateFile, st.Format, ErrBadState)
	}
	opts.Name = st.Name
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	i := newEmpty(opts)
	var err error
	i.dir, i.keysSaved = dir, map[string]bool{rootKeyFile: true}
	if i.root, err = readKey(dir, rootKeyFile, st.RootKid, st.RootFP); err != nil {
		return nil, err
	}
	for _, sk := range st.Keys {
		if filepath.Base(sk.File) != sk.File {
			return nil, fmt.Errorf("issuer: open: key file %q: %w", sk.File, ErrBadState)
		}
		k, err := readKey(dir, sk.File, sk.Kid, sk.FP)
		if err != nil {
			return nil, err
		}
		i.keysSaved[sk.File] = true
		i.keys = append(i.keys, &signingKey{IssuerKey: k, NotBefore: sk.NotBefore, NotAfter: sk.NotAfter})
	}
	if len(i.keys) == 0 {
		return nil, fmt.Errorf("issuer: open: no issuer key: %w", ErrBadState)
	}
	i.trustSeq, i.revSeq = st.TrustSeq, st.RevSeq
	for _, sp := range st.Persons {
		if sp.Record == nil || len(sp.Record.Family.Beneficiaires) == 0 || sp.Record.Family.OuvrantDroit().NIR != sp.NIR {
			return nil, fmt.Errorf("issuer: open: person %s: %w", sp.NIR.Masked(), ErrBadState)
		}
		i.persons[sp.NIR] = sp.Record
	}
	for _, c := range st.Creds {
		if c == nil || i.persons[c.NIR] == nil {
			return nil, fmt.Errorf("issuer: open: credential of an unknown person: %w", ErrBadState)
		}
		i.creds[c.ID] = c
	}
	for _, p := range i.persons {
		if p.Current != nil && i.creds[*p.Current] == nil {
			return nil, fmt.Errorf("issuer: open: current credential %x missing: %w", *p.Current, ErrBadState)
		}
	}
	for _, sa := range st.Activities {
		var id [8]byte
		if b, err := hex.DecodeString(sa.Credential); err != nil || len(b) != 8 {
			return nil, fmt.Errorf("issuer: open: activities of %q: %w", sa.Credential, ErrBadState)
		} else {
			copy(id[:], b)
		}
		i.activities[id] = sa.Records
	}
	for a, m := range st.Mailbox {
		i.mailbox[a] = m
	}
	for a, ms := range st.Inbox {
		i.inbox[a] = ms
	}
	for t, nir := range st.Tickets {
		i.tickets[t] = credential.NIR(nir)
	}
	return i, nil
}

// readKey reads a key file and checks it against the state: its
// fingerprint when recorded, else its kid (states of the first version).
func readKey(dir, name, kidHex, fpHex string) (credential.IssuerKey, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return credential.IssuerKey{}, fmt.Errorf("issuer: open: %w", err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "EC PRIVATE KEY" {
		return credential.IssuerKey{}, fmt.Errorf("issuer: open %s: no EC PRIVATE KEY block: %w", name, ErrBadState)
	}
	k, err := x509.ParseECPrivateKey(blk.Bytes)
	if err != nil || k.Curve != elliptic.P256() {
		return credential.IssuerKey{}, fmt.Errorf("issuer: open %s: %v: %w", name, errBadKey, ErrBadState)
	}
	kid, err := hex.DecodeString(kidHex)
	switch {
	case err != nil || len(kid) == 0 || len(kid) > 32:
		return credential.IssuerKey{}, fmt.Errorf("issuer: open %s: kid %q: %w", name, kidHex, ErrBadState)
	case fpHex != "" && fingerprint(&k.PublicKey) != fpHex:
		return credential.IssuerKey{}, fmt.Errorf("issuer: open %s: key does not match fingerprint %s: %w", name, fpHex, ErrBadState)
	case fpHex == "" && hex.EncodeToString(kidOf(&k.PublicKey)) != kidHex:
		return credential.IssuerKey{}, fmt.Errorf("issuer: open %s: key does not match kid %s: %w", name, kidHex, ErrBadState)
	}
	return credential.IssuerKey{Kid: kid, Key: k}, nil
}
