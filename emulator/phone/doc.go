// Package phone emulates a phone running the appli carte Vitale (ApCV): the
// profile it holds, the activation with every refusal of the real app, the
// secret code, revocation and blocking seen from the phone, and Activités.
// Hardware testers and the SDK's tests use it in place of a real phone; the
// HCE applet (emulator/applet) and the QR presenter read its Wallet.
//
// Two lines give an activated phone on a virtual clock:
//
//	ph, _ := phone.New(profile, phone.Options{Issuer: iss, Clock: fc})
//	err := ph.Activate("482915") // every step, validation, then Open
//
// The steps one by one, each with its typed refusal (see errors.go):
//
//	StartActivation → EnterNIR (ErrInvalidNIR, ErrUnknownNIR, ErrTooManyNIRAttempts,
//	ErrNotEligible, ErrBlocked) → SendEmailCode / VerifyEmailCode (ErrNoValidatedEmail,
//	ErrEmailCodeWrong, ErrEmailCodeExpired after 1 h) → ConsentBiometrics
//	(ErrConsentRefused) → CheckIdentity (ErrIdentityCheckFailed) → ChooseCode
//	(ErrCodeFormat, ErrCodeTrivial, ErrCodeBirthDate, ErrCodeMismatch) → Submit
//	→ issuer.Validate within 48 h (ErrValidationExpired) or issuer.Reject (Open
//	shows the reason: ErrActivationRejected) → Open within 7 days of the
//	validation (ErrProfileDeleted) → Unlock.
//
// The France Identité route (the article on the opening of the app to
// all; see franceid.go and package emulator/franceid) reads the person's
// CNIe instead of filming it, and the app is active at once:
//
//	StartActivationFranceIdentite → EnterNIR (no département rule) → e-mail
//	→ ReadCNIe (France Identité installed and activated, NFC on, an
//	unmodified system, the card's PIN, signature and expiry) → ChooseCode
//	→ Submit (the issuer matches the card with the record: ActiveLocked).
//
// The app's prerequisites (prereq.go: minimum OS, no tablet, autofocus,
// CGU, camera and microphone, the connection at every step) and the
// faults the article's readers report (faults.go) are profile attributes
// with typed refusals; the case profiles that reproduce them are listed by
// CaseProfiles.
//
// Every later Open of the active app, online, renews its credential (valid
// 90 days from then, with the health insurance's data of the day) and moves
// UpdatedAt, the app's "date de mise à jour"; a phone offline
// (Options.Offline, SetOnline) keeps what it holds, and readers refuse it
// once expired (credential-expired) until it is opened online.
//
// Persistence: Open(dir, profile, opts) keeps the app's state in
// dir/<profile>.json and saves it on every change, atomically and durably
// (emulator/store), before the method returns: state, activation progress,
// device key, credential, the secret code's salted PBKDF2 hash (never the
// code), attempt counters, QR counter, e-mail. A restarted app is locked.
// Keep the issuer beside it (issuer.Open):
//
//	iss, _ := issuer.Open(filepath.Join(state, "issuer"), issuer.Options{})
//	ph, _ := phone.Open(filepath.Join(state, "phones"), profile, phone.Options{Issuer: iss})
//	err := ph.ActivateOrUnlock("482915") // activates the first time only
//
// Profiles are JSON files; the built-in ones (Profiles, BuiltinProfile) live in
// emulator/profiles and are embedded. Time is the injected
// clock.Clock: with a *clock.Fake every deadline (48 h, 1 h, 7 days, idle lock)
// is crossed with Advance. The phone never logs personal data.
package phone
