//go:build !linux && !darwin

package serialpty_test

import (
	"errors"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
)

// Without pseudo-terminals (Windows), Open says so with a typed error and
// returns no Scanner.
func TestOpenUnsupported(t *testing.T) {
	if serialpty.Supported {
		t.Fatal("Supported is true on a system without pseudo-terminals")
	}
	sc, err := serialpty.Open(serialpty.Config{Baud: 9600})
	if sc != nil || !errors.Is(err, serialpty.ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Open = %v, %v; want ErrUnsupported", sc, err)
	}
	if _, err := serialpty.Open(serialpty.Config{Baud: -1}); err == nil || errors.Is(err, serialpty.ErrUnsupported) {
		t.Errorf("a bad config is reported before the missing pty: %v", err)
	}
}
