// Package franceid emulates the France Identité route of the carte Vitale
// app's activation: the CNIe (carte nationale d'identité électronique) as
// data — a record signed by the State's document signer, released by the
// chip once the holder's PIN is right — and the France Identité app that
// reads it, with the phone it requires (NFC, an unmodified system).
//
// The chip is emulated as data, not as ISO 7816 APDUs: what the carte
// Vitale app and the health insurance rely on is the signed identity, the
// PIN check and the card's validity.
//
//	auth, _ := franceid.NewAuthority(nil)
//	signed, _ := auth.Sign(franceid.Record{DocumentNumber: "X4RTBPFW4", Identity: id, ExpiresOn: exp})
//	card, _ := franceid.NewCard(signed, "2580", 0)
//	app := franceid.App{Installed: true, Activated: true, Trust: franceid.Trust{Key: auth.PublicKey()}}
//	sr, rec, err := app.Read(franceid.Phone{NFC: true, NFCOn: true}, card, "2580", now)
//
// Source: the news article on the opening of the app to all through France
// Identité and its readers' comments (/work/shared/seeds, DESIGN.md §1b):
// "Il faut : 1) une carte d'identité avec puce 2) un smartphone avec NFC
// pour l'appli France Identité"; "il faut aussi un téléphone avec un
// bootloader verrouillé, et l'absence de tout root"; "GrapheneOS avec le
// bootloader verrouillé et non rooté, et l'appli France Identité
// fonctionne très bien". The PIN's length and attempts are the emulator's
// choice (PINLength, PINAttempts): the seeds do not give them.
package franceid
