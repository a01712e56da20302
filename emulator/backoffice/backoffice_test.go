package backoffice_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/backoffice/backofficetest"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
)

const rppsA, rppsB = "10101234567", "10107654321"

var allGroups = []string{"AMO", "INS", "ETAT_CIVIL"}

// holder is an activated phone: its credential and device key.
type holder struct {
	got *issuer.Issued
	dev *ecdsa.PrivateKey
	fam credential.Family
}

func newIssuer(t testing.TB, dir string) (*issuer.Issuer, *clock.Fake) {
	t.Helper()
	fc := clock.NewFake(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	var iss *issuer.Issuer
	var err error
	if dir == "" {
		iss, err = issuer.New(issuer.Options{Clock: fc})
	} else {
		iss, err = issuer.Open(dir, issuer.Options{Clock: fc})
	}
	if err != nil {
		t.Fatal(err)
	}
	return iss, fc
}

// activate registers a built-in profile and runs its activation.
func activate(t testing.TB, iss *issuer.Issuer, profile string) holder {
	t.Helper()
	p, err := phone.BuiltinProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	nir := p.OuvrantDroit().NIR
	if err := iss.Register(issuer.Person{Family: p.Family, Departement: p.Departement}); err != nil {
		t.Fatal(err)
	}
	addr := "x@example.test"
	must(t, iss.CheckEligibility(nir))
	must(t, iss.SendEmailCode(nir, addr))
	code, _, _ := iss.Mailbox(addr)
	must(t, iss.VerifyEmailCode(nir, addr, code))
	dev, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ticket, err := iss.Submit(issuer.Request{NIR: nir, Email: addr, Device: issuer.DeviceInfo{OS: "android", Version: "14", Model: "Pixel"}, DeviceKey: &dev.PublicKey})
	must(t, err)
	must(t, iss.Validate(nir))
	got, err := iss.Collect(ticket)
	must(t, err)
	return holder{got: got, dev: dev, fam: got.Family}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (h holder) qr(t testing.TB, at time.Time) string {
	t.Helper()
	text, err := h.got.Held.PresentShortQR(at)
	must(t, err)
	return text
}

// desk is a professional's client: its certificate and an HTTP client
// pinning the service's roots.
type desk struct {
	cert   tls.Certificate
	psHash [32]byte
	c      *http.Client
}

func newDesk(t testing.TB, roots *x509.CertPool, cert *tls.Certificate) *desk {
	tc := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	d := &desk{}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
		d.cert, d.psHash = *cert, sha256.Sum256(cert.Leaf.Raw)
	}
	tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}
	d.c = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return d
}

func psDesk(t testing.TB, svc *backofficetest.Service, rpps string) *desk {
	c := svc.PSCert(t, rpps)
	return newDesk(t, svc.Roots, &c)
}

type answer struct {
	status int
	body   []byte
	err    service.ErrorBody
	ctype  string
}

