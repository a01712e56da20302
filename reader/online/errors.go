package online

import "github.com/apcvkit/apcvkit/apcverr"

// Errors of the reader's side of the online service. The kinds the service
// itself answers (ps-cert-refused, ps-revoked, already-resolved,
// unknown-credential, service-unavailable…) are package
// credential/service's; these are the failures only the reader sees. Each
// desk message says what to do meanwhile: ask for the offline QR code.
var (
	// ErrServiceTimeout: the service did not answer within the deadline
	// (Config.Timeout, or the caller's ctx).
	ErrServiceTimeout = apcverr.New("service-timeout",
		"The online service of the health insurance did not answer in time. Ask the patient for the offline QR code (in the app).",
		"Le service en ligne de l'assurance maladie n'a pas répondu à temps. Demandez au patient le QR code hors ligne (dans l'appli).")
	// ErrServiceCert: the service's certificate does not chain to the
	// pinned roots, or is not for its address.
	ErrServiceCert = apcverr.New("service-cert",
		"The online service's certificate is not the expected one: the connection was stopped. Ask the patient for the offline QR code and tell your software's support.",
		"Le certificat du service en ligne n'est pas celui attendu : la connexion a été interrompue. Demandez au patient le QR code hors ligne et prévenez le support de votre logiciel.")
	// ErrOnlineNotConfigured: a short QR code was scanned, or rights
	// asked for, and no online service is configured (or its
	// configuration is incomplete).
	ErrOnlineNotConfigured = apcverr.New("online-not-configured",
		"This is an online QR code and your software is not set up for the online service. Ask the patient for the offline QR code (in the app).",
		"Ce QR code est un QR code en ligne et votre logiciel n'est pas configuré pour le service en ligne. Demandez au patient le QR code hors ligne (dans l'appli).")
	// ErrRightsUnavailable: the AMO rights could not be fetched; the
	// identity itself is verified. It wraps the failure.
	ErrRightsUnavailable = apcverr.New("rights-unavailable",
		"The patient's AMO rights could not be fetched online. The identity is valid; check the rights later or by your usual means.",
		"Les droits AMO du patient n'ont pas pu être récupérés en ligne. L'identité est valide ; vérifiez les droits plus tard ou par votre moyen habituel.")
)
