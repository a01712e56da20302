// Package service is the wire of the issuer's online service (protocol
// version 2, docs/PROTOCOL.md): the endpoints a reader calls over mutual
// TLS with a health professional's certificate, their JSON bodies, the
// error answer, and the error kinds the service answers. Both ends import
// it: the emulated back office (emulator/backoffice) and the SDK's client
// (reader/online).
//
//	POST PathResolve {"qr": "APCV2:…", "groups": ["AMO", "INS"]} → 200 application/cose (a Resolution)
//	POST PathRights  {"beneficiaires": [{"nir": "…", "dateNaissance": "YYYY-MM-DD", "rang": 1}]} → 200 {"rights": […]}
//
// Every error is answered as JSON ErrorBody with the stable code of an
// apcverr kind; ErrorByCode maps it back to the sentinel.
package service
