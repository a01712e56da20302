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
