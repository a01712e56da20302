package phone_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
)

// TestUniquenessRevokesOldPhone activates the same person on a second phone:
// the first one shows revoked, cannot present, and a reader holding the new
// revocation list refuses what it presented before.
func TestUniquenessRevokesOldPhone(t *testing.T) {
	e := newEnv(t, "famille-6-drome", issuer.Options{}, nil)
	e.active(t)
	oldID, _ := e.ph.CredentialID()
	oldQR, err := e.ph.PresentQR()
	if err != nil {
		t.Fatal(err)
	}

	second := e.newPhone(t, e.prof)
	e2 := &env{fc: e.fc, iss: e.iss, ph: second, prof: e.prof}
	e.fc.Advance(time.Minute)
	e2.active(t)
	newID, _ := second.CredentialID()
	if newID == oldID {
		t.Fatal("the new activation reused the credential id")
	}

	if got := e.ph.State(); got != phone.Revoked {
		t.Fatalf("old phone state = %v, want revoked", got)
	}
	if _, _, err := e.ph.Wallet(); !errors.Is(err, phone.ErrRevoked) {
		t.Fatalf("old phone Wallet: %v, want ErrRevoked", err)
	}
	if _, err := e.ph.PresentQR(); !errors.Is(err, phone.ErrRevoked) {
		t.Fatalf("old phone PresentQR: %v", err)
	}
	if err := e.ph.Unlock(goodCode); !errors.Is(err, phone.ErrRevoked) {
		t.Fatalf("old phone Unlock: %v", err)
	}
	if err := e.ph.Open(); !errors.Is(err, phone.ErrRevoked) {
		t.Fatalf("old phone Open: %v", err)
	}
	st, err := e.iss.CredentialStatus(oldID)
	if err != nil || !st.Revoked || st.Reason != issuer.ReasonNewDevice {
		t.Fatalf("issuer status of the old credential = %+v, %v", st, err)
	}

	v := newVerifier(t, e) // lists issued after the revocation
	if _, err := v.VerifyQR(oldQR); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("reader accepted the old phone's QR: %v", err)
	}
	newQR, err := second.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyQR(newQR); err != nil {
		t.Fatalf("reader refused the new phone: %v", err)
	}
	// The old phone can activate again, which in turn revokes the second one.
	e.until(t, "")
	if got := second.State(); got != phone.Revoked {
		t.Fatalf("second phone after reactivation of the first = %v", got)
	}
}

func TestUnlockAttemptsAndLockout(t *testing.T) {
	e := newEnv(t, "isere-solo", issuer.Options{}, nil)
	e.until(t, "")
	// A right code resets the count.
	for range 4 {
		e.ph.Unlock("111112")
	}
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	e.ph.Lock()
	id, _ := e.ph.CredentialID()
	for want := 4; want >= 1; want-- {
		err := e.ph.Unlock("111112")
		var ce *phone.CodeError
		if !errors.As(err, &ce) || ce.Remaining != want || !errors.Is(err, phone.ErrWrongCode) {
			t.Fatalf("wrong code: %v, want %d attempts left", err, want)
		}
		if got := e.ph.State(); got != phone.ActiveLocked {
			t.Fatalf("state after a wrong code = %v", got)
		}
	}
	if err := e.ph.Unlock("111112"); !errors.Is(err, phone.ErrLockedOut) {
		t.Fatalf("fifth wrong code: %v, want ErrLockedOut", err)
	}
	if got := e.ph.State(); got != phone.NotActivated {
		t.Fatalf("state after lockout = %v", got)
	}
	if err := e.ph.Unlock(goodCode); !errors.Is(err, phone.ErrNotActivated) {
		t.Fatalf("right code after lockout: %v", err)
	}
	if st, _ := e.iss.CredentialStatus(id); !st.Revoked || st.Reason != issuer.ReasonLockout {
		t.Fatalf("credential after lockout: %+v", st)
	}
	e.until(t, "") // must be activated again
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
}

