// Package psauth is the emulated authority of health professionals'
// certificates (think IGC-Santé: the e-CPS and the software certificates
// a billing program authenticates with). It holds a P-256 CA, issues a
// professional's client certificate (IssuePS) and the online service's
// server certificate (ServerCertificate), revokes a professional (by RPPS)
// or one certificate (by serial), and checks a presented chain (Check).
// Its state lives in the emulator's state directory, next to the issuer's.
//
//	a, _ := psauth.Open(stateDir, psauth.Options{})
//	certPEM, keyPEM, _ := a.IssuePS(psauth.PS{RPPS: "10101234567", Name: "Dr Exemple", Profession: "Médecin"})
//
// A reader pins CAPEM (the file CAFile) for the service's server
// certificate; the service trusts the same CA for client certificates.
package psauth
