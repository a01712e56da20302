package phone_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// TestPrerequisites: each case profile of the deck's prerequisites is
// refused when the activation starts, with its typed error and message,
// and the app stays not activated; the same person on an ordinary phone
// (the refused attribute reset) gets through.
func TestPrerequisites(t *testing.T) {
	for _, tc := range []struct {
		profile string
		want    error
		fix     func(*phone.Profile)
	}{
		{"android-6-trop-ancien", phone.ErrOSTooOld, func(p *phone.Profile) { p.Device.Version = "7" }},
		{"ios-11-trop-ancien", phone.ErrOSTooOld, func(p *phone.Profile) { p.Device.Version = "12.0" }},
		{"tablette-android", phone.ErrTablet, func(p *phone.Profile) { p.Device.Tablet = false }},
		{"ipad", phone.ErrTablet, func(p *phone.Profile) { p.Device.Tablet = false }},
		{"sans-autofocus", phone.ErrNoAutofocus, func(p *phone.Profile) { p.Device.NoAutofocus = false }},
		{"cgu-refusees", phone.ErrCGURefused, func(p *phone.Profile) { p.Answers.RefuseCGU = false }},
		{"camera-refusee", phone.ErrCameraPermission, func(p *phone.Profile) { p.Answers.DenyCamera = false }},
		{"micro-refuse", phone.ErrMicrophonePermission, func(p *phone.Profile) { p.Answers.DenyMicrophone = false }},
		{"ubuntu-touch", phone.ErrUnsupportedOS, func(p *phone.Profile) { p.Device.OS = phone.Android }},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			e := newEnv(t, tc.profile, deck, nil)
			err := e.ph.StartActivation()
			if !errors.Is(err, tc.want) {
				t.Fatalf("StartActivation: %v, want %v", err, tc.want)
			}
			var s *apcverr.Error
			errors.As(tc.want, &s)
			if got := apcverr.Message(err, apcverr.FR); got != s.FR {
				t.Fatalf("FR message %q, want %q", got, s.FR)
			}
			if st := e.ph.State(); st != phone.NotActivated {
				t.Fatalf("state %v", st)
			}
			if err := e.ph.EnterNIR(e.prof.OuvrantDroit().NIR.Format()); !errors.Is(err, phone.ErrActivationStep) {
				t.Fatalf("NIR after a refused start: %v", err)
			}

			e2 := newEnv(t, tc.profile, deck, tc.fix)
			e2.active(t)
		})
	}
}

