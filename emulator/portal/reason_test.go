package portal_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/portal"
)

// TestReasonKeepsNoPersonalData: what an agent types reaches the audit log
// only as a reason code from the documented list and a note with every
// NIR-shaped number and every name of the person removed.
func TestReasonKeepsNoPersonalData(t *testing.T) {
	w := newWorld(t)
	prof := w.ph.Profile()
	od := prof.OuvrantDroit()
	if od.NomFamille != "DURAND" || od.Prenoms != "Camille" {
		t.Fatalf("profile changed: %s %s", od.NomFamille, od.Prenoms)
	}
	nirSpaced := w.nir.Format()      // 2 88 02 38 185 066 36
	nirBody := string(w.nir)[:13]    // without its key
	other := "1 85 05 2A 006 084 35" // someone else's NIR, Corsica
	otherGlued := "185052a006084"    // 13 characters, lower-case 2a
	secrets := []string{string(w.nir), nirSpaced, nirBody, "185052A006084", "2A 006 084", "DURAND", "Durand", "durand", "Camille", "CAMILLE"}

	post := func(body map[string]string) (int, portal.AuditEntry) {
		b, _ := json.Marshal(body)
		a := w.do("POST", "/v1/person/block", w.habilite, string(b))
		return a.status, w.lastAudit()
	}

	// The old free-text reason, with the person's name and NIR: refused,
	// and not stored.
	st, e := post(map[string]string{"nir": string(w.nir), "reason": "Mme DURAND NIR " + nirSpaced + " a perdu son téléphone"})
	if st != 400 || e.Result != portal.ErrBadReason.Code {
		t.Errorf("free-text reason: %d, audit %+v", st, e)
	}

	// A code and a note full of personal data: accepted, the note scrubbed.
	for _, note := range []string{
		"Mme DURAND Camille NIR " + nirSpaced + " a appelé",
		"durand camille, nir " + string(w.nir) + ", demande faite par son conjoint " + other,
		"NIR sans clé " + nirBody + " / " + otherGlued + " / 1.85.05.2A.006.084",
		"Mme Durand-Camille (" + nirBody[:1] + " " + nirBody[1:3] + " " + nirBody[3:5] + " " + nirBody[5:7] + " " + nirBody[7:10] + " " + nirBody[10:13] + ")",
	} {
		st, e := post(map[string]string{"nir": string(w.nir), "reason": "device-lost", "note": note})
		if st != 200 {
			t.Fatalf("note %q: status %d", note, st)
		}
		if e.Reason != "device-lost" || e.Note == "" || e.Phase != portal.PhaseOutcome {
			t.Errorf("audit %+v", e)
		}
		for _, s := range secrets {
			if strings.Contains(strings.ToLower(e.Note), strings.ToLower(s)) {
				t.Errorf("note %q stored as %q: still holds %q", note, e.Note, s)
			}
		}
		if strings.Count(e.Note, "[NIR]") < 1 {
			t.Errorf("note %q stored as %q: no [NIR] marker", note, e.Note)
		}
		w.do("POST", "/v1/person/unblock", w.habilite, `{"nir":"`+string(w.nir)+`","reason":"agent-error"}`)
	}
	// The words around the personal data stay.
	_, e = post(map[string]string{"nir": string(w.nir), "reason": "user-request", "note": "Mme DURAND a appelé le 3/11, ticket 4521"})
	if e.Note != "Mme [nom] a appelé le 3/11, ticket 4521" {
		t.Errorf("note stored as %q", e.Note)
	}

	raw, err := os.ReadFile(w.h.AuditLog().Path())
	if err != nil {
		t.Fatal(err)
	}
	// (The test agent's id, h-durand, is not the person's name.)
	log := strings.ReplaceAll(string(raw), `"agent":"h-durand"`, "")
	for _, s := range secrets {
		if strings.Contains(strings.ToLower(log), strings.ToLower(s)) {
			t.Errorf("audit log holds %q", s)
		}
	}
}

// TestReasonCodes: every documented code is accepted for an action; "other"
// needs a note; an unknown code is refused with its own error.
func TestReasonCodes(t *testing.T) {
	w := newWorld(t)
	for _, c := range portal.ReasonCodes {
		a := w.do("POST", "/v1/person/block", w.habilite, `{"nir":"`+string(w.nir)+`","reason":"`+c.Code+`","note":"x"}`)
		if a.status != 200 {
			t.Errorf("%s: %d %s", c.Code, a.status, a.body)
		}
		if c.FR == "" || c.EN == "" {
			t.Errorf("%s: no label", c.Code)
		}
	}
	for _, tc := range []struct{ body, code string }{
		{`"reason":"other"`, portal.ErrBadReason.Code},
		{`"reason":"other","note":"  "`, portal.ErrBadReason.Code},
		{`"reason":"perte"`, portal.ErrBadReason.Code},
		{`"reason":"device-lost","note":"` + strings.Repeat("é", portal.MaxReason+1) + `"`, portal.ErrBadReason.Code},
		{`"reason":""`, portal.ErrNoReason.Code},
	} {
		a := w.do("POST", "/v1/person/unblock", w.habilite, `{"nir":"`+string(w.nir)+`",`+tc.body+`}`)
		if a.status != 400 || a.errCode(t) != tc.code {
			t.Errorf("%s: %d %s, want 400 %s", tc.body, a.status, a.body, tc.code)
		}
	}
	if a := w.do("POST", "/v1/person/unblock", w.habilite, `{"nir":"`+string(w.nir)+`","reason":"other","note":"`+strings.Repeat("é", portal.MaxReason)+`"}`); a.status != 200 {
		t.Errorf("note of MaxReason characters: %d %s", a.status, a.body)
	}
}

func TestScrubNote(t *testing.T) {
	names := []string{"LE GOFF", "Jean-Noël", "Hélène"}
	for _, tc := range []struct{ in, want string }{
		{"2 88 02 38 185 066 36", "[NIR]"},
		{"288023818506636", "[NIR]"},
		{"2880238185066", "[NIR]"},
		{"NIR:288023818506636.", "NIR:[NIR]."},
		{"nir2880238185066 fin", "nir[NIR] fin"},
		{"1 85 05 2A 006 084 35 et 1-85-05-2b-006-084", "[NIR] et [NIR]"},
		{"1.85.05.2A.006.084.35", "[NIR]"},
		{"28802381850663,288023818506636", "28802381850663,[NIR]"}, // 14 digits: not NIR-shaped
		{"2880238185066361", "2880238185066361"},                   // 16 digits
		{"ticket 4521, tel 06 12 34 56 78", "ticket 4521, tel 06 12 34 56 78"},
		{"M. Le Goff (jean-noel), HELENE", "M. [nom] [nom] ([nom]-[nom]), [nom]"},
		{"Goffin Hélèneville", "Goffin Hélèneville"},
		{"a\x00b\nc", "abc"},
	} {
		if got := portal.ScrubNote(tc.in, names); got != tc.want {
			t.Errorf("ScrubNote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
