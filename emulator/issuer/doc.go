// Package issuer is the emulated ApCV backend: the insurance database of
// persons, the activation server (eligibility, e-mail codes, requests,
// validation within 48 hours, reopening within 7 days), the credential
// issuer (credential.Issue with a fresh credential id per activation, one
// active app per user), revocation and blocking, the signed trust list and
// revocation list, the Activités store, and the management portal's
// PersonView. State survives restarts: an issuer made by Open saves every
// change to its directory (atomically and durably, emulator/store) before
// the method returns; Save writes a copy. Processes may share the
// directory: each change takes its file lock (state.lock), re-reads what
// another process saved since, applies the change and saves, so none
// undoes another's (a credential added, a short code's single use); a
// process kept from the lock past Options.LockTimeout gets ErrStateBusy.
// Resolve and CredentialStatus look an unknown credential up again in the
// directory, PersonView and Persons re-read it when it changed; other
// read-only methods answer from the state as of the process's last change
// or re-read.
//
//	iss, _ := issuer.Open(stateDir, issuer.Options{Eligibility: issuer.TrainingDeck()})
//	err := iss.Register(issuer.Person{Family: fam, Departement: "26"}) // on disk when it returns
//
// The back office decides on a request with Validate, which sends the
// "finalise your activation" e-mail, or Reject with a RejectReason, which
// sends the "activation failed" e-mail without the reason: the app learns it
// from Collect. Every e-mail lands in the emulated inbox (Mails). The app
// opened online calls Renew: a new 90-day credential for the same phone, the
// old one revoked (ReasonRenewed).
//
// The France Identité route (franceid.go) skips the back office:
// ActivateFranceIdentite verifies the CNIe's signed record itself (the
// State authority of Options.CNIeAuthority, emulator/franceid), matches the
// card's identity as the video route does (MatchIdentity, package idmatch)
// and issues at once, the credential's état civil being the card's (sex,
// acquisition date). CheckEligibilityFranceIdentite leaves the deployed
// départements out. The état civil acquired at activation (either route)
// is kept apart from the insurance's data, and every renewal or re-issue
// certifies it unchanged.
//
// Data changes (UpdateFamily, or Register with other data) re-issue the
// active app's credential under a new CredentialID bound to the same device
// key; the old one is revoked (ReasonReissued) and the phone fetches the new
// one (Reissued). RotateKey makes a new signing key while the older ones stay
// in the trust list as long as credentials they signed are valid; kids
// (Options.KeyID) may collide, readers try every key of a kid.
//
// The online service of protocol version 2 (served by emulator/backoffice)
// calls Resolve, which resolves a short QR code once (its tag, an HMAC with
// the short QR key drawn at issuance, window, revocation, single use saved
// with the state) into an issuer-signed resolution, and Rights, which
// answers the AMO rights of beneficiaries (Person.Rights, else derived:
// credential/rights).
//
// Readers pin ListAuthority and load TrustList and RevocationList. Every
// method is safe for concurrent use; none checks who calls it: the portal
// (emulator/portal) authorises agents before calling Block, Unblock or
// RevokeDevice. Time is the injected clock (nil: real time), so tests cross
// the 1-hour, 48-hour and 7-day limits with a clock.Fake. Logs (Options.Logger)
// never carry personal data: credential ids and masked NIRs only.
package issuer
