// Package apcverr holds the error type shared by every apcvkit package: a
// comparable sentinel that carries a stable code and a message for the person
// at the health professional's desk, in French and in English.
//
// Sentinels are compared with errors.Is; call sites wrap them with context
// ("nfc: select applet: %w"). An Error's text is its code alone, so a chain
// stays short and lowercase for a log ("nfc: select applet: no-apcv-applet");
// the sentence for a person is given by Message, which walks an error chain
// and returns the first desk message it finds:
//
//	if err != nil {
//		fmt.Println(apcverr.Message(err, apcverr.FR))
//	}
package apcverr

import (
	"errors"
	"sync"
)

// Lang selects the language of a desk message.
type Lang string

// Languages of desk messages.
const (
	FR Lang = "fr"
	EN Lang = "en"
)

// Error is a sentinel error with a stable code and desk messages.
// Compare it with errors.Is; never copy it.
type Error struct {
	Code string // stable, machine-readable, e.g. "qr-expired"
	EN   string // message for the desk, in English
	FR   string // message for the desk, in French
}

var (
	registryMu sync.Mutex
	registry   []*Error
)

// New returns a sentinel error and records it in the catalogue (All).
func New(code, en, fr string) *Error {
	e := &Error{Code: code, EN: en, FR: fr}
	registryMu.Lock()
	registry = append(registry, e)
	registryMu.Unlock()
	return e
}

// All returns every sentinel created with New so far (those of the packages
// linked in), for catalogues and tests of the desk messages.
func All() []*Error {
	registryMu.Lock()
	defer registryMu.Unlock()
	return append([]*Error(nil), registry...)
}

// Error returns the code: short and lowercase, so that it reads well in the
// middle of a wrapped chain ("nfc: get data: nfc-protocol: apdu: status
// 6A80"). The sentence for the desk is given by Message only.
func (e *Error) Error() string { return e.Code }

// Message returns the desk message in lang (English for any other value).
func (e *Error) Message(lang Lang) string {
	if lang == FR {
		return e.FR
	}
	return e.EN
}

// Messager is implemented by errors that carry a desk message.
type Messager interface {
	Message(lang Lang) string
}

// Generic is the message given for errors that carry none.
var Generic = New("internal", "The reading failed. Try again; if it fails again, contact support.",
	"La lecture a échoué. Réessayez ; si l'échec persiste, contactez le support.")

// Message returns the desk message of the first error in err's chain that
// has one, or Generic's message. It returns "" for a nil error.
func Message(err error, lang Lang) string {
	if err == nil {
		return ""
	}
	var m Messager
	if errors.As(err, &m) {
		return m.Message(lang)
	}
	return Generic.Message(lang)
}

// Code returns the code of the first *Error in err's chain, or "internal".
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return Generic.Code
}
