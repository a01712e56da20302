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
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/internal/waithint"
)

// DefaultTimeout bounds each call to the service when Config.Timeout is 0.
const DefaultTimeout = 2 * time.Second

// maxErrorBody bounds an error answer's body.
const maxErrorBody = 8 << 10

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
// ErrOnlineNotConfigured.
func New(cfg Config) (*Client, error) {
	bad := func(format string, args ...any) (*Client, error) {
		return nil, fmt.Errorf("online: config: "+format+": %w", append(args, ErrOnlineNotConfigured)...)
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

// Resolve asks the service to resolve the short QR text for groups (AMO
// is always included). It returns the service's answer, unverified (the
// issuer-signed resolution: give it to credential.Verifier.VerifyResolution),
// and the hash of the PS certificate that authenticated the call.
func (c *Client) Resolve(ctx context.Context, text string, groups []credential.Group) ([]byte, [32]byte, error) {
	req := service.ResolveRequest{QR: text, Groups: []string{credential.GroupAMO.String()}}
	for _, g := range groups {
		if g != credential.GroupAMO {
			req.Groups = append(req.Groups, g.String())
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, c.psHash, fmt.Errorf("online: resolve: %w: %w", credential.ErrMalformed, err)
	}
	ans, err := c.post(ctx, service.PathResolve, body, service.ContentTypeCOSE)
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
		return nil, fmt.Errorf("%w: %w", ErrOnlineNotConfigured, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", want)
	waithint.Waiting(ctx) // the network
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != want {
		io.Copy(io.Discard, io.LimitReader(resp.Body, service.MaxAnswer)) // keep the connection
		return nil, fmt.Errorf("answer of type %q, want %q: %w", mt, want, service.ErrServiceUnavailable)
	}
	ans, err := io.ReadAll(io.LimitReader(resp.Body, service.MaxAnswer+1))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if len(ans) > service.MaxAnswer {
		return nil, fmt.Errorf("answer larger than %d bytes: %w", service.MaxAnswer, credential.ErrTooLarge)
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
		return fmt.Errorf("no answer within %v: %w: %w", c.timeout, ErrServiceTimeout, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("online: %w", context.Canceled)
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid):
		return fmt.Errorf("the service's certificate: %w: %w", ErrServiceCert, err)
	case errors.As(err, &alert) && refusedAlert(alert), remoteCertAlert(err):
		return fmt.Errorf("TLS: %w: %w", service.ErrPSCertRefused, err)
	}
	return fmt.Errorf("%w: %w", service.ErrServiceUnavailable, err)
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

// statusError maps an error answer to its kind: by its code (any kind of
// the catalogue: the service's, credential's), else by its status.
func statusError(resp *http.Response) error {
	var e service.ErrorBody
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	json.Unmarshal(data, &e) // a body that is not the protocol leaves Code empty
	if k := service.ErrorByCode(e.Code); k != nil && k != apcverr.Generic {
		return fmt.Errorf("status %d: %w", resp.StatusCode, k)
	}
	var k error
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		k = service.ErrPSCertRefused
	case http.StatusForbidden:
		k = service.ErrPSRevoked
	case http.StatusConflict:
		k = service.ErrAlreadyResolved
	default:
		k = service.ErrServiceUnavailable
	}
	if e.Code != "" {
		return fmt.Errorf("status %d, code %q: %w", resp.StatusCode, e.Code, k)
	}
	return fmt.Errorf("status %d: %w", resp.StatusCode, k)
}

// Rights fetches the AMO rights of the beneficiaries who (at most
// rights.MaxWho), in the order asked. Each answer is validated and must be
// for the beneficiary asked at its place.
func (c *Client) Rights(ctx context.Context, who []rights.Who) ([]rights.Rights, error) {
	if len(who) == 0 || len(who) > rights.MaxWho {
		return nil, fmt.Errorf("online: rights: %d beneficiaries, want 1 to %d: %w", len(who), rights.MaxWho, credential.ErrInvalidField)
	}
	req := rights.Request{Beneficiaires: make([]rights.WhoJSON, len(who))}
	for i, w := range who {
		req.Beneficiaires[i] = rights.WhoJSONOf(w)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("online: rights: %w: %w", credential.ErrMalformed, err)
	}
	ans, err := c.post(ctx, service.PathRights, body, service.ContentTypeJSON)
	if err != nil {
		return nil, fmt.Errorf("online: rights: %w", err)
	}
	var a rights.Answer
	if err := json.Unmarshal(ans, &a); err != nil {
		return nil, fmt.Errorf("online: rights: answer: %w: %w", credential.ErrMalformed, err)
	}
	if len(a.Rights) != len(who) {
		return nil, fmt.Errorf("online: rights: %d answers for %d beneficiaries: %w", len(a.Rights), len(who), credential.ErrMalformed)
	}
	out := make([]rights.Rights, len(who))
	for i, j := range a.Rights {
		r, err := j.Rights()
		if err != nil {
			return nil, fmt.Errorf("online: rights: answer %d: %w", i, err)
		}
		if r.NIR != who[i].NIR || r.Rang != who[i].Rang {
			return nil, fmt.Errorf("online: rights: answer %d is for another beneficiary: %w", i, credential.ErrMalformed)
		}
		out[i] = r
	}
	return out, nil
}
