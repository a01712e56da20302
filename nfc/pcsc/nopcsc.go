//go:build !cgo && !windows

package pcsc

// This build has no PC/SC: on Linux and macOS the PC/SC client library is
// C and this build had no cgo. The API is the same as with PC/SC, so that
// the SDK and its importers build; NewContext fails with ErrNotBuilt, and no
// Context or Card can exist.

import (
	"context"
	"fmt"

	"github.com/apcvkit/apcvkit/apdu"
)

// Supported reports whether this build talks to the system's PC/SC service.
// It is false only where PC/SC needs cgo and the build had none (Linux and
// macOS with CGO_ENABLED=0): then every entry point fails with ErrNotBuilt.
const Supported = false

// errNotBuilt is what every entry point returns in this build.
var errNotBuilt = fmt.Errorf("pcsc: %w", ErrNotBuilt)

// Context is a session with the PC/SC service. In this build NewContext
// never returns one.
type Context struct {
	// OnEvent is told about readers plugged in and unplugged while
	// WaitForPhone waits (never, in this build).
	OnEvent func(Event)
}

// NewContext fails with an error wrapping ErrNotBuilt: this build has no
// PC/SC.
var _ apdu.Transport = (*Card)(nil)

func NewContext() (*Context, error) { return nil, errNotBuilt }

// Close does nothing.
func (c *Context) Close() error { return nil }

// ListReaders fails with ErrNotBuilt.
func (c *Context) ListReaders() ([]Reader, error) { return nil, errNotBuilt }

// WaitForPhone fails with ErrNotBuilt.
func (c *Context) WaitForPhone(ctx context.Context, readers []string) (string, error) {
	return "", errNotBuilt
}

// Connect fails with ErrNotBuilt.
func (c *Context) Connect(ctx context.Context, reader string) (*Card, error) {
	return nil, errNotBuilt
}

// WaitForRemoval fails with ErrNotBuilt.
func (c *Context) WaitForRemoval(ctx context.Context, reader string) error { return errNotBuilt }

// WaitForCardRemoval fails with ErrNotBuilt.
func (c *Context) WaitForCardRemoval(ctx context.Context, k *Card) error { return errNotBuilt }

// Card is a phone connected through PC/SC. In this build Connect never
// returns one.
type Card struct{}

// Reader returns "".
func (k *Card) Reader() string { return "" }

// ATR returns nil.
func (k *Card) ATR() []byte { return nil }

// Transmit fails with ErrNotBuilt.
func (k *Card) Transmit(ctx context.Context, cmd []byte) ([]byte, error) { return nil, errNotBuilt }

// Close does nothing.
func (k *Card) Close() error { return nil }

// Reset fails with ErrNotBuilt.
func (k *Card) Reset(ctx context.Context) error { return errNotBuilt }
