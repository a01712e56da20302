package vpcd_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
)

// Serve needs a running pcscd with the vpcd driver (apt-get install pcscd
// vsmartcard-vpcd): this example is compiled but not run, as it would dial
// the real driver. Try it with scripts/pcscd/with-pcscd.sh and scriptor or
// pcsc_scan on "Virtual PCD 00 00".
func ExampleServe() {
	card := apdu.TransportFunc(func(ctx context.Context, capdu []byte) ([]byte, error) {
		return []byte{0x90, 0x00}, nil // a card that accepts everything
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := vpcd.Serve(ctx, "127.0.0.1:35963", card, vpcd.Options{Logger: slog.Default()})
	log.Println(err) // context.DeadlineExceeded after a minute
}

// A phone taken away from the reader at its third APDU, presented again a
// second later; the next taps go well.
func ExampleOnce() {
	fault := vpcd.Once(3, vpcd.Fault{Remove: true, Away: time.Second})
	for n := 1; n <= 4; n++ {
		fmt.Printf("tap 1, APDU %d: removed=%v\n", n, fault(n, nil).Remove)
	}
	fmt.Printf("tap 2, APDU 3: removed=%v\n", fault(3, nil).Remove)
	// With pcscd: vpcd.Serve(ctx, addr, card, vpcd.Options{Fault: fault})

	// Output:
	// tap 1, APDU 1: removed=false
	// tap 1, APDU 2: removed=false
	// tap 1, APDU 3: removed=true
	// tap 1, APDU 4: removed=false
	// tap 2, APDU 3: removed=false
}
