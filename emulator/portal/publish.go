package portal

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
)

// published is a signed list as served.
type published struct {
	raw       []byte
	etag      string    // strong: quoted base64url SHA-256 of raw
	checkedAt time.Time // last time the backend's content was compared
	refreshAt time.Time // re-sign at this time even if the content is unchanged
	content   string    // what the list says, without Seq and times
}

// publisher serves one list kind: it asks the backend for a freshly signed
// list at most once per delay, and keeps serving the same bytes (same ETag)
// while the content is unchanged and the list is in the first half of its
// validity.
type publisher struct {
	kind    string
	delay   time.Duration
	clock   clock.Clock
	sign    func(now time.Time) ([]byte, error)
	parse   func(raw []byte) (content string, issued, next time.Time, err error)
	persist func() error // called before a new list is served (nil: none)

	mu  sync.Mutex
	cur *published
}

// get returns the list to serve at now.
func (p *publisher) get() (*published, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	if p.cur != nil && now.Before(p.cur.checkedAt.Add(p.delay)) {
		return p.cur, nil
	}
	raw, err := p.sign(now)
	if err != nil {
		return nil, fmt.Errorf("portal: %s: %w", p.kind, err)
	}
	content, issued, next, err := p.parse(raw)
	if err != nil {
		return nil, fmt.Errorf("portal: %s from the backend: %w", p.kind, err)
	}
	if p.cur != nil && content == p.cur.content && now.Before(p.cur.refreshAt) {
		p.cur.checkedAt = now // unchanged: keep the bytes, and the ETag
		return p.cur, nil
	}
	// The backend's sequence number moved past the list served: make it
	// durable before anyone sees the new list, so that a restart never
	// serves a lower Seq (readers would refuse it as a rollback).
	if p.persist != nil {
		if err := p.persist(); err != nil {
			return nil, fmt.Errorf("portal: %s: save state: %w", p.kind, err)
		}
	}
	sum := sha256.Sum256(raw)
	p.cur = &published{raw: raw, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`,
		checkedAt: now, refreshAt: issued.Add(next.Sub(issued) / 2), content: content}
	return p.cur, nil
}

// maxAge returns how long a client may cache cur: until the next check.
func (p *publisher) maxAge(cur *published) time.Duration {
	d := cur.checkedAt.Add(p.delay).Sub(p.clock.Now())
	if d < 0 {
		return 0
	}
	return d
}

func trustContent(authority *ecdsa.PublicKey) func([]byte) (string, time.Time, time.Time, error) {
	return func(raw []byte) (string, time.Time, time.Time, error) {
		tl, err := credential.ParseTrustList(raw, authority)
		if err != nil {
			return "", time.Time{}, time.Time{}, err
		}
		var b bytes.Buffer
		for _, k := range tl.Keys {
			fmt.Fprintf(&b, "%x|%s|%x|%d|%d\n", k.Kid, k.Issuer, credential.MarshalPublicKey(k.Key), k.NotBefore.Unix(), k.NotAfter.Unix())
		}
		return b.String(), tl.IssuedAt, tl.NextUpdate, nil
	}
}

func revocationContent(authority *ecdsa.PublicKey) func([]byte) (string, time.Time, time.Time, error) {
	return func(raw []byte) (string, time.Time, time.Time, error) {
		rl, err := credential.ParseRevocationList(raw, authority)
		if err != nil {
			return "", time.Time{}, time.Time{}, err
		}
		ids := make([]string, len(rl.Revoked))
		for i, c := range rl.Revoked {
			ids[i] = string(c[:])
		}
		sort.Strings(ids)
		var b bytes.Buffer
		for _, id := range ids {
			b.WriteString(id)
		}
		return b.String(), rl.IssuedAt, rl.NextUpdate, nil
	}
}
