package lists

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/waithint"
)

// Paths of the lists under FetcherConfig.BaseURL.
const (
	TrustListPath      = "/trust-list"
	RevocationListPath = "/revocation-list"
)

// DefaultTimeout bounds one fetch when FetcherConfig.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// FetcherConfig configures a Fetcher.
type FetcherConfig struct {
	// BaseURL is the list server, e.g. "http://127.0.0.1:8080"; the lists
	// are at BaseURL+TrustListPath and BaseURL+RevocationListPath.
	BaseURL string
	// CacheDir holds the last good lists ("" keeps them in memory only).
	// It is created 0700 if needed and its files are 0600 (on Windows,
	// where a mode is only the read-only attribute, they take the ACL of
	// CacheDir's parent folder: the lists are signed and public, the cache
	// needs no secrecy, only integrity, which is checked on every read).
	CacheDir string
	// Authority is the pinned list-authority key: every list is verified
	// with it before it is cached or returned. Required.
	Authority *ecdsa.PublicKey
	// HTTPClient makes the requests (nil: a client with no cookie jar and
	// the default transport).
	HTTPClient *http.Client
	// Timeout bounds each fetch on top of the caller's context (default
	// DefaultTimeout).
	Timeout time.Duration
	// Now returns the current time (nil: time.Now); it stamps Status.
	Now func() time.Time
	// Logger receives operational messages, without personal data (nil
	// discards).
	Logger *slog.Logger
}

// Fetcher fetches, verifies and caches the signed trust and revocation
// lists. It implements the reader facade's ListSource. It is safe for
// concurrent use; concurrent fetches of one list are serialised.
type Fetcher struct {
	cfg   FetcherConfig
	trust *slot
	revoc *slot
}

// Status is what a Fetcher knows about one list.
type Status struct {
	Seq         uint64    // of the list held (0 when none)
	NextUpdate  time.Time // of the list held
	LastSuccess time.Time // last time the server was reached and gave a good answer
	LastError   error     // of the last fetch (nil after a success)
}

// slot is one list kind: the last good list, in memory and on disk.
type slot struct {
	name  string // "trust-list" or "revocation-list"
	path  string
	parse func(raw []byte, authority *ecdsa.PublicKey) (seq uint64, next time.Time, err error)

	mu     sync.Mutex
	loaded bool
	raw    []byte
	etag   string
	seq    uint64
	next   time.Time
	status Status
}

// NewFetcher returns a Fetcher. It does no I/O: the cache is read on the
// first fetch.
func NewFetcher(cfg FetcherConfig) (*Fetcher, error) {
	if cfg.Authority == nil {
		return nil, fmt.Errorf("lists: no list authority key: %w", credential.ErrUnknownIssuer)
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return nil, fmt.Errorf("lists: base URL %q is not http(s)", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Fetcher{cfg: cfg,
		trust: &slot{name: "trust-list", path: TrustListPath, parse: parseTrust},
		revoc: &slot{name: "revocation-list", path: RevocationListPath, parse: parseRevocation},
	}, nil
}

func parseTrust(raw []byte, a *ecdsa.PublicKey) (uint64, time.Time, error) {
	tl, err := credential.ParseTrustList(raw, a)
	if err != nil {
		return 0, time.Time{}, err
	}
	return tl.Seq, tl.NextUpdate, nil
}

func parseRevocation(raw []byte, a *ecdsa.PublicKey) (uint64, time.Time, error) {
	rl, err := credential.ParseRevocationList(raw, a)
	if err != nil {
		return 0, time.Time{}, err
	}
	return rl.Seq, rl.NextUpdate, nil
}

// TrustList returns the signed trust list: the server's if it is reachable
// and its list verifies and is not older than the one held, else the one
// held (see fetch for the exact rules).
func (f *Fetcher) TrustList(ctx context.Context) ([]byte, error) { return f.fetch(ctx, f.trust) }

// RevocationList is TrustList for the revocation list. When the server is
// unreachable the cached list is returned: the Verifier keeps using it for
// its grace period, then fails with credential.ErrRevocationListStale.
func (f *Fetcher) RevocationList(ctx context.Context) ([]byte, error) { return f.fetch(ctx, f.revoc) }

// TrustStatus returns what the fetcher knows of the trust list.
func (f *Fetcher) TrustStatus() Status { return f.trust.snapshot() }

// RevocationStatus returns what the fetcher knows of the revocation list.
func (f *Fetcher) RevocationStatus() Status { return f.revoc.snapshot() }

func (s *slot) snapshot() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// cacheFile is the on-disk form of a slot.
type cacheFile struct {
	ETag string `json:"etag"`
	List []byte `json:"list"` // base64 in JSON
}

// load reads the cached list once; a cached list that does not verify
// (damaged or tampered on disk) is ignored.
func (f *Fetcher) load(s *slot) {
	if s.loaded {
		return
	}
	s.loaded = true
	if f.cfg.CacheDir == "" {
		return
	}
	data, err := os.ReadFile(filepath.Join(f.cfg.CacheDir, s.name+".json"))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			f.cfg.Logger.Warn("lists: cache", "list", s.name, "err", err)
		}
		return
	}
	var c cacheFile
	if err := json.Unmarshal(data, &c); err != nil {
		f.cfg.Logger.Warn("lists: cache damaged, ignored", "list", s.name, "err", err)
		return
	}
	seq, next, err := s.parse(c.List, f.cfg.Authority)
	if err != nil {
		f.cfg.Logger.Warn("lists: cached list refused, ignored", "list", s.name, "err", err)
		return
	}
	s.raw, s.etag, s.seq, s.next = c.List, c.ETag, seq, next
	s.status.Seq, s.status.NextUpdate = seq, next
}

