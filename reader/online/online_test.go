package online_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/internal/deskmsgtest"
	"github.com/apcvkit/apcvkit/internal/testfamily"
	"github.com/apcvkit/apcvkit/reader/online"
)

// testCA is a throw-away certification authority: the PS authority or the
// service's, for a TLS server written here (the real service has its own
// tests and is used by the reader's).
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

var serial atomic.Int64

func newCA(t testing.TB, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue returns a leaf: a server certificate for 127.0.0.1 or a client one.
func (ca *testCA) issue(t testing.TB, name string, server bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// world is a TLS server with its own CA and a PS authority whose
// certificates it requires, and the client of one PS.
type world struct {
	srv     *httptest.Server
	service *testCA // signs the server's certificate
	ps      *testCA // signs the PS certificates
	psCert  tls.Certificate
	conns   atomic.Int32 // connections accepted
}

func newWorld(t *testing.T, h http.HandlerFunc) *world {
	w := &world{service: newCA(t, "service CA"), ps: newCA(t, "PS authority")}
	w.psCert = w.ps.issue(t, "Dr Test", false)
	w.srv = httptest.NewUnstartedServer(h)
	w.srv.TLS = &tls.Config{Certificates: []tls.Certificate{w.service.issue(t, "service", true)},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: w.ps.pool}
	w.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			w.conns.Add(1)
		}
	}
	w.srv.EnableHTTP2 = true
	w.srv.StartTLS()
	t.Cleanup(w.srv.Close)
	return w
}

func (w *world) client(t *testing.T, timeout time.Duration) *online.Client {
	t.Helper()
	c, err := online.New(online.Config{URL: w.srv.URL, Cert: w.psCert, Roots: w.service.pool, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

const shortText = "APCV2:fake" // the client does not parse the text: the service and the verifier do

func answerCOSE(w http.ResponseWriter, r *http.Request) {
	var req struct {
		QR     string   `json:"qr"`
		Groups []string `json:"groups"`
	}
	if r.Method != http.MethodPost || r.URL.Path != service.PathResolve || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "bad request", 400)
		return
	}
	w.Header().Set("Content-Type", "application/cose")
	io.WriteString(w, "answer:"+req.QR+":"+strings.Join(req.Groups, ","))
}

func refuse(status int, code string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(service.ErrorBody{Code: code, MessageFR: "x", MessageEN: "x"})
	}
}

func TestResolve(t *testing.T) {
	w := newWorld(t, answerCOSE)
	c := w.client(t, 0)
	if c.Timeout() != online.DefaultTimeout {
		t.Errorf("default timeout %v, want %v", c.Timeout(), online.DefaultTimeout)
	}
	for i := range 3 { // kept alive: one connection for every call
		ans, ps, err := c.Resolve(context.Background(), shortText, []credential.Group{credential.GroupINS, credential.GroupAMO})
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if got, want := string(ans), "answer:"+shortText+":AMO,INS"; got != want {
			t.Errorf("answer %q, want %q", got, want)
		}
		if ps != sha256.Sum256(w.psCert.Certificate[0]) || ps != c.PSHash() {
			t.Error("psHash is not the SHA-256 of the PS certificate's DER")
		}
	}
	if n := w.conns.Load(); n != 1 {
		t.Errorf("%d connections for 3 calls, want 1 (keep-alive)", n)
	}
}

