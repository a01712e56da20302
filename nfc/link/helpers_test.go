package link

import (
	"context"
	"encoding/binary"

	"github.com/apcvkit/apcvkit/apdu"
)

// apduEcho is a scripted applet: its response is n bytes derived from the
// command (byte i = cmd[i%len] + i), then 90 00.
func apduEcho(n int) apdu.TransportFunc {
	return func(ctx context.Context, cmd []byte) ([]byte, error) {
		return echoResponse(cmd, n), nil
	}
}

func echoResponse(cmd []byte, n int) []byte {
	out := make([]byte, n+2)
	for i := range n {
		out[i] = cmd[i%len(cmd)] + byte(i)
	}
	binary.BigEndian.PutUint16(out[n:], 0x9000)
	return out
}
