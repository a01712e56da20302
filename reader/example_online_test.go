package reader_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/online"
)

// A short QR code (protocol version 2) scanned at the desk, resolved at the
// issuer's online service, then the AMO rights fetched in the background.
// The emulator plays the issuer, its online service on loopback (with its
// authority of health professionals' certificates) and the patient's phone;
// a real desk gives its PS certificate, the service's URL and roots.
func Example_shortQR() {
	ctx := context.Background()
	w, err := emulator.New(emulator.Options{Profile: "famille-6-drome"})
	if err != nil {
		fmt.Println(err)
		return
	}
	svc, psCert, roots, stop, err := startService(w)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()

	scanner := make(chanScan, 1)
	r, err := reader.Open(ctx, reader.Config{
		Enabled: true, ListAuthority: w.Issuer.ListAuthority(), Lists: w,
		QR:     []qrscan.Source{scanner},
		Groups: []credential.Group{credential.GroupAMO, credential.GroupINS},
		Online: &online.Config{URL: svc, Cert: psCert, Roots: roots}, // Timeout: 2 s by default
	})
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
		return
	}
	defer r.Close()

	held, _, _ := w.Phone.Wallet()
	text, _ := held.PresentShortQR(time.Now()) // what the app shows
	scanner <- text
	id, err := r.Read(ctx)
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN)) // e.g. "… Ask the patient for the offline QR code."
		return
	}
	fmt.Println(len(text), "characters;", id.Mode, "short:", id.Verification.ShortQR, "groups:", id.Groups)
	fmt.Println(len(id.Beneficiaires), "beneficiaries; INS of the ouvrant droit:", id.OuvrantDroit().INS != nil)
	rights, err := id.Rights(ctx) // fetched since the identity was verified
	if err != nil {
		fmt.Println(reader.Message(err, apcverr.EN))
		return
	}
	fmt.Println(len(rights), "rights; régime of the ouvrant droit:", rights[0].Regime)

	scanner <- text // the same code again, here or at any other desk
	_, err = r.Read(ctx)
	fmt.Println(apcverr.Code(err))
	// Output:
	// 48 characters; QR short: true groups: [AMO INS]
	// 6 beneficiaries; INS of the ouvrant droit: true
	// 6 rights; régime of the ouvrant droit: 01
	// already-resolved
}

// startService serves w's issuer online on loopback, with a new PS
// authority, and issues a desk's PS certificate.
func startService(w *emulator.World) (url string, cert tls.Certificate, roots *x509.CertPool, stop func(), err error) {
	auth, err := psauth.New(psauth.Options{})
	if err != nil {
		return "", cert, nil, nil, err
	}
	dir, err := os.MkdirTemp("", "example-")
	if err != nil {
		return "", cert, nil, nil, err
	}
	audit, err := portal.OpenAuditLog(filepath.Join(dir, portal.AuditFile))
	if err != nil {
		return "", cert, nil, nil, err
	}
	h, err := backoffice.New(backoffice.Config{Backend: w.Issuer, Authority: auth, Audit: audit})
	if err != nil {
		return "", cert, nil, nil, err
	}
	srv := backoffice.NewServer(h, backoffice.ServerConfig{})
	if err := srv.Start(); err != nil {
		return "", cert, nil, nil, err
	}
	cert, err = auth.IssuePSCert(psauth.PS{RPPS: "10101234567", Name: "Dr Exemple", Profession: "Médecin"})
	stop = func() { srv.Close(); audit.Close(); os.RemoveAll(dir) }
	return srv.URL, cert, auth.Roots(), stop, err
}
