//go:build cgo || windows

package pcsc

import (
	"testing"
	"time"
)

// SameContext reports whether two Cards worked in the same PC/SC context.
func SameContext(k1, k2 *Card) bool { return k1.cc != nil && k1.cc == k2.cc }

// HasSpare reports whether c keeps a Card's context for its next Connect.
func (c *Context) HasSpare() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.spare != nil
}

// ReusesReceiveBuffer says whether Card.Transmit receives into a reused
// buffer on this platform.
const ReusesReceiveBuffer = hasTransmitInto

// Events returns the reader's card-event count k holds (-1 if unknown).
func (k *Card) Events() int { return k.events }

// LongPolls lengthens the poll bound of the PC/SC waits (0.5 s) to d for
// t's duration, so that a test can tell a wait cancelled or answered
// promptly from one left to its poll with a bound generous enough for a
// loaded machine. Tests of this package run one at a time.
func LongPolls(t testing.TB, d time.Duration) {
	old := pollCap
	pollCap = d
	t.Cleanup(func() { pollCap = old })
}
