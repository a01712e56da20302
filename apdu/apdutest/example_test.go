package apdutest_test

import (
	"context"
	"fmt"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/apdutest"
)

// A card's answer to SELECT, chained with 61xx and GET RESPONSE, played
// back without the card: apdu.Exchange sends the GET RESPONSE itself.
func ExamplePlayback() {
	p := &apdutest.Playback{Exchanges: []apdutest.Exchange{
		{Command: []byte{0x00, 0xA4, 0x04, 0x00, 0x02, 0xA0, 0x01, 0x00}, Response: []byte{0x6F, 0x04, 0x61, 0x02}},
		{Command: []byte{0x00, 0xC0, 0x00, 0x00, 0x02}, Response: []byte{0x84, 0x00, 0x90, 0x00}},
	}}
	ctx := context.Background()
	sel := apdu.Command{INS: 0xA4, P1: 0x04, Data: []byte{0xA0, 0x01}, Ne: 256}
	resp, err := apdu.Exchange(ctx, p, sel, apdu.ExchangeOptions{})
	fmt.Printf("% X %04X %v\n", resp.Data, resp.SW, err)
	fmt.Println("close:", p.Close()) // every exchange was used

	// A command the script does not hold fails, and so does Close.
	p = &apdutest.Playback{Exchanges: p.Exchanges}
	_, err = p.Transmit(ctx, []byte{0x80, 0x20, 0x00, 0x00, 0x00})
	fmt.Println(err)
	fmt.Println("close:", p.Close() != nil)
	// Output:
	// 6F 04 84 00 9000 <nil>
	// close: <nil>
	// apdutest: exchange 1: command 8020000000, recorded 00A4040002A00100: apdutest: playback mismatch
	// close: true
}

// Record keeps what a transport answered, to play it back later.
func ExampleRecord() {
	card := apdu.TransportFunc(func(context.Context, []byte) ([]byte, error) { return []byte{0x90, 0x00}, nil })
	r := &apdutest.Record{Transport: card}
	r.Transmit(context.Background(), []byte{0x00, 0xA4, 0x04, 0x00, 0x00})
	for _, e := range r.Exchanges {
		fmt.Printf("%X → %X\n", e.Command, e.Response)
	}
	// Output:
	// 00A4040000 → 9000
}