func (d *desk) post(t testing.TB, url string, body any) (answer, error) {
	t.Helper()
	var buf []byte
	switch b := body.(type) {
	case string:
		buf = []byte(b)
	default:
		var err error
		if buf, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := d.c.Post(url, "application/json", bytes.NewReader(buf))
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type")}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, service.MaxAnswer))
	if err != nil {
		return a, err
	}
	if a.status != http.StatusOK {
		if err := json.Unmarshal(a.body, &a.err); err != nil {
			t.Fatalf("error answer %d is not JSON: %q", a.status, a.body)
		}
	}
	return a, nil
}

func (d *desk) resolve(t testing.TB, svc *backofficetest.Service, text string, groups []string) answer {
	t.Helper()
	a, err := d.post(t, svc.URL+service.PathResolve, service.ResolveRequest{QR: text, Groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantError checks an error answer: status, code, and messages from the
// catalogue's kind.
func wantError(t testing.TB, a answer, status int, kind error) {
	t.Helper()
	want := service.ErrorByCode(a.err.Code)
	if a.status != status || want == nil || !errors.Is(want, kind) || a.err.MessageFR != want.FR || a.err.MessageEN != want.EN {
		t.Errorf("answer %d %+v, want %d %v", a.status, a.err, status, kind)
	}
}

func verifier(t testing.TB, iss *issuer.Issuer, fc *clock.Fake) *credential.Verifier {
	t.Helper()
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: iss.ListAuthority(), Now: fc.Now})
	tl, err := iss.TrustList()
	must(t, err)
	must(t, v.SetTrustList(tl))
	rl, err := iss.RevocationList(fc.Now())
	must(t, err)
	must(t, v.SetRevocationList(rl))
	return v
}

// TestResolveTwoDesks: one desk resolves a code over mutual TLS and
// verifies the answer; a second desk, another professional, is refused the
// same code; both are audited with the professional and the credential id.
func TestResolveTwoDesks(t *testing.T) {
	iss, fc := newIssuer(t, "")
	h := activate(t, iss, "famille-6-drome")
	svc := backofficetest.Start(t, iss)
	a, b := psDesk(t, svc, rppsA), psDesk(t, svc, rppsB)
	text := h.qr(t, fc.Now())

	ans := a.resolve(t, svc, text, allGroups)
	if ans.status != http.StatusOK || ans.ctype != service.ContentTypeCOSE {
		t.Fatalf("resolve: %d %s %+v", ans.status, ans.ctype, ans.err)
	}
	p, err := verifier(t, iss, fc).VerifyResolution(text, ans.body, a.psHash, []credential.Group{credential.GroupAMO, credential.GroupINS, credential.GroupEtatCivil})
	if err != nil {
		t.Fatalf("VerifyResolution: %v", err)
	}
	if p.CredentialID != h.got.CredentialID || len(p.Family.Beneficiaires) != 6 || p.Family.EtatCivil == nil {
		t.Errorf("presentation %x, %d beneficiaries", p.CredentialID, len(p.Family.Beneficiaires))
	}
	// Bound to desk A's certificate: desk B cannot use A's answer.
	if _, err := verifier(t, iss, fc).VerifyResolution(text, ans.body, b.psHash, nil); !errors.Is(err, credential.ErrResolutionMismatch) {
		t.Errorf("A's answer at desk B: %v", err)
	}
	wantError(t, b.resolve(t, svc, text, allGroups), http.StatusConflict, service.ErrAlreadyResolved)
	wantError(t, a.resolve(t, svc, text, allGroups), http.StatusConflict, service.ErrAlreadyResolved)

	cid := hex.EncodeToString(h.got.CredentialID[:])
	es := svc.ReadAudit(t)
	if len(es) != 3 {
		t.Fatalf("%d audit entries, want 3: %+v", len(es), es)
	}
	for i, want := range []struct{ agent, result string }{{"ps:" + rppsA, "ok"}, {"ps:" + rppsB, "already-resolved"}, {"ps:" + rppsA, "already-resolved"}} {
		e := es[i]
		if e.Agent != want.agent || e.Result != want.result || e.Action != "service/v2/resolve" || e.Credential != cid || e.Remote != "127.0.0.1" {
			t.Errorf("audit %d: %+v, want %+v", i, e, want)
		}
	}
	noPersonalData(t, svc.AuditPath, h.fam)
}

// noPersonalData checks that the file holds no NIR (whole or as digits),
// no name and no birth date of the family.
func noPersonalData(t testing.TB, path string, fam credential.Family) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	s := strings.ToUpper(string(data))
	for _, b := range fam.Beneficiaires {
		for _, needle := range []string{string(b.NIR), string(b.NIR)[:13], b.NomFamille, strings.ToUpper(b.Prenoms), b.DateNaissance.JSON()} {
			if needle != "" && strings.Contains(s, strings.ToUpper(needle)) {
				t.Errorf("%s holds personal data (%d characters of a beneficiary's)", filepath.Base(path), len(needle))
			}
		}
	}
}

// TestRefusals: every refusal is typed, with its status and desk messages,
// and audited.
func TestRefusals(t *testing.T) {
	iss, fc := newIssuer(t, "")
	h := activate(t, iss, "isere-solo")
	svc := backofficetest.Start(t, iss)
	a := psDesk(t, svc, rppsA)
	other, err := psauth.New(psauth.Options{})
	must(t, err)
	foreign, err := other.IssuePSCert(psauth.PS{RPPS: rppsB, Name: "X"})
	must(t, err)
	now := fc.Now()
	unknown := credential.ShortQR{CID: [8]byte{9, 9, 9, 9, 9, 9, 9, 9}, Time: now}.String()
	forged, err := credential.ParseShortQR(h.qr(t, now))
	must(t, err)
	forged.Tag[0] ^= 1 // a tag not made with the credential's short QR key
	forgedTag := forged.String()

	for _, tc := range []struct {
		name   string
		desk   *desk
		path   string
		body   any
		status int
		kind   error
		agent  string
	}{
		{"no client certificate", newDesk(t, svc.Roots, nil), service.PathResolve, service.ResolveRequest{QR: h.qr(t, now)}, 401, service.ErrPSCertRefused, portal.Anonymous},
		{"another authority's certificate", newDesk(t, svc.Roots, &foreign), service.PathResolve, service.ResolveRequest{QR: h.qr(t, now)}, 401, service.ErrPSCertRefused, "unverified-ps:" + rppsB},
		{"unknown credential", a, service.PathResolve, service.ResolveRequest{QR: unknown}, 404, service.ErrUnknownCredential, "ps:" + rppsA},
		{"wrong tag", a, service.PathResolve, service.ResolveRequest{QR: forgedTag}, 403, credential.ErrDeviceBinding, "ps:" + rppsA},
		{"out of window", a, service.PathResolve, service.ResolveRequest{QR: h.qr(t, now.Add(-issuer.ShortQRWindow-time.Second))}, 410, credential.ErrQRExpired, "ps:" + rppsA},
		{"unknown group", a, service.PathResolve, service.ResolveRequest{QR: h.qr(t, now), Groups: []string{"AMO", "RIB"}}, 400, credential.ErrInvalidField, "ps:" + rppsA},
		{"full QR text", a, service.PathResolve, service.ResolveRequest{QR: "APCV1:ABC"}, 400, credential.ErrUnsupportedVersion, "ps:" + rppsA},
		{"not JSON", a, service.PathResolve, "qr=APCV2:", 400, service.ErrBadRequest, "ps:" + rppsA},
		{"unknown field", a, service.PathResolve, `{"qr":"x","nir":"1"}`, 400, service.ErrBadRequest, "ps:" + rppsA},
		{"two objects", a, service.PathResolve, `{"qr":"x"}{}`, 400, service.ErrBadRequest, "ps:" + rppsA},
		{"body too large", a, service.PathResolve, `{"qr":"` + strings.Repeat("A", service.MaxRequestBody) + `"}`, 413, credential.ErrTooLarge, "ps:" + rppsA},
		{"unknown endpoint", a, "/v2/other", `{}`, 404, service.ErrNotFound, "ps:" + rppsA},
		{"rights of nobody", a, service.PathRights, rights.Request{}, 400, service.ErrBadRequest, "ps:" + rppsA},
		{"rights bad NIR", a, service.PathRights, rights.Request{Beneficiaires: []rights.WhoJSON{{NIR: "123", DateNaissance: "1980-01-01", Rang: 1}}}, 400, credential.ErrInvalidField, "ps:" + rppsA},
		{"rights unknown", a, service.PathRights, rights.Request{Beneficiaires: []rights.WhoJSON{{NIR: "288023818506636", DateNaissance: "1988-02-28", Rang: 1}}}, 404, service.ErrUnknownBeneficiary, "ps:" + rppsA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(svc.ReadAudit(t))
			ans, err := tc.desk.post(t, svc.URL+tc.path, tc.body)
			must(t, err)
			wantError(t, ans, tc.status, tc.kind)
			es := svc.ReadAudit(t)
			if len(es) != before+1 {
				t.Fatalf("%d new audit entries, want 1", len(es)-before)
			}
			if e := es[len(es)-1]; e.Agent != tc.agent || e.Status != tc.status || e.Result != service.ErrorByCode(ans.err.Code).Code {
				t.Errorf("audit: %+v", e)
			}
		})
	}
	// GET: 405 with Allow.
	resp, err := a.c.Get(svc.URL + service.PathResolve)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// A professional revoked at the authority: 403, audited with the RPPS.
	svc.Revoke(rppsA)
	ans := a.resolve(t, svc, h.qr(t, now), nil)
	wantError(t, ans, 403, service.ErrPSRevoked)
	if es := svc.ReadAudit(t); es[len(es)-1].Agent != "ps:"+rppsA || es[len(es)-1].Result != "ps-revoked" {
		t.Errorf("revoked PS audit: %+v", es[len(es)-1])
	}
	noPersonalData(t, svc.AuditPath, h.fam)
}