func TestIdleLock(t *testing.T) {
	fcOpts := func(idle time.Duration) (*env, *phone.Phone) {
		e := newEnv(t, "isere-solo", issuer.Options{}, nil)
		ph, err := phone.New(e.prof, phone.Options{Issuer: e.iss, Clock: e.fc, IdleLock: idle})
		if err != nil {
			t.Fatal(err)
		}
		e.ph = ph
		e.active(t)
		return e, ph
	}
	e, ph := fcOpts(2 * time.Minute)
	e.fc.Advance(2*time.Minute - time.Second)
	if got := ph.State(); got != phone.ActiveUnlocked {
		t.Fatalf("at idle - 1 s: %v", got)
	}
	if _, _, err := ph.Wallet(); err != nil { // use pushes the lock back
		t.Fatal(err)
	}
	e.fc.Advance(2*time.Minute - time.Second)
	if got := ph.State(); got != phone.ActiveUnlocked {
		t.Fatalf("idle - 1 s after use: %v", got)
	}
	e.fc.Advance(time.Second)
	if got := ph.State(); got != phone.ActiveLocked {
		t.Fatalf("at idle: %v", got)
	}
	if _, _, err := ph.Wallet(); !errors.Is(err, phone.ErrLocked) {
		t.Fatalf("Wallet when locked: %v", err)
	}
	if err := ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	ph.Lock()
	if _, err := ph.PresentQR(); !errors.Is(err, phone.ErrLocked) {
		t.Fatalf("PresentQR after Lock: %v", err)
	}
}

func TestChangeCodeEmailDeleteForgot(t *testing.T) {
	e := newEnv(t, "famille-6-drome", issuer.Options{}, nil)
	e.active(t)
	if err := e.ph.ChangeCode("111112", "593071", "593071"); !errors.Is(err, phone.ErrWrongCode) {
		t.Fatalf("change with a wrong old code: %v", err)
	}
	if err := e.ph.ChangeCode(goodCode, "111111", "111111"); !errors.Is(err, phone.ErrCodeTrivial) {
		t.Fatalf("change to a trivial code: %v", err)
	}
	if err := e.ph.ChangeCode(goodCode, "120481", "120481"); !errors.Is(err, phone.ErrCodeBirthDate) {
		t.Fatalf("change to the birth date: %v", err)
	}
	if err := e.ph.ChangeCode(goodCode, "593071", "593072"); !errors.Is(err, phone.ErrCodeMismatch) {
		t.Fatalf("change with a differing confirmation: %v", err)
	}
	if err := e.ph.ChangeCode(goodCode, "593071", "593071"); err != nil {
		t.Fatal(err)
	}
	e.ph.Lock()
	if err := e.ph.Unlock(goodCode); !errors.Is(err, phone.ErrWrongCode) {
		t.Fatalf("old code still works: %v", err)
	}
	if err := e.ph.Unlock("593071"); err != nil {
		t.Fatal(err)
	}

	// E-mail change: code to the new address, 1 hour.
	const addr = "nouvelle.adresse@example.test"
	if err := e.ph.ChangeEmail("pas-une-adresse"); !errors.Is(err, phone.ErrNoValidatedEmail) {
		t.Fatalf("bad address: %v", err)
	}
	if err := e.ph.ChangeEmail(addr); err != nil {
		t.Fatal(err)
	}
	code, _, ok := e.iss.Mailbox(addr)
	if !ok {
		t.Fatal("no code sent to the new address")
	}
	if err := e.ph.ConfirmEmail(code); err != nil {
		t.Fatal(err)
	}
	if e.ph.Email() != addr {
		t.Fatalf("Email = %q", e.ph.Email())
	}
	e.ph.Lock()
	if err := e.ph.ChangeEmail(addr); !errors.Is(err, phone.ErrLocked) {
		t.Fatalf("ChangeEmail when locked: %v", err)
	}

	// Forgotten code: activation again, old credential revoked.
	id, _ := e.ph.CredentialID()
	if err := e.ph.ForgotCode(); err != nil {
		t.Fatal(err)
	}
	if got := e.ph.State(); got != phone.Activating {
		t.Fatalf("after ForgotCode: %v", got)
	}
	if st, _ := e.iss.CredentialStatus(id); st.Reason != issuer.ReasonForgotten {
		t.Fatalf("after ForgotCode the credential is %+v", st)
	}
	for _, s := range stepNames[1:] {
		if err := e.step(s); err != nil {
			t.Fatalf("reactivation step %s: %v", s, err)
		}
	}

	// Delete the profile.
	id, _ = e.ph.CredentialID()
	if err := e.ph.DeleteProfile(); err != nil {
		t.Fatal(err)
	}
	if got := e.ph.State(); got != phone.ProfileDeleted {
		t.Fatalf("after DeleteProfile: %v", got)
	}
	if _, _, err := e.ph.Wallet(); !errors.Is(err, phone.ErrProfileDeleted) {
		t.Fatalf("Wallet after delete: %v", err)
	}
	view, _ := e.iss.PersonView(e.prof.OuvrantDroit().NIR)
	if view.AppState != issuer.AppDeleted || view.CredentialID == "" {
		t.Fatalf("portal after delete: %+v", view)
	}
	if st, _ := e.iss.CredentialStatus(id); !st.Revoked {
		t.Fatal("deleted profile's credential not revoked")
	}
	e.until(t, "")
	if got := e.ph.State(); got != phone.ActiveLocked {
		t.Fatalf("activation after delete: %v", got)
	}
}

