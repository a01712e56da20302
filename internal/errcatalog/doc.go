// Package errcatalog holds the tests of the error catalogue: every error kind
// of the SDK (every apcverr.New of every package of the module, found by
// walking go list ./...) has one code and a desk message in French and
// English, and the README's count of kinds is the catalogue's. It has no
// code of its own.
//
// A new package with desk errors makes the tests fail until the list of
// packages is regenerated:
//
//	go test ./internal/errcatalog -update
package errcatalog
