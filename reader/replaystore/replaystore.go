// Package replaystore is a credential.ReplayCache kept in a file, shared by
// every process of one machine: two `apcv verify` runs, or the agents of
// two desks of one practice on one server, refuse the same QR text twice.
//
//	rs, err := replaystore.Open("/var/lib/apcv/replay.db", replaystore.Options{})
//	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: auth, Replay: rs})
//
// The file is a bbolt database (go.etcd.io/bbolt): its transactions are
// atomic and durable (a crash leaves the previous or the next state, never a
// torn one) and its file lock works on Linux, macOS and Windows. Each Accept
// opens the file, takes its exclusive lock, records the presentation and
// closes it, so that no process holds the lock between presentations; a
// process that cannot get the lock within Options.LockTimeout refuses the
// presentation with ErrUnavailable (it never accepts what it could not check).
//
// Entries older than the ttl Accept is given (the QR window plus the clock
// skew) are deleted as they are met: the file stays small.
//
// Limits: the lock is a local file lock. The file must be on a local disk of
// the one machine every process runs on; on a network share (NFS, SMB) file
// locks are unreliable and the store must not be used. Desks on several
// machines do not share it: each machine refuses a replay it has seen, and a
// QR text shown at two machines within its window (3 minutes by default) can
// be accepted once at each. Use one server (one agent for the practice) to
// close that gap.
package replaystore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
)

// ErrUnavailable: the store could not be opened or locked in time; the
// presentation is refused rather than accepted unchecked.
var ErrUnavailable = apcverr.New("replay-store-unavailable",
	"The shared anti-replay file of this computer could not be used. Try again; if it persists, check the file named in the settings.",
	"Le fichier anti-rejeu partagé de cet ordinateur n'a pas pu être utilisé. Réessayez ; si cela persiste, vérifiez le fichier indiqué dans les réglages.")

// Options tune a Store. Zero values give the defaults.
type Options struct {
	// LockTimeout is how long Accept waits for another process's lock
	// (default 2 s).
	LockTimeout time.Duration
	// MaxEntries bounds the live entries (default 100 000); when full of
	// live entries, Accept refuses (ErrReplayed) rather than forget one,
	// as credential.MemoryReplayCache does.
	MaxEntries int
}

// Store is a ReplayCache in a file. It is safe for concurrent use by
// goroutines and by processes.
type Store struct {
	path string
	opts Options
	mu   sync.Mutex // one open of the file at a time within this process
}

var _ credential.ReplayCache = (*Store)(nil)

var bucket = []byte("apcv-replay-v1")

// Open returns the store in the file at path, creating it (mode 0600) and
// its directory if needed. It checks that the file opens as a store.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 2 * time.Second
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 100_000
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("replaystore: %w: %w", ErrUnavailable, err)
	}
	s := &Store{path: path, opts: opts}
	if err := s.update(func(*bolt.Bucket) error { return nil }); err != nil {
		return nil, err
	}
	return s, nil
}

// Path returns the file of the store.
func (s *Store) Path() string { return s.path }

func (s *Store) update(f func(b *bolt.Bucket) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: s.opts.LockTimeout})
	if err != nil {
		return fmt.Errorf("replaystore: open %s: %w: %w", s.path, ErrUnavailable, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return f(b)
	})
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("replaystore: close %s: %w: %w", s.path, ErrUnavailable, cerr)
	}
	return err
}

// An entry: counter (uint32) ‖ accepted at (Unix nanoseconds, int64), big-endian.
func encode(ctr uint32, at time.Time) []byte {
	v := make([]byte, 12)
	binary.BigEndian.PutUint32(v, ctr)
	binary.BigEndian.PutUint64(v[4:], uint64(at.UnixNano()))
	return v
}

func decode(v []byte) (ctr uint32, at time.Time, ok bool) {
	if len(v) != 12 {
		return 0, time.Time{}, false
	}
	return binary.BigEndian.Uint32(v), time.Unix(0, int64(binary.BigEndian.Uint64(v[4:]))), true
}

// errRefused carries the refusal out of the transaction.
var errRefused = errors.New("replaystore: refused")

// Accept implements credential.ReplayCache: it records (cid, ctr) at now,
// or fails with an error wrapping credential.ErrReplayed when the same
// credential was accepted within ttl with this counter or a higher one. An
// entry that cannot be read is treated as a replay (fail closed).
func (s *Store) Accept(cid [8]byte, ctr uint32, now time.Time, ttl time.Duration) error {
	var refusal error
	err := s.update(func(b *bolt.Bucket) error {
		if v := b.Get(cid[:]); v != nil {
			last, at, ok := decode(v)
			switch {
			case !ok:
				refusal = fmt.Errorf("replaystore: entry of %d bytes unreadable: %w", len(v), credential.ErrReplayed)
				return errRefused
			case now.Sub(at) <= ttl && ctr <= last:
				refusal = fmt.Errorf("replaystore: QR counter %d already seen (last %d): %w", ctr, last, credential.ErrReplayed)
				return errRefused
			}
		}
		// Forget what is past the window, then check the bound.
		// (Keys are collected first: deleting under a bbolt cursor can
		// skip the next key.)
		var old [][]byte
		live := 0
		err := b.ForEach(func(k, v []byte) error {
			if _, at, ok := decode(v); ok && now.Sub(at) > ttl && string(k) != string(cid[:]) {
				old = append(old, append([]byte(nil), k...))
			} else {
				live++
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		if b.Get(cid[:]) == nil && live >= s.opts.MaxEntries {
			refusal = fmt.Errorf("replaystore: full (%d live entries): %w", live, credential.ErrReplayed)
			return errRefused
		}
		return b.Put(cid[:], encode(ctr, now))
	})
	switch {
	case errors.Is(err, errRefused):
		return refusal
	case err != nil && !errors.Is(err, ErrUnavailable):
		return fmt.Errorf("replaystore: %w: %w", ErrUnavailable, err)
	}
	return err
}

// Len returns the number of entries in the file, live or not yet purged.
func (s *Store) Len() (int, error) {
	n := 0
	err := s.update(func(b *bolt.Bucket) error {
		n = b.Stats().KeyN
		return nil
	})
	return n, err
}
