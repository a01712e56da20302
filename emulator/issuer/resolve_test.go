package issuer_test

import (
	"crypto/sha256"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

var psA, psB = sha256.Sum256([]byte("ps A")), sha256.Sum256([]byte("ps B"))

func shortQR(t testing.TB, got *issuer.Issued, key [credential.ShortQRKeyLen]byte, at time.Time) string {
	t.Helper()
	h := *got.Held
	h.ShortQRKey = key // the phone's own key, or another to forge a tag
	text, err := h.PresentShortQR(at)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestResolve(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "famille-6-drome")
	got, _ := activate(t, iss, nir)
	key := got.Held.ShortQRKey
	fc.Advance(time.Minute)
	text := shortQR(t, got, key, fc.Now())
	all := []credential.Group{credential.GroupAMO, credential.GroupINS, credential.GroupEtatCivil}
	answer, err := iss.Resolve(text, psA, all)
	if err != nil {
		t.Fatal(err)
	}
	v := verifier(t, iss, fc)
	p, err := v.VerifyResolution(text, answer, psA, all)
	if err != nil {
		t.Fatalf("VerifyResolution: %v", err)
	}
	if !p.Short || p.CredentialID != got.CredentialID || !slices.Equal(p.Groups, all) {
		t.Errorf("presentation: short %v cid %x groups %v", p.Short, p.CredentialID, p.Groups)
	}
	if !reflect.DeepEqual(p.Family, got.Family) {
		t.Errorf("family differs from the one issued:\n got %+v\nwant %+v", p.Family, got.Family)
	}
	// Bound to the professional: another certificate's hash does not verify.
	if _, err := verifier(t, iss, fc).VerifyResolution(text, answer, psB, all); !errors.Is(err, credential.ErrResolutionMismatch) {
		t.Errorf("other PS: %v", err)
	}

	// Single use, from any desk: the same text, an older one, refused.
	older := shortQR(t, got, key, fc.Now().Add(-time.Second))
	for name, tx := range map[string]string{"same text": text, "older draw": older} {
		if _, err := iss.Resolve(tx, psB, all); !errors.Is(err, service.ErrAlreadyResolved) {
			t.Errorf("%s: err = %v, want already-resolved", name, err)
		}
	}
	// A code drawn later resolves, with AMO alone when asked for AMO alone.
	fc.Advance(time.Second)
	next := shortQR(t, got, key, fc.Now())
	answer, err = iss.Resolve(next, psB, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err = verifier(t, iss, fc).VerifyResolution(next, answer, psB, nil)
	if err != nil || !slices.Equal(p.Groups, []credential.Group{credential.GroupAMO}) || p.Family.EtatCivil != nil {
		t.Fatalf("AMO only: %+v, %v", p, err)
	}
}

func TestResolveRefusals(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	nir := register(t, iss, "famille-6-drome")
	got, _ := activate(t, iss, nir)
	key := got.Held.ShortQRKey
	other := key
	other[0] ^= 1 // another short QR key: a forged tag
	now := fc.Now()
	forged := credential.ShortQR{CID: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}, Time: now}.String()
	for _, tc := range []struct {
		name string
		text string
		want error
	}{
		{"drawn 3 min 1 s ago", shortQR(t, got, key, now.Add(-issuer.ShortQRWindow-time.Second)), credential.ErrQRExpired},
		{"drawn 31 s ahead", shortQR(t, got, key, now.Add(issuer.ShortQRSkew+time.Second)), credential.ErrQRExpired},
		{"other short QR key", shortQR(t, got, other, now), credential.ErrDeviceBinding},
		// The tag's refusal comes before the window's.
		{"other short QR key, out of window", shortQR(t, got, other, now.Add(-issuer.ShortQRWindow-time.Second)), credential.ErrDeviceBinding},
		{"unknown credential", forged, issuer.ErrUnknownCredential},
		{"full QR text", "APCV1:" + forged[6:], credential.ErrUnsupportedVersion},
		{"not a QR", "hello", credential.ErrMalformed},
		{"truncated", shortQR(t, got, key, now)[:credential.ShortQRLen-1], credential.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := iss.Resolve(tc.text, psA, nil); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if !errors.Is(issuer.ErrUnknownCredential, service.ErrUnknownCredential) {
		t.Error("issuer.ErrUnknownCredential is not the service's kind")
	}
	if _, err := iss.Resolve(shortQR(t, got, key, now), psA, []credential.Group{9}); !errors.Is(err, credential.ErrInvalidField) {
		t.Errorf("unknown group: %v", err)
	}
	// The window's edges are inside.
	for _, at := range []time.Time{now.Add(-issuer.ShortQRWindow), now.Add(issuer.ShortQRSkew)} {
		if _, err := iss.Resolve(shortQR(t, got, key, at), psA, nil); err != nil {
			t.Errorf("drawn at %v: %v", at.Sub(now), err)
		}
	}
	// A code whose tag is forged is refused without being spent: the
	// phone's own code of that second still resolves, and then a forgery
	// of it is refused for its tag, not as used.
	fc.Advance(time.Minute)
	at := fc.Now()
	if _, err := iss.Resolve(shortQR(t, got, other, at), psA, nil); !errors.Is(err, credential.ErrDeviceBinding) {
		t.Fatalf("forged: %v", err)
	}
	if _, err := iss.Resolve(shortQR(t, got, key, at), psA, nil); err != nil {
		t.Fatalf("the phone's code after a forgery of it: %v", err)
	}
	if _, err := iss.Resolve(shortQR(t, got, other, at), psA, nil); !errors.Is(err, credential.ErrDeviceBinding) {
		t.Errorf("forged, once resolved: %v", err)
	}
	// Revoked, then blocked.
	fc.Advance(time.Minute)
	if err := iss.RevokeDevice(nir); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Resolve(shortQR(t, got, key, fc.Now()), psA, nil); !errors.Is(err, credential.ErrRevoked) {
		t.Errorf("revoked: %v", err)
	}
	got2, _ := activate(t, iss, nir)
	if err := iss.Block(nir); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Resolve(shortQR(t, got2, got2.Held.ShortQRKey, fc.Now()), psA, nil); !errors.Is(err, credential.ErrRevoked) {
		t.Errorf("blocked: %v", err)
	}
}

func TestResolveExpiredCredential(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{CredentialValidity: time.Hour})
	got, _ := activate(t, iss, register(t, iss, "isere-solo"))
	key := got.Held.ShortQRKey
	fc.Advance(time.Hour + time.Second)
	if _, err := iss.Resolve(shortQR(t, got, key, fc.Now()), psA, nil); !errors.Is(err, credential.ErrExpired) {
		t.Errorf("expired credential: %v", err)
	}
}

// TestResolveServiceClockOffset: a service whose clock is off signs its
// time; the reader refuses it.
func TestResolveServiceClockOffset(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	got, _ := activate(t, iss, register(t, iss, "isere-solo"))
	key := got.Held.ShortQRKey
	iss.SetServiceClockOffset(45 * time.Second)
	text := shortQR(t, got, key, fc.Now())
	answer, err := iss.Resolve(text, psA, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifier(t, iss, fc).VerifyResolution(text, answer, psA, nil); !errors.Is(err, credential.ErrServiceClockSkew) {
		t.Errorf("skewed service: %v", err)
	}
}

// TestResolveSingleUsePersisted: the single-use record survives a restart,
// and so does the credential's short QR key (a newer code still resolves,
// a forged one is still refused).
func TestResolveSingleUsePersisted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	fc := clock.NewFake(t0)
	iss, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := activate(t, iss, register(t, iss, "isere-solo"))
	key := got.Held.ShortQRKey
	text := shortQR(t, got, key, fc.Now())
	if _, err := iss.Resolve(text, psA, nil); err != nil {
		t.Fatal(err)
	}
	again, err := issuer.Open(dir, issuer.Options{Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Resolve(text, psB, nil); !errors.Is(err, service.ErrAlreadyResolved) {
		t.Errorf("after a restart: %v", err)
	}
	next := fc.Now().Add(time.Second)
	forged := key
	forged[5] ^= 1
	if _, err := again.Resolve(shortQR(t, got, forged, next), psB, nil); !errors.Is(err, credential.ErrDeviceBinding) {
		t.Errorf("forged tag after a restart: %v", err)
	}
	if _, err := again.Resolve(shortQR(t, got, key, next), psB, nil); err != nil {
		t.Errorf("a newer code after a restart: %v", err)
	}
}

// TestResolveConcurrentSingleUse: many desks race for one code; exactly one wins.
func TestResolveConcurrentSingleUse(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	got, _ := activate(t, iss, register(t, iss, "famille-6-drome"))
	text := shortQR(t, got, got.Held.ShortQRKey, fc.Now())
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, refused := 0, 0
	for k := 0; k < 16; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := iss.Resolve(text, sha256.Sum256([]byte{byte(k)}), nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, service.ErrAlreadyResolved):
				refused++
			default:
				t.Errorf("desk %d: %v", k, err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || refused != 15 {
		t.Errorf("%d resolutions, %d refusals; want 1 and 15", wins, refused)
	}
}

func TestRights(t *testing.T) {
	iss, _ := newIssuer(t, issuer.Options{})
	prof, err := phone.BuiltinProfile("famille-6-drome")
	if err != nil {
		t.Fatal(err)
	}
	fam := prof.Family
	explicit := rights.Derive(fam, 2)
	explicit.Exoneration = &rights.Exoneration{Code: "4", ALD: true, Libelle: "Affection de longue durée (liste ALD 30)"}
	explicit.MedecinTraitant = true
	if err := iss.Register(issuer.Person{Family: fam, Departement: "26", Rights: []rights.Rights{explicit}}); err != nil {
		t.Fatal(err)
	}
	var who []rights.Who
	for _, b := range fam.Beneficiaires {
		who = append(who, rights.WhoOf(b))
	}
	got, err := iss.Rights(who)
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range got {
		want := rights.Derive(fam, k)
		if k == 2 {
			want = explicit
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("beneficiary %d:\n got %+v\nwant %+v", k, r, want)
		}
	}
	wrongDate, wrongRang := who[1], who[3]
	wrongDate.DateNaissance.Day++
	wrongRang.Rang = 2
	for name, w := range map[string]rights.Who{"birth date": wrongDate, "rang": wrongRang} {
		if _, err := iss.Rights([]rights.Who{who[0], w}); !errors.Is(err, service.ErrUnknownBeneficiary) {
			t.Errorf("wrong %s: %v", name, err)
		}
	}
	// Explicit rights must name a beneficiary of the family.
	stray := explicit
	stray.Rang = 3
	if err := iss.Register(issuer.Person{Family: fam, Departement: "26", Rights: []rights.Rights{stray}}); !errors.Is(err, credential.ErrInvalidField) {
		t.Errorf("stray rights: %v", err)
	}
}

// BenchmarkResolve: the issuer's side alone (tag check,
// single use, resolution signature), in memory and with a state directory
// (the single-use record saved before the answer).
func BenchmarkResolve(b *testing.B) {
	for _, disk := range []bool{false, true} {
		name := "memory"
		if disk {
			name = "state-dir"
		}
		b.Run(name, func(b *testing.B) {
			fc := clock.NewFake(t0)
			var iss *issuer.Issuer
			var err error
			if disk {
				iss, err = issuer.Open(filepath.Join(b.TempDir(), "s"), issuer.Options{Clock: fc})
			} else {
				iss, err = issuer.New(issuer.Options{Clock: fc})
			}
			if err != nil {
				b.Fatal(err)
			}
			got, _ := activate(b, iss, register(b, iss, "famille-6-drome"))
			key := got.Held.ShortQRKey
			all := []credential.Group{credential.GroupAMO, credential.GroupINS, credential.GroupEtatCivil}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fc.Advance(time.Second)
				text := shortQR(b, got, key, fc.Now())
				b.StartTimer()
				if _, err := iss.Resolve(text, psA, all); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestResolveAfterKeyRotation: a credential issued under the previous key
// resolves, signed by the current one, and the reader accepts it.
func TestResolveAfterKeyRotation(t *testing.T) {
	iss, fc := newIssuer(t, issuer.Options{})
	got, _ := activate(t, iss, register(t, iss, "isere-solo"))
	key := got.Held.ShortQRKey
	fc.Advance(time.Hour)
	if err := iss.RotateKey(); err != nil {
		t.Fatal(err)
	}
	fc.Advance(time.Minute)
	text := shortQR(t, got, key, fc.Now())
	answer, err := iss.Resolve(text, psA, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := verifier(t, iss, fc)
	p, err := v.VerifyResolution(text, answer, psA, nil)
	if err != nil {
		t.Fatalf("resolution after a rotation: %v", err)
	}
	tl, _ := v.Lists()
	if string(p.Kid) != string(tl.Keys[len(tl.Keys)-1].Kid) {
		t.Errorf("signed by kid %x, want the current key's", p.Kid)
	}
}
