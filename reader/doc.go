// Package reader is the SDK's facade: one API that reads a verified
// identity from the appli carte Vitale (ApCV) on every desk device at once,
// contactless (NFC) and QR code alike.
//
//	r, err := reader.Open(ctx, reader.Config{Enabled: true, ListAuthority: key, Lists: lists, NFC: nfcSources, QR: qrSources})
//	id, err := r.Read(ctx) // the first verified identity presented on any device
//
// # Sources
//
// The devices are given in Config. An nfc.Source is a contactless reader:
// nfc/pcsc for PC/SC readers (pcsc.OpenSource("") watches every contactless
// reader, including ones plugged in later), emulator/field for an in-memory
// one. A qrscan.Source is a QR scanner or camera: qrscan/serial (RS-232 and
// USB CDC-ACM scanners), qrscan/hid (HID scanners), qrscan/camera (webcam
// frames, image files). Once Open succeeds the Reader owns its sources and
// Close closes them; when Open fails, closing them is left to the caller.
//
// # Life cycle
//
// Open checks the policy, loads and verifies the lists, and emits a
// DeviceAdded event per source. Then the desk loops on Read: each Read
// waits on every source concurrently and returns the first verified
// Identity, or the error of the first failed presentation (app locked, QR
// code expired, phone removed too early…): show Message(err, lang) and call
// Read again. A device that fails for good (unplugged) is reported by a
// DeviceRemoved event and left out of the following Reads; once none is
// left, Read fails with ErrNoSource. Cancelling ctx ends a Read.
//
// After billing, PostReceipt sends the expense to the patient's app, where
// it shows in Activités for 7 days: over NFC, on the session the Read left
// open, or through Config.Receipts (the app's backend) for a QR identity.
// An NFC identity holds the phone's connection until PostReceipt,
// Identity.Release, the next Read or Close, whichever comes first; so post
// the receipt before reading the next patient.
//
// Close ends a running Read (which returns ErrClosed), stops the list
// refresh, releases held connections, closes every source and the Events
// channel, and returns once every goroutine of the Reader has.
//
// # Policy
//
// The zero Config refuses to read. Its switches:
//
//   - Enabled is the billing software's "ApCV function" setting; without
//     it Open fails with ErrDisabled.
//   - Departement and Deployed: with Deployed non-empty, Open fails with
//     ErrNotDeployed unless the PS's département is listed.
//   - Groups are the data groups asked for over NFC and at the online
//     service for a short QR code (default AMO; a full QR code carries AMO
//     only).
//   - Online is the issuer's online service (reader/online: URL, the health
//     professional's certificate, the roots of the service's certificate,
//     a deadline per call, default 2 s). See "Short QR codes and rights".
//   - ListAuthority pins the key that signs the trust and revocation lists,
//     which Lists serves: reader/lists fetches them over HTTP with a cache,
//     DirLists reads a directory, StaticLists holds fixed bytes. They are
//     fetched at Open and every ListRefresh (default 1 h; RefreshLists
//     fetches now); a refused list (tampered, rolled back) leaves the one in
//     use. Both are required.
//   - QRWindow is how long a QR code stays valid after the phone signed it
//     (default 3 min).
//   - Now is the clock (nil: time.Now). APDUTimeout bounds each APDU
//     exchanged with a phone (default 2 s): it is the one time limit of an
//     NFC read, which fails with nfc.ErrPhoneTimeout when a phone stops
//     answering; the ctx given to Read bounds a whole Read.
//
// # Short QR codes and rights (protocol version 2)
//
// The app's default QR code when the phone is online is the short one
// ("APCV2:", 48 characters whatever the family's size): a reference and
// the phone's proof of freshness. Read resolves it at the issuer's online
// service over mutual TLS with Config.Online: the code's window is checked
// first, before any network; the service checks the phone's tag (an HMAC
// with the credential's short QR key) and
// that the code is used once (from any desk) and answers an issuer-signed
// resolution, which the Reader checks itself — issuer key, binding to the
// scanned text and to this desk's certificate, the service's clock,
// revocation, groups — before returning the identity
// (Verification.ShortQR). Without Config.Online a short code fails with
// online.ErrOnlineNotConfigured. Every failure of the service is typed
// (service-unavailable, service-timeout, service-cert, ps-cert-refused,
// ps-revoked, already-resolved, service-clock-skew…) with a desk message
// that asks for the offline QR code, and none waits past the deadline.
//
// With Config.Online, the AMO rights of every identity read (short or full
// QR code, NFC) are fetched in the background as soon as it is verified:
// Read does not wait for them; Identity.Rights does (or fails with
// online.ErrRightsUnavailable and the reason).
//
//	id, err := r.Read(ctx)
//	…
//	rights, err := id.Rights(ctx) // régime, caisse, code gestion, periods, exonération, C2S, AMC…
//
// # Errors
//
// Every error is wrapped with context ("reader: open: …") and matches a
// sentinel with errors.Is: this package's (ErrDisabled, ErrNotDeployed,
// ErrNoSource, ErrBusy, ErrClosed, ErrNoReceipts), package nfc's
// (ErrAppLocked, ErrAppRevoked, ErrPhoneRemoved, ErrNoNFC,
// ErrReaderUnplugged…), package credential's (ErrQRExpired, ErrRevoked,
// ErrUnknownIssuer, ErrReplayed, ErrResolutionMismatch…), package
// qrscan's (ErrNotApCV, ErrGarbled), and for the online service package
// credential/service's and reader/online's. Each sentinel carries a message for the person at the desk,
// in French and English: Message(err, apcverr.FR). An error without one
// gets apcverr.Generic's.
//
// # Logging and personal data
//
// Config.Logger (a *slog.Logger; nil discards) receives what the Reader
// does, never personal data: an Identity logs as its mode, source, number
// of beneficiaries and the ouvrant droit's masked NIR (credential.NIR's
// Masked, "2 78 05 ** *** *** 80"), and its String is masked too. The
// identity itself (names, NIRs, birth dates) is for the billing software:
// do not pass its fields to a logger.
//
// # Events
//
// Events returns a channel for a UI: DeviceAdded, DeviceRemoved,
// PhoneDetected, Reading, IdentityRead (Event.Identity set) and Error
// (Event.Err set). Reading fires as soon as a presentation starts: a phone
// entering the field, the first characters of a scan from a serial or HID
// scanner (a qrscan.Starter; a keyboard-wedge scanner types a long code for
// a second or more), a frame holding a code. It is buffered; when the UI falls behind, new events are
// dropped rather than slowing the reading. Close closes it; events still
// buffered can be received after Close.
//
// # Concurrency
//
// A Reader may be used from several goroutines. One Read runs at a time: a
// second concurrent Read fails with ErrBusy. Close may be called at any
// time, also during a Read, and more than once. Identity.Release is safe to
// call twice and concurrently.
package reader
