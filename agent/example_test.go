package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/apcvkit/apcvkit/agent"
)

// Example runs the agent over an emulated phone on a free loopback port
// and reads it as billing software in any language would: POST /v1/read
// with the pairing token.
func Example() {
	dir, _ := os.MkdirTemp("", "agent-example")
	defer os.RemoveAll(dir)
	token, err := agent.LoadOrCreateToken(filepath.Join(dir, "agent-token")) // what apcv agent pair prints
	if err != nil {
		panic(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	a, err := agent.New(ctx, agent.Config{Emulate: &agent.Emulate{Profile: "famille-6-drome"}}, agent.Options{Token: token})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln, nil) }()

	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1/read", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var id struct {
		Mode          string `json:"mode"`
		Beneficiaires []struct {
			Organisme string `json:"organisme"`
		} `json:"beneficiaires"`
	}
	json.NewDecoder(resp.Body).Decode(&id)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, id.Mode, len(id.Beneficiaires) > 0)

	stop() // Serve shuts down: streams and reads end, the session closes
	fmt.Println(<-served)
	// Output:
	// 200 NFC true
	// <nil>
}
