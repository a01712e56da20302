package service

import (
	"github.com/apcvkit/apcvkit/apcverr"
)

// Endpoints and media types.
const (
	PathResolve     = "/v2/resolve"
	PathRights      = "/v2/rights"
	ContentTypeCOSE = "application/cose"
	ContentTypeJSON = "application/json"
	// MaxRequestBody bounds a request body: a rights request for
	// rights.MaxWho beneficiaries fits with room to spare.
	MaxRequestBody = 8 << 10
	// MaxAnswer bounds an answer body, for the client.
	MaxAnswer = 64 << 10
)

// ResolveRequest is the body of POST PathResolve: the scanned short QR text
// and the groups the reader asks for (credential.Group names).
type ResolveRequest struct {
	QR     string   `json:"qr"`
	Groups []string `json:"groups"`
}

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	Code      string `json:"code"`
	MessageFR string `json:"message_fr"`
	MessageEN string `json:"message_en"`
}

// ErrorBodyOf returns the answer for error kind e.
func ErrorBodyOf(e *apcverr.Error) ErrorBody {
	return ErrorBody{Code: e.Code, MessageFR: e.FR, MessageEN: e.EN}
}

// ErrorByCode returns the error kind of the catalogue (apcverr.All: the
// kinds of the packages linked in) with this code, or nil.
func ErrorByCode(code string) *apcverr.Error {
	for _, e := range apcverr.All() {
		if e.Code == code {
			return e
		}
	}
	return nil
}

// Error kinds the service answers, besides credential's (malformed,
// unsupported-version, too-large, invalid-field, device-binding,
// qr-expired, revoked, credential-expired). The advice to the desk is the
// offline QR code, which needs no service.
var (
	// ErrPSCertRefused: no client certificate, or one the PS authority did
	// not issue or that has expired (401).
	ErrPSCertRefused = apcverr.New("ps-cert-refused",
		"The online service refused your health professional certificate. Check the certificate configured in your software, or ask the patient for the offline QR code.",
		"Le service en ligne a refusé votre certificat de professionnel de santé. Vérifiez le certificat configuré dans votre logiciel, ou demandez au patient le QR code hors ligne.")
	// ErrPSRevoked: the professional's certificate is revoked (403).
	ErrPSRevoked = apcverr.New("ps-revoked",
		"Your health professional certificate has been revoked: the online service refuses it. Renew it, and meanwhile ask the patient for the offline QR code.",
		"Votre certificat de professionnel de santé a été révoqué : le service en ligne le refuse. Renouvelez-le, et en attendant demandez au patient le QR code hors ligne.")
	// ErrAlreadyResolved: this short QR code was already resolved, at
	// this desk or another (409).
	ErrAlreadyResolved = apcverr.New("already-resolved",
		"This QR code has already been used. Ask the patient to refresh it in the app.",
		"Ce QR code a déjà été utilisé. Demandez au patient de l'actualiser dans l'appli.")
	// ErrUnknownCredential: the issuer knows no credential with this id (404).
	ErrUnknownCredential = apcverr.New("unknown-credential",
		"This carte Vitale app is not known to the issuer (it may have been replaced by a newer one on another phone). At the desk, ask the patient for the offline QR code.",
		"Cette appli carte Vitale n'est pas connue de l'émetteur (elle a pu être remplacée par une plus récente sur un autre téléphone). Au guichet, demandez au patient le QR code hors ligne.")
	// ErrUnknownBeneficiary: no beneficiary has this NIR, birth date and
	// rank (404, rights).
	ErrUnknownBeneficiary = apcverr.New("unknown-beneficiary",
		"The health insurance knows no beneficiary with this social security number, birth date and rank: the rights could not be fetched.",
		"L'assurance maladie ne connaît pas de bénéficiaire avec ce numéro de sécurité sociale, cette date de naissance et ce rang : les droits n'ont pas pu être récupérés.")
	// ErrServiceUnavailable: the service is down or overloaded (503);
	// the client also maps network failures to it.
	ErrServiceUnavailable = apcverr.New("service-unavailable",
		"The online service of the health insurance cannot be reached. Ask the patient for the offline QR code.",
		"Le service en ligne de l'assurance maladie est injoignable. Demandez au patient le QR code hors ligne.")
	// ErrBadRequest: the body is not the expected JSON (400).
	ErrBadRequest = apcverr.New("service-bad-request",
		"The software sent the online service a malformed request. Update your software.",
		"Le logiciel a envoyé au service en ligne une requête mal formée. Mettez à jour votre logiciel.")
	// ErrNotFound: no such endpoint or method (404, 405).
	ErrNotFound = apcverr.New("service-not-found",
		"The online service has no such address. Check the service address configured in your software.",
		"Le service en ligne n'a pas cette adresse. Vérifiez l'adresse du service configurée dans votre logiciel.")
	// ErrServiceInternal: the service failed (500).
	ErrServiceInternal = apcverr.New("service-internal",
		"The online service failed to answer. Try again, or ask the patient for the offline QR code.",
		"Le service en ligne n'a pas pu répondre. Réessayez, ou demandez au patient le QR code hors ligne.")
)
