package credential

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Mode says how a presentation reached the reader.
type Mode uint8

// Presentation modes.
const (
	ModeQR  Mode = 1
	ModeNFC Mode = 2
)

func (m Mode) String() string {
	switch m {
	case ModeQR:
		return "QR"
	case ModeNFC:
		return "NFC"
	}
	return "unknown"
}

// Presentation is a fully verified presentation: issuer signature, validity,
// device binding, freshness, revocation and (QR) replay were all checked.
type Presentation struct {
	Mode         Mode
	Issuer       string  // from the trust list entry that verified the credential
	Kid          []byte  // the issuer key that verified it
	CredentialID [8]byte // the revocation unit
	IssuedAt     time.Time
	ValidUntil   time.Time
	PresentedAt  time.Time // QR: the device-signed time; NFC: the verification time
	Counter      uint32    // QR refresh counter (0 for NFC)
	Groups       []Group   // the groups received and verified
	Family       Family    // only the groups received are filled in
	// Chosen reports a QR credential of one chosen beneficiary
	// (docs/PROTOCOL.md §5.4), the person being seen at index Selected of
	// Family.Beneficiaires: the ouvrant droit alone (Selected 0), or the
	// ouvrant droit reduced to what billing needs of him — NIR, Qualite
	// and Organisme, no names, dates or rank — and the person seen
	// (Selected 1). Without Chosen the presentation carries the whole
	// family and Selected is 0.
	Chosen   bool
	Selected int
	// Member is, with Chosen, the person seen's index in the family (the
	// whole family's AMO group): the beneficiary a receipt names
	// (Receipt.Beneficiary). 0 otherwise.
	Member int
	// Short is true for a short QR (protocol version 2) resolved at the
	// issuer's online service: PresentedAt is then the time the phone drew
	// the code, ResolvedAt the service's time in the issuer-signed
	// resolution, and Counter 0.
	Short      bool
	ResolvedAt time.Time // short QR only; zero otherwise
}

// VerifierConfig configures a Verifier. Zero values give the defaults.
type VerifierConfig struct {
	// ListAuthority is the pinned key that signs trust and revocation lists.
	ListAuthority *ecdsa.PublicKey
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// QRWindow is how long after its device-signed time a QR text is
	// accepted (default 3 minutes).
	QRWindow time.Duration
	// ClockSkew is the tolerance for times in the future (default 30 s).
	ClockSkew time.Duration
	// RevocationGrace is how long past its next-update time a revocation
	// list is still used offline (default 72 h). Beyond it, verification
	// fails with ErrRevocationListStale.
	RevocationGrace time.Duration
	// TrustGrace is the same for the trust list (default 30 days).
	TrustGrace time.Duration
	// Replay remembers the QR presentations accepted, to refuse a replayed
	// one. Nil means an in-memory cache of 4096 credentials
	// (NewMemoryReplayCache); a practice with several desks may share one.
	Replay ReplayCache
}

// ReplayCache remembers, per credential, the last QR counter accepted.
type ReplayCache interface {
	// Accept records that the presentation (credential, counter) was
	// verified at now, or fails with an error wrapping ErrReplayed when a
	// presentation of the same credential with this counter or a higher one
	// was accepted within the last ttl. It must be safe for concurrent use.
	Accept(credential [8]byte, counter uint32, now time.Time, ttl time.Duration) error
}

// MemoryReplayCache is an in-memory ReplayCache bounded in size.
type MemoryReplayCache struct {
	mu       sync.Mutex
	capacity int
	m        map[[8]byte]replayEntry
}

// NewMemoryReplayCache returns a cache holding at most capacity credentials
// (4096 when capacity ≤ 0).
func NewMemoryReplayCache(capacity int) *MemoryReplayCache {
	if capacity <= 0 {
		capacity = 4096
	}
	return &MemoryReplayCache{capacity: capacity, m: make(map[[8]byte]replayEntry)}
}

