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
// The layout is the reader's: these names are its one definition. The
// emulator writes such a directory (emulator.World.WriteLists, `apcv emulate
// --lists-out DIR`); `apcv read --lists DIR` reads it.
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
