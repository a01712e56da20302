package issuer

import (
	"crypto/elliptic"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// Files of a state directory.
const (
	stateFile   = "state.json"
	rootKeyFile = "root-key.pem"
	stateFormat = 1
)

type savedState struct {
	Format     int               `json:"format"`
	Name       string            `json:"name"`
	RootKid    string            `json:"rootKid"`
	Keys       []savedKey        `json:"keys"`
	TrustSeq   uint64            `json:"trustSeq"`
	RevSeq     uint64            `json:"revSeq"`
	Persons    []savedPerson     `json:"persons"`
	Creds      []*credRecord     `json:"credentials"`
	Activities []savedActivities `json:"activities"`
	Mailbox    map[string]mail   `json:"mailbox"`
	Tickets    map[string]string `json:"tickets"`
}

type savedKey struct {
	Kid       string    `json:"kid"`
	File      string    `json:"file"`
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
// PEM files (0600) and the rest in state.json, each written to a temporary
// file and renamed into place, so that a crash leaves the old or the new
// file, never a torn one. Open reads it back.
func (i *Issuer) Save(dir string) error {
	i.mu.Lock()
	st := savedState{Format: stateFormat, Name: i.opts.Name, RootKid: hex.EncodeToString(i.root.Kid),
		TrustSeq: i.trustSeq, RevSeq: i.revSeq, Mailbox: map[string]mail{}, Tickets: map[string]string{}}
	keyPEM := map[string][]byte{}
	der, err := x509.MarshalECPrivateKey(i.root.Key)
	if err != nil {
		i.mu.Unlock()
		return fmt.Errorf("issuer: save: root key: %w", err)
	}
	keyPEM[rootKeyFile] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	for _, k := range i.keys {
		name := "issuer-key-" + hex.EncodeToString(k.Kid) + ".pem"
		der, err := x509.MarshalECPrivateKey(k.Key)
		if err != nil {
			i.mu.Unlock()
			return fmt.Errorf("issuer: save: issuer key: %w", err)
		}
		keyPEM[name] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		st.Keys = append(st.Keys, savedKey{Kid: hex.EncodeToString(k.Kid), File: name, NotBefore: k.NotBefore, NotAfter: k.NotAfter})
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
	data, err := json.MarshalIndent(st, "", "  ")
	i.mu.Unlock()
	if err != nil {
		return fmt.Errorf("issuer: save: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("issuer: save: %w", err)
	}
	for name, b := range keyPEM { // keys first: state.json never names a missing key
		if err := writeFileAtomic(dir, name, b, 0o600); err != nil {
			return err
		}
	}
	return writeFileAtomic(dir, stateFile, data, 0o600)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeFileAtomic writes data to dir/name through a temporary file in the
// same directory, synced, then renamed over the target; the directory is
// synced so that the rename itself survives a crash.
func writeFileAtomic(dir, name string, data []byte, perm os.FileMode) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("issuer: save %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("issuer: save %s: %w", name, err)
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("issuer: save %s: %w", name, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: not every file system syncs directories
		d.Close()
	}
	return nil
}

// Open returns the issuer saved in dir by Save. When dir holds no state
// yet, it makes a new issuer (New) and saves it there. opts configure the
// running issuer (clock, eligibility, delays); the name and keys come from
// the state. A damaged state is an error wrapping ErrBadState.
func Open(dir string, opts Options) (*Issuer, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		i, err := New(opts)
		if err != nil {
			return nil, err
		}
		if err := i.Save(dir); err != nil {
			return nil, err
		}
		return i, nil
	}
	if err != nil {
		return nil, fmt.Errorf("issuer: open: %w", err)
	}
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
	if i.root, err = readKey(dir, rootKeyFile, st.RootKid); err != nil {
		return nil, err
	}
	for _, sk := range st.Keys {
		if filepath.Base(sk.File) != sk.File {
			return nil, fmt.Errorf("issuer: open: key file %q: %w", sk.File, ErrBadState)
		}
		k, err := readKey(dir, sk.File, sk.Kid)
		if err != nil {
			return nil, err
		}
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
	for t, nir := range st.Tickets {
		i.tickets[t] = credential.NIR(nir)
	}
	return i, nil
}

func readKey(dir, name, kidHex string) (credential.IssuerKey, error) {
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
	kid := kidOf(&k.PublicKey)
	if hex.EncodeToString(kid) != kidHex {
		return credential.IssuerKey{}, fmt.Errorf("issuer: open %s: key does not match kid %s: %w", name, kidHex, ErrBadState)
	}
	return credential.IssuerKey{Kid: kid, Key: k}, nil
}
