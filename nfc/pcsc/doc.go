// Package pcsc is the PC/SC transport of the NFC mode: it finds contactless
// readers, waits for a phone and exchanges APDUs with it through the
// system's PC/SC service (pcscd with pcsc-lite on Linux, the PCSC framework
// on macOS, winscard.dll on Windows), using github.com/ebfe/scard. On Linux
// and macOS it needs cgo (and on Linux libpcsclite: apt-get install
// libpcsclite-dev pcscd); on Windows it needs none. Built without cgo on
// Linux or macOS the package keeps its API, Supported is false, and every
// entry point fails with an error wrapping ErrNotBuilt, which carries a desk
// message.
//
//	c, _ := pcsc.NewContext()
//	reader, _ := c.WaitForPhone(ctx, nil) // any contactless reader
//	card, _ := c.Connect(ctx, reader)     // *Card is an apdu.Transport
//	defer card.Close()
//	rsp, err := card.Transmit(ctx, selectApplet)
//
// Between two reads, WaitForCardRemoval (or WaitForRemoval) waits for the
// phone to leave the field, so that one tap is one read; it also returns
// when the phone was taken away and tapped again in the meantime.
//
// For the reader facade, OpenSource makes one reader, or every contactless
// reader, an nfc.Source that does exactly that:
//
//	src, err := pcsc.OpenSource("") // every contactless reader; or one reader's name
//	r, err := reader.Open(ctx, reader.Config{Enabled: true, NFC: []nfc.Source{src}, ...})
//
// Errors wrap the nfc sentinels (nfc.ErrPhoneRemoved, nfc.ErrPhoneTimeout,
// nfc.ErrNoPhone, nfc.ErrReaderUnplugged, nfc.ErrUnknownReader,
// nfc.ErrNoService, nfc.ErrSharingViolation), which carry the desk messages,
// and keep the scard.Error beside them for errors.As. A phone taken away
// shows up as scard.ErrNotTransacted before pcscd's next presence poll (every
// 400 ms), as scard.ErrRemovedCard after it, or, with vsmartcard's vpcd, as
// an empty answer (ErrNoStatusWord): all are nfc.ErrPhoneRemoved.
//
// PC/SC never times out a phone that stops answering: each Card call is
// bounded by its ctx (nfc.Read gives each APDU a deadline,
// nfc.Options.APDUTimeout), and a Card whose ctx is done cuts its own PC/SC
// call: by shutting down its socket to pcscd on Linux, with SCardCancel on
// Windows and macOS (see Card).
//
// For tests without hardware, emulator/vpcd plays the phone for the vpcd
// virtual reader inside the real pcscd; scripts/pcscd/with-pcscd.sh starts a
// pcscd with the project's virtual readers.
package pcsc
