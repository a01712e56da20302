package reader

import (
	"time"
)

// EventKind says what happened.
type EventKind uint8

// Event kinds.
const (
	DeviceAdded   EventKind = iota + 1 // a source is ready
	DeviceRemoved                      // a source failed for good (unplugged)
	PhoneDetected                      // a phone entered an NFC field
	Reading                            // a presentation is being read and verified
	IdentityRead                       // a verified identity (Identity set)
	Error                              // a presentation failed (Err set: show Message(Err))
)

func (k EventKind) String() string {
	switch k {
	case DeviceAdded:
		return "device-added"
	case DeviceRemoved:
		return "device-removed"
	case PhoneDetected:
		return "phone-detected"
	case Reading:
		return "reading"
	case IdentityRead:
		return "identity"
	case Error:
		return "error"
	}
	return "unknown"
}

// Event is one thing a UI may show.
type Event struct {
	Kind     EventKind
	Source   string
	At       time.Time
	Identity *Identity // IdentityRead
	Err      error     // DeviceRemoved, Error
}
