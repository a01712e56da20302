package apdu_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/apcvkit/apcvkit/apdu"
)

func ExampleExchange() {
	// A card that answers SELECT with 6 bytes of FCI, in two parts.
	card := apdu.TransportFunc(func(ctx context.Context, b []byte) ([]byte, error) {
		cmd, err := apdu.ParseCommand(b)
		if err != nil {
			return []byte{0x67, 0x00}, nil
		}
		switch cmd.INS {
		case 0xA4: // SELECT: first part, 2 more bytes available
			return []byte{0x6F, 0x04, 0x84, 0x02, 0x61, 0x02}, nil
		case 0xC0: // GET RESPONSE
			return []byte{0xA0, 0x01, 0x90, 0x00}, nil
		}
		return []byte{0x6D, 0x00}, nil
	})

	ctx := context.Background()
	sel := apdu.Command{CLA: 0x00, INS: 0xA4, P1: 0x04, Data: []byte{0xA0, 0x01}, Ne: 256}
	resp, err := apdu.Exchange(ctx, card, sel, apdu.ExchangeOptions{})
	if err == nil {
		err = resp.Err()
	}
	fmt.Printf("% X, %v\n", resp.Data, err)

	resp, _ = apdu.Exchange(ctx, card, apdu.Command{INS: 0x20}, apdu.ExchangeOptions{})
	fmt.Println(resp.Err())
	// Output:
	// 6F 04 84 02 A0 01, <nil>
	// apdu: status 6D00: instruction not supported
}

func ExampleCommand_Append() {
	short, _ := apdu.Command{INS: 0xB0, Ne: 256}.Bytes()
	ext, _ := apdu.Command{INS: 0xB0, Ne: 65536}.Bytes()
	fmt.Printf("% X\n% X\n", short, ext)
	// Output:
	// 00 B0 00 00 00
	// 00 B0 00 00 00 00 00
}

func ExampleParseCommand() {
	_, err := apdu.ParseCommand([]byte{0x00, 0xD6, 0x00, 0x00, 0x05, 0x01, 0x02, 0x03})
	fmt.Println(err)
	fmt.Println(errors.Is(err, apdu.ErrMalformed))
	// Output:
	// apdu: command: Lc=5 but 3 data bytes: apdu: malformed APDU
	// true
}

func ExampleResponse_Err() {
	err := apdu.Response{SW: 0x63C2}.Err()
	var se *apdu.StatusError
	if errors.Is(err, apdu.ErrVerificationFailed) && errors.As(err, &se) {
		fmt.Println(err)
		fmt.Println("retries left:", se.RetriesLeft())
	}
	fmt.Println(errors.Is(apdu.Response{SW: 0x6A82}.Err(), apdu.ErrFileNotFound))
	// Output:
	// apdu: status 63C2: verification failed, 2 retries left
	// retries left: 2
	// true
}
