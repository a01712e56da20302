// Package qrpresenter is the screen of the emulated app in QR mode: the
// current QR text of a phone, refreshed every few seconds with an
// incrementing, device-signed counter, on an injectable clock. Every phone
// that is active and unlocked shows it; it is the only mode of a phone
// without NFC, of every iPhone, and of an Android whose NFC a tester turned
// off (phone.Options.NoNFC): the HCE applet refuses those with nfc.ErrNoNFC
// (emulator.Applet).
//
//	p := qrpresenter.New(ph, qrpresenter.Options{Every: 30 * time.Second})
//	err := p.Run(ctx, func(text string) { /* draw it: emulator/present/qrimage */ })
//
// Current returns the text on screen now, regenerated once the period has
// elapsed. A locked, revoked, blocked or deleted app shows no code: Current
// and Run return the phone's error (phone.ErrLocked, ...).
package qrpresenter
