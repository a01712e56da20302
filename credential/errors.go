package credential

import "github.com/apcvkit/apcvkit/apcverr"

// Errors of decoding and verification. Every error returned by this package
// wraps one of them; compare with errors.Is.
var (
	ErrInvalidField = apcverr.New("invalid-field",
		"The patient's data are invalid. Ask the patient to update the carte Vitale app.",
		"Les données du patient sont invalides. Demandez au patient de mettre à jour l'appli carte Vitale.")
	ErrMalformed = apcverr.New("malformed",
		"The data read from the phone are damaged. Present the phone again.",
		"Les données lues sur le téléphone sont altérées. Présentez à nouveau le téléphone.")
	ErrTooLarge = apcverr.New("too-large",
		"The data read from the phone are too large. Present the phone again.",
		"Les données lues sur le téléphone sont trop volumineuses. Présentez à nouveau le téléphone.")
	ErrUnsupportedVersion = apcverr.New("unsupported-version",
		"This version of the carte Vitale app is not supported by your software. Update your software.",
		"Cette version de l'appli carte Vitale n'est pas prise en charge par votre logiciel. Mettez-le à jour.")
	ErrBadSignature = apcverr.New("bad-signature",
		"The carte Vitale app data could not be authenticated. Do not use them; ask the patient to present the app again.",
		"Les données de l'appli carte Vitale n'ont pas pu être authentifiées. Ne les utilisez pas ; demandez au patient de présenter l'appli à nouveau.")
	ErrUnknownIssuer = apcverr.New("unknown-issuer",
		"The carte Vitale app was issued by an authority your software does not trust. Update the trust list.",
		"L'appli carte Vitale a été émise par une autorité que votre logiciel ne reconnaît pas. Mettez à jour la liste de confiance.")
	ErrExpired = apcverr.New("credential-expired",
		"The carte Vitale app data have expired. Ask the patient to open the app connected to the internet to renew them.",
		"Les données de l'appli carte Vitale ont expiré. Demandez au patient d'ouvrir l'appli connectée à internet pour les renouveler.")
	ErrNotYetValid = apcverr.New("credential-not-yet-valid",
		"The carte Vitale app data are not valid yet. Check the computer's date and time.",
		"Les données de l'appli carte Vitale ne sont pas encore valides. Vérifiez la date et l'heure de l'ordinateur.")
	ErrDeviceBinding = apcverr.New("device-binding",
		"The phone could not prove it holds this carte Vitale app. Do not use the data.",
		"Le téléphone n'a pas pu prouver qu'il détient cette appli carte Vitale. N'utilisez pas les données.")
	ErrQRExpired = apcverr.New("qr-expired",
		"This QR code has expired. Ask the patient to refresh it in the app.",
		"Ce QR code a expiré. Demandez au patient de l'actualiser dans l'appli.")
	ErrReplayed = apcverr.New("replayed",
		"This QR code has already been read. Ask the patient to refresh it in the app.",
		"Ce QR code a déjà été lu. Demandez au patient de l'actualiser dans l'appli.")
	ErrRevoked = apcverr.New("revoked",
		"This carte Vitale app has been revoked. The patient must contact their caisse or use the physical card.",
		"Cette appli carte Vitale a été révoquée. Le patient doit contacter sa caisse ou utiliser sa carte physique.")
	ErrGroupMissing = apcverr.New("group-missing",
		"The phone did not release the requested data. Ask the patient to accept the sharing in the app.",
		"Le téléphone n'a pas transmis les données demandées. Demandez au patient d'accepter le partage dans l'appli.")
	ErrTrustListStale = apcverr.New("trust-list-stale",
		"The trust list is out of date. Connect the software to the internet to update it.",
		"La liste de confiance est périmée. Connectez le logiciel à internet pour la mettre à jour.")
	ErrRevocationListStale = apcverr.New("revocation-list-stale",
		"The revocation list is out of date. Connect the software to the internet to update it.",
		"La liste de révocation est périmée. Connectez le logiciel à internet pour la mettre à jour.")
	ErrBadList = apcverr.New("list-invalid",
		"The trust or revocation list received is invalid and was refused; the software keeps the list in use. Check the list server.",
		"La liste de confiance ou de révocation reçue est invalide et a été refusée ; le logiciel garde la liste en service. Vérifiez le serveur de listes.")
	ErrRollback = apcverr.New("list-rollback",
		"A list older than the one in use was refused.",
		"Une liste plus ancienne que celle en service a été refusée.")
	ErrResolutionMismatch = apcverr.New("resolution-mismatch",
		"The online service's answer does not match the QR code scanned, or this software's certificate. Do not use it; ask the patient for the offline QR code.",
		"La réponse du service en ligne ne correspond pas au QR code lu, ou au certificat de ce logiciel. Ne l'utilisez pas ; demandez au patient le QR code hors ligne.")
	ErrServiceClockSkew = apcverr.New("service-clock-skew",
		"The online service's clock and this computer's disagree. Check the computer's date and time; meanwhile, ask the patient for the offline QR code.",
		"L'horloge du service en ligne et celle de cet ordinateur ne concordent pas. Vérifiez la date et l'heure de l'ordinateur ; en attendant, demandez au patient le QR code hors ligne.")
)
