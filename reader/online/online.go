package online

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
)

// DefaultTimeout bounds each call to the service when Config.Timeout is 0.
const DefaultTimeout = 2 * time.Second

// Limits on what the client reads from the service.
const (
	// MaxAnswer bounds a resolution (a COSE_Sign1 of a whole family).
	MaxAnswer = 256 << 10
	// maxErrorBody bounds an error body.
	maxErrorBody = 8 << 10
)

// Paths of the service's endpoints (docs/PROTOCOL.md, version 2).
const (
	ResolvePath = "/v2/resolve"
	RightsPath  = "/v2/rights"
)

// Config configures a Client.
type Config struct {
	// URL is the service's base URL, "https://host:port" (a path prefix
	// is kept).
	URL string
	// Cert is the health professional's certificate and key (a chain
	// from the PS authority), presented by mutual TLS.
	Cert tls.Certificate
	// Roots are the roots the service's server certificate must chain to.
	Roots *x509.CertPool
	// Timeout bounds each call (default DefaultTimeout, 2 s): connection,
	// TLS handshake, request and answer together.
	Timeout time.Duration
}

// Client calls the online service. Make one per Reader: it keeps its
// connection alive between calls.
type Client struct {
	base    *url.URL
	hc      *http.Client
	tr      *http.Transport
	psHash  [32]byte
	timeout time.Duration
}

// New checks cfg and returns a Client. It does not connect: the first
// call does. A missing URL, certificate or roots fails with
// credential.ErrOnlineNotConfigured.
func New(cfg Config) (*Client, error) {
	bad := func(format string, args ...any) (*Client, error) {
		return nil, fmt.Errorf("online: config: "+format+": %w", append(args, credential.ErrOnlineNotConfigured)...)
	}
	u, err := url.Parse(cfg.URL)
	switch {
	case cfg.URL == "":
		return bad("no service URL")
	case err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		return bad("service URL %q: want https://host:port", cfg.URL)
	case len(cfg.Cert.Certificate) == 0 || cfg.Cert.PrivateKey == nil:
		return bad("no health professional certificate")
	case cfg.Roots == nil:
		return bad("no roots for the service's certificate")
	case cfg.Timeout < 0:
		return bad("negative timeout")
	}
	if _, err := x509.ParseCertificate(cfg.Cert.Certificate[0]); err != nil {
		return bad("health professional certificate: %v", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			RootCAs:    cfg.Roots,
			// Always present the PS certificate, even when the service
			// names other authorities: its refusal is then typed, and
			// audited at the service.
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cfg.Cert, nil },
		},
		DialContext: (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		// HTTP/1.1 kept alive: HTTP/2 would hide a TLS refusal of the PS
		// certificate behind "client conn could not be established", and
		// a desk makes one or two calls at a time.
		ForceAttemptHTTP2:     false,
		MaxIdleConns:          8,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		DisableCompression:    true,
		Proxy:                 nil, // the PS certificate goes to the service only
	}
	return &Client{base: u, tr: tr, hc: &http.Client{Transport: tr, CheckRedirect: noRedirect},
		psHash: sha256.Sum256(cfg.Cert.Certificate[0]), timeout: cfg.Timeout}, nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// PSHash returns the SHA-256 of the PS certificate's DER: what the
// service's resolution binds (credential.Resolution.PSHash).
func (c *Client) PSHash() [32]byte { return c.psHash }

// Timeout returns the deadline of each call.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Close closes the idle connections. The Client stays usable.
func (c *Client) Close() { c.tr.CloseIdleConnections() }

type resolveRequest struct {
	QR     string   `json:"qr"`
	Groups []string `json:"groups"`
}

// Resolve asks the service to resolve the short QR text for groups (AMO
// is always included). It returns the service's answer, unverified (the
// issuer-signed resolution: give it to credential.Verifier.VerifyResolution),
// and the hash of the PS certificate that authenticated the call.
func (c *Client) Resolve(ctx context.Context, text string, groups []credential.Group) ([]byte, [32]byte, error) {
	req := resolveRequest{QR: text, Groups: []string{credential.GroupAMO.String()}}
	for _, g := range groups {
		if g != credential.GroupAMO {
			req.Groups = append(req.Groups, g.String())
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, c.psHash, fmt.Errorf("online: resolve: %w: %w", credential.ErrMalformed, err)
	}
	ans, err := c.post(ctx, ResolvePath, body, "application/cose")
	if err != nil {
		return nil, c.psHash, fmt.Errorf("online: resolve: %w", err)
	}
	return ans, c.psHash, nil
}

// post sends body as JSON to path and returns the answer of type want, or
// the sentinel the failure maps to.
func (c *Client) post(ctx context.Context, path string, body []byte, want string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := *c.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", credential.ErrOnlineNotConfigured, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", want)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != want {
		io.Copy(io.Discard, io.LimitReader(resp.Body, MaxAnswer)) // keep the connection
		return nil, fmt.Errorf("answer of type %q, want %q: %w", mt, want, credential.ErrServiceUnavailable)
	}
	ans, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if len(ans) > MaxAnswer {
		return nil, fmt.Errorf("answer larger than %d bytes: %w", MaxAnswer, credential.ErrTooLarge)
	}
	return ans, nil
}

// transportError maps a failure to reach the service or to read its
// answer to its sentinel.
func (c *Client) transportError(ctx context.Context, err error) error {
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var alert tls.AlertError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Errorf("no answer within %v: %w: %w", c.timeout, credential.ErrServiceTimeout, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("online: %w", context.Canceled)
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid):
		return fmt.Errorf("the service's certificate: %w: %w", credential.ErrServiceCert, err)
	case errors.As(err, &alert) && refusedAlert(alert), remoteCertAlert(err):
		return fmt.Errorf("TLS: %w: %w", credential.ErrPSCertRefused, err)
	}
	return fmt.Errorf("%w: %w", credential.ErrServiceUnavailable, err)
}

