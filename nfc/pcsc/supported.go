//go:build cgo || windows

package pcsc

// Supported reports whether this build talks to the system's PC/SC service.
// It is false only where PC/SC needs cgo and the build had none (Linux and
// macOS with CGO_ENABLED=0): then every entry point fails with ErrNotBuilt.
const Supported = true
