// Package pcscsource makes PC/SC contactless readers (package nfc/pcsc) a
// reader.NFCSource for the SDK facade. It needs cgo and libpcsclite.
//
//	src, err := pcscsource.Open("") // every contactless reader; or one reader's name
//	r, err := reader.Open(ctx, reader.Config{Enabled: true, NFC: []reader.NFCSource{src}, ...})
//
// One tap is one read: after a phone was handed out, WaitPhone first waits,
// with a PC/SC status wait (no polling), until that phone has left the field
// or was tapped again, then for the next phone.
package pcscsource
