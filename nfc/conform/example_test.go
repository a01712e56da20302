package conform_test

import (
	"context"
	"fmt"

	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/conform"
)

// Check a phone: here the emulator's applet in memory; over PC/SC, pass the
// nfc/pcsc Card and its Reset.
func ExamplePhone() {
	w := testworld.New(1)
	phone := applet.New(&testworld.Wallet{W: w}, applet.Options{})
	rep, err := conform.Phone(context.Background(), phone, conform.Config{Verifier: w.Verifier(nil)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d rules: %d passed, %d failed\n", len(rep.Results), rep.Passed(), rep.Failed())
	// Output: 35 rules: 35 passed, 0 failed
}

// Check a reader: serve the ReaderCheck as the phone (in memory here; through
// vpcd for a reader on PC/SC), let the reader read, then ask for the report.
func ExampleReaderCheck() {
	w := testworld.New(1)
	check := conform.NewReaderCheck(applet.New(&testworld.Wallet{W: w}, applet.Options{}))
	if _, err := nfc.Read(context.Background(), check, w.Verifier(nil), nfc.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	rep := check.Report(conform.ReaderOptions{})
	fmt.Printf("%d reads; %d rules passed, %d failed\n", check.Completed(), rep.Passed(), rep.Failed())
	// Output: 1 reads; 9 rules passed, 0 failed
}
