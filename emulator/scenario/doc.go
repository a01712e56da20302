// Package scenario runs testers' scripts against the emulator: a scenario
// file tells a patient's story step by step (create a phone from a
// profile, activate it, move the virtual clock, open the app online or
// offline, revoke it at the portal, present it over NFC or QR to the SDK's
// reader) and says what must happen at each step. Run checks it and writes
// a transcript, personal data masked.
//
//	sc, _ := scenario.Load("emulator/scenarios/renewal-at-opening.yaml")
//	err := sc.Run(ctx, scenario.Options{Out: os.Stdout}) // nil, or a *StepError naming the step
//
// See emulator/scenarios/README.md for the file format and the list of
// steps ("apcv scenario steps" prints it too).
package scenario