// remoteCertAlert reports whether err is a TLS alert from the service about
// the client's certificate ("remote error: tls: bad certificate", "…unknown
// certificate authority", "…certificate required"…): crypto/tls reports an
// alert received as a *net.OpError of Op "remote error" around an
// unexported type, so its text is all there is to look at.
func remoteCertAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error" && op.Err != nil &&
		(strings.Contains(op.Err.Error(), "certificate") || strings.Contains(op.Err.Error(), "unknown authority"))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// refusedAlert reports whether a TLS alert from the service refuses the
// client certificate.
func refusedAlert(a tls.AlertError) bool {
	switch a {
	case 42, 43, 44, 45, 46, 48, 116: // bad, unsupported, revoked, expired, unknown certificate; unknown CA; certificate required
		return true
	}
	return false
}

// ErrorJSON is the body of the service's error answers.
type ErrorJSON struct {
	Code      string `json:"code"`
	MessageFR string `json:"message_fr"`
	MessageEN string `json:"message_en"`
}

// byCode maps the service's error codes to the sentinels: the service's
// own (credential/online_errors.go) and the credential kinds it checks.
var byCode = func() map[string]*apcverr.Error {
	m := map[string]*apcverr.Error{"unknown-credential": credential.ErrShortQRUnknown}
	for _, e := range []*apcverr.Error{credential.ErrServiceUnavailable, credential.ErrServiceBusy,
		credential.ErrPSCertRefused, credential.ErrPSRevoked, credential.ErrAlreadyResolved,
		credential.ErrShortQRUnknown, credential.ErrQRExpired, credential.ErrRevoked, credential.ErrExpired,
		credential.ErrNotYetValid, credential.ErrDeviceBinding, credential.ErrMalformed, credential.ErrTooLarge,
		credential.ErrUnsupportedVersion, credential.ErrGroupMissing, credential.ErrInvalidField,
		credential.ErrReplayed} {
		m[e.Code] = e
	}
	return m
}()

// statusError maps an error answer to its sentinel: by its code, else by
// its status.
func statusError(resp *http.Response) error {
	var e ErrorJSON
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	json.Unmarshal(data, &e) // a body that is not the protocol leaves Code empty
	if s, ok := byCode[e.Code]; ok {
		return fmt.Errorf("status %d: %w", resp.StatusCode, s)
	}
	var s error
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		s = credential.ErrPSCertRefused
	case http.StatusForbidden:
		s = credential.ErrPSRevoked
	case http.StatusTooManyRequests:
		s = credential.ErrServiceBusy
	case http.StatusConflict:
		s = credential.ErrAlreadyResolved
	default:
		s = credential.ErrServiceUnavailable
	}
	if e.Code != "" {
		return fmt.Errorf("status %d, code %q: %w", resp.StatusCode, e.Code, s)
	}
	return fmt.Errorf("status %d: %w", resp.StatusCode, s)
}
