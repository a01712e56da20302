// Package nfc is the reader side of the ApCV applet protocol
// (docs/PROTOCOL.md §7) over any APDU transport: SELECT with size
// negotiation, an ephemeral ECDH key agreement bound to a reader nonce, an
// encrypted request for data groups answered through GET RESPONSE chaining,
// verification of the answer with a credential.Verifier, and an optional
// receipt written back to the phone's Activités.
//
//	s, err := nfc.Read(ctx, transport, verifier, nfc.Options{})
//	id := s.Presentation // verified; s.PutReceipt(ctx, r) while the phone stays
//
// Transports: nfc/pcsc (a real PC/SC contactless reader through pcscd),
// nfc/link (an ISO/IEC 14443-4 model with timing and faults), and the
// emulated phone's applet itself (emulator/applet) in memory. Each APDU has
// its own deadline (Options.APDUTimeout, the one time limit of a read; give
// ctx a deadline to bound the whole read): a hung phone fails with
// ErrPhoneTimeout, a phone taken
// away with ErrPhoneRemoved, a locked app with ErrAppLocked — each with a
// desk message in French and English.
//
// A contactless reader is a Source: WaitPhone hands out each phone tapped
// on it as a Phone (a Transport to close after the read). nfc/pcsc
// (pcsc.OpenSource) and emulator/field implement it; package reader reads
// from any number of them. The protocol's constants (AID, instructions,
// tags, status words) are in package nfc/wire, shared with the emulated
// applet.
package nfc