func TestLapsedProfileIsRevoked(t *testing.T) {
	e := newEnv(t, "isere-solo", issuer.Options{}, nil)
	e.until(t, "open")
	e.fc.Advance(7*24*time.Hour + time.Second)
	view, _ := e.iss.PersonView(e.prof.OuvrantDroit().NIR)
	if view.ActivationState != issuer.ActivationLapsed || view.AppState != issuer.AppDeleted {
		t.Fatalf("portal after 7 days without reopening: %+v", view)
	}
	raw, err := e.iss.RevocationList(e.fc.Now())
	if err != nil {
		t.Fatal(err)
	}
	rl, err := credential.ParseRevocationList(raw, e.iss.ListAuthority())
	if err != nil || len(rl.Revoked) != 1 {
		t.Fatalf("revocation list = %+v, %v; want the lapsed credential", rl, err)
	}
}

func TestBlockRevokeByAgent(t *testing.T) {
	e := newEnv(t, "corse-2b", issuer.Options{}, nil)
	e.active(t)
	nir := e.prof.OuvrantDroit().NIR
	if err := e.iss.Block(nir); err != nil {
		t.Fatal(err)
	}
	if got := e.ph.State(); got != phone.Blocked {
		t.Fatalf("after Block: %v", got)
	}
	if _, _, err := e.ph.Wallet(); !errors.Is(err, phone.ErrBlocked) {
		t.Fatalf("Wallet when blocked: %v", err)
	}
	if err := e.ph.StartActivation(); err != nil {
		t.Fatal(err)
	}
	if err := e.step("nir"); !errors.Is(err, phone.ErrBlocked) {
		t.Fatalf("activation when blocked: %v", err)
	}
	if err := e.iss.Unblock(nir); err != nil {
		t.Fatal(err)
	}
	e.until(t, "")
	if got := e.ph.State(); got != phone.ActiveLocked {
		t.Fatalf("after unblock and activation: %v", got)
	}
	if err := e.iss.RevokeDevice(nir); err != nil {
		t.Fatal(err)
	}
	if got := e.ph.State(); got != phone.Revoked {
		t.Fatalf("after RevokeDevice: %v", got)
	}
	if err := e.ph.AddActivity(phone.Activity{PSID: "10000000001", PSName: "Dr X", AmountCents: 100}); !errors.Is(err, phone.ErrRevoked) {
		t.Fatalf("AddActivity on a revoked app: %v", err)
	}
}

