package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apcvkit/apcvkit/reader"
)

// A lists directory holds what a reader needs to trust an issuer offline:
// the list authority's public key and the two signed lists. `apcv emulate
// --lists-out DIR` writes one; `apcv read` and `apcv verify` read it.
const (
	authorityFile  = "authority.pem"
	trustFile      = "trust-list.cose"
	revocationFile = "revocation-list.cose"
)

func writeListsDir(dir string, authority *ecdsa.PublicKey, trust, revocation []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(authority)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		authorityFile:  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		trustFile:      trust,
		revocationFile: revocation,
	}
	for name, data := range files {
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

// listsDir is a reader.ListSource over a lists directory, re-read at every
// refresh so that an emulator rewriting it is picked up.
type listsDir string

var _ reader.ListSource = listsDir("")

func (d listsDir) TrustList(context.Context) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), trustFile))
}

func (d listsDir) RevocationList(context.Context) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), revocationFile))
}

func readAuthority(dir string) (*ecdsa.PublicKey, error) {
	b, err := os.ReadFile(filepath.Join(dir, authorityFile))
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%s: no PUBLIC KEY block", authorityFile)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ECDSA key", authorityFile)
	}
	return ek, nil
}
