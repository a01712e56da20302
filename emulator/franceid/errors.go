package franceid

import "github.com/apcvkit/apcvkit/apcverr"

// Refusals of the France Identité route, each with the message the carte
// Vitale app shows (FR/EN). Compare with errors.Is.
var (
	ErrNotInstalled = apcverr.New("franceid-not-installed",
		"The France Identité app is not installed on this phone. Install it and activate it with your identity card, or activate with the video check.",
		"L'application France Identité n'est pas installée sur ce téléphone. Installez-la et activez-la avec votre carte d'identité, ou activez l'appli par la vérification vidéo.")
	ErrNotActivated = apcverr.New("franceid-not-activated",
		"France Identité is not activated on this phone. Open France Identité and activate it with your identity card first.",
		"France Identité n'est pas activée sur ce téléphone. Ouvrez France Identité et activez-la d'abord avec votre carte d'identité.")
	ErrModifiedSystem = apcverr.New("franceid-modified-system",
		"France Identité does not run on a phone whose system is modified (rooted, or bootloader unlocked). Activate with the video check instead.",
		"France Identité ne fonctionne pas sur un téléphone dont le système est modifié (rooté, ou chargeur de démarrage déverrouillé). Activez l'appli par la vérification vidéo.")
	ErrNoNFC = apcverr.New("franceid-no-nfc",
		"This phone has no NFC: France Identité cannot read your identity card. Activate with the video check instead.",
		"Ce téléphone n'a pas de NFC : France Identité ne peut pas lire votre carte d'identité. Activez l'appli par la vérification vidéo.")
	ErrNFCOff = apcverr.New("franceid-nfc-off",
		"NFC is turned off. Turn it on in the phone's settings to read your identity card.",
		"Le NFC est désactivé. Activez-le dans les réglages du téléphone pour lire votre carte d'identité.")
	ErrNoCNIe = apcverr.New("franceid-no-cnie",
		"France Identité needs the new identity card with a chip (carte d'identité électronique). Activate with the video check instead.",
		"France Identité nécessite la nouvelle carte d'identité à puce (carte d'identité électronique). Activez l'appli par la vérification vidéo.")
	ErrWrongPIN = apcverr.New("cnie-wrong-pin",
		"Wrong identity-card PIN.",
		"Code PIN de la carte d'identité erroné.")
	ErrPINBlocked = apcverr.New("cnie-pin-blocked",
		"Too many wrong PINs: your identity card's PIN is blocked. Follow France Identité's instructions to unblock it.",
		"Trop de codes PIN erronés : le code PIN de votre carte d'identité est bloqué. Suivez les consignes de France Identité pour le débloquer.")
	ErrInvalidSignature = apcverr.New("cnie-invalid-signature",
		"Your identity card's chip could not be authenticated. Activate with the video check instead.",
		"La puce de votre carte d'identité n'a pas pu être authentifiée. Activez l'appli par la vérification vidéo.")
	ErrCardExpired = apcverr.New("cnie-expired",
		"Your identity card has expired: France Identité cannot use it.",
		"Votre carte d'identité est expirée : France Identité ne peut pas l'utiliser.")
)

// Message returns the desk message of a *PINError with the entries left.
func (e *PINError) Message(lang apcverr.Lang) string {
	if lang == apcverr.FR {
		return ErrWrongPIN.FR + " Il reste " + itoa(e.Remaining) + " essai(s)."
	}
	return ErrWrongPIN.EN + " " + itoa(e.Remaining) + " attempt(s) left."
}
