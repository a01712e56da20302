package phone_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/store"
	"github.com/apcvkit/apcvkit/internal/permtest"
)

// saved is a state directory: the issuer's and the phones'.
type saved struct {
	dir string
	fc  *clock.Fake
}

func newSaved(t testing.TB) *saved {
	return &saved{dir: t.TempDir(), fc: clock.NewFake(t0)}
}

// open starts the issuer and the phone of prof from the directory, as a
// restarted emulator does.
func (s *saved) open(t testing.TB, prof *phone.Profile) (*issuer.Issuer, *phone.Phone) {
	t.Helper()
	iss, err := issuer.Open(filepath.Join(s.dir, "issuer"), issuer.Options{Clock: s.fc})
	if err != nil {
		t.Fatal(err)
	}
	ph, err := phone.Open(filepath.Join(s.dir, "phones"), prof, phone.Options{Issuer: iss, Clock: s.fc})
	if err != nil {
		t.Fatal(err)
	}
	return iss, ph
}

func (s *saved) env(t testing.TB, prof *phone.Profile) *env {
	iss, ph := s.open(t, prof)
	return &env{fc: s.fc, iss: iss, ph: ph, prof: prof}
}

// TestOpenResumesEveryState stops the emulator after each activation step
// and in the active states, restarts it from the directory, and checks the
// app goes on where it was.
func TestOpenResumesEveryState(t *testing.T) {
	for i, step := range stepNames {
		t.Run("stopped before "+step, func(t *testing.T) {
			s := newSaved(t)
			prof := loadProfile(t, "isere-solo", nil)
			e := s.env(t, prof)
			e.until(t, step)
			before := e.ph.State()
			e = s.env(t, prof) // restart
			if got := e.ph.State(); got != before {
				t.Fatalf("state after restart = %s, want %s", got, before)
			}
			for _, rest := range stepNames[i:] {
				if err := e.step(rest); err != nil {
					t.Fatalf("step %s after restart: %v", rest, err)
				}
			}
			if err := e.ph.Unlock(goodCode); err != nil {
				t.Fatalf("unlock with the code chosen before the restart: %v", err)
			}
		})
	}
}

func TestOpenActivePhone(t *testing.T) {
	s := newSaved(t)
	prof := loadProfile(t, "famille-6-drome", nil)
	e := s.env(t, prof)
	e.active(t)
	v := newVerifier(t, e)
	for range 3 {
		qr, err := e.ph.PresentQR()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifyQR(qr); err != nil {
			t.Fatal(err)
		}
	}
	cid, _ := e.ph.CredentialID()
	if err := e.ph.AddActivity(phone.Activity{Beneficiary: 2, PSID: "10101234567", PSName: "Dr Martin", AmountCents: 2500}); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.Unlock("111112"); !errors.Is(err, phone.ErrWrongCode) { // 1 wrong code of 5
		t.Fatalf("wrong code: %v", err)
	}
	e.fc.Advance(time.Minute)

	e = s.env(t, prof) // restart
	if got := e.ph.State(); got != phone.ActiveLocked {
		t.Fatalf("restarted unlocked app is %s, want locked", got)
	}
	if got, _ := e.ph.CredentialID(); got != cid {
		t.Fatalf("credential %x after restart, want %x", got, cid)
	}
	if e.ph.QRCounter() != 3 {
		t.Fatalf("QR counter after restart = %d, want 3", e.ph.QRCounter())
	}
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	qr, err := e.ph.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.VerifyQR(qr) // the same verifier: its replay cache saw counters 1..3
	if err != nil || p.Counter != 4 || p.CredentialID != cid {
		t.Fatalf("QR after restart: %+v, %v", p, err)
	}
	as, err := e.ph.Activities()
	if err != nil || len(as) != 1 || as[0].AmountCents != 2500 {
		t.Fatalf("Activités after restart: %+v, %v", as, err)
	}

	// The wrong-code count survives restarts: 3 wrong, restart, 1 wrong
	// (1 attempt left), restart, 1 wrong → lockout.
	e.ph.Lock()
	for range 3 {
		if err := e.ph.Unlock("111112"); !errors.Is(err, phone.ErrWrongCode) {
			t.Fatalf("wrong code: %v", err)
		}
	}
	e = s.env(t, prof)
	var ce *phone.CodeError
	if err := e.ph.Unlock("111113"); !errors.As(err, &ce) || ce.Remaining != 1 {
		t.Fatalf("4th wrong code after a restart: %v, want 1 attempt left", err)
	}
	e = s.env(t, prof)
	if err := e.ph.Unlock("111113"); !errors.Is(err, phone.ErrLockedOut) {
		t.Fatalf("5th wrong code after restarts: %v", err)
	}
	if e.ph.State() != phone.NotActivated {
		t.Fatalf("state after lockout = %s", e.ph.State())
	}
	if e = s.env(t, prof); e.ph.State() != phone.NotActivated {
		t.Fatalf("lockout undone by a restart: %s", e.ph.State())
	}
}

