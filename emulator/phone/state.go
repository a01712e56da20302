package phone

import "fmt"

// State is the app's state on the phone.
type State uint8

// App states.
const (
	NotActivated      State = iota // installed, never activated, or wiped (lockout, forgotten code)
	Activating                     // activation steps in progress
	PendingValidation              // request sent, waiting for the issuer's validation (48 h at most)
	ActiveLocked                   // activated, secret code needed
	ActiveUnlocked                 // activated and opened with the secret code
	Revoked                        // the credential was revoked (activated elsewhere, or by an agent)
	Blocked                        // the user was blocked by an agent
	ProfileDeleted                 // deleted by the user, or not reopened within 7 days of validation
)

var stateNames = [...]string{
	NotActivated: "not activated", Activating: "activating", PendingValidation: "pending validation",
	ActiveLocked: "active (locked)", ActiveUnlocked: "active (unlocked)", Revoked: "revoked",
	Blocked: "blocked", ProfileDeleted: "profile deleted",
}

// String returns the state in words, e.g. "active (locked)".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Active reports whether s is one of the activated states.
func (s State) Active() bool { return s == ActiveLocked || s == ActiveUnlocked }
