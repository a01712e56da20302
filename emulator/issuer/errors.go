package issuer

import (
	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential/service"
)

// Errors of the issuer backend. The phone shows them to its user; the portal
// to the agent. Every error the package returns wraps one of them or a
// credential sentinel; compare with errors.Is.
var (
	ErrUnknownNIR = apcverr.New("unknown-nir",
		"This social security number is not recognised.",
		"Ce numéro de sécurité sociale n'est pas reconnu.")
	ErrNotEligible = apcverr.New("not-eligible",
		"The carte Vitale app is not available yet for your health insurance fund or your département.",
		"L'appli carte Vitale n'est pas encore disponible pour votre organisme ou votre département.")
	ErrBlocked = apcverr.New("user-blocked",
		"Your access to the carte Vitale app is blocked. Contact your health insurance fund.",
		"Votre accès à l'appli carte Vitale est bloqué. Contactez votre caisse d'assurance maladie.")
	ErrNoValidatedEmail = apcverr.New("no-validated-email",
		"A validated e-mail address is required to activate the app.",
		"Une adresse e-mail validée est nécessaire pour activer l'appli.")
	ErrEmailCodeWrong = apcverr.New("email-code-wrong",
		"The code entered is not the one sent by e-mail.",
		"Le code saisi n'est pas celui envoyé par e-mail.")
	ErrEmailCodeExpired = apcverr.New("email-code-expired",
		"The e-mail code has expired (valid 1 hour). Ask for a new one.",
		"Le code reçu par e-mail a expiré (valable 1 heure). Demandez-en un nouveau.")
	ErrPendingValidation = apcverr.New("pending-validation",
		"Your activation request is being validated.",
		"Votre demande d'activation est en cours de validation.")
	ErrValidationExpired = apcverr.New("validation-expired",
		"Your activation request was not validated within 48 hours. Start the activation again.",
		"Votre demande d'activation n'a pas été validée sous 48 heures. Recommencez l'activation.")
	ErrProfileDeleted = apcverr.New("profile-deleted",
		"The profile was deleted from this phone (deleted, or the app was not opened within 7 days of its validation). Activate the app again.",
		"Le profil a été supprimé de ce téléphone (supprimé, ou appli non ouverte dans les 7 jours suivant sa validation). Activez l'appli à nouveau.")
	ErrNoActivation = apcverr.New("no-activation",
		"No activation request is waiting for this person.",
		"Aucune demande d'activation n'est en attente pour cette personne.")
	// ErrUnknownCredential is the online service's kind (the same code on
	// the wire and here).
	ErrUnknownCredential = service.ErrUnknownCredential
	ErrInvalidActivity   = apcverr.New("invalid-activity",
		"The care-expense record is invalid.",
		"L'enregistrement de la dépense de soins est invalide.")
	ErrBadState = apcverr.New("bad-state-dir",
		"The issuer's saved state could not be read.",
		"L'état enregistré de l'émetteur n'a pas pu être lu.")
	// ErrStateBusy: another process sharing the state directory held its
	// lock for longer than Options.LockTimeout; nothing was changed.
	ErrStateBusy = apcverr.New("issuer-state-busy",
		"The issuer's saved state is in use by another program. Try again.",
		"L'état enregistré de l'émetteur est utilisé par un autre programme. Réessayez.")
)
