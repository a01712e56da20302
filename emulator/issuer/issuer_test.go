package issuer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/internal/permtest"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func newIssuer(t testing.TB, opts issuer.Options) (*issuer.Issuer, *clock.Fake) {
	t.Helper()
	fc := clock.NewFake(t0)
	opts.Clock = fc
	iss, err := issuer.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return iss, fc
}

// register adds a built-in profile's person and returns the ouvrant droit's NIR.
func register(t testing.TB, iss *issuer.Issuer, name string) credential.NIR {
	t.Helper()
	p, err := phone.BuiltinProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.Register(issuer.Person{Family: p.Family, Departement: p.Departement}); err != nil {
		t.Fatal(err)
	}
	return p.OuvrantDroit().NIR
}

// activate runs the server side of an activation and returns what the phone collects.
func activate(t testing.TB, iss *issuer.Issuer, nir credential.NIR) (*issuer.Issued, *ecdsa.PrivateKey) {
	t.Helper()
	got, dev, err := tryActivate(iss, nir)
	if err != nil {
		t.Fatal(err)
	}
	return got, dev
}

// tryActivate may run outside the test goroutine.
func tryActivate(iss *issuer.Issuer, nir credential.NIR) (*issuer.Issued, *ecdsa.PrivateKey, error) {
	addr := string(nir) + "@example.test"
	if err := iss.CheckEligibility(nir); err != nil {
		return nil, nil, err
	}
	if err := iss.SendEmailCode(nir, addr); err != nil {
		return nil, nil, err
	}
	code, _, _ := iss.Mailbox(addr)
	if err := iss.VerifyEmailCode(nir, addr, code); err != nil {
		return nil, nil, err
	}
	dev, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	ticket, err := iss.Submit(issuer.Request{NIR: nir, Email: addr, Device: issuer.DeviceInfo{OS: "android", Version: "14", Model: "Pixel"}, DeviceKey: &dev.PublicKey})
	if err != nil {
		return nil, nil, err
	}
	if err := iss.Validate(nir); err != nil {
		return nil, nil, err
	}
	got, err := iss.Collect(ticket)
	return got, dev, err
}

func parseRL(t testing.TB, iss *issuer.Issuer, raw []byte) *credential.RevocationList {
	t.Helper()
	rl, err := credential.ParseRevocationList(raw, iss.ListAuthority())
	if err != nil {
		t.Fatal(err)
	}
	return rl
}

