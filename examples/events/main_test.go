package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/examples/internal/exampletest"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
)

// TestRun runs the scripted desk against the emulator through the
// in-memory NFC field and checks every event line, in both languages.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		want    string
		wantErr string
	}{
		{"french", nil, `device-added    nfc:desk
phone-detected  nfc:desk
reading         nfc:desk
error           -         L'appli carte Vitale est verrouillée. Demandez au patient de saisir son code secret, puis de présenter à nouveau le téléphone.
phone-detected  nfc:desk
reading         nfc:desk
identity        nfc:desk  ouvrant droit 2 88 02 ** *** *** 36, family of 1
device-removed  nfc:desk  Le lecteur sans contact a été débranché. Rebranchez-le puis réessayez.
The app's Activités list 1 expense(s).
`, ""},
		{"english", []string{"-lang", "en"}, `device-added    nfc:desk
phone-detected  nfc:desk
reading         nfc:desk
error           -         The carte Vitale app is locked. Ask the patient to enter their secret code, then present the phone again.
phone-detected  nfc:desk
reading         nfc:desk
identity        nfc:desk  ouvrant droit 2 88 02 ** *** *** 36, family of 1
device-removed  nfc:desk  The contactless reader was unplugged. Plug it back in and try again.
The app's Activités list 1 expense(s).
`, ""},
		{"unknown language", []string{"-lang", "de"}, "", `-lang "de": want fr or en`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := pcsctest.Snapshot()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out exampletest.Buffer
			err := run(ctx, tc.args, &out)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("run = %v, want %q", err, tc.wantErr)
			}
			if out.String() != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), tc.want)
			}
			pcsctest.CheckNoGrowth(t, base, 0, 2*time.Second)
		})
	}
}
