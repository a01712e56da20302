//go:build race

package credential_test

const raceEnabled = true