// TestMinimumVersions: the bounds are inclusive, versions compare by
// number, and Options.Requirements moves them.
func TestMinimumVersions(t *testing.T) {
	for _, tc := range []struct {
		os      phone.OS
		version string
		req     phone.Requirements
		ok      bool
	}{
		{phone.Android, "7", phone.Requirements{}, true},
		{phone.Android, "6.0.1", phone.Requirements{}, false},
		{phone.Android, "10", phone.Requirements{}, true}, // 10 > 7, not "10" < "7"
		{phone.IOS, "12", phone.Requirements{}, true},
		{phone.IOS, "11.4.1", phone.Requirements{}, false},
		{phone.IOS, "17.5.1", phone.Requirements{MinIOS: "18"}, false},
		{phone.Android, "14", phone.Requirements{MinAndroid: "14.1"}, false},
	} {
		t.Run(string(tc.os)+"-"+tc.version, func(t *testing.T) {
			fc := newEnv(t, "isere-solo", issuer.Options{}, nil).fc
			iss, err := issuer.New(issuer.Options{Clock: fc})
			if err != nil {
				t.Fatal(err)
			}
			prof := loadProfile(t, "isere-solo", func(p *phone.Profile) { p.Device.OS, p.Device.Version = tc.os, tc.version })
			ph, err := phone.New(prof, phone.Options{Issuer: iss, Clock: fc, Requirements: tc.req})
			if err != nil {
				t.Fatal(err)
			}
			err = ph.StartActivation()
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, phone.ErrOSTooOld)) {
				t.Fatalf("StartActivation: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestVideoRouteOffline: "Être connecté à internet pendant toute la durée
// de l'activation": every step of the video route, offline, is refused
// with ErrOffline, and passes once back online.
func TestVideoRouteOffline(t *testing.T) {
	for _, step := range stepNames[:8] { // up to submit: the validation is the back office's
		t.Run(step, func(t *testing.T) {
			e := newEnv(t, "isere-solo", issuer.Options{}, nil)
			e.until(t, step)
			e.ph.SetOnline(false)
			if err := e.step(step); !errors.Is(err, phone.ErrOffline) {
				t.Fatalf("%s offline: %v, want ErrOffline", step, err)
			}
			e.ph.SetOnline(true)
			if err := e.step(step); err != nil {
				t.Fatalf("%s online: %v", step, err)
			}
		})
	}
}

// TestFranceIdentiteRouteNeedsNoCamera: the France Identité route films
// nothing: a person who refused the camera and the microphone starts it.
func TestFranceIdentiteRouteNeedsNoCamera(t *testing.T) {
	e := newEnv(t, "franceid-hors-deploiement", deck, func(p *phone.Profile) {
		p.Answers.DenyCamera, p.Answers.DenyMicrophone = true, true
	})
	if err := e.ph.StartActivation(); !errors.Is(err, phone.ErrCameraPermission) {
		t.Fatalf("video route: %v", err)
	}
	if err := e.ph.ActivateFranceIdentite(cniePIN, goodCode); err != nil {
		t.Fatalf("France Identité route: %v", err)
	}
	e.ph.SetAnswers(phone.Answers{RefuseCGU: true})
	if err := e.ph.DeleteProfile(); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.StartActivationFranceIdentite(); !errors.Is(err, phone.ErrCGURefused) {
		t.Fatalf("CGU refused on the France Identité route: %v", err)
	}
}

// TestAppFaults: the faults the article's readers report make the app fail
// the way it does in the field.
func TestAppFaults(t *testing.T) {
	for _, tc := range []struct {
		profile string
		fault   phone.Fault
		log     string
	}{
		{"crash-division-zero", phone.FaultDivisionByZeroAtStart, "division par zéro"},
		{"crash-mlkit", phone.FaultMLKitAtStart, "mlkit: runtime exception: unable to get provider"},
		{"sans-services-google", phone.FaultMLKitAtStart, "unable to get provider"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			e := newEnv(t, tc.profile, issuer.Options{}, nil)
			for name, start := range map[string]func() error{
				"StartActivation": e.ph.StartActivation, "StartActivationFranceIdentite": e.ph.StartActivationFranceIdentite,
				"Open": e.ph.Open,
			} {
				err := start()
				var ce *phone.CrashError
				if !errors.As(err, &ce) || ce.Fault != tc.fault || !strings.Contains(ce.Log, tc.log) || !errors.Is(err, phone.ErrAppCrashed) {
					t.Fatalf("%s: %v, want a crash on %s", name, err, tc.fault)
				}
				if msg := apcverr.Message(err, apcverr.FR); msg != phone.ErrAppCrashed.FR {
					t.Fatalf("FR message %q", msg)
				}
			}
		})
	}

	t.Run("no Play Services on an iPhone means nothing", func(t *testing.T) {
		e := newEnv(t, "sans-services-google", issuer.Options{}, func(p *phone.Profile) {
			p.Device.OS, p.Device.Version, p.Device.Model = phone.IOS, "17.5.1", "iPhone 15"
		})
		e.active(t)
	})

	t.Run("crash-affichage-qr", func(t *testing.T) {
		e := newEnv(t, "crash-affichage-qr", issuer.Options{}, nil)
		e.active(t)
		_, err := e.ph.PresentQR()
		var ce *phone.CrashError
		if !errors.As(err, &ce) || ce.Fault != phone.FaultQRDisplayCrash {
			t.Fatalf("PresentQR: %v", err)
		}
		if st := e.ph.State(); st != phone.ActiveLocked {
			t.Fatalf("after the crash the app is %v, want locked (restarted)", st)
		}
		if err := e.ph.Unlock(goodCode); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.ph.Wallet(); err != nil { // NFC still works
			t.Fatalf("Wallet after the QR crash: %v", err)
		}
		if c := e.ph.QRCounter(); c != 0 {
			t.Fatalf("QR counter %d: no QR was shown", c)
		}
	})
}

// TestCaseProfiles: the case profiles are apart from the ordinary ones,
// found by BuiltinProfile, and named once.
func TestCaseProfiles(t *testing.T) {
	cases := phone.CaseProfiles()
	if len(cases) < 20 {
		t.Fatalf("CaseProfiles() = %v", cases)
	}
	ordinary := phone.Profiles()
	for _, name := range cases {
		for _, o := range ordinary {
			if o == name {
				t.Fatalf("%s is both an ordinary and a case profile", name)
			}
		}
		p, err := phone.BuiltinProfile(name)
		if err != nil || p.Name != name || p.Description == "" {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := phone.BuiltinProfile("cases/franceid-root"); err == nil {
		t.Fatal("a path is not a profile name")
	}
}

// TestProfileAttributes: the new profile attributes decode with their
// defaults, and bad values are refused naming the field.
func TestProfileAttributes(t *testing.T) {
	base := func(extra string) []byte {
		return []byte(`{"name": "p", "email": "a@b.fr", "departement": "38",
  "phone": {"os": "android", "version": "14", "model": "X", "nfc": true` + extra + `},
  "beneficiaires": [{"nir": "185046912304548", "nomFamille": "A", "prenoms": "B", "dateNaissance": "1985-04-12",
    "rangNaissance": 1, "qualite": 0, "organisme": "012619850"}],
  "etatCivil": {"nomNaissance": "A", "prenoms": "B", "dateNaissance": "1985-04-12", "paysNaissance": "99100",
    "communeNaissance": "69123", "typeDocument": "CNI"}` + "%s}")
	}
	parse := func(phoneExtra, top string) (*phone.Profile, error) {
		return phone.ParseProfile("p.json", []byte(strings.Replace(string(base(phoneExtra)), "%s", top, 1)))
	}
	p, err := parse("", "")
	if err != nil {
		t.Fatal(err)
	}
	d := p.Device
	if d.NoAutofocus || d.NFCOff || d.NoPlayServices || d.Tablet || p.CNIe != nil || p.Answers != (phone.Answers{}) || len(p.Faults) != 0 {
		t.Fatalf("defaults: %+v %+v", p.Device, p.Answers)
	}
	p, err = parse(`, "autofocus": false, "nfcOn": false, "playServices": false, "rooted": true, "franceIdentite": "activated", "appVersion": "5.12.2"`,
		`, "answers": {"cgu": false, "camera": true}, "cnie": {"documentNumber": "X4RTBPFW4", "pin": "1234", "issuedOn": "2022-01-01", "expiresOn": "2031-12-31"}, "faults": ["qr-display-crash"]`)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Device.NoAutofocus || !p.Device.NFCOff || !p.Device.NoPlayServices || !p.Device.Rooted ||
		p.Device.FranceIdentite != phone.FranceIdentiteActivated || !p.Answers.RefuseCGU || p.Answers.DenyCamera ||
		p.CNIe == nil || p.CNIe.ExpiresOn.Year != 2031 || len(p.Faults) != 1 {
		t.Fatalf("decoded %+v %+v %+v", p.Device, p.Answers, p.CNIe)
	}
	for _, tc := range []struct{ name, phoneExtra, top, field string }{
		{"unknown fault", "", `, "faults": ["boom"]`, "faults[0]"},
		{"France Identité state", `, "franceIdentite": "maybe"`, "", "phone.franceIdentite"},
		{"app version", `, "appVersion": "v5"`, "", "phone.appVersion"},
		{"PIN length", "", `, "cnie": {"documentNumber": "X4RTBPFW4", "pin": "12345", "issuedOn": "2022-01-01", "expiresOn": "2031-12-31"}`, "cnie.pin"},
		{"expiry date", "", `, "cnie": {"documentNumber": "X4RTBPFW4", "pin": "1234", "issuedOn": "2022-01-01", "expiresOn": "31/12/2031"}`, "cnie.expiresOn"},
		{"document number", "", `, "cnie": {"documentNumber": "x", "pin": "1234", "issuedOn": "2022-01-01", "expiresOn": "2031-12-31"}`, "cnie"},
		{"unknown answer", "", `, "answers": {"gdpr": false}`, "gdpr"},
		{"os", `, "os": "symbian"`, "", "phone.os"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(string(base(tc.phoneExtra)), "%s", tc.top, 1)
			if tc.name == "os" {
				data = strings.Replace(data, `"os": "android", `, "", 1)
			}
			_, err := phone.ParseProfile("p.json", []byte(data))
			var pe *phone.ProfileError
			if !errors.As(err, &pe) || pe.Field != tc.field {
				t.Fatalf("err = %v, want a ProfileError on %s", err, tc.field)
			}
		})
	}
	// A CNIe goes with a CNI.
	_, err = phone.ParseProfile("p.json", []byte(strings.Replace(strings.Replace(string(base("")), "%s",
		`, "cnie": {"documentNumber": "X4RTBPFW4", "pin": "1234", "issuedOn": "2022-01-01", "expiresOn": "2031-12-31"}`, 1),
		`"typeDocument": "CNI"`, `"typeDocument": "PASSEPORT"`, 1)))
	var pe *phone.ProfileError
	if !errors.As(err, &pe) || pe.Field != "etatCivil.typeDocument" {
		t.Fatalf("CNIe with a passport: %v", err)
	}
}

// TestCaseProfilesRefusal: a case profile that declares the refusal of its
// video activation (activationRefusal) gets exactly that code from the
// tester's shortcut, Activate, and ends without a credential.
func TestCaseProfilesRefusal(t *testing.T) {
	n := 0
	for _, name := range phone.CaseProfiles() {
		e := newEnv(t, name, issuer.Options{}, nil)
		want := e.prof.ActivationRefusal
		if want == "" {
			continue
		}
		n++
		err := e.ph.Activate(goodCode)
		if apcverr.Code(err) != want {
			t.Errorf("%s: Activate: %v (code %s), want %s", name, err, apcverr.Code(err), want)
		}
		if _, ok := e.ph.CredentialID(); ok {
			t.Errorf("%s: a credential after the refusal", name)
		}
	}
	if n < 12 {
		t.Fatalf("%d case profiles declare their refusal, want the 12 of the prerequisites and faults", n)
	}
}

// TestVideoRouteComparesSex: the video check's document now carries its
// sex (EtatCivil.Sexe): a document of the other sex than the record's is
// refused, one without a sex is not compared.
func TestVideoRouteComparesSex(t *testing.T) {
	e := newEnv(t, "isere-solo", issuer.Options{}, nil)
	e.until(t, "identity")
	doc := e.prof.IdentityDocument()
	doc.Sexe = credential.SexMale
	if e.prof.OuvrantDroit().NIR.Sex() == credential.SexMale {
		doc.Sexe = credential.SexFemale
	}
	err := e.ph.CheckIdentity(doc, true)
	if !errors.Is(err, phone.ErrIdentityCheckFailed) || apcverr.Code(err) != "identity-sex" {
		t.Fatalf("document of the other sex: %v (code %s)", err, apcverr.Code(err))
	}
	doc.Sexe = 0
	if err := e.ph.CheckIdentity(doc, true); err != nil {
		t.Fatalf("document without a sex: %v", err)
	}
}
