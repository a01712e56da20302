package nfc

import "context"

// Phone is a phone in a contactless field, connected: a Transport that must
// be closed when the read is over. Close only releases the connection; the
// phone leaves the field when the patient takes it away.
type Phone interface {
	Transport
	Close() error
}

// Source is a contactless reader. WaitPhone blocks until a phone enters its
// field and connects to it; a phone already handed out must leave the field
// first, so that one tap is one read. Name identifies the reader in events
// and errors ("pcsc:ACS ACR1252 PICC"). Close releases the reader; phones
// handed out stay usable until their own Close.
//
// The PC/SC reader of package nfc/pcsc (pcsc.OpenSource) and the in-memory
// field of package emulator/field implement it; package reader reads from
// any number of them.
type Source interface {
	Name() string
	WaitPhone(ctx context.Context) (Phone, error)
	Close() error
}
