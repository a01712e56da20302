package issuer_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// TestLogsWithoutPersonalData runs a whole life (activation, activation
// elsewhere, revocation by an agent, block) with every record kept, down to
// debug level, and looks for any NIR, name, birth date or e-mail address.
func TestLogsWithoutPersonalData(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	iss, _ := newIssuer(t, issuer.Options{Logger: log})
	const profile = "famille-6-drome"
	nir := register(t, iss, profile)
	activate(t, iss, nir)
	activate(t, iss, nir) // a second phone: the first credential is revoked
	if err := iss.RevokeDevice(nir); err != nil {
		t.Fatal(err)
	}
	if err := iss.Block(nir); err != nil {
		t.Fatal(err)
	}
	logs := buf.String()
	for _, want := range []string{"credential issued", "credential revoked", "activation request submitted"} {
		if !strings.Contains(logs, want) {
			t.Fatalf("no %q record: the test would check nothing\n%s", want, logs)
		}
	}
	p, err := phone.BuiltinProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	personal := []string{string(nir), string(nir)[:13], string(nir) + "@example.test"}
	for _, b := range p.Family.Beneficiaires {
		personal = append(personal, string(b.NIR), string(b.NIR)[:13], b.NomFamille, b.Prenoms, b.DateNaissance.String())
		if b.NomUsage != "" {
			personal = append(personal, b.NomUsage)
		}
	}
	for _, s := range personal {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log holds personal data %q:\n%s", s, logs)
		}
	}
}