func TestOpenKeepsCountersAndEmail(t *testing.T) {
	s := newSaved(t)
	prof := loadProfile(t, "corse-2a", nil)
	e := s.env(t, prof)
	if err := e.ph.StartActivation(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := e.ph.EnterNIR("1 23 45 67 890 123 45"); !errors.Is(err, phone.ErrInvalidNIR) {
			t.Fatalf("bad NIR: %v", err)
		}
	}
	e = s.env(t, prof)
	if err := e.ph.EnterNIR("nope"); !errors.Is(err, phone.ErrTooManyNIRAttempts) {
		t.Fatalf("3rd bad NIR after a restart: %v (the count was lost)", err)
	}
	e.fc.Advance(24 * time.Hour)
	e.until(t, "")
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.ChangeEmail("nouvelle@example.test"); err != nil {
		t.Fatal(err)
	}
	code, _, _ := e.iss.Mailbox("nouvelle@example.test")
	e = s.env(t, prof) // restart between the two steps of the change
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.ConfirmEmail(code); err != nil {
		t.Fatalf("confirm the e-mail change after a restart: %v", err)
	}
	if err := e.ph.ChangeCode(goodCode, "739164", "739164"); err != nil {
		t.Fatal(err)
	}
	e = s.env(t, prof)
	if got := e.ph.Email(); got != "nouvelle@example.test" {
		t.Fatalf("e-mail after restart = %q", got)
	}
	if err := e.ph.Unlock(goodCode); !errors.Is(err, phone.ErrWrongCode) {
		t.Fatalf("old code after a change and restart: %v", err)
	}
	if err := e.ph.Unlock("739164"); err != nil {
		t.Fatalf("new code after restart: %v", err)
	}
}

