package reader

import (
	"errors"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/qrscan"
)

// Errors of the facade. Errors from below (credential, nfc, qrscan) pass
// through wrapped; every one carries a desk message: see Message.
var (
	// ErrDisabled: the ApCV function is not enabled in the billing software.
	ErrDisabled = apcverr.New("apcv-disabled",
		"The carte Vitale app function is not enabled in your software. Enable it in the settings to read the app.",
		"La fonction appli carte Vitale n'est pas activée dans votre logiciel. Activez-la dans les paramètres pour lire l'appli.")
	// ErrNotDeployed: the ApCV is not deployed in the PS's département yet.
	ErrNotDeployed = apcverr.New("not-deployed",
		"The carte Vitale app is not deployed in your département yet. Use the physical carte Vitale.",
		"L'appli carte Vitale n'est pas encore déployée dans votre département. Utilisez la carte Vitale physique.")
	// ErrNoSource: no reading device is configured or left.
	ErrNoSource = apcverr.New("no-device",
		"No contactless reader or QR scanner is available. Plug one in and try again.",
		"Aucun lecteur sans contact ni lecteur de QR code n'est disponible. Branchez-en un puis réessayez.")
	// ErrBusy: a Read is already running on this Reader.
	ErrBusy = apcverr.New("busy",
		"A reading is already in progress.",
		"Une lecture est déjà en cours.")
	// ErrClosed: the Reader was closed.
	ErrClosed = apcverr.New("closed",
		"The reader was closed. Restart the reading.",
		"Le lecteur a été fermé. Relancez la lecture.")
	// ErrNoReceipts: receipts cannot be written for this identity.
	ErrNoReceipts = apcverr.New("receipts-unavailable",
		"The expense could not be sent to the patient's app. It will not appear in their Activités.",
		"La dépense n'a pas pu être transmise à l'appli du patient. Elle n'apparaîtra pas dans ses Activités.")
)

// Message returns the message for the person at the desk for any error
// returned by this SDK, in French (apcverr.FR) or English (apcverr.EN).
func Message(err error, lang apcverr.Lang) string { return apcverr.Message(err, lang) }

// refusals are the verification errors: what was presented is not a valid,
// fresh, unrevoked ApCV presentation.
var refusals = []error{credential.ErrBadSignature, credential.ErrUnknownIssuer, credential.ErrExpired,
	credential.ErrNotYetValid, credential.ErrDeviceBinding, credential.ErrQRExpired, credential.ErrReplayed,
	credential.ErrRevoked, credential.ErrMalformed, credential.ErrGroupMissing, credential.ErrInvalidField,
	qrscan.ErrNotApCV, service.ErrAlreadyResolved, service.ErrUnknownCredential, credential.ErrResolutionMismatch}

// IsRefusal reports whether err is a presentation refused by verification
// (forged, expired, replayed, revoked, not an ApCV code…), as opposed to a
// device or set-up failure or a phone that did not finish (app locked,
// phone removed). apcv read exits 3 on it; the agent answers 422.
func IsRefusal(err error) bool {
	for _, e := range refusals {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
