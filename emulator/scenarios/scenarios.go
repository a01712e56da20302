// Package scenarios embeds the scenarios shipped with the emulator
// (*.yaml): each reproduces a story of the training deck or of the patients'
// comments, step by step, with what must happen at each step. Run one with
// "apcv scenario run NAME" (or a file path); list them with "apcv scenario
// list". The format and the steps are described in README.md beside them
// and by "apcv scenario steps"; package emulator/scenario runs them, and
// its tests run every file here.
package scenarios

import "embed"

// FS holds the scenario files, named <scenario name>.yaml.
//
//go:embed *.yaml
var FS embed.FS
