package online

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"time"
)

// maxPEM bounds the certificate and key files read by LoadConfig.
const maxPEM = 1 << 20

// LoadConfig builds a Config from files, as the desk configuration names
// them: the PS certificate chain and its key (PEM, as apcv ps-cert writes
// them) and the roots of the service's certificate (PEM, ps-ca.pem). A
// file missing or unreadable fails with ErrOnlineNotConfigured.
func LoadConfig(url, certFile, keyFile, caFile string, timeout time.Duration) (Config, error) {
	bad := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("online: config: "+format+": %w", append(args, ErrOnlineNotConfigured)...)
	}
	if url == "" || certFile == "" || keyFile == "" || caFile == "" {
		return bad("the service URL, PS certificate, PS key and service CA are all required")
	}
	certPEM, err := readSmall(certFile)
	if err != nil {
		return bad("PS certificate: %v", err)
	}
	keyPEM, err := readSmall(keyFile)
	if err != nil {
		return bad("PS key: %v", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return bad("PS certificate and key: %v", err)
	}
	caPEM, err := readSmall(caFile)
	if err != nil {
		return bad("service CA: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return bad("service CA %s: no PEM certificate", caFile)
	}
	return Config{URL: url, Cert: cert, Roots: roots, Timeout: timeout}, nil
}

func readSmall(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPEM+1))
	if err == nil && len(data) > maxPEM {
		err = fmt.Errorf("%s: larger than %d bytes", name, maxPEM)
	}
	return data, err
}
