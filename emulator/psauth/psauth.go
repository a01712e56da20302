package psauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/store"
)

// Files of the authority in a state directory.
const (
	CAFile    = "ps-ca.pem"     // the CA certificate: what readers pin
	caKeyFile = "ps-ca-key.pem" // 0600
	stateFile = "psauth.json"
)

// Validity periods.
const (
	CAValidity     = 10 * 365 * 24 * time.Hour
	PSValidity     = 3 * 365 * 24 * time.Hour // a software certificate's
	ServerValidity = 365 * 24 * time.Hour
)

// organization is written in every certificate the authority issues.
const organization = "APCVKIT AUTORITE PS EMULEE"

// PS is a health professional.
type PS struct {
	RPPS       string // the 11-digit RPPS number
	Name       string // as printed on the card
	Profession string // e.g. "Médecin", "Pharmacien"
}

// Validate checks the fields.
func (p PS) Validate() error {
	if len(p.RPPS) != 11 || !allDigits(p.RPPS) {
		return &credential.FieldError{Field: "rpps", Reason: "want 11 digits"}
	}
	if len(p.Name) > 128 || len(p.Profession) > 64 {
		return &credential.FieldError{Field: "name", Reason: "too long"}
	}
	return nil
}

// Options configure an Authority; the zero value is usable.
type Options struct {
	Clock clock.Clock // nil: real time
	Rand  io.Reader   // nil: crypto/rand
}

// Authority is the PS certificate authority. Safe for concurrent use.
type Authority struct {
	opts  Options
	clock clock.Clock
	dir   string // "" for an authority in memory

	caKey  *ecdsa.PrivateKey
	caCert *x509.Certificate
	roots  *x509.CertPool

	mu    sync.Mutex
	st    savedState
	byRPP map[string]bool // revoked RPPS
	bySer map[string]bool // revoked serials (decimal)
	// verified caches the chains Check verified, by SHA-256 of the leaf's
	// DER: a keep-alive desk presents the same certificate at every
	// request. Revocation and validity are checked at every call.
	verified map[[32]byte]verifiedLeaf
	// checkedAt: when the state file was last read (reloadLocked).
	checkedAt time.Time
}

// ReloadInterval is how often Check looks whether another process (apcv
// ps-cert --revoke) changed the saved state, for an authority made by Open.
const ReloadInterval = time.Second

type verifiedLeaf struct {
	ps                  PS
	serial              string
	notBefore, notAfter time.Time
}

// maxVerified bounds the cache of verified chains.
const maxVerified = 4096

type savedState struct {
	Format         int         `json:"format"`
	NextSerial     int64       `json:"nextSerial"`
	Issued         []issuedRec `json:"issued"`
	RevokedRPPS    []string    `json:"revokedRPPS"`
	RevokedSerials []string    `json:"revokedSerials"`
}

type issuedRec struct {
	Serial   string    `json:"serial"`
	RPPS     string    `json:"rpps"`
	NotAfter time.Time `json:"notAfter"`
}

// New returns an authority with a fresh CA, kept in memory.
func New(opts Options) (*Authority, error) {
	a := &Authority{opts: opts, clock: clock.Or(opts.Clock), byRPP: map[string]bool{}, bySer: map[string]bool{}}
	if a.opts.Rand == nil {
		a.opts.Rand = rand.Reader
	}
	a.st = savedState{Format: 1, NextSerial: 2}
	k, err := ecdsa.GenerateKey(elliptic.P256(), a.opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("psauth: %w", err)
	}
	now := a.clock.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "APCVKIT AC PS EMULEE", Organization: []string{organization}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(a.opts.Rand, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return nil, fmt.Errorf("psauth: CA: %w", err)
	}
	if err := a.setCA(k, der); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Authority) setCA(k *ecdsa.PrivateKey, der []byte) error {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("psauth: CA: %w", err)
	}
	a.caKey, a.caCert = k, c
	a.roots = x509.NewCertPool()
	a.roots.AddCert(c)
	return nil
}

