package issuer

import (
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
)

// Back-office rejection of an activation request (Reject).

// RejectReason is why the back office rejected an activation request after
// checking the identity video. The codes are stable (they are saved).
type RejectReason string

// The reasons of a rejection: the causes the identity check can find.
const (
	// RejectDocumentInvalid: the identity document is not accepted (expired,
	// of a kind not accepted, its back missing, unreadable).
	RejectDocumentInvalid RejectReason = "document-invalid"
	// RejectDocumentNotAuthentic: the document's security features (the
	// hologram) could not be seen, or the document looks forged.
	RejectDocumentNotAuthentic RejectReason = "document-not-authentic"
	// RejectFaceMismatch: the selfie does not match the document's photo.
	RejectFaceMismatch RejectReason = "face-mismatch"
	// RejectIdentityMismatch: the document's identity is not the one the
	// health insurance knows for this social security number.
	RejectIdentityMismatch RejectReason = "identity-mismatch"
	// RejectVideoUnusable: the video is too dark, blurred or cut.
	RejectVideoUnusable RejectReason = "video-unusable"
)

// Errors of a rejection: ErrActivationRejected, and one per reason (each
// wraps it: errors.Is(err, ErrActivationRejected) holds for all).
var (
	ErrActivationRejected = apcverr.New("activation-rejected",
		"Your activation request was rejected after the identity check. Start the activation again.",
		"Votre demande d'activation a été refusée après la vérification d'identité. Recommencez l'activation.")
	ErrUnknownRejectReason = apcverr.New("unknown-reject-reason",
		"This rejection reason is not known.",
		"Ce motif de refus n'est pas connu.")

	// The reasons' errors, the app's words for each RejectReason.
	ErrRejectedDocumentInvalid = apcverr.New("rejected-document-invalid",
		"Activation refused: your identity document was not accepted (expired, not an accepted kind, or its back missing). Start again with a valid document.",
		"Activation refusée : votre pièce d'identité n'a pas été acceptée (expirée, non admise ou verso manquant). Recommencez avec une pièce valide.")
	ErrRejectedDocumentNotAuthentic = apcverr.New("rejected-document-not-authentic",
		"Activation refused: the security features of your identity document (hologram) could not be verified. Start again, tilting the document in the video.",
		"Activation refusée : les éléments de sécurité de votre pièce d'identité (hologramme) n'ont pas pu être vérifiés. Recommencez en inclinant la pièce pendant la vidéo.")
	ErrRejectedFaceMismatch = apcverr.New("rejected-face-mismatch",
		"Activation refused: your selfie does not match the photo of your identity document. Start again.",
		"Activation refusée : votre selfie ne correspond pas à la photo de votre pièce d'identité. Recommencez l'activation.")
	ErrRejectedIdentityMismatch = apcverr.New("rejected-identity-mismatch",
		"Activation refused: the identity on your document is not the one your health insurance fund knows. Contact your fund.",
		"Activation refusée : l'identité de votre pièce ne correspond pas à celle connue de votre caisse d'assurance maladie. Contactez votre caisse.")
	ErrRejectedVideoUnusable = apcverr.New("rejected-video-unusable",
		"Activation refused: the video could not be used (too dark, blurred or cut). Start again in good light.",
		"Activation refusée : la vidéo n'a pas pu être exploitée (trop sombre, floue ou coupée). Recommencez avec un bon éclairage.")
)

var rejectErrs = map[RejectReason]*apcverr.Error{
	RejectDocumentInvalid:      ErrRejectedDocumentInvalid,
	RejectDocumentNotAuthentic: ErrRejectedDocumentNotAuthentic,
	RejectFaceMismatch:         ErrRejectedFaceMismatch,
	RejectIdentityMismatch:     ErrRejectedIdentityMismatch,
	RejectVideoUnusable:        ErrRejectedVideoUnusable,
}

// RejectReasons returns every reason Reject accepts.
func RejectReasons() []RejectReason {
	return []RejectReason{RejectDocumentInvalid, RejectDocumentNotAuthentic, RejectFaceMismatch,
		RejectIdentityMismatch, RejectVideoUnusable}
}

// Err returns the error the app shows for this rejection: the reason's
// desk message first (apcverr.Message finds it), wrapping
// ErrActivationRejected. An unknown reason gives ErrActivationRejected.
func (r RejectReason) Err() error {
	e, ok := rejectErrs[r]
	if !ok {
		return fmt.Errorf("reason %q: %w", string(r), ErrActivationRejected)
	}
	return fmt.Errorf("%w: %w", e, ErrActivationRejected)
}
