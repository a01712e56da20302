// Package issuer is the emulated ApCV backend: the insurance database of
// persons, the activation server (eligibility, e-mail codes, requests,
// validation within 48 hours, reopening within 7 days), the credential
// issuer (credential.Issue with a fresh credential id per activation, one
// active app per user), revocation and blocking, the signed trust list and
// revocation list, the Activités store, and the management portal's
// PersonView. State survives restarts through Save and Open.
//
//	iss, _ := issuer.Open(stateDir, issuer.Options{Eligibility: issuer.TrainingDeck()})
//	defer iss.Save(stateDir)
//
// Readers pin ListAuthority and load TrustList and RevocationList. Every
// method is safe for concurrent use; none checks who calls it: the portal
// (emulator/portal) authorises agents before calling Block, Unblock or
// RevokeDevice. Time is the injected clock (nil: real time), so tests cross
// the 1-hour, 48-hour and 7-day limits with a clock.Fake. Logs (Options.Logf)
// never carry personal data: credential ids and masked NIRs only.
package issuer
