package main

import (
	"context"
	"os"
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
error           nfc:desk  L'appli carte Vitale est verrouillée. Demandez au patient de saisir son code secret, puis de présenter à nouveau le téléphone.
phone-detected  nfc:desk
reading         nfc:desk
identity        nfc:desk  ouvrant droit 2 88 02 ** *** *** 36, family of 1
device-removed  nfc:desk  Le lecteur sans contact a été débranché. Rebranchez-le puis réessayez.
The app's Activités list 1 expense(s).
`, ""},
		{"english", []string{"-lang", "en"}, `device-added    nfc:desk
phone-detected  nfc:desk
reading         nfc:desk
error           nfc:desk  The carte Vitale app is locked. Ask the patient to enter their secret code, then present the phone again.
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
			pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
		})
	}
}

// TestRunLogs runs the example with -v: the reader's debug logs must show
// what happened without any personal data of the profile.
func TestRunLogs(t *testing.T) {
	var logs exampletest.Buffer
	logOutput = &logs
	defer func() { logOutput = os.Stderr }()
	var out exampletest.Buffer
	if err := run(context.Background(), []string{"-v"}, &out); err != nil {
		t.Fatal(err)
	}
	got := logs.String()
	if !strings.Contains(got, "2 88 02 ** *** *** 36") {
		t.Errorf("the logs do not show the verified identity, masked:\n%s", got)
	}
	// isere-solo's personal data, in every form a log could carry them.
	for _, pii := range []string{"288023818506636", "2 88 02 38 185 066 36", "38185", "DURAND", "Camille", "29/02/1988", "1988-02-29",
		"camille.durand"} {
		if strings.Contains(got, pii) {
			t.Errorf("the logs show %q:\n%s", pii, got)
		}
	}
}
