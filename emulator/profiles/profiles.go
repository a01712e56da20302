// Package profiles embeds the emulated phones' profile fixtures (*.json):
// fictitious families with valid NIR keys, and the phone each one uses.
// A file holds the person's name, description, e-mail and département, the
// phone ("phone": os, version, model, nfc), and the family in the public
// JSON form of the model, credential.FamilyJSON ("beneficiaires" with
// YYYY-MM-DD dates and qualité codes, "etatCivil"), and optionally
// "droits": the AMO rights the issuer's online service answers for some
// beneficiaries, in the form of credential/rights.RightsJSON (the others'
// are derived from their NIR: rights.Derive).
// Load them with phone.Profiles and phone.BuiltinProfile; a tester may add a
// file here or pass any other file to phone.LoadProfile:
//
//	p, err := phone.BuiltinProfile("famille-6-drome") // profiles/famille-6-drome.json
//
// cases/ holds the stories of issue 14 that testers replay: the France
// Identité route's cases (franceid-…), phones that fail a prerequisite of
// the training deck, and apps with a fault the article's readers report.
// Most of them cannot complete an activation on purpose, so they are kept
// apart from the ordinary phones above: phone.Profiles lists the ordinary
// ones, phone.CaseProfiles the cases, and phone.BuiltinProfile finds both.
// Each file's description says what it reproduces and where that comes
// from.
//
// It is production code (the emulator and the apcv command embed it), so it
// lives here rather than under testdata, where go vet and go test would not
// look.
package profiles

import "embed"

// FS holds the profile files, named <profile name>.json, and the cases
// under cases/.
//
//go:embed *.json cases/*.json
var FS embed.FS