// TestRightsPerProfile: the rights of every beneficiary of every built-in
// profile, over the wire, are the issuer's (derived, or explicit).
func TestRightsPerProfile(t *testing.T) {
	iss, _ := newIssuer(t, "")
	svc := backofficetest.Start(t, iss)
	a := psDesk(t, svc, rppsA)
	seen := map[string]bool{}
	for _, name := range phone.Profiles() {
		p, err := phone.BuiltinProfile(name)
		must(t, err)
		must(t, iss.Register(issuer.Person{Family: p.Family, Departement: p.Departement, Rights: p.Rights}))
		var req rights.Request
		var who []rights.Who
		for _, b := range p.Family.Beneficiaires {
			who = append(who, rights.WhoOf(b))
			req.Beneficiaires = append(req.Beneficiaires, rights.WhoJSONOf(rights.WhoOf(b)))
		}
		ans, err := a.post(t, svc.URL+service.PathRights, req)
		must(t, err)
		if ans.status != 200 || !strings.HasPrefix(ans.ctype, "application/json") {
			t.Fatalf("%s: %d %+v", name, ans.status, ans.err)
		}
		var got rights.Answer
		must(t, json.Unmarshal(ans.body, &got))
		want, err := iss.Rights(who)
		must(t, err)
		if len(got.Rights) != len(want) {
			t.Fatalf("%s: %d rights, want %d", name, len(got.Rights), len(want))
		}
		for i, j := range got.Rights {
			r, err := j.Rights()
			if err != nil {
				t.Fatalf("%s[%d]: %v", name, i, err)
			}
			if r.NIR != who[i].NIR || r.Rang != who[i].Rang || !r.OpenOn(credential.Date{Year: 2026, Month: 12, Day: 6}) {
				t.Errorf("%s[%d]: %+v", name, i, r)
			}
			if jw := rights.JSONOf(want[i]); !jsonEqual(j, jw) {
				t.Errorf("%s[%d]: wire %+v, issuer %+v", name, i, j, jw)
			}
			seen[kindOf(r)] = true
		}
	}
	for _, k := range []string{"c2s", "amc", "none", "exoneration", "no-mt"} {
		if !seen[k] {
			t.Errorf("no profile's rights show %s", k)
		}
	}
	noPersonalData(t, svc.AuditPath, credential.Family{})
	if data, _ := os.ReadFile(svc.AuditPath); bytes.Contains(data, []byte(`"nir"`)) {
		t.Error("a NIR field in the audit log")
	}
}

