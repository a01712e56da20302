package emulator

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apcvkit/apcvkit/reader"
)

// WriteLists writes a lists directory for readers that work offline, in the
// layout reader.DirLists reads (reader.AuthorityFile, reader.TrustFile,
// reader.RevocationFile): the issuer's list authority key and its signed
// lists, freshly fetched. Each file is written to a temporary name then
// renamed, so a reader refreshing its lists meanwhile sees the old file or
// the new one, never half of one. `apcv emulate --lists-out DIR` calls it.
func (w *World) WriteLists(ctx context.Context, dir string) error {
	trust, err := w.TrustList(ctx)
	if err != nil {
		return fmt.Errorf("emulator: lists: %w", err)
	}
	revocation, err := w.RevocationList(ctx)
	if err != nil {
		return fmt.Errorf("emulator: lists: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(w.Issuer.ListAuthority())
	if err != nil {
		return fmt.Errorf("emulator: lists: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("emulator: lists: %w", err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{reader.AuthorityFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})},
		{reader.TrustFile, trust},
		{reader.RevocationFile, revocation},
	} {
		tmp := filepath.Join(dir, "."+f.name+".tmp")
		if err := os.WriteFile(tmp, f.data, 0o644); err != nil {
			return fmt.Errorf("emulator: lists: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, f.name)); err != nil {
			return fmt.Errorf("emulator: lists: %w", err)
		}
	}
	return nil
}
