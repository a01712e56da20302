package phone_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/emulator/idmatch"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// TestIdentityCheckExplained runs the video check's identity step with
// documents edited from the profile's: what idmatch accepts passes (the
// hyphen → space of issue 14 used to fail with the generic
// identity-check-failed), and a real mismatch is refused with its own cause,
// still ErrIdentityCheckFailed, a message naming both values, and an issuer
// log (at debug level) without them.
func TestIdentityCheckExplained(t *testing.T) {
	for _, tc := range []struct {
		name, profile string
		prenoms, nom  string // "" keeps the profile's
		commune       string
		cause         *apcverr.Error // nil: accepted
		shows         []string       // in the French message
	}{
		{name: "hyphen becomes a space", profile: "ne-75-vit-92", prenoms: "Thomas Alexandre Rémi"},
		{name: "accents dropped, lower case", profile: "ne-75-vit-92", prenoms: "thomas-alexandre remi", nom: "Lemaitre"},
		{name: "second first name absent from the record: the document has a third", profile: "ne-75-vit-92", prenoms: "Thomas-Alexandre, Rémi, Louis"},
		{name: "another first name", profile: "ne-75-vit-92", prenoms: "Thomas-Alexis Rémi", cause: idmatch.ErrFirstName,
			shows: []string{"Les prénoms « Thomas-Alexis Rémi » de votre pièce d'identité ne correspondent pas", "« Thomas-Alexandre Rémi » connus de l'Assurance Maladie"}},
		{name: "another birth name", profile: "isere-solo", nom: "DURANT", cause: idmatch.ErrBirthName,
			shows: []string{"« DURANT »", "« DURAND »"}},
		{name: "Issy coded 92 on the card, 75 in the INS, born 1960", profile: "ne-issy-1960-seine", commune: "92040"},
		{name: "Paris arrondissement on the card, Paris in the record", profile: "ne-75-vit-92", commune: "75056"},
		{name: "Corsican card 2B for a 1970 birth in Ajaccio", profile: "corse-1970-code-20", commune: "2B033", cause: idmatch.ErrBirthPlace,
			shows: []string{"2B033", "20004 (Ajaccio)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			e := newEnv(t, tc.profile, issuer.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, nil)
			e.until(t, "identity")
			doc := e.prof.IdentityDocument()
			if tc.prenoms != "" {
				doc.Prenoms = tc.prenoms
			}
			if tc.nom != "" {
				doc.NomNaissance = tc.nom
			}
			if tc.commune != "" {
				doc.CommuneNaissance = tc.commune
			}
			err := e.ph.CheckIdentity(doc, true)
			if tc.cause == nil {
				if err != nil {
					t.Fatalf("refused: %v\n%s", err, apcverr.Message(err, apcverr.FR))
				}
				if err := e.step("code"); err != nil {
					t.Fatalf("next step after an accepted identity: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.cause) || !errors.Is(err, phone.ErrIdentityCheckFailed) || apcverr.Code(err) != tc.cause.Code {
				t.Fatalf("err = %v (code %s), want %s and identity-check-failed", err, apcverr.Code(err), tc.cause.Code)
			}
			msg := apcverr.Message(err, apcverr.FR)
			for _, s := range tc.shows {
				if !strings.Contains(msg, s) {
					t.Errorf("message does not show %q:\n%s", s, msg)
				}
			}
			if !strings.Contains(msg, tc.cause.FR) {
				t.Errorf("message does not say what to do:\n%s", msg)
			}
			if e.ph.State() != phone.Activating {
				t.Errorf("state %v", e.ph.State())
			}
			if err := e.step("code"); !errors.Is(err, phone.ErrActivationStep) {
				t.Errorf("code step after a refusal: %v", err)
			}
			l := logs.String()
			if !strings.Contains(l, tc.cause.Code) {
				t.Fatalf("no refusal in the issuer's log: the next check would check nothing\n%s", l)
			}
			od := e.prof.OuvrantDroit()
			for _, s := range []string{doc.Prenoms, doc.NomNaissance, od.NomFamille, od.Prenoms, od.INS.PrenomsActe, doc.CommuneNaissance, od.INS.LieuNaissance} {
				if strings.Contains(l, s) {
					t.Errorf("the issuer's log holds %q:\n%s", s, l)
				}
			}
		})
	}
}
