package web

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/examples/internal/agenttest"
	"github.com/apcvkit/apcvkit/nfc"
)

func TestMain(m *testing.M) { agenttest.Main(m) }

// pages serves this directory (the desk page) on two loopback origins: the
// one the agent allows and another one.
type pages struct {
	allowed, other *httptest.Server
}

func servePages(t *testing.T) pages {
	h := http.FileServer(http.Dir("."))
	p := pages{allowed: httptest.NewServer(h), other: httptest.NewServer(h)}
	t.Cleanup(p.allowed.Close)
	t.Cleanup(p.other.Close)
	return p
}

// artefact returns where the test writes a file worth keeping: under
// $APCV_TEST_ARTEFACTS when set (CI keeps that directory), else in the
// test's temporary directory.
func artefact(t *testing.T, name string) string {
	dir := os.Getenv("APCV_TEST_ARTEFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	return filepath.Join(dir, "examples-web", strings.ReplaceAll(t.Name(), "/", "_")+"-"+name)
}

// TestDeskPage drives the desk page in one headless chromium: against an
// agent reading the in-memory emulated phone and, through pcscd and vpcd, a
// phone served by `apcv emulate`; a read that succeeds (identity shown
// masked, shown in full only on "Afficher", events streamed), a refusal (the
// French desk message), and the page from an origin the agent does not
// allow (refused by CORS).
func TestDeskPage(t *testing.T) {
	b := startBrowser(t)
	pg := servePages(t)

	t.Run("emulate/read", func(t *testing.T) {
		a := agenttest.StartAgent(t, agenttest.Options{Emulate: "famille-6-drome", Origins: []string{pg.allowed.URL}})
		deskRead(t, b, pg.allowed.URL, a, "famille-6-drome")
	})
	t.Run("emulate/revoked", func(t *testing.T) {
		cfg := agenttest.Config(t, map[string]any{"emulate": map[string]any{"profile": "isere-solo", "revoked": true}})
		a := agenttest.StartAgent(t, agenttest.Options{Config: cfg, Origins: []string{pg.allowed.URL}})
		deskRefused(t, b, pg.allowed.URL, a, nfc.ErrAppRevoked.Code, nfc.ErrAppRevoked.FR, nfc.ErrAppRevoked.EN)
	})
	t.Run("emulate/cancel", func(t *testing.T) {
		cfg := agenttest.Config(t, map[string]any{"emulate": map[string]any{"profile": "isere-solo", "absent": true}})
		a := agenttest.StartAgent(t, agenttest.Options{Config: cfg, Origins: []string{pg.allowed.URL}, Debug: true})
		deskCancel(t, b, pg.allowed.URL, a)
	})
	t.Run("emulate/forbidden-origin", func(t *testing.T) {
		a := agenttest.StartAgent(t, agenttest.Options{Emulate: "isere-solo", Origins: []string{pg.allowed.URL}, Debug: true})
		deskForbidden(t, b, pg.other.URL, a)
	})
	t.Run("pcsc/read", func(t *testing.T) {
		ph := agenttest.PCSCPhone(t, "famille-6-drome")
		a := agenttest.StartAgent(t, agenttest.Options{PCSC: ph.Reader, Lists: ph.Lists, Origins: []string{pg.allowed.URL}})
		deskRead(t, b, pg.allowed.URL, a, "famille-6-drome")
	})
	t.Run("pcsc/locked", func(t *testing.T) {
		ph := agenttest.PCSCPhone(t, "isere-solo", "--locked")
		a := agenttest.StartAgent(t, agenttest.Options{PCSC: ph.Reader, Lists: ph.Lists, Origins: []string{pg.allowed.URL}})
		deskRefused(t, b, pg.allowed.URL, a, nfc.ErrAppLocked.Code, nfc.ErrAppLocked.FR, nfc.ErrAppLocked.EN)
	})
}

// openPaired opens the page from origin, pastes the agent's token and
// pairs; it waits until the page says it is paired and its event stream is
// connected.
func openPaired(ctx context.Context, t *testing.T, b *browser, origin string, a *agenttest.Agent) *page {
	t.Helper()
	p := b.newPage(ctx, t)
	p.navigate(ctx, t, origin+"/index.html?agent="+a.URL)
	p.waitTrue(ctx, t, `document.getElementById("status").dataset.state === "unpaired"`)
	p.mustEval(ctx, t, fmt.Sprintf(`document.getElementById("token").value = %q; document.getElementById("pair").click()`, a.Token), nil)
	p.waitTrue(ctx, t, `document.getElementById("status").dataset.state === "paired"`)
	p.waitTrue(ctx, t, `document.getElementById("events-state").dataset.state === "on"`)
	var tok string
	p.mustEval(ctx, t, `document.getElementById("token").value`, &tok)
	if tok != "" {
		t.Error("the token field still holds the token after pairing")
	}
	return p
}

// bodyText returns the text the page shows, failing the test if a message
// is missing from the page's tables: a status without its sentence, or
// "undefined".
func bodyText(ctx context.Context, t *testing.T, p *page) string {
	t.Helper()
	var s struct{ Body, Status, State string }
	p.mustEval(ctx, t, `({body: document.body.innerText, status: document.getElementById("status").textContent,
		state: document.getElementById("status").dataset.state})`, &s)
	if strings.TrimSpace(s.Status) == "" || strings.Contains(s.Body, "undefined") {
		t.Errorf("the page shows no sentence for its status %q, or \"undefined\":\n%s", s.State, s.Body)
	}
	return s.Body
}

// deskRead pairs, reads, and checks what the page shows of profile's
// family: masked, then in full after "Afficher", masked again after
// "Masquer"; the events of the read in the live list; a screenshot.
func deskRead(t *testing.T, b *browser, origin string, a *agenttest.Agent, profile string) {
	ctx := agenttest.Context(t, 90*time.Second)
	prof, err := phone.BuiltinProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	fam := prof.Family.Beneficiaires
	p := openPaired(ctx, t, b, origin, a)
	p.mustEval(ctx, t, `document.getElementById("read").click()`, nil)
	p.waitTrue(ctx, t, `document.getElementById("status").dataset.state === "identity"`)
	var rows int
	p.mustEval(ctx, t, `document.querySelectorAll("#beneficiaires tr").length`, &rows)
	if rows != len(fam) {
		t.Errorf("the page shows %d beneficiaries, the profile has %d", rows, len(fam))
	}

	masked := bodyText(ctx, t, p)
	for _, ben := range fam {
		for _, want := range []string{ben.NIR.Masked(), credential.MaskName(ben.NomFamille), credential.MaskName(ben.Prenoms), fmt.Sprintf("%04d-**-**", ben.DateNaissance.Year)} {
			if !strings.Contains(masked, want) {
				t.Errorf("the page lacks the masked %q", want)
			}
		}
		for _, pii := range personalData(ben) {
			if strings.Contains(masked, pii) {
				t.Errorf("the page shows %q before the user asked to show the data", pii)
			}
		}
	}
	// The live list shows the read's events, without personal data.
	p.waitTrue(ctx, t, `document.querySelector('#events li[data-type="identity"]')`)
	var events []string
	p.mustEval(ctx, t, `Array.from(document.querySelectorAll("#events li")).map(li => li.dataset.type)`, &events)
	t.Logf("events: %v", events)
	if !strings.Contains(strings.Join(events, " "), "reading") {
		t.Errorf("no reading event in the live list: %v", events)
	}
	shot := p.screenshot(ctx, t, artefact(t, "identity.png"))
	checkScreenshot(t, shot, artefact(t, "identity.png"))

	// "Afficher": the data in full; "Masquer": masked again.
	p.mustEval(ctx, t, `document.getElementById("show").click()`, nil)
	p.waitTrue(ctx, t, `document.getElementById("identity").dataset.masked === "false"`)
	shown := bodyText(ctx, t, p)
	od := prof.OuvrantDroit()
	for _, want := range []string{od.NIR.Format(), od.NomFamille, od.Prenoms} {
		if !strings.Contains(shown, want) {
			t.Errorf("after Afficher the page lacks %q", want)
		}
	}
	p.mustEval(ctx, t, `document.getElementById("show").click()`, nil)
	p.waitTrue(ctx, t, `document.getElementById("identity").dataset.masked === "true"`)
	if again := bodyText(ctx, t, p); strings.Contains(again, od.NIR.Format()) {
		t.Error("after Masquer the page still shows the NIR")
	}
	if c := p.Console(); hasError(c) {
		t.Errorf("the page logged errors:\n%s", strings.Join(c, "\n"))
	}
}

// personalData is what the masked page must not show of ben.
func personalData(ben credential.Beneficiary) []string {
	out := []string{string(ben.NIR), ben.NIR.Format(), ben.NomFamille, ben.Prenoms,
		fmt.Sprintf("%04d-%02d-%02d", ben.DateNaissance.Year, ben.DateNaissance.Month, ben.DateNaissance.Day)}
	if ben.NomUsage != "" {
		out = append(out, ben.NomUsage)
	}
	return out
}

func hasError(lines []string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, "error:") || strings.HasPrefix(l, "exception:") || strings.HasPrefix(l, "log error:") {
			return true
		}
	}
	return false
}

