// Package deskmsgtest holds the tests' check of an error's desk messages,
// shared by the packages that map online-service failures to them.
package deskmsgtest

import (
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
)

// Check fails t unless err has desk messages of its own in French and in
// English (not the generic ones, not the same text) and, when offline,
// both send the desk to the patient's offline QR code.
func Check(t testing.TB, err error, offline bool) {
	t.Helper()
	fr, en := apcverr.Message(err, apcverr.FR), apcverr.Message(err, apcverr.EN)
	if fr == apcverr.Generic.FR || en == apcverr.Generic.EN || fr == en {
		t.Errorf("no desk message of its own: FR %q, EN %q", fr, en)
	}
	if offline && (!strings.Contains(fr, "QR code hors ligne") || !strings.Contains(en, "offline QR code")) {
		t.Errorf("the desk message does not send to the offline QR code: FR %q, EN %q", fr, en)
	}
}