// The state file holds neither the code nor a fast hash of it, and is private.
func TestStateFileSecrets(t *testing.T) {
	s := newSaved(t)
	prof := loadProfile(t, "isere-solo", nil)
	e := s.env(t, prof)
	e.active(t)
	path := filepath.Join(s.dir, "phones", phone.StateFile(prof.Name))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), goodCode) {
		t.Fatal("the secret code is in the state file")
	}
	if !strings.Contains(string(data), `"iter": 10000`) {
		t.Fatalf("no PBKDF2 iteration count in the state:\n%s", data)
	}
	for _, p := range []string{path, filepath.Join(s.dir, "phones"), filepath.Join(s.dir, "issuer")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := permtest.Want(0o600, false)
		if fi.IsDir() {
			want = permtest.Want(0o700, true)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

// without returns the JSON object data without its field key.
func without(t testing.TB, data []byte, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m[key]; !ok {
		t.Fatalf("no field %q", key)
	}
	delete(m, key)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenDamagedPhoneState(t *testing.T) {
	s := newSaved(t)
	prof := loadProfile(t, "isere-solo", nil)
	e := s.env(t, prof)
	e.active(t)
	path := filepath.Join(s.dir, "phones", phone.StateFile(prof.Name))
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	other := loadProfile(t, "lunaire-1978", nil)
	tests := []struct {
		name string
		data string
		prof *phone.Profile
	}{
		{"truncated", string(good[:len(good)/2]), prof},
		{"empty", "", prof},
		{"not JSON", "\x00\x01garbage", prof},
		{"unknown field", strings.Replace(string(good), `"format"`, `"extra": 1, "format"`, 1), prof},
		{"future format", strings.Replace(string(good), `"format": 1`, `"format": 2`, 1), prof},
		{"unknown state", strings.Replace(string(good), `"state": "active (locked)"`, `"state": "dancing"`, 1), prof},
		{"active without code", without(t, good, "code"), prof},
		{"active without credential", without(t, good, "held"), prof},
		{"active without device key", without(t, good, "deviceKey"), prof},
		{"bad device key", strings.Replace(string(good), `"deviceKey": "`, `"deviceKey": "AAAA`, 1), prof},
		{"bad credential id", strings.Replace(string(good), `"credentialId": "`, `"credentialId": "zz`, 1), prof},
		{"another person's state", strings.Replace(string(good), `"profile": "isere-solo"`, `"profile": "lunaire-1978"`, 1), other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.data == string(good) {
				t.Fatal("the edit did not apply")
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, phone.StateFile(tt.prof.Name)), []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := phone.Open(dir, tt.prof, phone.Options{Issuer: e.iss, Clock: s.fc})
			if !errors.Is(err, phone.ErrBadState) {
				t.Fatalf("Open = %v, want ErrBadState", err)
			}
		})
	}
	// Temporary files of a killed writer are ignored and removed.
	if err := os.WriteFile(filepath.Join(s.dir, "phones", ".isere-solo.json.tmp-123"), good[:10], 0o600); err != nil {
		t.Fatal(err)
	}
	e = s.env(t, prof)
	if e.ph.State() != phone.ActiveLocked {
		t.Fatalf("state = %s", e.ph.State())
	}
	ents, _ := os.ReadDir(filepath.Join(s.dir, "phones"))
	for _, d := range ents {
		if store.IsTemp(d.Name()) {
			t.Fatalf("temporary file %s left after Open", d.Name())
		}
	}
}

// An edited profile file is a data change: on restart the issuer re-issues
// the credential, the phone presents the new data, and the old credential
// is refused by readers. Data updated at the issuer are not undone by a
// restart with the old file.
func TestOpenReissuesEditedProfile(t *testing.T) {
	s := newSaved(t)
	prof := loadProfile(t, "famille-6-drome", nil)
	e := s.env(t, prof)
	e.active(t)
	oldID, _ := e.ph.CredentialID()
	oldQR, err := e.ph.PresentQR()
	if err != nil {
		t.Fatal(err)
	}

	edited := loadProfile(t, "famille-6-drome", func(p *phone.Profile) { p.Family.Beneficiaires[1].NomUsage = "DUPONT-NOUVEAU" })
	e = s.env(t, edited)
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	newID, _ := e.ph.CredentialID()
	if newID == oldID {
		t.Fatal("the credential was not re-issued")
	}
	if e.ph.QRCounter() != 1 {
		t.Fatalf("QR counter = %d: a re-issued credential keeps the app's counter", e.ph.QRCounter())
	}
	e.fc.Advance(time.Second)
	v := newVerifier(t, e)
	qr, err := e.ph.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.VerifyQR(qr)
	if err != nil {
		t.Fatalf("re-issued credential: %v", err)
	}
	if p.CredentialID != newID || p.Family.Beneficiaires[1].NomUsage != "DUPONT-NOUVEAU" {
		t.Fatalf("presented %x with usage name %q", p.CredentialID, p.Family.Beneficiaires[1].NomUsage)
	}
	if _, err := v.VerifyQR(oldQR); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("old credential after re-issuance: %v, want ErrRevoked", err)
	}

	// An agent updates the data at the issuer; the phone picks them up, and
	// a restart with the unchanged (edited) file keeps them.
	fam := e.ph.Profile().Family
	fam.Beneficiaires[0].NomUsage = "AGENT"
	if err := e.iss.UpdateFamily(fam); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.ph.Wallet(); err != nil {
		t.Fatal(err)
	}
	agentID, _ := e.ph.CredentialID()
	if agentID == newID || e.ph.Profile().Family.Beneficiaires[0].NomUsage != "AGENT" {
		t.Fatalf("phone did not fetch the agent's update: %x", agentID)
	}
	e = s.env(t, edited)
	if id, _ := e.ph.CredentialID(); id != agentID || e.ph.Profile().Family.Beneficiaires[0].NomUsage != "AGENT" {
		t.Fatalf("a restart with the old file undid the agent's update: %x", id)
	}
}

func TestActivateOrUnlock(t *testing.T) {
	s := newSaved(t)
	prof := loadProfile(t, "isere-solo", nil)
	e := s.env(t, prof)
	if err := e.ph.ActivateOrUnlock(goodCode); err != nil || e.ph.State() != phone.ActiveUnlocked {
		t.Fatalf("fresh phone: %v, %s", err, e.ph.State())
	}
	if err := e.ph.ActivateOrUnlock(goodCode); err != nil { // already unlocked
		t.Fatal(err)
	}
	cid, _ := e.ph.CredentialID()
	e = s.env(t, prof) // restarted: locked, same credential
	if err := e.ph.ActivateOrUnlock("739164"); !errors.Is(err, phone.ErrWrongCode) {
		t.Fatalf("wrong code on a restarted phone: %v", err)
	}
	if err := e.ph.ActivateOrUnlock(goodCode); err != nil {
		t.Fatal(err)
	}
	if id, _ := e.ph.CredentialID(); id != cid {
		t.Fatal("an active app was activated again")
	}
	if err := e.iss.Block(prof.OuvrantDroit().NIR); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.ActivateOrUnlock(goodCode); !errors.Is(err, phone.ErrBlocked) {
		t.Fatalf("blocked user: %v", err)
	}
}

// FuzzOpenState: any state file content opens into a usable phone or is
// refused with an error; Open never panics.
func FuzzOpenState(f *testing.F) {
	s := newSaved(f)
	prof := loadProfile(f, "isere-solo", nil)
	e := s.env(f, prof)
	e.until(f, "submit")
	if err := e.step("submit"); err != nil {
		f.Fatal(err)
	}
	pending, err := os.ReadFile(filepath.Join(s.dir, "phones", phone.StateFile(prof.Name)))
	if err != nil {
		f.Fatal(err)
	}
	for _, st := range []string{"validate", "open"} {
		if err := e.step(st); err != nil {
			f.Fatal(err)
		}
	}
	good, err := os.ReadFile(filepath.Join(s.dir, "phones", phone.StateFile(prof.Name)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(pending)
	f.Add(good[:len(good)/2])
	f.Add([]byte(without(f, good, "held")))
	f.Add([]byte(strings.Replace(string(good), `"active (locked)"`, `"pending validation"`, 1)))
	f.Add([]byte(`{"format":1,"profile":"isere-solo","state":"not activated"}`))
	f.Add([]byte("null"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, phone.StateFile(prof.Name)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		ph, err := phone.Open(dir, prof, phone.Options{Issuer: e.iss, Clock: s.fc})
		if err != nil {
			return
		}
		// Whatever loaded behaves: the methods answer without panicking.
		_ = ph.State()
		ph.CredentialID()
		if _, err := ph.PresentQR(); err == nil && ph.State() != phone.ActiveUnlocked {
			t.Fatalf("a QR code from an app in state %s", ph.State())
		}
		ph.Unlock(goodCode)
		ph.Wallet()
	})
}
