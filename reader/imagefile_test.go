package reader_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
	"github.com/apcvkit/apcvkit/reader"
)

// TestReadImageFileCause: when the last source is an image file that could
// not be read, Read's error leads with that cause (its code and desk
// message), ahead of "no device left".
func TestReadImageFileCause(t *testing.T) {
	w := testworld.New(1)
	p := filepath.Join(t.TempDir(), "scan.png")
	if err := os.WriteFile(p, []byte("not an image\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(w)
	cfg.QR = []qrscan.Source{camera.NewSource(camera.Files(p), camera.SourceOptions{})}
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = r.Read(ctx)
	if !errors.Is(err, camera.ErrNotAnImage) || !errors.Is(err, reader.ErrNoSource) {
		t.Fatalf("got %v", err)
	}
	if got := apcverr.Code(err); got != camera.ErrNotAnImage.Code {
		t.Errorf("code %q, want %q", got, camera.ErrNotAnImage.Code)
	}
	if got := reader.Message(err, apcverr.FR); got != camera.ErrNotAnImage.FR {
		t.Errorf("desk message %q", got)
	}
}
