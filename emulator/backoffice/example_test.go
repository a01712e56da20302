package backoffice_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/apcvkit/apcvkit/credential/service"
	"github.com/apcvkit/apcvkit/emulator/backoffice"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/emulator/psauth"
)

// The online service on loopback: a professional's certificate from the
// PS authority, a rights request over mutual TLS, and a request without a
// certificate, refused and audited.
func Example() {
	dir, _ := os.MkdirTemp("", "backoffice-example")
	defer os.RemoveAll(dir)
	iss, _ := issuer.New(issuer.Options{})
	prof, _ := phone.BuiltinProfile("isere-solo")
	_ = iss.Register(issuer.Person{Family: prof.Family, Departement: prof.Departement, Rights: prof.Rights})
	auth, _ := psauth.Open(dir, psauth.Options{}) // writes dir/ps-ca.pem, what readers pin
	audit, _ := portal.OpenAuditLog(filepath.Join(dir, portal.AuditFile))
	defer audit.Close()

	h, _ := backoffice.New(backoffice.Config{Backend: iss, Authority: auth, Audit: audit})
	srv := backoffice.NewServer(h, backoffice.ServerConfig{})
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	cert, _ := auth.IssuePSCert(psauth.PS{RPPS: "10101234567", Name: "Dr Claire EXEMPLE", Profession: "Médecin"})
	tr := &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: auth.Roots()}}
	defer tr.CloseIdleConnections()
	desk := &http.Client{Transport: tr}
	body := `{"beneficiaires":[{"nir":"288023818506636","dateNaissance":"1988-02-29","rang":1}]}`
	resp, err := desk.Post(srv.URL+service.PathRights, "application/json", strings.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	var ans struct {
		Rights []struct {
			Caisse string `json:"caisse"`
			C2S    *struct {
				Fin string `json:"fin"`
			} `json:"c2s"`
		} `json:"rights"`
	}
	json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, ans.Rights[0].Caisse, "C2S until", ans.Rights[0].C2S.Fin)

	anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: auth.Roots()}}}
	resp, err = anon.Post(srv.URL+service.PathRights, "application/json", strings.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	var eb service.ErrorBody
	json.NewDecoder(resp.Body).Decode(&eb)
	resp.Body.Close()
	anon.CloseIdleConnections()
	fmt.Println(resp.StatusCode, eb.Code)

	entries, _, _ := portal.ReadAuditLog(audit.Path())
	for _, e := range entries {
		fmt.Println(e.Agent, e.Action, e.Result)
	}
	// Output:
	// 200 381 C2S until 2027-03-31
	// 401 ps-cert-refused
	// ps:10101234567 service/v2/rights ok
	// anonymous service/v2/rights ps-cert-refused
}