// Open returns the authority saved in dir, or makes one and saves it
// there (the CA key 0600, CAFile, and the state, written atomically and
// durably). Every issuance and revocation is saved before it returns.
func Open(dir string, opts Options) (*Authority, error) {
	keyPEM, err := store.ReadFile(dir, caKeyFile, 1<<16)
	if errors.Is(err, fs.ErrNotExist) {
		a, err := New(opts)
		if err != nil {
			return nil, err
		}
		a.dir = dir
		der, err := x509.MarshalECPrivateKey(a.caKey)
		if err != nil {
			return nil, fmt.Errorf("psauth: %w", err)
		}
		if err := store.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("psauth: %w", err)
		}
		if err := store.WriteFile(dir, caKeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, fmt.Errorf("psauth: %w", err)
		}
		if err := store.WriteFile(dir, CAFile, a.CAPEM(), 0o644); err != nil {
			return nil, fmt.Errorf("psauth: %w", err)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if err := a.saveLocked(); err != nil {
			return nil, err
		}
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("psauth: open: %w", err)
	}
	a := &Authority{opts: opts, clock: clock.Or(opts.Clock), dir: dir, byRPP: map[string]bool{}, bySer: map[string]bool{}}
	if a.opts.Rand == nil {
		a.opts.Rand = rand.Reader
	}
	blk, _ := pem.Decode(keyPEM)
	if blk == nil {
		return nil, fmt.Errorf("psauth: open %s: not PEM: %w", caKeyFile, ErrBadState)
	}
	k, err := x509.ParseECPrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("psauth: open %s: %v: %w", caKeyFile, err, ErrBadState)
	}
	caPEM, err := store.ReadFile(dir, CAFile, 1<<16)
	if err != nil {
		return nil, fmt.Errorf("psauth: open: %w", err)
	}
	if blk, _ = pem.Decode(caPEM); blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("psauth: open %s: not a PEM certificate: %w", CAFile, ErrBadState)
	}
	if err := a.setCA(k, blk.Bytes); err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrBadState)
	}
	if pub, ok := a.caCert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&k.PublicKey) {
		return nil, fmt.Errorf("psauth: open: %s does not match %s: %w", CAFile, caKeyFile, ErrBadState)
	}
	data, err := store.ReadFile(dir, stateFile, 16<<20)
	if err != nil {
		return nil, fmt.Errorf("psauth: open: %w", err)
	}
	if err := json.Unmarshal(data, &a.st); err != nil || a.st.Format != 1 || a.st.NextSerial < 2 {
		return nil, fmt.Errorf("psauth: open %s: %w", stateFile, ErrBadState)
	}
	a.checkedAt = time.Now()
	for _, r := range a.st.RevokedRPPS {
		a.byRPP[r] = true
	}
	for _, s := range a.st.RevokedSerials {
		a.bySer[s] = true
	}
	return a, nil
}

func (a *Authority) saveLocked() error {
	if a.dir == "" {
		return nil
	}
	// Revocations made by another process since are kept.
	a.reloadLocked(true)
	data, err := json.MarshalIndent(a.st, "", "  ")
	if err != nil {
		return fmt.Errorf("psauth: save: %w", err)
	}
	if err := store.WriteFile(a.dir, stateFile, data, 0o600); err != nil {
		return fmt.Errorf("psauth: save: %w", err)
	}
	return nil
}

// reloadLocked merges into a the revocations, issuances and serial counter
// another process saved in the state file (read at most once per
// ReloadInterval unless now). A file that cannot be read is left
// for the next look: what a holds stays in force.
func (a *Authority) reloadLocked(now bool) {
	if a.dir == "" {
		return
	}
	t := time.Now()
	if !now && t.Sub(a.checkedAt) < ReloadInterval {
		return
	}
	a.checkedAt = t
	// The file is read and merged whole (merging is idempotent): a
	// modification time would miss two writes within the file system's
	// timestamp granularity.
	data, err := store.ReadFile(a.dir, stateFile, 16<<20)
	var disk savedState
	if err != nil || json.Unmarshal(data, &disk) != nil || disk.Format != 1 {
		return
	}
	for _, r := range disk.RevokedRPPS {
		if !a.byRPP[r] {
			a.byRPP[r] = true
			a.st.RevokedRPPS = append(a.st.RevokedRPPS, r)
		}
	}
	slices.Sort(a.st.RevokedRPPS)
	for _, sr := range disk.RevokedSerials {
		if !a.bySer[sr] {
			a.bySer[sr] = true
			a.st.RevokedSerials = append(a.st.RevokedSerials, sr)
		}
	}
	for _, r := range disk.Issued {
		if !slices.ContainsFunc(a.st.Issued, func(x issuedRec) bool { return x.Serial == r.Serial }) {
			a.st.Issued = append(a.st.Issued, r)
		}
	}
	a.st.NextSerial = max(a.st.NextSerial, disk.NextSerial)
}

