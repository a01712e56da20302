// Package online is the reader's client of the issuer's online service
// (protocol version 2, docs/PROTOCOL.md): it resolves a short QR code
// ("APCV2:…") into the issuer-signed resolution, and fetches a patient's
// AMO rights. It authenticates as a health professional with mutual TLS
// (the PS certificate of Config.Cert) and pins the service's roots
// (Config.Roots).
//
//	c, err := online.New(online.Config{URL: "https://127.0.0.1:8443", Cert: psCert, Roots: roots})
//	answer, psHash, err := c.Resolve(ctx, text, []credential.Group{credential.GroupAMO})
//
// The client never trusts the answer: the reader checks the resolution
// itself (credential.Verifier.VerifyResolution, which the reader package
// calls). Every call is bounded by Config.Timeout (default 2 s) and by its
// ctx; the connection (HTTP/1.1) is kept alive between calls. A failure
// wraps one of these kinds, each with a desk message (most say to ask the
// patient for the offline QR code):
//
//   - credential/service.ErrServiceUnavailable: the service cannot be
//     reached, is down or overloaded, or answered something that is not the
//     protocol;
//   - ErrServiceTimeout: no answer within the deadline (also
//     context.DeadlineExceeded); a cancelled ctx gives context.Canceled;
//   - ErrServiceCert: the service's certificate is not under the pinned
//     roots (or not for its address);
//   - service.ErrPSCertRefused, service.ErrPSRevoked: the service refused
//     the PS certificate, or knows it revoked;
//   - service.ErrAlreadyResolved, service.ErrUnknownCredential and the
//     credential kinds the service checks (ErrQRExpired, ErrRevoked,
//     ErrExpired, ErrDeviceBinding, ErrMalformed…): the service's answer
//     about the code itself, mapped back from its code;
//   - ErrOnlineNotConfigured: New or LoadConfig given an incomplete or
//     unreadable configuration.
//
// A Client is safe for concurrent use; Close releases its idle connections.
package online
