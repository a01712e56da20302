package portal_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
)

// FuzzPersonRequest feeds arbitrary bodies to every person endpoint as an
// habilité agent: the answer is always one of the documented statuses, with
// a JSON body, and the audit log never holds the NIR in clear.
func FuzzPersonRequest(f *testing.F) {
	for _, s := range []string{
		`{"nir":"288023818506636","reason":"perte"}`,
		`{"nir":"2 88 02 38 185 066 36"}`,
		`{"nir":"288023818506600","reason":"x"}`,
		`{"nir":"1790692012345","reason":"x"}`,
		`{"nir":288023818506636}`,
		`{"nir":"288023818506636","reason":"\u0000\n"}`,
		`{"nir":"288023818506636","extra":1}`,
		`[]`, `null`, ``, `{`, `{"nir":"` + strings.Repeat("9", 5000) + `"}`,
	} {
		f.Add(uint8(0), s)
	}
	fc := clock.NewFake(start)
	iss, err := issuer.New(issuer.Options{Clock: fc})
	if err != nil {
		f.Fatal(err)
	}
	prof, _ := phone.BuiltinProfile("isere-solo")
	ph, err := phone.New(prof, phone.Options{Issuer: iss, Clock: fc})
	if err != nil {
		f.Fatal(err)
	}
	if err := ph.Activate(secretCode); err != nil {
		f.Fatal(err)
	}
	tok, hash, _ := portal.NewToken(nil)
	dir := f.TempDir()
	h, err := portal.New(portal.Config{Backend: iss, StateDir: dir, Clock: fc,
		Agents: []portal.Agent{{ID: "h", Role: portal.RoleHabilite, TokenSHA256: hash}}})
	if err != nil {
		f.Fatal(err)
	}
	defer h.Close()
	actions := []string{"view", "revoke-app", "block", "unblock"}
	allowed := map[int]bool{200: true, 400: true, 404: true, 409: true, 413: true}
	f.Fuzz(func(t *testing.T, act uint8, body string) {
		req := httptest.NewRequest("POST", "/v1/person/"+actions[int(act)%len(actions)], strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q", ct)
		}
		es, _, err := portal.ReadAuditLog(h.AuditLog().Path())
		if err != nil || len(es) == 0 {
			t.Fatal(err)
		}
		if e := es[len(es)-1]; strings.Contains(e.NIR, "38185066") || strings.Contains(e.NIR, "38 185 066") {
			t.Fatalf("audit NIR %q not masked", e.NIR)
		}
		fc.Advance(time.Second)
		_ = http.StatusOK
	})
}
