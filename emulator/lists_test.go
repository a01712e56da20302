package emulator_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/reader"
)

// TestWriteLists: what the emulator writes, the reader's DirLists reads back,
// and a second write replaces the files without leaving temporary ones.
func TestWriteLists(t *testing.T) {
	w, err := emulator.New(emulator.Options{Profile: "isere-solo"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "lists")
	for range 2 {
		if err := w.WriteLists(ctx, dir); err != nil {
			t.Fatal(err)
		}
	}
	d := reader.DirLists(dir)
	auth, err := d.Authority()
	if err != nil {
		t.Fatal(err)
	}
	if !auth.Equal(w.Issuer.ListAuthority()) {
		t.Error("the authority read back is not the issuer's list authority")
	}
	// The lists are signed afresh at each fetch: check that the files hold
	// lists the authority signed, as a reader does.
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: auth})
	for _, l := range []struct {
		name string
		get  func(context.Context) ([]byte, error)
		set  func([]byte) error
	}{{"trust", d.TrustList, v.SetTrustList}, {"revocation", d.RevocationList, v.SetRevocationList}} {
		b, err := l.get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.set(b); err != nil {
			t.Errorf("%s list read back: %v", l.name, err)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 3 {
		t.Errorf("lists directory holds %d files, want 3: %v", len(ents), ents)
	}
	if err := w.WriteLists(ctx, filepath.Join(dir, reader.TrustFile)); err == nil {
		t.Error("WriteLists into a file succeeded")
	}
}