// Accept implements ReplayCache. When the cache is full of live entries it
// refuses (ErrReplayed) rather than forget one.
func (c *MemoryReplayCache) Accept(cid [8]byte, ctr uint32, now time.Time, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[cid]; ok && now.Sub(e.at) <= ttl && ctr <= e.counter {
		return fmt.Errorf("credential: QR counter %d already seen (last %d): %w", ctr, e.counter, ErrReplayed)
	}
	if _, ok := c.m[cid]; !ok && len(c.m) >= c.capacity {
		for k, e := range c.m {
			if now.Sub(e.at) > ttl {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.capacity {
			return fmt.Errorf("credential: replay cache full: %w", ErrReplayed)
		}
	}
	c.m[cid] = replayEntry{counter: ctr, at: now}
	return nil
}

// Verifier verifies presentations against a trust list and a revocation
// list. It is safe for concurrent use.
type Verifier struct {
	cfg VerifierConfig

	mu      sync.RWMutex
	trust   *TrustList
	keys    map[string][]*TrustedKey // by kid
	revList *RevocationList
	revoked map[[8]byte]struct{}
	// SHA-256 of the lists in use: a list with the same Seq must be the same list.
	trustSum, revSum [32]byte
}

type replayEntry struct {
	counter uint32
	at      time.Time
}

// NewVerifier returns a Verifier with no lists loaded: it refuses everything
// until SetTrustList and SetRevocationList have been given valid lists.
func NewVerifier(cfg VerifierConfig) *Verifier {
	if cfg.QRWindow <= 0 {
		cfg.QRWindow = 3 * time.Minute
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = 30 * time.Second
	}
	if cfg.RevocationGrace <= 0 {
		cfg.RevocationGrace = 72 * time.Hour
	}
	if cfg.TrustGrace <= 0 {
		cfg.TrustGrace = 30 * 24 * time.Hour
	}
	if cfg.Replay == nil {
		cfg.Replay = NewMemoryReplayCache(0)
	}
	return &Verifier{cfg: cfg}
}

func (v *Verifier) now() time.Time {
	if v.cfg.Now != nil {
		return v.cfg.Now()
	}
	return time.Now()
}

// SetTrustList verifies raw and installs it. A list whose Seq is lower than
// the one held is refused with ErrRollback; the same Seq is accepted only
// with the same bytes (a re-fetch of the list in use).
func (v *Verifier) SetTrustList(raw []byte) error {
	tl, err := ParseTrustList(raw, v.cfg.ListAuthority)
	if err != nil {
		return err
	}
	keys := make(map[string][]*TrustedKey, len(tl.Keys))
	for i := range tl.Keys {
		k := &tl.Keys[i]
		keys[string(k.Kid)] = append(keys[string(k.Kid)], k)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	sum := sha256.Sum256(raw)
	if v.trust != nil && (tl.Seq < v.trust.Seq || tl.Seq == v.trust.Seq && sum != v.trustSum) {
		return fmt.Errorf("credential: trust list: seq %d not newer than %d: %w", tl.Seq, v.trust.Seq, ErrRollback)
	}
	v.trust, v.keys, v.trustSum = tl, keys, sum
	return nil
}

// SetRevocationList verifies raw and installs it, refusing rollbacks as
// SetTrustList does.
func (v *Verifier) SetRevocationList(raw []byte) error {
	rl, err := ParseRevocationList(raw, v.cfg.ListAuthority)
	if err != nil {
		return err
	}
	set := make(map[[8]byte]struct{}, len(rl.Revoked))
	for _, c := range rl.Revoked {
		set[c] = struct{}{}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	sum := sha256.Sum256(raw)
	if v.revList != nil && (rl.Seq < v.revList.Seq || rl.Seq == v.revList.Seq && sum != v.revSum) {
		return fmt.Errorf("credential: revocation list: seq %d not newer than %d: %w", rl.Seq, v.revList.Seq, ErrRollback)
	}
	v.revList, v.revoked, v.revSum = rl, set, sum
	return nil
}

// Lists returns the lists in use (nil when none).
func (v *Verifier) Lists() (*TrustList, *RevocationList) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.trust, v.revList
}

// verifyIssuer checks the credential's signature with every trusted key of
// its kid (kids may collide), decodes the claims into c (the groups into s
// when they fit) and returns the key that matched.
func (v *Verifier) verifyIssuer(raw []byte, now time.Time, c *wireClaims, s *claimsScratch, der *[72]byte) (*TrustedKey, error) {
	if len(raw) > MaxCredential {
		return nil, fmt.Errorf("credential: %d bytes: %w", len(raw), ErrTooLarge)
	}
	key, m, err := v.verifyTrusted("credential", raw, now, der)
	if err != nil {
		return nil, err
	}
	if err := decodeClaims(m.payload, c, s); err != nil {
		return nil, err
	}
	if c.Version < Version { // any minor version from 1 up (CredentialVersion writes 2)
		return nil, fmt.Errorf("credential: version %d: %w", c.Version, ErrUnsupportedVersion)
	}
	if len(c.CID) != 8 {
		return nil, fmt.Errorf("credential: credential id of %d bytes: %w", len(c.CID), ErrMalformed)
	}
	if c.Issuer != "" && c.Issuer != key.Issuer {
		return nil, fmt.Errorf("credential: issuer %q is not the trust list's %q for kid %x: %w", c.Issuer, key.Issuer, m.kid, ErrUnknownIssuer)
	}
	if err := v.checkValidity(key, fromUnix(c.IssuedAt), fromUnix(c.ValidUntil), now); err != nil {
		return nil, err
	}
	return key, nil
}

// verifyTrusted parses the COSE_Sign1 raw (what names it in errors) and
// checks its signature with every key of the trust list that has its kid
// (kids may collide): the issuer check of docs/PROTOCOL.md §10.1 common to
// credentials and resolutions. It returns the key that matched and the
// message, whose payload is then authentic.
func (v *Verifier) verifyTrusted(what string, raw []byte, now time.Time, der *[72]byte) (*TrustedKey, signedMessage, error) {
	m, err := parseSign1(what, raw)
	if err != nil {
		return nil, m, err
	}
	v.mu.RLock()
	trust, cands := v.trust, v.keys[string(m.kid)]
	v.mu.RUnlock()
	if trust == nil {
		return nil, m, fmt.Errorf("credential: no trust list loaded: %w", ErrTrustListStale)
	}
	if now.After(trust.NextUpdate.Add(v.cfg.TrustGrace)) {
		return nil, m, fmt.Errorf("credential: trust list due %v: %w", trust.NextUpdate, ErrTrustListStale)
	}
	if len(cands) == 0 {
		return nil, m, fmt.Errorf("credential: %s: kid %x: %w", what, m.kid, ErrUnknownIssuer)
	}
	d := sigStructureDigest(m.protected, m.payload)
	for _, k := range cands {
		if verifyES256Into(k.Key, d[:], m.signature, der) {
			return k, m, nil
		}
	}
	return nil, m, fmt.Errorf("credential: %s: issuer signature (kid %x): %w", what, m.kid, ErrBadSignature)
}

// checkValidity applies the time rules of §10.1 to a credential issued at
// iat and valid until exp: iat within the key's validity, not in the future
// beyond the skew, and exp not past.
func (v *Verifier) checkValidity(key *TrustedKey, iat, exp, now time.Time) error {
	if iat.Before(key.NotBefore) || iat.After(key.NotAfter) {
		return fmt.Errorf("credential: issued %v outside the key's validity: %w", iat, ErrUnknownIssuer)
	}
	if iat.After(now.Add(v.cfg.ClockSkew)) {
		return fmt.Errorf("credential: issued %v: %w", iat, ErrNotYetValid)
	}
	if now.After(exp) {
		return fmt.Errorf("credential: valid until %v: %w", exp, ErrExpired)
	}
	return nil
}

func (v *Verifier) checkRevocation(cid [8]byte, now time.Time) error {
	v.mu.RLock()
	rl, revoked := v.revList, v.revoked
	v.mu.RUnlock()
	if rl == nil {
		return fmt.Errorf("credential: no revocation list loaded: %w", ErrRevocationListStale)
	}
	if now.After(rl.NextUpdate.Add(v.cfg.RevocationGrace)) {
		return fmt.Errorf("credential: revocation list due %v: %w", rl.NextUpdate, ErrRevocationListStale)
	}
	if _, ok := revoked[cid]; ok {
		return fmt.Errorf("credential: credential %x: %w", cid, ErrRevoked)
	}
	return nil
}

// VerifyQR verifies a scanned QR text and returns the AMO identity it holds.
func (v *Verifier) VerifyQR(text string) (*Presentation, error) {
	now := v.now()
	if len(text) > MaxQRText {
		return nil, fmt.Errorf("credential: QR text of %d characters: %w", len(text), ErrTooLarge)
	}
	if !strings.HasPrefix(text, QRPrefix) {
		if strings.HasPrefix(text, qrFamily) {
			return nil, fmt.Errorf("credential: QR text version: %w", ErrUnsupportedVersion)
		}
		return nil, fmt.Errorf("credential: not an ApCV QR text: %w", ErrMalformed)
	}
	s := qrScratchPool.Get().(*qrScratch)
	defer s.release()
	raw, err := AppendBase45Decode(s.buf[:0], text[len(QRPrefix):])
	s.used = len(raw)
	if err != nil {
		return nil, err
	}
	var qp qrPresentation
	if err := decodeQRPresentation(raw, &qp); err != nil {
		return nil, err
	}
	var c wireClaims
	key, err := v.verifyIssuer(qp.Credential, now, &c, &s.claims, &s.der)
	if err != nil {
		return nil, err
	}
	if c.Groups == nil || len(c.Digests) != 0 {
		return nil, fmt.Errorf("credential: QR credential is not in compact form: %w", ErrMalformed)
	}
	dev, err := ParsePublicKey(c.DeviceKey)
	if err != nil {
		return nil, fmt.Errorf("credential: device key: %w", err)
	}
	d := deviceAuthQR(qp.Credential, qp.Time, qp.Counter)
	if !verifyES256Into(dev, d[:], qp.Signature, &s.der) {
		return nil, fmt.Errorf("credential: QR device signature: %w", ErrDeviceBinding)
	}
	at := fromUnix(qp.Time)
	if at.After(now.Add(v.cfg.ClockSkew)) || now.Sub(at) > v.cfg.QRWindow {
		return nil, fmt.Errorf("credential: QR shown at %v, now %v: %w", at, now, ErrQRExpired)
	}
	cid := [8]byte(c.CID)
	if err := v.checkRevocation(cid, now); err != nil {
		return nil, err
	}
	p := &Presentation{Mode: ModeQR, Issuer: key.Issuer, Kid: key.Kid, CredentialID: cid,
		IssuedAt: fromUnix(c.IssuedAt), ValidUntil: fromUnix(c.ValidUntil), PresentedAt: at, Counter: qp.Counter,
		Groups: []Group{GroupAMO}}
	if c.Selected != nil {
		if err := checkSelected(&c, len(c.Groups.AMO)); err != nil {
			return nil, err
		}
		p.Chosen, p.Selected, p.Member = true, int(*c.Selected), int(*c.Member)
	} else if c.Member != nil {
		return nil, fmt.Errorf("credential: member without selected: %w", ErrMalformed)
	}
	if err := p.Family.fromWireAMOWith(c.Groups.AMO, p.Selected == 1); err != nil {
		return nil, fmt.Errorf("credential: QR AMO group: %w", err)
	}
	if len(c.Groups.INS) != 0 || c.Groups.EtatCivil != nil {
		return nil, fmt.Errorf("credential: QR credential carries more than AMO: %w", ErrMalformed)
	}
	if err := v.checkReplay(cid, qp.Counter, now); err != nil {
		return nil, err
	}
	return p, nil
}

// checkSelected checks claims keys 10 and 11 of a compact credential whose
// AMO group holds n beneficiaries (§5.4): a credential of minor version 3
// or later, the ouvrant droit alone (selected 0, member 0) or the ouvrant
// droit and the person being seen (selected 1, member 1..31).
func checkSelected(c *wireClaims, n int) error {
	switch {
	case c.Version < ChosenCredentialVersion:
		return fmt.Errorf("credential: selected in a credential of version %d: %w", c.Version, ErrMalformed)
	case n > 2 || int(*c.Selected) != n-1:
		return fmt.Errorf("credential: selected %d among %d beneficiaries: %w", *c.Selected, n, ErrMalformed)
	case c.Member == nil || (*c.Member == 0) != (*c.Selected == 0) || *c.Member >= MaxBeneficiaires:
		return fmt.Errorf("credential: selected %d without a member of the family that fits: %w", *c.Selected, ErrMalformed)
	}
	return nil
}

// qrScratch is VerifyQR's working memory: the decoded presentation and the
// wire form of the family. Nothing of the result points into it (the
// result's strings are a copy of the claims, see cursor.text), so it is
// pooled: a verification allocates only its result.
type qrScratch struct {
	buf    [MaxQRText * 2 / 3]byte
	used   int
	claims claimsScratch
	der    [72]byte // a signature in DER form, for crypto/ecdsa
}

var qrScratchPool = sync.Pool{New: func() any { return new(qrScratch) }}

// release clears what s held (personal data does not linger in pooled
// memory) and returns it to the pool.
func (s *qrScratch) release() {
	clear(s.buf[:s.used])
	s.used = 0
	s.claims = claimsScratch{}
	qrScratchPool.Put(s)
}

// nfcScratch is VerifyNFC's working memory, pooled as qrScratch is: the
// wire forms of the claims and of the AMO group; nothing of the result
// points into it.
type nfcScratch struct {
	claims claimsScratch
	amo    [8]wireBeneficiary
	der    [72]byte
}

var nfcScratchPool = sync.Pool{New: func() any { return new(nfcScratch) }}

// release clears what s held and returns it to the pool.
func (s *nfcScratch) release() {
	*s = nfcScratch{}
	nfcScratchPool.Put(s)
}

// checkReplay asks the replay cache to accept (cid, counter).
func (v *Verifier) checkReplay(cid [8]byte, ctr uint32, now time.Time) error {
	return v.cfg.Replay.Accept(cid, ctr, now, v.cfg.QRWindow+v.cfg.ClockSkew)
}

// VerifyNFC verifies a DeviceResponse received in the NFC session whose
// transcript is given, for the groups requested. Every requested group must
// be present; a group not requested is refused (minimal disclosure).
func (v *Verifier) VerifyNFC(response, transcript []byte, requested []Group) (*Presentation, error) {
	now := v.now()
	if len(response) > MaxPresentation {
		return nil, fmt.Errorf("credential: device response of %d bytes: %w", len(response), ErrTooLarge)
	}
	s := nfcScratchPool.Get().(*nfcScratch)
	defer s.release()
	var dr deviceResponse
	if err := decodeDeviceResponse(response, &dr); err != nil {
		return nil, err
	}
	if dr.Version < Version {
		return nil, fmt.Errorf("credential: device response version %d: %w", dr.Version, ErrUnsupportedVersion)
	}
	var c wireClaims
	key, err := v.verifyIssuer(dr.Credential, now, &c, &s.claims, &s.der)
	if err != nil {
		return nil, err
	}
	if c.Groups != nil || len(c.Digests) == 0 || c.Selected != nil || c.Member != nil {
		return nil, fmt.Errorf("credential: NFC credential is not in digest form: %w", ErrMalformed)
	}
	if c.Issuer == "" { // the digest form names its issuer (§5.1); verifyIssuer compared it when present
		return nil, fmt.Errorf("credential: digest-form credential without an issuer name (kid %x): %w", key.Kid, ErrUnknownIssuer)
	}
	want := map[uint8]bool{}
	for _, g := range requested {
		want[uint8(g)] = true
	}
	released := make([]uint8, 0, len(dr.Groups))
	for g := range dr.Groups {
		if !want[g] {
			return nil, fmt.Errorf("credential: group %v was not requested: %w", Group(g), ErrMalformed)
		}
		released = append(released, g)
	}
	for i := 1; i < len(released); i++ { // sort (at most 3 entries)
		for j := i; j > 0 && released[j] < released[j-1]; j-- {
			released[j], released[j-1] = released[j-1], released[j]
		}
	}
	dev, err := ParsePublicKey(c.DeviceKey)
	if err != nil {
		return nil, fmt.Errorf("credential: device key: %w", err)
	}
	d := deviceAuthNFC(dr.Credential, transcript, released, dr.Version)
	if !verifyES256Into(dev, d[:], dr.Signature, &s.der) {
		return nil, fmt.Errorf("credential: NFC device signature: %w", ErrDeviceBinding)
	}
	cid := [8]byte(c.CID)
	if err := v.checkRevocation(cid, now); err != nil {
		return nil, err
	}
	for g := range want {
		if _, ok := dr.Groups[g]; !ok {
			return nil, fmt.Errorf("credential: group %v: %w", Group(g), ErrGroupMissing)
		}
	}
	p := &Presentation{Mode: ModeNFC, Issuer: key.Issuer, Kid: key.Kid, CredentialID: cid,
		IssuedAt: fromUnix(c.IssuedAt), ValidUntil: fromUnix(c.ValidUntil), PresentedAt: now}
	// AMO first: the other groups attach to its beneficiaries.
	order := []uint8{uint8(GroupAMO), uint8(GroupINS), uint8(GroupEtatCivil)}
	if _, ok := dr.Groups[uint8(GroupAMO)]; !ok {
		return nil, fmt.Errorf("credential: group AMO: %w", ErrGroupMissing)
	}
	for _, g := range order {
		item, ok := dr.Groups[g]
		if !ok {
			continue
		}
		sum := sha256.Sum256(item)
		if dig, ok := c.Digests[g]; !ok || !bytes.Equal(dig, sum[:]) {
			return nil, fmt.Errorf("credential: group %v digest: %w", Group(g), ErrBadSignature)
		}
		// The item and its group's data in one pass (decodeGroupItem:
		// what decodeGroup does after the item's own decoding).
		var gi groupItem
		var gw wireGroups
		if err := decodeGroupItem(item, &gi, &gw, s.amo[:]); err != nil {
			return nil, fmt.Errorf("credential: group %v: %w", Group(g), err)
		}
		if gi.Group != g || len(gi.Salt) != 16 {
			return nil, fmt.Errorf("credential: group item %v: %w", Group(g), ErrMalformed)
		}
		if err := p.Family.fromWireGroup(Group(g), &gw); err != nil {
			return nil, fmt.Errorf("credential: group %v: %w", Group(g), err)
		}
		p.Groups = append(p.Groups, Group(g))
	}
	return p, nil
}

// fromWireGroup is decodeGroup's conversion of group g, decoded into its
// field of w (decodeGroupItem).
func (f *Family) fromWireGroup(g Group, w *wireGroups) error {
	switch g {
	case GroupAMO:
		return f.fromWireAMO(w.AMO)
	case GroupINS:
		return f.fromWireINS(w.INS)
	case GroupEtatCivil:
		return f.fromWireEtatCivil(w.EtatCivil)
	}
	return fmt.Errorf("credential: unknown group %d: %w", g, ErrMalformed)
}

// decodeGroup decodes group g's data reflectively and adds it to f: the
// reference decodeGroupItem and fromWireGroup are tested against.
func (f *Family) decodeGroup(g Group, data []byte) error {
	switch g {
	case GroupAMO:
		var w []wireBeneficiary
		if err := unmarshal("AMO group", data, &w); err != nil {
			return err
		}
		return f.fromWireAMO(w)
	case GroupINS:
		var w map[uint8]*wireINS
		if err := unmarshal("INS group", data, &w); err != nil {
			return err
		}
		return f.fromWireINS(w)
	case GroupEtatCivil:
		var w wireEtatCivil
		if err := unmarshalKeeping("ETAT_CIVIL group", data, &w, etatCivilExtensions); err != nil {
			return err
		}
		return f.fromWireEtatCivil(&w)
	}
	return fmt.Errorf("credential: unknown group %d: %w", g, ErrMalformed)
}
