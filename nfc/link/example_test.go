package link_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/link"
)

// applet answers every command with 600 bytes and 90 00.
var applet = apdu.TransportFunc(func(ctx context.Context, cmd []byte) ([]byte, error) {
	resp := make([]byte, 602)
	resp[600], resp[601] = 0x90, 0x00
	return resp, nil
})

var selectApCV = []byte{0x00, 0xA4, 0x04, 0x00, 0x07, 0xF0, 0x41, 0x50, 0x43, 0x56, 0x30, 0x31, 0x00}

func Example() {
	l := link.New(applet, link.Config{BitRate: link.Rate424, FSD: 128})
	resp, err := l.Transmit(context.Background(), selectApCV)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := l.Stats()
	fmt.Printf("response: %d bytes, SW %X\n", len(resp), resp[len(resp)-2:])
	fmt.Printf("frames %d, bytes %d, retransmissions %d, WTX %d\n", s.Frames, s.Bytes, s.Retransmissions, s.WTX)
	fmt.Println("airtime", l.Airtime())
	// Output:
	// response: 602 bytes, SW 9000
	// frames 14, bytes 664, retransmissions 0, WTX 0
	// airtime 16.592625ms
}

func Example_faults() {
	ctx := context.Background()
	l := link.New(applet, link.Config{Faults: link.Faults{
		BitErrors: []link.BitError{{Frame: 4, Bit: 9}}, // the phone's first answer
	}})
	if _, err := l.Transmit(ctx, selectApCV); err == nil {
		s := l.Stats()
		fmt.Printf("recovered: %d R(NAK), %d retransmission\n", s.NAKs, s.Retransmissions)
	}

	l.SetFaults(link.Faults{RemoveAtFrame: l.Stats().Frames + 2})
	_, err := l.Transmit(ctx, selectApCV)
	fmt.Println(errors.Is(err, nfc.ErrPhoneRemoved))
	fmt.Println(apcverr.Message(err, apcverr.FR))
	// Output:
	// recovered: 1 R(NAK), 1 retransmission
	// true
	// Le téléphone a été retiré trop tôt. Demandez au patient de le maintenir immobile sur le lecteur jusqu'à la fin.
}