func kindOf(r rights.Rights) string {
	switch {
	case r.Exoneration != nil:
		return "exoneration"
	case !r.MedecinTraitant:
		return "no-mt"
	case r.C2S != nil:
		return "c2s"
	case r.AMC != nil:
		return "amc"
	}
	return "none"
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestFaults: each fault, set at run time, then cleared.
func TestFaults(t *testing.T) {
	iss, fc := newIssuer(t, "")
	h := activate(t, iss, "isere-solo")
	svc := backofficetest.Start(t, iss)
	a := psDesk(t, svc, rppsA)
	next := func() string { fc.Advance(time.Second); return h.qr(t, fc.Now()) }

	t.Run("down", func(t *testing.T) {
		svc.SetFault(backoffice.Fault{Down: true})
		defer svc.SetFault(backoffice.Fault{})
		wantError(t, a.resolve(t, svc, next(), nil), 503, service.ErrServiceUnavailable)
	})
	t.Run("unreachable", func(t *testing.T) {
		svc.SetFault(backoffice.Fault{Unreachable: true})
		defer svc.SetFault(backoffice.Fault{})
		d := psDesk(t, svc, rppsA) // a new connection
		if _, err := d.post(t, svc.URL+service.PathResolve, service.ResolveRequest{QR: next()}); err == nil {
			t.Error("a request went through an unreachable service")
		}
		// a, connected before the fault, is cut too.
		if _, err := a.post(t, svc.URL+service.PathResolve, service.ResolveRequest{QR: next()}); err == nil {
			t.Error("a kept-alive connection went through an unreachable service")
		}
	})
	t.Run("slow", func(t *testing.T) {
		svc.SetFault(backoffice.Fault{Delay: 2 * time.Second})
		defer svc.SetFault(backoffice.Fault{})
		d := psDesk(t, svc, rppsA)
		d.c.Timeout = 300 * time.Millisecond
		_, err := d.post(t, svc.URL+service.PathResolve, service.ResolveRequest{QR: next()})
		if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "Timeout") {
			t.Errorf("slow service within the client's deadline: %v", err)
		}
	})
	t.Run("wrong server certificate", func(t *testing.T) {
		svc.SetFault(backoffice.Fault{WrongCert: true})
		defer svc.SetFault(backoffice.Fault{})
		d := psDesk(t, svc, rppsA)
		_, err := d.post(t, svc.URL+service.PathResolve, service.ResolveRequest{QR: next()})
		var ua x509.UnknownAuthorityError
		if !errors.As(err, &ua) {
			t.Errorf("wrong certificate: %v, want an unknown authority", err)
		}
	})
	t.Run("revoked PS", func(t *testing.T) {
		svc.SetFault(backoffice.Fault{RevokedPS: true})
		defer svc.SetFault(backoffice.Fault{})
		wantError(t, a.resolve(t, svc, next(), nil), 403, service.ErrPSRevoked)
	})
	t.Run("skew", func(t *testing.T) {
		svc.SetFault(backoffice.Fault{Skew: 45 * time.Second})
		defer svc.SetFault(backoffice.Fault{})
		text := next()
		ans := a.resolve(t, svc, text, nil)
		if ans.status != 200 {
			t.Fatalf("%d %+v", ans.status, ans.err)
		}
		if _, err := verifier(t, iss, fc).VerifyResolution(text, ans.body, a.psHash, nil); !errors.Is(err, credential.ErrServiceClockSkew) {
			t.Errorf("skewed service: %v", err)
		}
	})
	// Cleared: the service answers again.
	if ans := a.resolve(t, svc, next(), nil); ans.status != 200 {
		t.Errorf("after the faults: %d %+v", ans.status, ans.err)
	}
}