// TestResolveErrors: every answer and failure of the service maps to its
// sentinel, whose desk message tells to ask for the offline QR code.
func TestResolveErrors(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // then the server sees the client leave
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	tests := []struct {
		name    string
		h       http.HandlerFunc
		want    error
		offline bool // the desk message asks for the offline QR code
	}{
		{"already resolved", refuse(409, "already-resolved"), service.ErrAlreadyResolved, false},
		{"PS revoked", refuse(403, "ps-revoked"), service.ErrPSRevoked, true},
		{"PS refused", refuse(401, "ps-cert-refused"), service.ErrPSCertRefused, true},
		{"busy", refuse(429, ""), service.ErrServiceUnavailable, true},
		{"down (503)", refuse(503, "service-unavailable"), service.ErrServiceUnavailable, true},
		{"unknown CID", refuse(404, "unknown-credential"), service.ErrUnknownCredential, true},
		{"QR expired", refuse(410, "qr-expired"), credential.ErrQRExpired, false},
		{"credential revoked", refuse(410, "revoked"), credential.ErrRevoked, false},
		{"device binding", refuse(400, "device-binding"), credential.ErrDeviceBinding, false},
		{"unknown code", refuse(400, "no-such-code"), service.ErrServiceUnavailable, true},
		{"401 without a body", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }, service.ErrPSCertRefused, true},
		{"500 HTML", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "<h1>oops</h1>", 500) }, service.ErrServiceUnavailable, true},
		{"wrong content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>")
		}, service.ErrServiceUnavailable, true},
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/cose")
			w.Write(make([]byte, service.MaxAnswer+1))
		}, credential.ErrTooLarge, false},
		{"slow", slow, online.ErrServiceTimeout, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.h)
			_, _, err := w.client(t, 300*time.Millisecond).Resolve(context.Background(), shortText, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			deskmsgtest.Check(t, err, tt.offline)
		})
	}
}

