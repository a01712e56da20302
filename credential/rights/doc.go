// Package rights is the AMO rights of a beneficiary as the issuer's online
// service answers them (protocol version 2, docs/PROTOCOL.md): what a
// billing program needs for a feuille de soins électronique and does not
// find in the app — régime, caisse and centre, code gestion, the periods of
// AMO rights, an exonération of the ticket modérateur (ALD or another),
// the complémentaire santé solidaire (C2S), whether a médecin traitant is
// declared, and the attachment to a complémentaire (AMC).
//
// A beneficiary is designated as the service knows them: NIR, birth date
// and birth rank (Who). The JSON forms (RightsJSON, WhoJSON, Request,
// Answer) are the wire of POST /v2/rights and the form the local agent
// gives billing software:
//
//	req := rights.Request{Beneficiaires: []rights.WhoJSON{rights.WhoJSONOf(who)}}
//	// POST it to /v2/rights, decode an Answer, then for each: r, err := a.Rights[i].Rights()
//
// The emulator's data are fictitious but plausible (see Derive).
package rights