// CAPEM returns the CA certificate in PEM: the roots a reader pins.
func (a *Authority) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.caCert.Raw})
}

// Roots returns a pool holding the CA certificate alone.
func (a *Authority) Roots() *x509.CertPool { return a.roots.Clone() }

// CA returns the CA certificate.
func (a *Authority) CA() *x509.Certificate { return a.caCert }

// nextSerialLocked returns the next serial number and counts it.
func (a *Authority) nextSerialLocked() *big.Int {
	s := big.NewInt(a.st.NextSerial)
	a.st.NextSerial++
	return s
}

// IssuePS issues a client certificate for professional ps (valid
// PSValidity) and returns it with its private key, both PEM. The RPPS is
// the subject's serialNumber; the name its common name; the profession its
// organizational unit. A revoked RPPS gets ErrPSRevoked.
func (a *Authority) IssuePS(ps PS) (certPEM, keyPEM []byte, err error) {
	if err := ps.Validate(); err != nil {
		return nil, nil, fmt.Errorf("psauth: issue: %w", err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), a.opts.Rand)
	if err != nil {
		return nil, nil, fmt.Errorf("psauth: issue: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byRPP[ps.RPPS] {
		return nil, nil, fmt.Errorf("psauth: issue: RPPS %s: %w", ps.RPPS, service.ErrPSRevoked)
	}
	now := a.clock.Now()
	serial := a.nextSerialLocked()
	subj := pkix.Name{CommonName: ps.Name, SerialNumber: ps.RPPS, Organization: []string{organization}}
	if ps.Profession != "" {
		subj.OrganizationalUnit = []string{ps.Profession}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: subj,
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(PSValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(a.opts.Rand, tmpl, a.caCert, &k.PublicKey, a.caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("psauth: issue: %w", err)
	}
	a.st.Issued = append(a.st.Issued, issuedRec{Serial: serial.String(), RPPS: ps.RPPS, NotAfter: tmpl.NotAfter})
	if err := a.saveLocked(); err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, nil, fmt.Errorf("psauth: issue: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}

// IssuePSCert is IssuePS returning a tls.Certificate (with its Leaf).
func (a *Authority) IssuePSCert(ps PS) (tls.Certificate, error) {
	c, k, err := a.IssuePS(ps)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(c, k)
}

// ServerCertificate issues a server certificate for the online service,
// valid ServerValidity, for 127.0.0.1, ::1 and localhost plus hosts (IP
// addresses or DNS names). It is not recorded: a new one at each start.
func (a *Authority) ServerCertificate(hosts ...string) (tls.Certificate, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), a.opts.Rand)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("psauth: server certificate: %w", err)
	}
	a.mu.Lock()
	serial := a.nextSerialLocked()
	err = a.saveLocked()
	a.mu.Unlock()
	if err != nil {
		return tls.Certificate{}, err
	}
	now := a.clock.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "apcv online service", Organization: []string{organization}},
		NotBefore:    now.Add(-time.Minute), NotAfter: now.Add(ServerValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:    []string{"localhost"},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(a.opts.Rand, tmpl, a.caCert, &k.PublicKey, a.caKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("psauth: server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("psauth: server certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k, Leaf: leaf}, nil
}

// RevokeRPPS revokes a professional: every certificate with this RPPS is
// refused from now on (ErrPSRevoked), and none is issued any more.
// Idempotent. Another authority opened on the same directory (a running
// service) sees it within ReloadInterval.
func (a *Authority) RevokeRPPS(rpps string) error {
	if err := (PS{RPPS: rpps}).Validate(); err != nil {
		return fmt.Errorf("psauth: revoke: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byRPP[rpps] {
		return nil
	}
	a.byRPP[rpps] = true
	a.st.RevokedRPPS = append(a.st.RevokedRPPS, rpps)
	slices.Sort(a.st.RevokedRPPS)
	return a.saveLocked()
}

// RevokeSerial revokes one certificate by its serial number (a lost or
// compromised key: the professional gets a new certificate). Idempotent;
// a serial the authority never issued is ErrUnknownSerial.
func (a *Authority) RevokeSerial(serial *big.Int) error {
	s := serial.String()
	a.mu.Lock()
	defer a.mu.Unlock()
	if !slices.ContainsFunc(a.st.Issued, func(r issuedRec) bool { return r.Serial == s }) {
		return fmt.Errorf("psauth: revoke serial %s: %w", s, ErrUnknownSerial)
	}
	if a.bySer[s] {
		return nil
	}
	a.bySer[s] = true
	a.st.RevokedSerials = append(a.st.RevokedSerials, s)
	return a.saveLocked()
}

// Check verifies the chain a client presented in the TLS handshake (leaf
// first) against the CA at the authority's clock, for client
// authentication, then revocation. It returns the professional, or an
// error wrapping service.ErrPSCertRefused (no certificate, not issued by
// the authority, expired, not for client authentication) or
// service.ErrPSRevoked. The RPPS is set whenever the leaf names one, even
// on failure, for the audit. A chain once verified is remembered (by the
// leaf's hash) while the leaf is valid; revocation is checked every time.
func (a *Authority) Check(chain []*x509.Certificate) (ps PS, err error) {
	if len(chain) == 0 {
		return PS{}, fmt.Errorf("psauth: no client certificate: %w", service.ErrPSCertRefused)
	}
	leaf := chain[0]
	now := a.clock.Now()
	key := sha256.Sum256(leaf.Raw)
	a.mu.Lock()
	a.reloadLocked(false)
	v, ok := a.verified[key]
	if ok && !now.Before(v.notBefore) && !now.After(v.notAfter) {
		revoked := a.byRPP[v.ps.RPPS] || a.bySer[v.serial]
		a.mu.Unlock()
		if revoked {
			return PS{RPPS: v.ps.RPPS}, fmt.Errorf("psauth: RPPS %s: %w", v.ps.RPPS, service.ErrPSRevoked)
		}
		return v.ps, nil
	}
	a.mu.Unlock()
	ps = PS{RPPS: leaf.Subject.SerialNumber, Name: leaf.Subject.CommonName}
	if len(leaf.Subject.OrganizationalUnit) > 0 {
		ps.Profession = leaf.Subject.OrganizationalUnit[0]
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: a.roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return PS{RPPS: sanitizeRPPS(ps.RPPS)}, fmt.Errorf("psauth: client certificate: %v: %w", err, service.ErrPSCertRefused)
	}
	if (PS{RPPS: ps.RPPS}).Validate() != nil {
		return PS{}, fmt.Errorf("psauth: client certificate without an RPPS: %w", service.ErrPSCertRefused)
	}
	a.mu.Lock()
	revoked := a.byRPP[ps.RPPS] || a.bySer[leaf.SerialNumber.String()]
	if a.verified == nil || len(a.verified) >= maxVerified {
		a.verified = map[[32]byte]verifiedLeaf{}
	}
	// The chain's validity is the leaf's within the CA's (the CA outlives
	// every certificate it issues).
	a.verified[key] = verifiedLeaf{ps: ps, serial: leaf.SerialNumber.String(), notBefore: leaf.NotBefore, notAfter: leaf.NotAfter}
	a.mu.Unlock()
	if revoked {
		return PS{RPPS: ps.RPPS}, fmt.Errorf("psauth: RPPS %s: %w", ps.RPPS, service.ErrPSRevoked)
	}
	return ps, nil
}

// sanitizeRPPS keeps s only when it has the form of an RPPS (what an
// unverified certificate says goes to the audit log only then).
func sanitizeRPPS(s string) string {
	if len(s) == 11 && allDigits(s) {
		return s
	}
	return ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
