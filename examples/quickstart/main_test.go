package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
)

// TestRun runs the example against the emulator through the in-memory NFC
// field, and checks every line it prints.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		want    string
		wantErr error
	}{
		{"default profile", nil, `Identité vérifiée par NFC (nfc:desk, émetteur CNAM-EMU)
  ouvrant droit  2 88 02 ** *** *** 36  DURAND Camille, né(e) le 29/02/1988 (assuré)
`, nil},
		{"family of six", []string{"-profile", "famille-6-drome"}, `Identité vérifiée par NFC (nfc:desk, émetteur CNAM-EMU)
  ouvrant droit  2 81 04 ** *** *** 03  GIRAUD Marie-Hélène Éloïse Bénédicte, né(e) le 12/04/1981 (assuré)
  ayant droit    1 79 11 ** *** *** 56  DELACROIX-ROUSSET Jean-Baptiste Théophile, né(e) le 03/11/1979 (conjoint)
  ayant droit    2 09 06 ** *** *** 94  DELACROIX-ROUSSET Léa-Maëlys, né(e) le 21/06/2009 (enfant)
  ayant droit    1 13 02 ** *** *** 76  DELACROIX-ROUSSET Noé, né(e) le 14/02/2013 (enfant)
  ayant droit    2 13 02 ** *** *** 25  DELACROIX-ROUSSET Zoé-Anaïs, né(e) le 14/02/2013 (enfant)
  ayant droit    1 18 09 ** *** *** 96  DELACROIX-ROUSSET Élie-François, né(e) le 30/09/2018 (enfant)
`, nil},
		{"lunar birth date, temporary number", []string{"-profile", "lunaire-1978"}, `Identité vérifiée par NFC (nfc:desk, émetteur CNAM-EMU)
  ouvrant droit  1 78 20 ** *** *** 38  BENALI Youssef, né(e) le 00/00/1978 (assuré)
  ayant droit    8 82 05 ** *** *** 25  EL AMRANI Fatima-Zahra, né(e) le 17/05/1982 (conjoint)
`, nil},
		{"iPhone: no NFC", []string{"-profile", "ne-75-vit-92"}, "", nfc.ErrNoNFC},
		{"unknown profile", []string{"-profile", "nobody"}, "", fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := pcsctest.Snapshot()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out bytes.Buffer
			err := run(ctx, tc.args, &out)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("run = %v, want %v", err, tc.wantErr)
			}
			if out.String() != tc.want {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), tc.want)
			}
			pcsctest.CheckNoGrowth(t, base, 0, 5*time.Second)
		})
	}
}
