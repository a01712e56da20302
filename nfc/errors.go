package nfc

import (
	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/apdu"
)

// Transport is the APDU carrier the NFC reader speaks through.
type Transport = apdu.Transport

// Errors of the NFC mode. Transports wrap them with context; compare with errors.Is.
var (
	// ErrPhoneRemoved: the phone left the field during an exchange (tearing).
	ErrPhoneRemoved = apcverr.New("phone-removed",
		"The phone was moved away too early. Ask the patient to hold it still on the reader until the end.",
		"Le téléphone a été retiré trop tôt. Demandez au patient de le maintenir immobile sur le lecteur jusqu'à la fin.")
	// ErrPhoneTimeout: the phone stopped answering within the step's deadline.
	ErrPhoneTimeout = apcverr.New("phone-timeout",
		"The phone did not answer in time. Ask the patient to present it again.",
		"Le téléphone n'a pas répondu à temps. Demandez au patient de le présenter à nouveau.")
	// ErrNoPhone: no phone was presented before the deadline.
	ErrNoPhone = apcverr.New("no-phone",
		"No phone was presented to the reader.",
		"Aucun téléphone n'a été présenté au lecteur.")
	// ErrReaderUnplugged: the contactless reader disappeared.
	ErrReaderUnplugged = apcverr.New("reader-unplugged",
		"The contactless reader was unplugged. Plug it back in and try again.",
		"Le lecteur sans contact a été débranché. Rebranchez-le puis réessayez.")
	// ErrUnknownReader: the named reader does not exist.
	ErrUnknownReader = apcverr.New("unknown-reader",
		"The contactless reader was not found. Check its name and connection.",
		"Le lecteur sans contact est introuvable. Vérifiez son nom et son branchement.")
	// ErrNoService: the PC/SC service (pcscd) is not running.
	ErrNoService = apcverr.New("pcsc-no-service",
		"The smart-card service is not running on this computer. Start it (pcscd) and try again.",
		"Le service carte à puce ne fonctionne pas sur cet ordinateur. Démarrez-le (pcscd) puis réessayez.")
	// ErrSharingViolation: another application holds the reader exclusively.
	ErrSharingViolation = apcverr.New("pcsc-sharing-violation",
		"Another application is using the contactless reader. Close it and try again.",
		"Une autre application utilise le lecteur sans contact. Fermez-la puis réessayez.")
)

// Errors the reader raises from the applet's answers.
var (
	// ErrAppLocked: the app is not unlocked (status word 6982).
	ErrAppLocked = apcverr.New("app-locked",
		"The carte Vitale app is locked. Ask the patient to enter their secret code, then present the phone again.",
		"L'appli carte Vitale est verrouillée. Demandez au patient de saisir son code secret, puis de présenter à nouveau le téléphone.")
	// ErrAppRevoked: the app was revoked or its user blocked (status word 6283).
	ErrAppRevoked = apcverr.New("app-revoked",
		"This carte Vitale app has been revoked. The patient must contact their caisse or use the physical card.",
		"Cette appli carte Vitale a été révoquée. Le patient doit contacter sa caisse ou utiliser sa carte physique.")
	// ErrNoApplet: the phone in the field has no ApCV applet (status word 6A82 on SELECT),
	// e.g. the app is not installed, not activated, or another card was presented.
	ErrNoApplet = apcverr.New("no-apcv-applet",
		"The phone presented does not answer as a carte Vitale app. Ask the patient to open the app and choose contactless, or use the QR code.",
		"Le téléphone présenté ne répond pas comme une appli carte Vitale. Demandez au patient d'ouvrir l'appli et de choisir le sans contact, ou utilisez le QR code.")
	// ErrProtocol: the phone broke the applet protocol (unexpected status word or data).
	ErrProtocol = apcverr.New("nfc-protocol",
		"The phone answered incorrectly. Present it again; if it fails again, use the QR code.",
		"Le téléphone a mal répondu. Présentez-le à nouveau ; en cas de nouvel échec, utilisez le QR code.")
	// ErrNoNFC: the phone has no usable NFC (iPhones, some Android phones).
	ErrNoNFC = apcverr.New("no-nfc",
		"This phone cannot be read contactless. Ask the patient to show the QR code in the app.",
		"Ce téléphone ne peut pas être lu en sans contact. Demandez au patient d'afficher le QR code dans l'appli.")
)
