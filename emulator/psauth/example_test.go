package psauth_test

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/psauth"
)

// A professional's certificate, checked as the online service checks it,
// then refused once the professional is revoked.
func Example() {
	dir, _ := os.MkdirTemp("", "psauth-example")
	defer os.RemoveAll(dir)
	a, err := psauth.Open(dir, psauth.Options{}) // dir/ps-ca.pem: what readers pin
	if err != nil {
		fmt.Println(err)
		return
	}
	cert, _ := a.IssuePSCert(psauth.PS{RPPS: "10101234567", Name: "Dr Claire EXEMPLE", Profession: "Médecin"})
	ps, err := a.Check([]*x509.Certificate{cert.Leaf})
	fmt.Println(ps.RPPS, ps.Profession, err)
	_ = a.RevokeRPPS("10101234567")
	_, err = a.Check([]*x509.Certificate{cert.Leaf})
	fmt.Println(errors.Is(err, service.ErrPSRevoked))
	// Output:
	// 10101234567 Médecin <nil>
	// true
}
