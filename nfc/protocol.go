package nfc

// The ApCV applet protocol (docs/PROTOCOL.md §4): the APDUs the reader sends
// to the phone's HCE applet, their data objects and status words.
//
//	SELECT         00 A4 04 00 Lc AID 00      → FCI (6F: 84 AID, A5: 80 version, 81 max C-APDU data, 82 max R-APDU data, 83 capabilities)
//	KEY AGREEMENT  80 10 00 00 Lc 86‖87 00    → 86 (phone's ephemeral key)
//	GET DATA       80 20 00 00 Lc 88 00       → 88 (encrypted DeviceResponse), chained with 61xx / GET RESPONSE
//	PUT RECEIPT    80 30 00 00 Lc 88          → 9000
//
// Status words: 9000 success; 6982 app locked (secret code not entered);
// 6283 app revoked or blocked; 6985 command out of sequence; 6A80 bad data
// (TLV, decryption); 6A82 unknown AID; 6700 wrong length; 6A86 bad P1-P2;
// 6D00 unknown INS; 6E00 unknown CLA.

// AID is the ApCV applet identifier: F0 (proprietary) ‖ "APCV1".
var AID = []byte{0xF0, 0x41, 0x50, 0x43, 0x56, 0x31}

// Instruction bytes.
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

// ProtocolVersion is the applet protocol version this package speaks.
const ProtocolVersion = 1

// Status words the applet uses beyond the ISO ones named in package apdu.
const (
	SWAppLocked  = 0x6982
	SWAppRevoked = 0x6283
	SWSequence   = 0x6985
)
