// Package backofficetest starts the issuer's online service on loopback for
// tests, in the style of net/http/httptest: real TLS, a fresh PS authority,
// an audit log in the test's temporary directory, and Close (registered
// with t.Cleanup) waiting for every goroutine.
//
//	svc := backofficetest.Start(t, iss)
//	cfg := online.Config{URL: svc.URL, Cert: svc.PSCert(t, "10101234567"), Roots: svc.Roots}
//	svc.SetFault(backoffice.Fault{Delay: 3 * time.Second}) // at run time
package backofficetest