// deskRefused pairs, reads, and checks the refusal: the desk message in
// French, then in English after the switch, and the refused event.
func deskRefused(t *testing.T, b *browser, origin string, a *agenttest.Agent, code, fr, en string) {
	ctx := agenttest.Context(t, 90*time.Second)
	p := openPaired(ctx, t, b, origin, a)
	p.mustEval(ctx, t, `document.getElementById("read").click()`, nil)
	p.waitTrue(ctx, t, `document.getElementById("status").dataset.state === "refused"`)
	var got struct{ Text, Code string }
	p.mustEval(ctx, t, `({text: document.getElementById("refusal").innerText, code: document.getElementById("refusal").dataset.code})`, &got)
	if got.Text != fr || got.Code != code {
		t.Errorf("refusal shows %q (code %q), want %q (code %q)", got.Text, got.Code, fr, code)
	}
	p.waitTrue(ctx, t, fmt.Sprintf(`document.querySelector('#events li[data-type="refused"][data-code=%q]')`, code))
	var ev string
	p.mustEval(ctx, t, `document.querySelector('#events li[data-type="refused"]').innerText`, &ev)
	if !strings.Contains(ev, fr) {
		t.Errorf("the refused event reads %q, without the desk message %q", ev, fr)
	}
	bodyText(ctx, t, p)
	shot := p.screenshot(ctx, t, artefact(t, "refused.png"))
	checkScreenshot(t, shot, artefact(t, "refused.png"))
	p.mustEval(ctx, t, `document.getElementById("lang-en").click()`, nil)
	p.mustEval(ctx, t, `document.getElementById("refusal").innerText`, &got.Text)
	if got.Text != en {
		t.Errorf("in English the refusal shows %q, want %q", got.Text, en)
	}
}

