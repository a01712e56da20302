// Package credential is the I/O-free heart of apcvkit: the ApCV data model
// (beneficiaries, INS, état civil, data groups), NIR and INS validation, the
// issuer-signed credential and the QR and NFC presentations of
// docs/PROTOCOL.md, the signed trust and revocation lists, the NFC session
// crypto, and the Verifier that turns bytes into a verified Presentation.
//
// The two-line use, for a scanned QR text:
//
//	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: pinnedKey})
//	// v.SetTrustList(tl); v.SetRevocationList(rl)
//	p, err := v.VerifyQR(text) // a *Presentation only when every check passed
//
// Protocol version 2 adds the short QR (ShortQRPrefix, ShortQRLen
// characters for any family), which a reader resolves at the issuer's
// online service and whose issuer-signed answer it checks itself:
//
//	q, err := v.CheckShortQRWindow(text)               // before any network call
//	answer, psHash, err := client.Resolve(ctx, text, groups) // reader/online, over mutual TLS
//	p, err := v.VerifyResolution(text, answer, psHash, groups)
//
// The service's side is ShortQR.VerifyTag (an HMAC with the credential's
// short QR key, Held.ShortQRKey) and IssueResolution.
//
// Verification checks, in this order, and fails with the error named: sizes
// before anything is allocated (ErrTooLarge); canonical, strict CBOR
// (ErrMalformed); the issuer signature over the bytes received, trying every
// trusted key with the credential's kid (ErrUnknownIssuer, ErrBadSignature);
// validity with clock skew (ErrNotYetValid, ErrExpired); the device
// signature that binds the presentation to the phone's key (ErrDeviceBinding);
// freshness — the QR window (ErrQRExpired) or the NFC session transcript;
// revocation against a fresh enough list (ErrRevoked, ErrRevocationListStale);
// the groups received against the groups requested (ErrGroupMissing); replay
// of a QR (ErrReplayed, through a ReplayCache); and every field of the data
// (ErrInvalidField, as a *FieldError naming the field). Every error carries
// a desk message in French and English (apcverr.Message).
//
// Personal data never reach a log through this package: NIR prints masked
// (NIR.String, NIR.LogValue), Beneficiary.String and LogValue print masked
// facts only, and error texts name fields, never their values.
//
// The clock is injected (VerifierConfig.Now). Signatures are ES256 with
// deterministic nonces (RFC 6979), so the committed test vectors
// (testdata/vectors, `go generate ./credential/`) reproduce byte for byte.
package credential
