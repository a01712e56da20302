package phone

import (
	"fmt"
	"slices"

	"github.com/apcvkit/apcvkit/apcverr"
)

// Fault is a defect of the app that a profile reproduces, for testers: the
// emulated app fails the way the real one does in the field.
type Fault string

// The faults a profile can list (its "faults" array), with where each
// comes from.
const (
	// FaultDivisionByZeroAtStart: the app stops at start-up. A reader of
	// the article, of the build of January: "quand j'ai installé l'appli
	// en janvier, elle ne démarrait pas et me faisait une erreur
	// 'opération illégale: division par zéro' dans les logs".
	FaultDivisionByZeroAtStart Fault = "division-by-zero-at-start"
	// FaultMLKitAtStart: the app stops at start-up after the update. The
	// same reader: "en retentant hier, l'application crash au démarrage
	// comme avant, mais dans les logs, l'erreur est devenue un 'mlkit:
	// runtime exception: unable to get provider'". A phone without Google
	// Play Services (Device.NoPlayServices) has it too: ML Kit gets its
	// providers from Play Services — our reading of that log line; the
	// comments' question "est-ce que ça nécessite les services Google
	// play?" got no answer.
	FaultMLKitAtStart Fault = "mlkit-provider-at-start"
	// FaultQRDisplayCrash: the app stops when it is about to show the QR
	// code. Issue 14 lists a "crash at QR display"; the article's comments
	// do not report one (their crashes are at start-up, and the QR mode's
	// complaint is its slowness): this fault is for testers of the desk's
	// side (a scanner waiting for a code that never comes).
	FaultQRDisplayCrash Fault = "qr-display-crash"
)

// Faults returns every known fault.
func Faults() []Fault {
	return []Fault{FaultDivisionByZeroAtStart, FaultMLKitAtStart, FaultQRDisplayCrash}
}

// crashLogs are the log lines the comments quote.
var crashLogs = map[Fault]string{
	FaultDivisionByZeroAtStart: "opération illégale: division par zéro",
	FaultMLKitAtStart:          "mlkit: runtime exception: unable to get provider",
	FaultQRDisplayCrash:        "QR code display: the app stopped",
}

// ErrAppCrashed is the emulated app stopping on a Fault.
var ErrAppCrashed = apcverr.New("app-crashed",
	"The carte Vitale app stopped unexpectedly. Update the app; if it goes on, use the physical carte Vitale.",
	"L'appli carte Vitale s'est arrêtée de façon inattendue. Mettez l'appli à jour ; si cela continue, utilisez la carte Vitale physique.")

// CrashError is the app stopping on a fault: Log is the line the system
// log shows. It unwraps to ErrAppCrashed.
type CrashError struct {
	Fault Fault
	Log   string
}

func (e *CrashError) Error() string { return "app crashed (" + string(e.Fault) + "): " + e.Log }

// Unwrap returns ErrAppCrashed.
func (e *CrashError) Unwrap() error { return ErrAppCrashed }

func (p *Phone) hasFault(f Fault) bool {
	if f == FaultMLKitAtStart && p.profile.Device.OS == Android && p.profile.Device.NoPlayServices {
		return true
	}
	return slices.Contains(p.profile.Faults, f)
}

// crashAtStartLocked returns the start-up crash of the profile's faults,
// or nil.
func (p *Phone) crashAtStartLocked(step string) error {
	for _, f := range []Fault{FaultDivisionByZeroAtStart, FaultMLKitAtStart} {
		if p.hasFault(f) {
			return fmt.Errorf("phone: %s: %w", step, &CrashError{Fault: f, Log: crashLogs[f]})
		}
	}
	return nil
}

// crashLocked stops the app on fault f: an unlocked app restarts locked.
func (p *Phone) crashLocked(step string, f Fault) error {
	if p.state == ActiveUnlocked {
		p.state = ActiveLocked
	}
	return fmt.Errorf("phone: %s: %w", step, &CrashError{Fault: f, Log: crashLogs[f]})
}

func validFault(f Fault) bool { return slices.Contains(Faults(), f) }