// TestResolveFaults: the service down, slow beyond the deadline, with a
// certificate not under the pinned roots, or refusing the PS certificate
// at the handshake; and a call cancelled by the caller.
func TestResolveFaults(t *testing.T) {
	t.Run("down", func(t *testing.T) {
		w := newWorld(t, answerCOSE)
		c := w.client(t, 0)
		w.srv.Close()
		_, _, err := c.Resolve(context.Background(), shortText, nil)
		if !errors.Is(err, service.ErrServiceUnavailable) {
			t.Fatalf("err %v, want service-unavailable", err)
		}
		deskmsgtest.Check(t, err, true)
	})
	t.Run("slow beyond the deadline", func(t *testing.T) {
		release := make(chan struct{})
		w := newWorld(t, func(w http.ResponseWriter, r *http.Request) { <-release; answerCOSE(w, r) })
		defer close(release) // before the server's Close, which waits for the handler
		c := w.client(t, 200*time.Millisecond)
		start := time.Now()
		_, _, err := c.Resolve(context.Background(), shortText, nil)
		if !errors.Is(err, online.ErrServiceTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want service-timeout", err)
		}
		// Not a performance measure: the call must not block past its
		// deadline; the margin absorbs a loaded machine.
		if d := time.Since(start); d > 200*time.Millisecond+3*time.Second { // the handler never answers
			t.Errorf("returned after %v, deadline 200ms", d)
		}
		deskmsgtest.Check(t, err, true)
	})
	t.Run("caller's deadline", func(t *testing.T) {
		release := make(chan struct{})
		w := newWorld(t, func(w http.ResponseWriter, r *http.Request) { <-release })
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, _, err := w.client(t, 0).Resolve(ctx, shortText, nil)
		if !errors.Is(err, online.ErrServiceTimeout) {
			t.Fatalf("err %v, want service-timeout", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		release := make(chan struct{})
		w := newWorld(t, func(w http.ResponseWriter, r *http.Request) { <-release })
		defer close(release)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, _, err := w.client(t, 0).Resolve(ctx, shortText, nil)
		if !errors.Is(err, context.Canceled) || errors.Is(err, online.ErrServiceTimeout) {
			t.Fatalf("err %v, want context.Canceled only", err)
		}
	})
	t.Run("wrong server certificate", func(t *testing.T) {
		w := newWorld(t, answerCOSE)
		other := newCA(t, "another CA")
		c, err := online.New(online.Config{URL: w.srv.URL, Cert: w.psCert, Roots: other.pool})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _, err = c.Resolve(context.Background(), shortText, nil)
		if !errors.Is(err, online.ErrServiceCert) {
			t.Fatalf("err %v, want service-cert", err)
		}
		deskmsgtest.Check(t, err, true)
	})
	t.Run("PS certificate of another authority", func(t *testing.T) {
		w := newWorld(t, answerCOSE)
		stranger := newCA(t, "not the PS authority").issue(t, "Dr Stranger", false)
		c, err := online.New(online.Config{URL: w.srv.URL, Cert: stranger, Roots: w.service.pool})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _, err = c.Resolve(context.Background(), shortText, nil)
		if !errors.Is(err, service.ErrPSCertRefused) {
			t.Fatalf("err %v, want ps-cert-refused", err)
		}
		deskmsgtest.Check(t, err, true)
	})
}

func TestNewConfig(t *testing.T) {
	ca := newCA(t, "ca")
	cert := ca.issue(t, "Dr", false)
	tests := []struct {
		name string
		cfg  online.Config
	}{
		{"empty", online.Config{}},
		{"http", online.Config{URL: "http://127.0.0.1:1", Cert: cert, Roots: ca.pool}},
		{"no host", online.Config{URL: "https://", Cert: cert, Roots: ca.pool}},
		{"query", online.Config{URL: "https://127.0.0.1:1/?a=b", Cert: cert, Roots: ca.pool}},
		{"no certificate", online.Config{URL: "https://127.0.0.1:1", Roots: ca.pool}},
		{"no roots", online.Config{URL: "https://127.0.0.1:1", Cert: cert}},
		{"negative timeout", online.Config{URL: "https://127.0.0.1:1", Cert: cert, Roots: ca.pool, Timeout: -1}},
		{"garbage certificate", online.Config{URL: "https://127.0.0.1:1", Cert: tls.Certificate{Certificate: [][]byte{{1, 2}}, PrivateKey: cert.PrivateKey}, Roots: ca.pool}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := online.New(tt.cfg); !errors.Is(err, online.ErrOnlineNotConfigured) {
				t.Errorf("err %v, want online-not-configured", err)
			}
		})
	}
	if _, err := online.New(online.Config{URL: "https://127.0.0.1:1/prefix/", Cert: cert, Roots: ca.pool}); err != nil {
		t.Errorf("good config: %v", err)
	}
}

// rightsHandler answers /v2/rights with the derived rights of fam's
// beneficiaries, altered by alter.
func rightsHandler(t *testing.T, fam credential.Family, alter func(*rights.Answer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req rights.Request
		if r.URL.Path != service.PathRights || json.NewDecoder(r.Body).Decode(&req) != nil {
			refuse(400, "service-bad-request")(w, r)
			return
		}
		var a rights.Answer
		for _, wj := range req.Beneficiaires {
			who, err := wj.Who()
			if err != nil {
				refuse(400, "invalid-field")(w, r)
				return
			}
			for i, b := range fam.Beneficiaires {
				if rights.WhoOf(b) == who {
					a.Rights = append(a.Rights, rights.JSONOf(rights.Derive(fam, i)))
				}
			}
		}
		if alter != nil {
			alter(&a)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a)
	}
}

func TestRights(t *testing.T) {
	fam := testFamily(t)
	var who []rights.Who
	for _, b := range fam.Beneficiaires {
		who = append(who, rights.WhoOf(b))
	}
	w := newWorld(t, rightsHandler(t, fam, nil))
	got, err := w.client(t, 0).Rights(context.Background(), who)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(who) {
		t.Fatalf("%d rights for %d beneficiaries", len(got), len(who))
	}
	for i, r := range got {
		if want := rights.Derive(fam, i); r.NIR != want.NIR || r.Rang != want.Rang || r.Regime != want.Regime || r.CodeGestion != want.CodeGestion {
			t.Errorf("rights %d: %+v, want %+v", i, r, want)
		}
	}

	bad := []struct {
		name  string
		alter func(*rights.Answer)
		want  error
	}{
		{"one missing", func(a *rights.Answer) { a.Rights = a.Rights[1:] }, credential.ErrMalformed},
		{"swapped", func(a *rights.Answer) { a.Rights[0], a.Rights[1] = a.Rights[1], a.Rights[0] }, credential.ErrMalformed},
		{"invalid", func(a *rights.Answer) { a.Rights[0].Regime = "x" }, credential.ErrInvalidField},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, rightsHandler(t, fam, tt.alter))
			if _, err := w.client(t, 0).Rights(context.Background(), who); !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := w.client(t, 0).Rights(context.Background(), nil); !errors.Is(err, credential.ErrInvalidField) {
		t.Errorf("no beneficiary: err %v", err)
	}
}

func testFamily(t *testing.T) credential.Family { return testfamily.Family(4, testfamily.Options{}) }