// fetch asks the server for s's list, with If-None-Match when one is held.
//
//   - 200 with a list that verifies and whose Seq is higher than the held
//     one (or the held list's very bytes): it is cached (atomically) and
//     returned. The rules are the Verifier's, so that the fetcher never
//     caches a list the Verifier refuses.
//   - 304: the held list is returned.
//   - a list that does not verify (unsigned, tampered, malformed): an error
//     wrapping the credential error; nothing is cached, the held list stays.
//   - a verified list older than the held one, or of the same Seq with
//     other bytes: an error wrapping credential.ErrRollback; the held list
//     (and its ETag) stays.
//   - server unreachable, timeout, or an error status: the held list is
//     returned with a nil error (Status().LastError tells why); with no
//     list held, an error wrapping ErrUnreachable.
//   - ctx cancelled or past its deadline: ctx's error.
func (f *Fetcher) fetch(ctx context.Context, s *slot) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.load(s)
	raw, err := f.get(ctx, s)
	s.status.LastError = err
	if err == nil {
		s.status.LastSuccess = f.cfg.Now()
		s.status.Seq, s.status.NextUpdate = s.seq, s.next
		return raw, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("lists: %s: %w", s.name, ctx.Err())
	}
	if errors.Is(err, ErrUnreachable) && s.raw != nil {
		f.cfg.Logger.Warn("lists: server unreachable; using the cached list", "list", s.name, "seq", s.seq, "err", err)
		return clone(s.raw), nil
	}
	return nil, err
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// get does the request; errors that mean "the server could not be used"
// wrap ErrUnreachable.
func (f *Fetcher) get(ctx context.Context, s *slot) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.cfg.BaseURL+s.path, nil)
	if err != nil {
		return nil, fmt.Errorf("lists: %s: %v: %w", s.name, err, ErrUnreachable)
	}
	req.Header.Set("Accept", "application/cose")
	if s.raw != nil && s.etag != "" {
		req.Header.Set("If-None-Match", s.etag)
	}
	waithint.Waiting(ctx) // the network
	resp, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("lists: %s: %v: %w", s.name, err, ErrUnreachable)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		if s.raw == nil {
			return nil, fmt.Errorf("lists: %s: 304 for a list not held: %w", s.name, ErrBadAnswer)
		}
		return clone(s.raw), nil
	case resp.StatusCode != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("lists: %s: server answered %s: %w", s.name, resp.Status, ErrUnreachable)
	}
	if resp.ContentLength > credential.MaxList {
		return nil, fmt.Errorf("lists: %s: %d bytes announced: %w", s.name, resp.ContentLength, credential.ErrTooLarge)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, credential.MaxList+1))
	if err != nil {
		return nil, fmt.Errorf("lists: %s: reading: %v: %w", s.name, err, ErrUnreachable)
	}
	if len(raw) > credential.MaxList {
		return nil, fmt.Errorf("lists: %s: more than %d bytes: %w", s.name, credential.MaxList, credential.ErrTooLarge)
	}
	seq, next, err := s.parse(raw, f.cfg.Authority)
	if err != nil {
		return nil, fmt.Errorf("lists: %s from the server refused: %w", s.name, err)
	}
	// The Verifier's rule (docs/PROTOCOL.md §9): a lower seq, or the same
	// seq with other bytes, is refused. Caching such a list would hand the
	// Verifier, at every refresh, a list it refuses, and its ETag would keep
	// the server answering 304 to it.
	if s.raw != nil && (seq < s.seq || seq == s.seq && !bytes.Equal(raw, s.raw)) {
		return nil, fmt.Errorf("lists: %s: server's seq %d not newer than the held %d: %w", s.name, seq, s.seq, credential.ErrRollback)
	}
	etag := resp.Header.Get("ETag")
	if err := f.save(s, raw, etag); err != nil {
		// The list is good: use it, and say the cache could not keep it.
		f.cfg.Logger.Warn("lists: cache", "list", s.name, "err", err)
	}
	s.raw, s.etag, s.seq, s.next = raw, etag, seq, next
	return clone(raw), nil
}

// save writes the list to the cache directory atomically: a temporary file
// in the same directory, synced, renamed over the old one, and the
// directory synced.
func (f *Fetcher) save(s *slot, raw []byte, etag string) error {
	if f.cfg.CacheDir == "" {
		return nil
	}
	data, err := json.Marshal(cacheFile{ETag: etag, List: raw})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.cfg.CacheDir, 0o700); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(f.cfg.CacheDir, s.name+".json"), data)
}

func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
