package phone

import (
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/nfc"
)

// Errors the app shows its user, with the real app's meaning. Every error the
// package returns wraps one of them (or one of the issuer's, re-exported
// below); compare with errors.Is, show with apcverr.Message.
var (
	ErrInvalidNIR = apcverr.New("invalid-nir",
		"This social security number is not valid. Check the 15 digits on your carte Vitale.",
		"Ce numéro de sécurité sociale n'est pas valide. Vérifiez les 15 chiffres de votre carte Vitale.")
	ErrTooManyNIRAttempts = apcverr.New("nir-attempts",
		"Too many attempts to enter your social security number. Try again later.",
		"Trop de tentatives de saisie du numéro de sécurité sociale. Réessayez plus tard.")
	ErrConsentRefused = apcverr.New("consent-refused",
		"Without your consent to the biometric check, the app cannot be activated.",
		"Sans votre consentement à la vérification biométrique, l'appli ne peut pas être activée.")
	ErrIdentityCheckFailed = apcverr.New("identity-check-failed",
		"Your identity could not be verified. Check your identity document and try again.",
		"Votre identité n'a pas pu être vérifiée. Vérifiez votre pièce d'identité et réessayez.")
	ErrCodeFormat = apcverr.New("code-format",
		"The secret code must have 6 digits.",
		"Le code secret doit comporter 6 chiffres.")
	ErrCodeTrivial = apcverr.New("code-trivial",
		"This secret code is too simple (such as 000000 or 123456). Choose another one.",
		"Ce code secret est trop simple (comme 000000 ou 123456). Choisissez-en un autre.")
	ErrCodeBirthDate = apcverr.New("code-birth-date",
		"The secret code must not be derived from your birth date. Choose another one.",
		"Le code secret ne doit pas être tiré de votre date de naissance. Choisissez-en un autre.")
	ErrCodeMismatch = apcverr.New("code-mismatch",
		"The two codes entered differ. Enter the same code twice.",
		"Les deux codes saisis sont différents. Saisissez deux fois le même code.")
	ErrWrongCode = apcverr.New("wrong-code",
		"Wrong secret code.",
		"Code secret erroné.")
	ErrLockedOut = apcverr.New("locked-out",
		"Too many wrong secret codes: the app is locked. Activate it again.",
		"Trop de codes secrets erronés : l'appli est bloquée. Activez-la à nouveau.")
	ErrNotActivated = apcverr.New("not-activated",
		"The carte Vitale app is not activated on this phone.",
		"L'appli carte Vitale n'est pas activée sur ce téléphone.")
	ErrActivationStep = apcverr.New("activation-step",
		"Finish the previous activation step first.",
		"Terminez d'abord l'étape précédente de l'activation.")
	ErrChooseBeneficiary = apcverr.New("choose-beneficiary",
		"The whole family does not fit in one QR code. Choose the person being seen.",
		"Toute la famille ne tient pas dans un seul QR code. Choisissez la personne soignée.")
	ErrOffline = apcverr.New("phone-offline",
		"No Internet connection: the carte Vitale app cannot reach the health insurance. Connect the phone and open the app again.",
		"Pas de connexion Internet : l'appli carte Vitale ne peut pas joindre l'Assurance Maladie. Connectez le téléphone et rouvrez l'appli.")
)

// Errors a reader also sees, defined by nfc (their one home): the same
// values, so errors.Is holds with either name.
var (
	// ErrLocked is nfc.ErrAppLocked: the app is not unlocked.
	ErrLocked = nfc.ErrAppLocked
	// ErrNoNFC is nfc.ErrNoNFC: this phone cannot be read contactless.
	ErrNoNFC = nfc.ErrNoNFC
)

// Errors decided by the issuer, re-exported so that a phone user needs one
// package: they are the same values (errors.Is holds with either name).
var (
	ErrUnknownNIR        = issuer.ErrUnknownNIR
	ErrNoValidatedEmail  = issuer.ErrNoValidatedEmail
	ErrPendingValidation = issuer.ErrPendingValidation
	ErrInvalidActivity   = issuer.ErrInvalidActivity
	ErrNotEligible       = issuer.ErrNotEligible
	ErrBlocked           = issuer.ErrBlocked
	ErrEmailCodeWrong    = issuer.ErrEmailCodeWrong
	ErrEmailCodeExpired  = issuer.ErrEmailCodeExpired
	ErrValidationExpired = issuer.ErrValidationExpired
	ErrProfileDeleted    = issuer.ErrProfileDeleted
	// ErrActivationRejected: the back office rejected the activation request;
	// the error also wraps the reason's own (see issuer.RejectReasons).
	ErrActivationRejected = issuer.ErrActivationRejected
	// ErrRevoked is credential.ErrRevoked: the credential this phone holds is
	// revoked (the app was activated on another phone, or revoked by an agent).
	ErrRevoked = credential.ErrRevoked
)

// CodeError is a wrong secret code; it says how many attempts remain before
// the app locks out. It unwraps to ErrWrongCode.
type CodeError struct {
	Remaining int
}

func (e *CodeError) Error() string {
	return fmt.Sprintf("%v (%d attempts left)", ErrWrongCode, e.Remaining)
}

// Message returns the desk message with the attempts left.
func (e *CodeError) Message(lang apcverr.Lang) string {
	if lang == apcverr.FR {
		return fmt.Sprintf("%s Il reste %d essai(s).", ErrWrongCode.FR, e.Remaining)
	}
	return fmt.Sprintf("%s %d attempt(s) left.", ErrWrongCode.EN, e.Remaining)
}

// Unwrap returns ErrWrongCode.
func (e *CodeError) Unwrap() error { return ErrWrongCode }
