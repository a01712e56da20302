package portal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
)

// An habilité agent revokes a person's app over HTTP; a viewer may only look.
func Example() {
	dir, _ := os.MkdirTemp("", "portal-example")
	defer os.RemoveAll(dir)
	fc := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	iss, _ := issuer.New(issuer.Options{Clock: fc})
	prof, _ := phone.BuiltinProfile("isere-solo")
	ph, _ := phone.New(prof, phone.Options{Issuer: iss, Clock: fc})
	if err := ph.Activate("482915"); err != nil {
		panic(err)
	}

	viewerToken, viewerHash, _ := portal.NewToken(nil)
	agentToken, agentHash, _ := portal.NewToken(nil)
	h, err := portal.New(portal.Config{Backend: iss, StateDir: dir, Clock: fc, Agents: []portal.Agent{
		{ID: "v-martin", Name: "V. Martin", Role: portal.RoleViewer, TokenSHA256: viewerHash},
		{ID: "h-durand", Name: "H. Durand", Role: portal.RoleHabilite, TokenSHA256: agentHash},
	}})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	srv := portal.NewServer(h, portal.ServerConfig{}) // 127.0.0.1, a free port
	if err := srv.Start(); err != nil {
		panic(err)
	}
	defer srv.Close()

	post := func(token, action, body string) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/person/"+action, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var a struct {
			portal.PersonAnswer
			Error string `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&a)
		fmt.Println(strings.TrimSpace(fmt.Sprint(action, " ", resp.StatusCode, " ", a.Error+a.AppState, " ", a.Phone.Model)))
	}
	nir := `"nir": "2 88 02 38 185 066 36"`
	post(viewerToken, "view", `{`+nir+`}`)
	post(viewerToken, "revoke-app", `{`+nir+`, "reason": "device-lost"}`)
	post(agentToken, "revoke-app", `{`+nir+`, "reason": "device-lost"}`)
	fmt.Println("phone:", ph.State())
	// Output:
	// view 200 active Google Pixel 7
	// revoke-app 403 forbidden
	// revoke-app 200 revoked Google Pixel 7
	// phone: revoked
}
