// Package profiles embeds the emulated phones' profile fixtures (*.json):
// fictitious families with valid NIR keys, and the phone each one uses.
// Load them with phone.Profiles and phone.BuiltinProfile; a tester may add a
// file here or pass any other file to phone.LoadProfile.
package profiles

import "embed"

// FS holds the profile files, named <profile name>.json.
//
//go:embed *.json
var FS embed.FS
