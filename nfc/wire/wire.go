// Package wire holds the constants of the ApCV applet protocol
// (docs/PROTOCOL.md §4): the applet identifier, the instruction bytes, the
// tags of its data objects and the status words. The reader side (package
// nfc) and the card side (emulator/applet) both import them from here, so a
// change to the protocol is made in one place.
//
//	SELECT         00 A4 04 00 Lc AID 00      → FCI (6F: 84 AID, A5: 80 version, 81 max C-APDU data, 82 max R-APDU data, 83 capabilities)
//	KEY AGREEMENT  80 10 00 00 Lc 86‖87 00    → 86 (phone's ephemeral key)
//	GET DATA       80 20 00 00 Lc 88 00       → 88 (encrypted DeviceResponse), chained with 61xx / GET RESPONSE
//	PUT RECEIPT    80 30 00 00 Lc 88          → 9000
//
// The package holds no code: parsing and building the APDUs is left to
// packages apdu and apdu/tlv.
package wire

// AID is the ApCV applet identifier: F0 (proprietary) ‖ "APCV1". Callers must
// not modify it.
var AID = []byte{0xF0, 0x41, 0x50, 0x43, 0x56, 0x31}

// ProtocolVersion is the applet protocol version, as in the FCI.
const ProtocolVersion = 1

// Class and instruction bytes.
const (
	ClaISO  = 0x00
	ClaProp = 0x80

	InsSelect       = 0xA4
	InsKeyAgreement = 0x10
	InsGetData      = 0x20
	InsPutReceipt   = 0x30
	InsGetResponse  = 0xC0
)

// BER-TLV tags of the protocol's data objects.
const (
	TagFCI          = 0x6F
	TagAID          = 0x84
	TagProprietary  = 0xA5
	TagVersion      = 0x80
	TagMaxCommand   = 0x81
	TagMaxResponse  = 0x82
	TagCapabilities = 0x83
	TagEphemeralKey = 0x86 // 65-byte uncompressed P-256 point
	TagReaderNonce  = 0x87 // 16 bytes
	TagEncrypted    = 0x88 // AES-GCM ciphertext
)

// Capability bits of the FCI.
const (
	CapReceipts = 0x01 // the phone accepts PUT RECEIPT
)

// Status words the applet answers. The ISO 7816-4 ones have typed errors in
// package apdu (apdu.ErrFileNotFound for SWUnknownAID, …); the three of the
// protocol's own become nfc.ErrAppLocked, nfc.ErrAppRevoked and
// nfc.ErrProtocol on the reader side.
const (
	SWSuccess             = 0x9000
	SWAppLocked           = 0x6982 // the app is locked: the secret code was not entered
	SWAppRevoked          = 0x6283 // the app was revoked or its user blocked
	SWSequence            = 0x6985 // command out of sequence
	SWBadData             = 0x6A80 // malformed TLV, decryption failed
	SWUnknownAID          = 0x6A82 // SELECT of another applet
	SWWrongLength         = 0x6700
	SWChainingUnsupported = 0x6884 // command chaining: every command fits in 255 bytes
	SWBadP1P2             = 0x6A86
	SWUnknownINS          = 0x6D00
	SWUnknownCLA          = 0x6E00
	SWInternal            = 0x6F00 // no precise diagnosis: the phone failed internally
)