func TestOptionsValidation(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts issuer.Options
		ok   bool
	}{
		{"zero", issuer.Options{}, true},
		{"delay 1 h", issuer.Options{PublicationDelay: time.Hour}, true},
		{"delay 1 h + 1 s", issuer.Options{PublicationDelay: time.Hour + time.Second}, false},
		{"delay negative", issuer.Options{PublicationDelay: -time.Second}, false},
		{"delay beyond next update", issuer.Options{PublicationDelay: 30 * time.Minute, RevocationNextUpdate: 20 * time.Minute}, false},
	} {
		_, err := issuer.New(tt.opts)
		if (err == nil) != tt.ok {
			t.Errorf("%s: New = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestEligibility(t *testing.T) {
	// The deck's list, as printed in the training material (seeds: "Les
	// départements déployés à ce jour sont : …").
	want := []string{"01", "03", "04", "05", "06", "07", "13", "15", "26", "38", "42", "43",
		"44", "63", "67", "69", "71", "72", "73", "74", "76", "83", "84"}
	if !slices.Equal(issuer.TrainingDeckDepartements, want) {
		t.Fatalf("training deck départements\n got %v\nwant %v", issuer.TrainingDeckDepartements, want)
	}
	deck := issuer.TrainingDeck()
	org := credential.Organisme{Regime: "01", Caisse: "261", Centre: "9850"}
	for _, tt := range []struct {
		name string
		e    issuer.Eligibility
		org  credential.Organisme
		dept string
		ok   bool
	}{
		{"all by default", issuer.Eligibility{}, org, "92", true},
		{"deck: Drôme", deck, org, "26", true},
		{"deck: Haute-Savoie", deck, org, "74", true},
		{"deck: Vaucluse", deck, org, "84", true},
		{"deck: Saône-et-Loire", deck, org, "71", true},
		{"deck: Seine-Saint-Denis (not in the deck)", deck, org, "93", false},
		{"deck: Paris (not in the deck)", deck, org, "75", false},
		{"deck: Hauts-de-Seine", deck, org, "92", false},
		{"deck: 2A", deck, org, "2A", false},
		{"deck: lower-case 2a", issuer.Eligibility{Departements: []string{"2A"}}, org, "2a", true},
		{"régime prefix", issuer.Eligibility{Organismes: []string{"01"}}, org, "92", true},
		{"caisse prefix with space", issuer.Eligibility{Organismes: []string{"01 261"}}, org, "92", true},
		{"centre", issuer.Eligibility{Organismes: []string{"012619850"}}, org, "92", true},
		{"other régime", issuer.Eligibility{Organismes: []string{"02"}}, org, "92", false},
		{"both rules, département fails", issuer.Eligibility{Departements: []string{"26"}, Organismes: []string{"01"}}, org, "38", false},
	} {
		err := tt.e.Check(tt.org, tt.dept)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, issuer.ErrNotEligible)) {
			t.Errorf("%s: Check = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestRevocationListPublicationDelay(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{PublicationDelay: 30 * time.Minute, RevocationNextUpdate: 6 * time.Hour})
	nir := register(t, iss, "isere-solo")
	got, _ := activate(t, iss, nir)
	fc.Advance(time.Hour)
	if err := iss.RevokeDevice(nir); err != nil {
		t.Fatal(err)
	}
	revokedAt := fc.Now()
	prev := uint64(0)
	for _, tt := range []struct {
		at     time.Duration
		listed bool
	}{{0, false}, {30*time.Minute - time.Second, false}, {30 * time.Minute, true}, {5 * time.Hour, true}} {
		now := revokedAt.Add(tt.at)
		rl := parseRL(t, iss, must(iss.RevocationList(now)))
		listed := len(rl.Revoked) == 1 && rl.Revoked[0] == got.CredentialID
		if listed != tt.listed {
			t.Errorf("list at revocation + %v: listed = %v, want %v", tt.at, listed, tt.listed)
		}
		if !rl.NextUpdate.Equal(now.Add(6*time.Hour)) || !rl.IssuedAt.Equal(now) {
			t.Errorf("list at +%v: issued %v, next update %v", tt.at, rl.IssuedAt, rl.NextUpdate)
		}
		if rl.Seq <= prev {
			t.Errorf("seq %d after %d", rl.Seq, prev)
		}
		prev = rl.Seq
	}
	// An expired credential leaves the list.
	rl := parseRL(t, iss, must(iss.RevocationList(revokedAt.Add(91*24*time.Hour))))
	if len(rl.Revoked) != 0 {
		t.Errorf("expired credential still listed")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestKeyRotation(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "famille-6-drome")
	first, dev := activate(t, iss, nir)
	fc.Advance(time.Hour)
	if err := iss.RotateKey(); err != nil {
		t.Fatal(err)
	}
	fc.Advance(time.Hour)
	tl, err := credential.ParseTrustList(must(iss.TrustList()), iss.ListAuthority())
	if err != nil || len(tl.Keys) != 2 {
		t.Fatalf("trust list after rotation: %+v, %v", tl, err)
	}
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: iss.ListAuthority(), Now: fc.Now})
	if err := v.SetTrustList(must(iss.TrustList())); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(must(iss.RevocationList(fc.Now()))); err != nil {
		t.Fatal(err)
	}
	qr, err := first.Held.PresentQR(dev, fc.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyQR(qr); err != nil {
		t.Fatalf("credential signed by the old key: %v", err)
	}
	second, dev2 := activate(t, iss, nir) // signed by the new key, revokes the first
	qr2, err := second.Held.PresentQR(dev2, fc.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	pres, err := v.VerifyQR(qr2)
	if err != nil {
		t.Fatalf("credential signed by the new key: %v", err)
	}
	if string(pres.Kid) != string(tl.Keys[1].Kid) {
		t.Fatalf("new credential signed by kid %x, want %x", pres.Kid, tl.Keys[1].Kid)
	}
}

func TestPersistenceRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	fc := clock.NewFake(t0)
	iss, err := issuer.Open(dir, issuer.Options{Clock: fc}) // empty dir: new issuer, saved
	if err != nil {
		t.Fatal(err)
	}
	a := register(t, iss, "famille-6-drome")
	b := register(t, iss, "corse-2a")
	c := register(t, iss, "lunaire-1978")
	gotA, devA := activate(t, iss, a)
	if err := iss.AddActivity(gotA.CredentialID, issuer.Activity{Beneficiary: 5, PSID: "10101234567", PSName: "Dr Martin", AmountCents: 2650}); err != nil {
		t.Fatal(err)
	}
	activate(t, iss, b)
	if err := iss.Block(b); err != nil {
		t.Fatal(err)
	}
	// c is mid-activation: pending validation.
	if err := iss.CheckEligibility(c); err != nil {
		t.Fatal(err)
	}
	if err := iss.SendEmailCode(c, "c@example.test"); err != nil {
		t.Fatal(err)
	}
	code, _, _ := iss.Mailbox("c@example.test")
	if err := iss.VerifyEmailCode(c, "c@example.test", code); err != nil {
		t.Fatal(err)
	}
	dev, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ticket, err := iss.Submit(issuer.Request{NIR: c, Email: "c@example.test", DeviceKey: &dev.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	rl1 := parseRL(t, iss, must(iss.RevocationList(fc.Now())))
	if err := iss.Save(dir); err != nil {
		t.Fatal(err)
	}

	re, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if !re.ListAuthority().Equal(iss.ListAuthority()) {
		t.Fatal("list authority changed across a restart")
	}
	if !reflect.DeepEqual(re.Persons(), iss.Persons()) {
		t.Fatalf("persons differ:\n%+v\n%+v", re.Persons(), iss.Persons())
	}
	if as := re.Activities(gotA.CredentialID); len(as) != 1 || as[0].AmountCents != 2650 || as[0].Beneficiary != 5 {
		t.Fatalf("activities after restart: %+v", as)
	}
	rl2 := parseRL(t, re, must(re.RevocationList(fc.Now())))
	if rl2.Seq <= rl1.Seq || !reflect.DeepEqual(rl2.Revoked, rl1.Revoked) || len(rl2.Revoked) != 1 {
		t.Fatalf("revocation list after restart: seq %d (before %d), %x vs %x", rl2.Seq, rl1.Seq, rl2.Revoked, rl1.Revoked)
	}
	if err := re.CheckEligibility(b); !errors.Is(err, issuer.ErrBlocked) {
		t.Fatalf("block lost across restart: %v", err)
	}
	// The pending activation survives and completes.
	if err := re.Validate(c); err != nil {
		t.Fatal(err)
	}
	if _, err := re.Collect(ticket); err != nil {
		t.Fatal(err)
	}
	// A credential issued before the restart still verifies against the restarted issuer's lists.
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: re.ListAuthority(), Now: fc.Now})
	if err := v.SetTrustList(must(re.TrustList())); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(must(re.RevocationList(fc.Now()))); err != nil {
		t.Fatal(err)
	}
	qr, err := gotA.Held.PresentQR(devA, fc.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyQR(qr); err != nil {
		t.Fatalf("credential issued before the restart: %v", err)
	}
	// Files: private, and no temporary file left behind.
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
		info, _ := e.Info()
		if want := permtest.Want(0o600, false); info.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", e.Name(), info.Mode().Perm(), want)
		}
	}
	if len(ents) != 4 { // state.json, state.lock, root key, one issuer key
		t.Errorf("state dir holds %d files", len(ents))
	}
}

func TestOpenDamagedState(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good")
	iss, err := issuer.Open(good, issuer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	register(t, iss, "isere-solo")
	if err := iss.Save(good); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(good, "issuer-key-*.pem"))
	if len(files) != 1 {
		t.Fatalf("issuer key files: %v", files)
	}
	keyFile := filepath.Base(files[0])
	for _, tt := range []struct {
		name  string
		file  string
		edit  func([]byte) []byte
		sentl error
	}{
		{"state not JSON", "state.json", func(b []byte) []byte { return b[:len(b)/2] }, issuer.ErrBadState},
		{"state format", "state.json", func(b []byte) []byte { return []byte(strings.Replace(string(b), `"format": 1`, `"format": 9`, 1)) }, issuer.ErrBadState},
		{"root key swapped", "root-key.pem", func([]byte) []byte { return readFile(t, filepath.Join(good, keyFile)) }, issuer.ErrBadState},
		{"root key not PEM", "root-key.pem", func([]byte) []byte { return []byte("junk") }, issuer.ErrBadState},
		{"issuer key missing", keyFile, nil, os.ErrNotExist},
		{"key file path escapes", "state.json", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), keyFile, "../"+keyFile, 1))
		}, issuer.ErrBadState},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range []string{"state.json", "root-key.pem", keyFile} {
				os.WriteFile(filepath.Join(dir, f), readFile(t, filepath.Join(good, f)), 0o600)
			}
			if tt.edit == nil {
				os.Remove(filepath.Join(dir, tt.file))
			} else {
				os.WriteFile(filepath.Join(dir, tt.file), tt.edit(readFile(t, filepath.Join(dir, tt.file))), 0o600)
			}
			if _, err := issuer.Open(dir, issuer.Options{}); !errors.Is(err, tt.sentl) {
				t.Fatalf("Open = %v, want %v", err, tt.sentl)
			}
		})
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIssuerRefusals(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "isere-solo")
	unknown := credential.NIR("190077511423659")
	if err := iss.CheckEligibility(unknown); !errors.Is(err, issuer.ErrUnknownNIR) {
		t.Fatalf("unknown NIR: %v", err)
	}
	if _, err := iss.PersonView(unknown); !errors.Is(err, issuer.ErrUnknownNIR) {
		t.Fatalf("PersonView of an unknown NIR: %v", err)
	}
	if err := iss.Validate(nir); !errors.Is(err, issuer.ErrNoActivation) {
		t.Fatalf("Validate without request: %v", err)
	}
	dev, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := iss.Submit(issuer.Request{NIR: nir, Email: "x@example.test", DeviceKey: &dev.PublicKey}); !errors.Is(err, issuer.ErrNoValidatedEmail) {
		t.Fatalf("Submit without verified e-mail: %v", err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := iss.Submit(issuer.Request{NIR: nir, DeviceKey: &p384.PublicKey}); !errors.Is(err, credential.ErrInvalidField) {
		t.Fatalf("Submit with a P-384 key: %v", err)
	}
	if _, err := iss.Collect("nope"); !errors.Is(err, issuer.ErrNoActivation) {
		t.Fatalf("Collect of an unknown ticket: %v", err)
	}
	if err := iss.Revoke([8]byte{1}, issuer.ReasonAgent); !errors.Is(err, issuer.ErrUnknownCredential) {
		t.Fatalf("Revoke unknown: %v", err)
	}
	if err := iss.AddActivity([8]byte{1}, issuer.Activity{}); !errors.Is(err, issuer.ErrUnknownCredential) {
		t.Fatalf("AddActivity unknown: %v", err)
	}
	if err := iss.Register(issuer.Person{}); !errors.Is(err, credential.ErrInvalidField) {
		t.Fatalf("Register of an empty family: %v", err)
	}
	got, _ := activate(t, iss, nir)
	view, _ := iss.PersonView(nir)
	if !view.Eligible || view.AppState != issuer.AppActive || view.ActivationState != issuer.ActivationCompleted || view.Device.Model != "Pixel" {
		t.Fatalf("view = %+v", view)
	}
	if _, err := iss.Collect("again"); !errors.Is(err, issuer.ErrNoActivation) {
		t.Fatalf("second Collect: %v", err)
	}
	fc.Advance(time.Minute)
	if err := iss.Revoke(got.CredentialID, issuer.ReasonAgent); err != nil {
		t.Fatal(err)
	}
	fc.Advance(time.Minute)
	if err := iss.Revoke(got.CredentialID, issuer.ReasonBlocked); err != nil { // idempotent
		t.Fatal(err)
	}
	if st, _ := iss.CredentialStatus(got.CredentialID); st.Reason != issuer.ReasonAgent {
		t.Fatalf("second Revoke changed the reason: %+v", st)
	}
}

func TestConcurrentIssuer(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	var nirs []credential.NIR
	for _, name := range phone.Profiles() {
		nirs = append(nirs, register(t, iss, name))
	}
	saveDir := t.TempDir()
	var wg sync.WaitGroup
	for g, nir := range nirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				got, _, err := tryActivate(iss, nir)
				if err != nil {
					t.Error(err)
					return
				}
				iss.AddActivity(got.CredentialID, issuer.Activity{PSID: "1", PSName: "Dr", AmountCents: int64(i)})
				iss.PersonView(nir)
				iss.RevocationList(fc.Now())
				iss.TrustList()
				if g == 0 {
					fc.Advance(time.Second)
					if err := iss.Save(saveDir); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	rl := parseRL(t, iss, must(iss.RevocationList(fc.Now())))
	if want := len(nirs) * 4; len(rl.Revoked) != want { // each activation revoked the previous one
		t.Fatalf("%d revoked, want %d", len(rl.Revoked), want)
	}
}
