//go:build cgo || windows

package pcsc

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