// deskCancel starts a read that nothing answers (the patient never
// presents the phone), cancels it with the page's "Annuler", and checks
// that the agent freed the reader: the next read waits (status reading)
// instead of being refused as busy (409).
func deskCancel(t *testing.T, b *browser, origin string, a *agenttest.Agent) {
	ctx := agenttest.Context(t, 60*time.Second)
	p := openPaired(ctx, t, b, origin, a)
	for i := range 2 {
		p.mustEval(ctx, t, `document.getElementById("read").click()`, nil)
		p.waitTrue(ctx, t, `document.getElementById("status").dataset.state === "reading"`)
		var label string
		p.mustEval(ctx, t, `document.getElementById("read").textContent`, &label)
		if label != "Annuler" {
			t.Errorf("read %d: while reading the button reads %q, want Annuler", i, label)
		}
		// Cancel once the agent is waiting for this read (its debug log
		// says so): cancelled earlier, the request may never reach it,
		// and it would log no client gone.
		for deadline := time.Now().Add(10 * time.Second); strings.Count(a.Log.String(), "agent: read: waiting") < i+1; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("read %d: the agent did not log the read waiting:\n%s", i, a.Log)
			}
		}
		p.mustEval(ctx, t, `document.getElementById("read").click()`, nil)
		p.waitTrue(ctx, t, `document.getElementById("status").dataset.state === "cancelled"`)
		// The agent saw the client go and cancelled its read.
		for deadline := time.Now().Add(10 * time.Second); strings.Count(a.Log.String(), "client gone") < i+1; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("read %d: the agent did not log the client gone:\n%s", i, a.Log)
			}
		}
	}
	bodyText(ctx, t, p)
	var refusal string
	p.mustEval(ctx, t, `document.getElementById("refusal").hidden ? "" : document.getElementById("refusal").innerText`, &refusal)
	if refusal != "" {
		t.Errorf("after two cancelled reads the page shows the refusal %q (busy?)", refusal)
	}
}

