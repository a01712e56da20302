package reader

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// A lists directory holds what a reader needs to trust an issuer offline:
// the list authority's public key and the two signed lists, as files
//
//	authority.pem          the list authority's public key (PKIX, PEM)
//	trust-list.cose        the signed trust list
//	revocation-list.cose   the signed revocation list
//
// `apcv emulate --lists-out DIR` writes one; `apcv read --lists DIR` reads it.
const (
	AuthorityFile  = "authority.pem"
	TrustFile      = "trust-list.cose"
	RevocationFile = "revocation-list.cose"
)

// DirLists is a ListSource over a lists directory. The files are read at
// every refresh, so that a process rewriting them is picked up.
type DirLists string

var _ ListSource = DirLists("")

// TrustList reads the trust list file.
func (d DirLists) TrustList(context.Context) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), TrustFile))
}

// RevocationList reads the revocation list file.
func (d DirLists) RevocationList(context.Context) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), RevocationFile))
}

// Authority reads the list authority's public key.
func (d DirLists) Authority() (*ecdsa.PublicKey, error) {
	b, err := os.ReadFile(filepath.Join(string(d), AuthorityFile))
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("reader: %s: no PUBLIC KEY block", AuthorityFile)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reader: %s: %w", AuthorityFile, err)
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("reader: %s: not an ECDSA key", AuthorityFile)
	}
	return ek, nil
}

// WriteDirLists writes a lists directory (atomically, file by file).
func WriteDirLists(dir string, authority *ecdsa.PublicKey, trust, revocation []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(authority)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		AuthorityFile:  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		TrustFile:      trust,
		RevocationFile: revocation,
	} {
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