func TestParseFault(t *testing.T) {
	for in, want := range map[string]backoffice.Fault{
		"":                      {},
		"none":                  {},
		"down":                  {Down: true},
		"slow=2s,wrong-cert":    {Delay: 2 * time.Second, WrongCert: true},
		"skew=-45s,revoked-ps":  {Skew: -45 * time.Second, RevokedPS: true},
		"unreachable , skew=1m": {Unreachable: true, Skew: time.Minute},
	} {
		got, err := backoffice.ParseFault(in)
		if err != nil || got != want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if again, err := backoffice.ParseFault(got.String()); err != nil || again != got {
			t.Errorf("String %q does not parse back: %+v, %v", got.String(), again, err)
		}
	}
	for _, bad := range []string{"slow", "slow=0s", "slow=-1s", "skew=0s", "down=1s", "crash", "skew=48h"} {
		if _, err := backoffice.ParseFault(bad); !errors.Is(err, backoffice.ErrBadFault) {
			t.Errorf("ParseFault(%q): %v", bad, err)
		}
	}
}

// TestSingleUseAcrossRestart: a code resolved before a restart of the
// service (issuer state reopened from disk) is refused after it.
func TestSingleUseAcrossRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	iss, fc := newIssuer(t, dir)
	h := activate(t, iss, "isere-solo")
	svc := backofficetest.Start(t, iss)
	text := h.qr(t, fc.Now())
	if ans := psDesk(t, svc, rppsA).resolve(t, svc, text, nil); ans.status != 200 {
		t.Fatalf("%d %+v", ans.status, ans.err)
	}
	svc.Close()
	again, err := issuer.Open(dir, issuer.Options{Clock: fc})
	must(t, err)
	svc2 := backofficetest.Start(t, again)
	wantError(t, psDesk(t, svc2, rppsB).resolve(t, svc2, text, nil), 409, service.ErrAlreadyResolved)
}

