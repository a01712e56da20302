package psauth

import "github.com/apcvkit/apcvkit/apcverr"

// Errors of the authority, besides the service's ps-cert-refused and
// ps-revoked (credential/service) that Check returns.
var (
	ErrBadState = apcverr.New("ps-authority-bad-state",
		"The saved state of the health professionals' certificate authority could not be read.",
		"L'état enregistré de l'autorité de certification des professionnels de santé n'a pas pu être lu.")
	ErrUnknownSerial = apcverr.New("ps-unknown-serial",
		"No certificate with this serial number was issued by the authority.",
		"Aucun certificat de ce numéro de série n'a été émis par l'autorité.")
)