// deskForbidden opens the page from an origin the agent does not allow:
// pairing fails as the browser's CORS check refuses the agent's answer, the
// page says so, and the agent logged the refused origin.
func deskForbidden(t *testing.T, b *browser, origin string, a *agenttest.Agent) {
	ctx := agenttest.Context(t, 60*time.Second)
	p := b.newPage(ctx, t)
	p.navigate(ctx, t, origin+"/index.html?agent="+a.URL)
	p.mustEval(ctx, t, fmt.Sprintf(`document.getElementById("token").value = %q; document.getElementById("pair").click()`, a.Token), nil)
	p.waitTrue(ctx, t, `document.getElementById("status").dataset.state === "network-error"`)
	var refusal string
	p.mustEval(ctx, t, `document.getElementById("refusal").innerText`, &refusal)
	bodyText(ctx, t, p)
	if !strings.Contains(refusal, "origine non autorisée") {
		t.Errorf("the page shows %q, not the French message of a refused origin", refusal)
	}
	// Chromium says why in the console: the CORS check.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(strings.Join(p.Console(), "\n"), "CORS") {
		if time.Now().After(deadline) {
			t.Fatalf("the browser's console does not mention CORS:\n%s", strings.Join(p.Console(), "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	var stored bool
	p.mustEval(ctx, t, `Object.keys(sessionStorage).length + Object.keys(localStorage).length > 0`, &stored)
	if stored {
		t.Error("the page stored the token although pairing failed")
	}
	a.Log.WaitFor(t, origin, 5*time.Second)
}

// checkScreenshot fails the test unless shot is a PNG of the page's size
// with the page drawn: the header's blue band and more than a few colours.
func checkScreenshot(t *testing.T, shot []byte, path string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	bounds := img.Bounds()
	if bounds.Dx() < 640 || bounds.Dy() < 400 {
		t.Errorf("screenshot %s is %v", path, bounds)
	}
	colours := map[color.RGBA]int{}
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 3 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 3 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}]++
		}
	}
	if len(colours) < 16 {
		t.Errorf("screenshot %s has %d colours: blank?", path, len(colours))
	}
	if !isHeaderBlue(img.At(bounds.Min.X+5, bounds.Min.Y+5)) {
		t.Errorf("screenshot %s: the top-left pixel is %v, not the header's blue", path, img.At(bounds.Min.X+5, bounds.Min.Y+5))
	}
	t.Logf("screenshot: %s (%dx%d, %d colours, %d bytes)", path, bounds.Dx(), bounds.Dy(), len(colours), len(shot))
}

func isHeaderBlue(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 < 16 && g>>8 < 16 && b>>8 > 0x80 // #000091
}
