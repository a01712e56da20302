package online_test

import (
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/reader/online"
)

// The desk's configuration names PEM files (apcv ps-cert writes them); an
// incomplete one is refused with a desk message. Example_shortQR in package
// reader reads a short QR code through a running service.
func ExampleLoadConfig() {
	_, err := online.LoadConfig("https://127.0.0.1:8443", "ps.pem", "", "ps-ca.pem", 0)
	fmt.Println(apcverr.Code(err))
	fmt.Println(apcverr.Message(err, apcverr.EN))
	// Output:
	// online-not-configured
	// This is an online QR code and your software is not set up for the online service. Ask the patient for the offline QR code (in the app).
}
