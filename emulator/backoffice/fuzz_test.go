package backoffice_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
)

// FuzzHandler: whatever the body, the handler answers a status of
// PROTOCOL.md §15.6 (or 200) and, for an error, the JSON body of a known
// error kind; it never panics.
func FuzzHandler(f *testing.F) {
	iss, fc := newIssuer(f, "")
	h := activate(f, iss, "famille-6-drome")
	auth, err := psauth.New(psauth.Options{})
	must(f, err)
	audit, err := portal.OpenAuditLog(filepath.Join(f.TempDir(), portal.AuditFile))
	must(f, err)
	f.Cleanup(func() { audit.Close() })
	hd, err := backoffice.New(backoffice.Config{Backend: iss, Authority: auth, Audit: audit, AuditSyncInterval: time.Hour})
	must(f, err)
	f.Cleanup(func() { hd.Close() })
	cert, err := auth.IssuePSCert(psauth.PS{RPPS: rppsA, Name: "X"})
	must(f, err)
	f.Add(true, []byte(`{"qr":"`+h.qr(f, fc.Now())+`","groups":["AMO","INS"]}`))
	f.Add(true, []byte(`{"qr":"APCV2:","groups":["RIB"]}`))
	f.Add(false, []byte(`{"beneficiaires":[{"nir":"281042636204703","dateNaissance":"1981-04-12","rang":1}]}`))
	f.Add(false, []byte(`{"beneficiaires":[]}`))
	f.Add(false, []byte(`[]`))
	statuses := map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 405: true, 409: true, 410: true, 413: true, 500: true, 503: true}
	f.Fuzz(func(t *testing.T, resolve bool, body []byte) {
		path := service.PathRights
		if resolve {
			path = service.PathResolve
		}
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert.Leaf}}
		w := httptest.NewRecorder()
		hd.ServeHTTP(w, r)
		if !statuses[w.Code] {
			t.Fatalf("status %d", w.Code)
		}
		if w.Code == 200 {
			return
		}
		var eb service.ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil || service.ErrorByCode(eb.Code) == nil {
			t.Fatalf("error answer %d %q", w.Code, w.Body.String())
		}
	})
}
