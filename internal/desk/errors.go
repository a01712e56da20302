package desk

import (
	"github.com/apcvkit/apcvkit/apcverr"
)

// Errors of the session. Errors from below (reader, credential, nfc,
// qrscan) pass through wrapped, with their own codes.
var (
	// ErrBadConfig: the JSON configuration is malformed, has an unknown
	// field, or asks for something inconsistent.
	ErrBadConfig = apcverr.New("bad-config",
		"The reading configuration is invalid. Check the settings of the carte Vitale app reading.",
		"La configuration de lecture est invalide. Vérifiez les paramètres de lecture de l'appli carte Vitale.")
	// ErrCancelled: the Read (or the wait for an event) was cancelled by Cancel.
	ErrCancelled = apcverr.New("cancelled",
		"The reading was cancelled.",
		"La lecture a été annulée.")
	// ErrTimeout: no presentation came before the Read's deadline.
	ErrTimeout = apcverr.New("read-timeout",
		"No carte Vitale app was presented in time. Start the reading again.",
		"Aucune appli carte Vitale n'a été présentée à temps. Relancez la lecture.")
	// ErrBadReceipt: the receipt JSON is malformed or its fields are out of range.
	ErrBadReceipt = apcverr.New("bad-receipt",
		"The expense could not be sent: its details are invalid.",
		"La dépense n'a pas pu être transmise : ses informations sont invalides.")
	// ErrNoEvent: no event came before the wait's deadline.
	ErrNoEvent = apcverr.New("no-event",
		"No new event happened in the time given.",
		"Aucun nouvel événement n'est survenu dans le délai donné.")
	// ErrBadHandle: a C caller used a handle that is not open (libapcv).
	ErrBadHandle = apcverr.New("bad-handle",
		"The reading session is not open. Open a new one.",
		"La session de lecture n'est pas ouverte. Ouvrez-en une nouvelle.")
	// ErrBadArgument: a C caller passed a null or invalid argument (libapcv).
	ErrBadArgument = apcverr.New("bad-argument",
		"The reading software called the library with an invalid argument. Contact your software's support.",
		"Le logiciel a appelé la bibliothèque de lecture avec un argument invalide. Contactez le support de votre logiciel.")
)

// ErrorJSON is the JSON body of an error everywhere a process boundary is
// crossed: the agent's error bodies, libapcv's out strings, "refused" events.
type ErrorJSON struct {
	Code      string `json:"code"`       // stable apcverr code, e.g. "app-locked"
	MessageFR string `json:"message_fr"` // the desk message, in French
	MessageEN string `json:"message_en"` // the desk message, in English
}

// ErrorOf returns the JSON form of err (nil for a nil error).
func ErrorOf(err error) *ErrorJSON {
	if err == nil {
		return nil
	}
	return &ErrorJSON{Code: apcverr.Code(err), MessageFR: apcverr.Message(err, apcverr.FR), MessageEN: apcverr.Message(err, apcverr.EN)}
}
