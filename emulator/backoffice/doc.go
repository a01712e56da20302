// Package backoffice is the issuer's emulated online service (protocol
// version 2, docs/PROTOCOL.md §15): health professionals' software, over
// mutual TLS with a certificate of the PS authority (emulator/psauth),
// resolves short QR codes (POST /v2/resolve) and fetches AMO rights
// (POST /v2/rights). The wire is package credential/service's, normative
// in docs/PROTOCOL.md §15; running the emulated service: docs/SERVICE.md.
//
//	h, _ := backoffice.New(backoffice.Config{Backend: iss, Authority: auth, Audit: portalHandler.AuditLog()})
//	srv := backoffice.NewServer(h, backoffice.ServerConfig{}); err := srv.Start() // srv.URL: https://127.0.0.1:port
//
// The server asks for a client certificate (tls.RequestClientCert) but
// lets the handshake finish without one: the handler checks the chain
// against the authority itself (psauth.Authority.Check), so that a refusal
// is answered as a typed JSON error (ps-cert-refused 401, ps-revoked 403)
// and written to the portal's audit log like every other request, with the
// professional's RPPS, the endpoint, the status and the result code, and
// for a resolve the credential id: never a NIR, a name or a QR text.
//
// Faults are injected at run time (SetFault, "apcv portal serve
// --service-fault"): the service down (503), unreachable (connections
// closed at once), slow (a delay before every answer), presenting a
// server certificate of another authority, refusing every professional as
// revoked, or with its clock off.
package backoffice
