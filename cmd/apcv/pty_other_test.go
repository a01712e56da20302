//go:build !linux && !darwin

package main

import (
	"strings"
	"testing"
)

// Without pseudo-terminals (Windows), emulate's --help says --serial-pty is
// unavailable, and the flag is refused as a usage error before anything
// starts.
func TestEmulateSerialPtyUnsupported(t *testing.T) {
	code, _, stderr := runCLI(t, "emulate", "--help")
	if code != exitUsage || !strings.Contains(stderr, "unavailable on this system") {
		t.Errorf("emulate --help: exit %d, help lacks the note:\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "emulate", "--serial-pty")
	if code != exitUsage || !strings.Contains(stderr, "needs a pseudo-terminal") || stdout != "" {
		t.Errorf("emulate --serial-pty: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
