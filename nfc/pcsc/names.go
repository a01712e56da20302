package pcsc

import (
	"fmt"
	"regexp"
)

// Reader is a PC/SC reader as listed by pcscd.
type Reader struct {
	Name string
	// Contactless is true when the name is a known contactless reader's
	// (IsContactlessName) or the card it holds answered a contactless
	// pseudo-ATR (IsContactlessATR).
	Contactless bool
}

// contactlessName matches the names pcscd gives to contactless readers and
// to the contactless interface of dual readers: "…Contactless…", "…PICC…",
// vsmartcard's "Virtual PCD", ACS ACR122 / ACR1252 / ACR1255, Identiv/SCM
// "uTrust … CL", "SCL3711", "SCL011", HID Omnikey "5022", "5x2x CL" /
// "5422CL", and any word "CL". contactInterface matches the contact and SAM
// interfaces of the same readers ("[… ICC]", "[… SAM]"), which are not.
var (
	contactlessName  = regexp.MustCompile(`(?i)contactless|picc|virtual pcd|acr122|acr125[25]|scl3711|scl01[01]|omnikey 502[12]|(^|[^a-z0-9])[0-9]*cl([^a-z0-9]|$)`)
	contactInterface = regexp.MustCompile(`(?i)\[[^]]*\b(icc|sam)\]`)
)

// IsContactlessName reports whether a reader's name is one of a known
// contactless reader or interface.
func IsContactlessName(name string) bool {
	return contactlessName.MatchString(name) && !contactInterface.MatchString(name)
}

// IsContactlessATR reports whether atr is the pseudo-ATR a PC/SC reader
// builds for a contactless card (PC/SC part 3: 3B 8n 80 01 …, T=1 announced
// in TD2), such as a phone's HCE.
func IsContactlessATR(atr []byte) bool {
	return len(atr) >= 4 && atr[0] == 0x3B && atr[1]&0xF0 == 0x80 && atr[2] == 0x80 && atr[3] == 0x01
}

// EventKind tells what happened to a reader.
type EventKind int

// Reader events reported by WaitForPhone.
const (
	ReaderAdded EventKind = iota + 1
	ReaderRemoved
)

func (k EventKind) String() string {
	switch k {
	case ReaderAdded:
		return "reader added"
	case ReaderRemoved:
		return "reader removed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a reader plugged in or unplugged.
type Event struct {
	Kind   EventKind
	Reader string
}
