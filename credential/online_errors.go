package credential

import "github.com/apcvkit/apcvkit/apcverr"

// Errors of the online resolution of a short QR code (protocol version 2)
// and of the online AMO rights. They live here, beside the format, so that
// both sides import them: the issuer's service answers their codes, the
// reader (reader/online) maps the codes back to them. Each desk message
// says what to do meanwhile: ask the patient for the offline QR code.
var (
	ErrServiceUnavailable = apcverr.New("service-unavailable",
		"The carte Vitale app online service cannot be reached. Ask the patient for the offline QR code (in the app) or use the carte Vitale.",
		"Le service en ligne de l'appli carte Vitale est injoignable. Demandez au patient le QR code hors ligne (dans l'appli) ou utilisez la carte Vitale.")
	ErrServiceTimeout = apcverr.New("service-timeout",
		"The carte Vitale app online service did not answer in time. Ask the patient for the offline QR code (in the app).",
		"Le service en ligne de l'appli carte Vitale n'a pas répondu à temps. Demandez au patient le QR code hors ligne (dans l'appli).")
	ErrServiceBusy = apcverr.New("service-busy",
		"The carte Vitale app online service is overloaded. Try again in a moment or ask the patient for the offline QR code.",
		"Le service en ligne de l'appli carte Vitale est surchargé. Réessayez dans un instant ou demandez au patient le QR code hors ligne.")
	ErrServiceCert = apcverr.New("service-cert",
		"The online service's certificate is not the expected one: the connection was stopped. Ask the patient for the offline QR code and tell your software's support.",
		"Le certificat du service en ligne n'est pas celui attendu : la connexion a été interrompue. Demandez au patient le QR code hors ligne et prévenez le support de votre logiciel.")
	ErrPSCertRefused = apcverr.New("ps-cert-refused",
		"The online service refused your health professional certificate. Check it in the settings; meanwhile ask the patient for the offline QR code.",
		"Le service en ligne a refusé votre certificat de professionnel de santé. Vérifiez-le dans les paramètres ; en attendant, demandez au patient le QR code hors ligne.")
	ErrPSRevoked = apcverr.New("ps-revoked",
		"Your health professional certificate has been revoked: the online service refuses it. Contact your certification authority; meanwhile ask the patient for the offline QR code.",
		"Votre certificat de professionnel de santé a été révoqué : le service en ligne le refuse. Contactez votre autorité de certification ; en attendant, demandez au patient le QR code hors ligne.")
	ErrAlreadyResolved = apcverr.New("already-resolved",
		"This QR code has already been used, here or at another desk. Ask the patient to refresh it in the app, or for the offline QR code.",
		"Ce QR code a déjà été utilisé, ici ou à un autre poste. Demandez au patient de l'actualiser dans l'appli, ou le QR code hors ligne.")
	ErrShortQRUnknown = apcverr.New("short-qr-unknown",
		"The online service does not know this QR code. Ask the patient to refresh it in the app, or for the offline QR code.",
		"Le service en ligne ne connaît pas ce QR code. Demandez au patient de l'actualiser dans l'appli, ou le QR code hors ligne.")
	ErrOnlineNotConfigured = apcverr.New("online-not-configured",
		"This is an online QR code and your software is not set up for the online service. Ask the patient for the offline QR code (in the app).",
		"Ce QR code est un QR code en ligne et votre logiciel n'est pas configuré pour le service en ligne. Demandez au patient le QR code hors ligne (dans l'appli).")
	ErrRightsUnavailable = apcverr.New("rights-unavailable",
		"The patient's AMO rights could not be fetched online. The identity is valid; check the rights later or by your usual means.",
		"Les droits AMO du patient n'ont pas pu être récupérés en ligne. L'identité est valide ; vérifiez les droits plus tard ou par votre moyen habituel.")
)