// TestCloseNoLeak: Close ends every goroutine, a slow answer in progress
// included.
func TestCloseNoLeak(t *testing.T) {
	t.Run("audit synced each", func(t *testing.T) { testCloseNoLeak(t) })
	t.Run("audit synced every 50ms", func(t *testing.T) {
		testCloseNoLeak(t, backofficetest.WithAuditSyncInterval(50*time.Millisecond))
	})
}

func testCloseNoLeak(t *testing.T, opts ...backofficetest.Option) {
	iss, fc := newIssuer(t, "")
	h := activate(t, iss, "isere-solo")
	before := runtime.NumGoroutine()
	svc := backofficetest.Start(t, iss, opts...)
	a := psDesk(t, svc, rppsA)
	if ans := a.resolve(t, svc, h.qr(t, fc.Now()), nil); ans.status != 200 {
		t.Fatalf("%d %+v", ans.status, ans.err)
	}
	svc.SetFault(backoffice.Fault{Delay: time.Hour})
	errc := make(chan error, 1)
	go func() {
		_, err := a.post(t, svc.URL+service.PathRights, rights.Request{})
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond) // the request waits in the slow fault
	start := time.Now()
	svc.Close()
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Close took %v with a slow answer in progress", d)
	}
	<-errc
	if es := svc.ReadAudit(t); len(es) != 1 || es[0].Result != "ok" {
		t.Errorf("audit after Close: %+v", es) // the slow request ended without an answer
	}
	a.c.Transport.(*http.Transport).CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestLogsNoPersonalData: the issuer's and the service's logs, at debug
// level, hold no personal data of the patients after resolves, rights and
// refusals.
func TestLogsNoPersonalData(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&syncBuffer{b: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fc := clock.NewFake(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	iss, err := issuer.New(issuer.Options{Clock: fc, Logger: logger})
	must(t, err)
	h := activate(t, iss, "famille-6-drome")
	svc := backofficetest.Start(t, iss, backofficetest.WithLogger(logger))
	a := psDesk(t, svc, rppsA)
	text := h.qr(t, fc.Now())
	a.resolve(t, svc, text, allGroups)
	a.resolve(t, svc, text, allGroups)
	var req rights.Request
	for _, b := range h.fam.Beneficiaires {
		req.Beneficiaires = append(req.Beneficiaires, rights.WhoJSONOf(rights.WhoOf(b)))
	}
	if _, err := a.post(t, svc.URL+service.PathRights, req); err != nil {
		t.Fatal(err)
	}
	svc.Revoke(rppsA)
	a.resolve(t, svc, h.qr(t, fc.Now().Add(time.Second)), nil)
	svc.Close()
	path := filepath.Join(t.TempDir(), "log")
	must(t, os.WriteFile(path, logs.Bytes(), 0o600))
	if !strings.Contains(logs.String(), "short QR resolved") || !strings.Contains(logs.String(), "professional refused") {
		t.Errorf("the log misses the events:\n%s", logs.String())
	}
	noPersonalData(t, path, h.fam)
}

type syncBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// TestConcurrentDesks: twelve desks, each its own professional and
// connection, send the same code at once: one resolution, eleven
// already-resolved, twelve audit entries.
func TestConcurrentDesks(t *testing.T) {
	iss, fc := newIssuer(t, "")
	h := activate(t, iss, "famille-6-drome")
	svc := backofficetest.Start(t, iss, backofficetest.WithAuditSyncInterval(5*time.Millisecond))
	text := h.qr(t, fc.Now())
	const n = 12
	desks := make([]*desk, n)
	for i := range desks {
		desks[i] = psDesk(t, svc, fmt.Sprintf("1010000%04d", i))
	}
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for _, d := range desks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := d.post(t, svc.URL+service.PathResolve, service.ResolveRequest{QR: text, Groups: allGroups})
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- a.status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Errorf("statuses %v, want one 200 and %d 409", count, n-1)
	}
	if es := svc.ReadAudit(t); len(es) != n {
		t.Errorf("%d audit entries, want %d", len(es), n)
	}
}
