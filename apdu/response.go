package apdu

import (
	"fmt"
)

// Common status words.
const (
	SWSuccess uint16 = 0x9000 // normal processing
)

// Response is an ISO/IEC 7816-4 response APDU: data followed by the status
// word SW1-SW2.
type Response struct {
	Data []byte
	SW   uint16
}

// ParseResponse splits a response APDU into its data and status word. The
// returned Data aliases b (nil when there is none). A response shorter than
// the two status bytes is rejected with an error wrapping ErrMalformed.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("apdu: response: %d bytes, status word needs 2: %w", len(b), ErrMalformed)
	}
	n := len(b) - 2
	r := Response{SW: uint16(b[n])<<8 | uint16(b[n+1])}
	if n > 0 {
		r.Data = b[:n:n]
	}
	return r, nil
}

// SW1 returns the first status byte.
func (r Response) SW1() byte { return byte(r.SW >> 8) }

// SW2 returns the second status byte.
func (r Response) SW2() byte { return byte(r.SW) }

// Append appends the encoding of r (data, then SW1 SW2) to dst.
func (r Response) Append(dst []byte) []byte {
	dst = append(dst, r.Data...)
	return append(dst, byte(r.SW>>8), byte(r.SW))
}

// Bytes returns the encoding of r in a new slice.
func (r Response) Bytes() []byte {
	return r.Append(make([]byte, 0, len(r.Data)+2))
}

// Err returns nil when the status word is 9000, and a *StatusError otherwise.
// Use errors.Is with the ErrXxx status sentinels (ErrFileNotFound, ...) and
// errors.As to reach the *StatusError (for RetriesLeft, say).
func (r Response) Err() error {
	if r.SW == SWSuccess {
		return nil
	}
	return &StatusError{SW: r.SW}
}
