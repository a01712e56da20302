// Package errcatalog holds the test that checks the desk messages of every
// error of the SDK, in French and English. It has no code of its own.
package errcatalog
