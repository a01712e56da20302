// Package profiles embeds the emulated phones' profile fixtures (*.json):
// fictitious families with valid NIR keys, and the phone each one uses.
// A file holds the person's name, description, e-mail and département, the
// phone ("phone": os, version, model, nfc), and the family in the public
// JSON form of the model, credential.FamilyJSON ("beneficiaires" with
// YYYY-MM-DD dates and qualité codes, "etatCivil").
// Load them with phone.Profiles and phone.BuiltinProfile; a tester may add a
// file here or pass any other file to phone.LoadProfile:
//
//	p, err := phone.BuiltinProfile("famille-6-drome") // profiles/famille-6-drome.json
//
// It is production code (the emulator and the apcv command embed it), so it
// lives here rather than under testdata, where go vet and go test would not
// look.
package profiles

import "embed"

// FS holds the profile files, named <profile name>.json.
//
//go:embed *.json
var FS embed.FS