func TestActivities(t *testing.T) {
	e := newEnv(t, "famille-6-drome", issuer.Options{}, nil)
	e.until(t, "")
	care := phone.Activity{Beneficiary: 3, PSID: "10101234567", PSName: "Dr Martin", AmountCents: 3000, Date: t0}
	if err := e.ph.AddActivity(care); err != nil { // locked: the PS writes without the code
		t.Fatal(err)
	}
	if _, err := e.ph.Activities(); !errors.Is(err, phone.ErrLocked) {
		t.Fatalf("Activities when locked: %v", err)
	}
	for _, bad := range []phone.Activity{
		{Beneficiary: 6, PSID: "1", PSName: "x", AmountCents: 1},
		{Beneficiary: -1, PSID: "1", PSName: "x", AmountCents: 1},
		{PSID: "1", PSName: "x", AmountCents: -1},
		{PSName: "x", AmountCents: 1},
		{PSID: "1", AmountCents: 1},
	} {
		if err := e.ph.AddActivity(bad); !errors.Is(err, phone.ErrInvalidActivity) {
			t.Fatalf("AddActivity(%+v) = %v", bad, err)
		}
	}
	e.fc.Advance(24 * time.Hour)
	later := care
	later.AmountCents, later.Date = 2550, time.Time{}
	if err := e.ph.AddActivity(later); err != nil {
		t.Fatal(err)
	}
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		if err := e.ph.Unlock(goodCode); err != nil { // the idle lock has struck
			t.Fatal(err)
		}
		as, err := e.ph.Activities()
		if err != nil {
			t.Fatal(err)
		}
		return len(as)
	}
	as, _ := e.ph.Activities()
	if len(as) != 2 || as[0].AmountCents != 3000 || as[1].Date.IsZero() || !as[0].RecordedAt.Equal(t0) {
		t.Fatalf("Activities = %+v", as)
	}
	e.fc.Advance(6*24*time.Hour - time.Second) // first: 7 d − 1 s
	if n := count(); n != 2 {
		t.Fatalf("at 7 d - 1 s: %d records", n)
	}
	e.fc.Advance(time.Second) // first: 7 d
	if n := count(); n != 1 {
		t.Fatalf("at 7 d: %d records, want 1", n)
	}
	e.fc.Advance(24 * time.Hour)
	if n := count(); n != 0 {
		t.Fatalf("at 8 d: %d records", n)
	}
	// Only expenses made with this app: a new activation starts empty.
	if err := e.ph.AddActivity(care); err != nil {
		t.Fatal(err)
	}
	other := e.newPhone(t, e.prof)
	e2 := &env{fc: e.fc, iss: e.iss, ph: other, prof: e.prof}
	e2.active(t)
	if as, _ := other.Activities(); len(as) != 0 {
		t.Fatalf("new phone shows %d records of the old app", len(as))
	}
}

// TestConcurrent drives one phone and the issuer from many goroutines; run
// with -race.
func TestConcurrent(t *testing.T) {
	e := newEnv(t, "famille-6-drome", issuer.Options{}, nil)
	e.active(t)
	nir := e.prof.OuvrantDroit().NIR
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				switch (g + i) % 8 {
				case 0:
					e.ph.Unlock(goodCode)
				case 1:
					e.ph.Wallet()
				case 2:
					e.ph.AddActivity(phone.Activity{Beneficiary: i % 6, PSID: "1", PSName: "Dr", AmountCents: int64(i)})
				case 3:
					e.ph.Activities()
				case 4:
					e.iss.PersonView(nir)
				case 5:
					e.iss.RevocationList(e.fc.Now())
				case 6:
					e.fc.Advance(time.Second)
					e.ph.State()
					e.ph.Profile()
					e.ph.ChangeEmail("autre@example.test")
				case 7:
					e.ph.PresentQR()
				}
			}
		}()
	}
	wg.Wait()
	if err := e.ph.Unlock(goodCode); err != nil {
		t.Fatalf("after the concurrent run: %v", err)
	}
	as, err := e.ph.Activities()
	if err != nil || len(as) == 0 {
		t.Fatalf("Activities after concurrent writes = %d, %v", len(as), err)
	}
}
