package agentcurl

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/examples/internal/agenttest"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/reader"
)

func TestMain(m *testing.M) { agenttest.Main(m) }

// TestCurlClient runs read.sh and events.sh (curl) as real processes against
// the real agent, over the in-memory emulated phone and over pcscd+vpcd:
// the identity JSON of a read, the same identity in the event stream, and a
// refusal's error JSON and refused event.
func TestCurlClient(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		agenttest.Missing(t, "curl", err)
	}
	t.Run("emulate/read", func(t *testing.T) {
		a := agenttest.StartAgent(t, agenttest.Options{Emulate: "famille-6-drome"})
		curlRead(t, a, "famille-6-drome")
	})
	t.Run("emulate/revoked", func(t *testing.T) {
		cfg := agenttest.Config(t, map[string]any{"emulate": map[string]any{"profile": "isere-solo", "revoked": true}})
		a := agenttest.StartAgent(t, agenttest.Options{Config: cfg})
		curlRefused(t, a, nfc.ErrAppRevoked.Code, nfc.ErrAppRevoked.FR, nfc.ErrAppRevoked.EN)
	})
	t.Run("pcsc/read", func(t *testing.T) {
		ph := agenttest.PCSCPhone(t, "famille-6-drome")
		a := agenttest.StartAgent(t, agenttest.Options{PCSC: ph.Reader, Lists: ph.Lists})
		curlRead(t, a, "famille-6-drome")
	})
	t.Run("pcsc/locked", func(t *testing.T) {
		ph := agenttest.PCSCPhone(t, "isere-solo", "--locked")
		a := agenttest.StartAgent(t, agenttest.Options{PCSC: ph.Reader, Lists: ph.Lists})
		curlRefused(t, a, nfc.ErrAppLocked.Code, nfc.ErrAppLocked.FR, nfc.ErrAppLocked.EN)
	})
}

func envOf(a *agenttest.Agent) []string {
	return []string{"APCV_AGENT_URL=" + a.URL, "APCV_AGENT_TOKEN_FILE=" + a.TokenFile}
}

// event is the agent's event JSON (docs/AGENT.md).
type event struct {
	Type     string               `json:"type"`
	Device   string               `json:"device"`
	Time     string               `json:"time"`
	Identity *reader.IdentityJSON `json:"identity"`
	Error    *errorJSON           `json:"error"`
}

type errorJSON struct {
	Code      string `json:"code"`
	MessageFR string `json:"message_fr"`
	MessageEN string `json:"message_en"`
}

// startEvents starts events.sh (exec'd into curl) and waits for the
// stream's first line.
func startEvents(t *testing.T, a *agenttest.Agent) *agenttest.Proc {
	t.Helper()
	ev := agenttest.Start(t, "", envOf(a), "sh", "events.sh", "unmasked") // compared with the profile's family
	ev.Stdout.WaitFor(t, ": ok", 30*time.Second)
	return ev
}

// parseSSE parses a text/event-stream into its events, checking that each
// "event:" line names the type its data carries.
func parseSSE(t *testing.T, stream string) []event {
	t.Helper()
	var out []event
	var typ string
	var data []string
	sc := bufio.NewScanner(strings.NewReader(stream))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 {
				var e event
				if err := json.Unmarshal([]byte(strings.Join(data, "\n")), &e); err != nil {
					t.Fatalf("event data %q: %v", data, err)
				}
				if e.Type != typ {
					t.Errorf("event: %s carries data of type %q", typ, e.Type)
				}
				out = append(out, e)
			}
			typ, data = "", nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			typ = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		default:
			t.Errorf("unexpected line in the event stream: %q", line)
		}
	}
	return out
}

// waitEvent waits until the stream holds an event of type typ and returns
// the events so far.
func waitEvent(t *testing.T, ev *agenttest.Proc, typ string) []event {
	t.Helper()
	ev.Stdout.WaitFor(t, "event: "+typ+"\n", 30*time.Second)
	// The data line follows the event line: wait for the blank line ending it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, e := range parseSSE(t, ev.Stdout.String()) {
			if e.Type == typ {
				return parseSSE(t, ev.Stdout.String())
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete %s event in:\n%s", typ, ev.Stdout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func curlRead(t *testing.T, a *agenttest.Agent, profile string) {
	prof, err := phone.BuiltinProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	ev := startEvents(t, a)
	code, out, errOut := agenttest.Run(t, "", envOf(a), 90*time.Second, "sh", "read.sh", "60000")
	if code != 0 {
		t.Fatalf("read.sh: exit %d\nstdout:\n%s\nstderr:\n%s\nagent:\n%s", code, out, errOut, a.Log)
	}
	var id reader.IdentityJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&id); err != nil {
		t.Fatalf("read.sh printed no identity JSON: %v\n%s", err, out)
	}
	checkIdentity(t, "read", &id, prof)
	events := waitEvent(t, ev, "identity")
	ev.Stop(t)
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
		if e.Type == "identity" {
			if e.Identity == nil {
				t.Fatal("identity event without its identity")
			}
			checkIdentity(t, "identity event", e.Identity, prof)
			if e.Identity.Verification.CredentialID != id.Verification.CredentialID || e.Identity.Verification.PresentedAt != id.Verification.PresentedAt {
				t.Errorf("the identity event is not the read's presentation: %+v vs %+v", e.Identity.Verification, id.Verification)
			}
		}
		if _, err := time.Parse(time.RFC3339, e.Time); err != nil {
			t.Errorf("event %s: time %q: %v", e.Type, e.Time, err)
		}
	}
	t.Logf("events: %v", types)
	if !strings.Contains(strings.Join(types, " "), "reading") {
		t.Errorf("no reading event before the identity: %v", types)
	}
}

// checkIdentity compares what the agent returned with the profile: the
// full (unmasked) data, as the billing software receives it.
func checkIdentity(t *testing.T, what string, id *reader.IdentityJSON, prof *phone.Profile) {
	t.Helper()
	fam := prof.Family.Beneficiaires
	if len(id.Beneficiaires) != len(fam) {
		t.Fatalf("%s: %d beneficiaries, the profile has %d", what, len(id.Beneficiaires), len(fam))
	}
	for i, b := range id.Beneficiaires {
		if b.NIR != string(fam[i].NIR) || b.NomFamille != fam[i].NomFamille || b.Prenoms != fam[i].Prenoms {
			t.Errorf("%s: beneficiary %d is %s %s %s, want the profile's %s", what, i, b.NIR[:1], b.NomFamille[:1], b.Prenoms[:1], fam[i].NIR.Masked())
		}
	}
	if id.Verification.Issuer == "" || id.Mode == "" {
		t.Errorf("%s: no verification or mode: %+v", what, id)
	}
}

func curlRefused(t *testing.T, a *agenttest.Agent, code, fr, en string) {
	ev := startEvents(t, a)
	exit, out, errOut := agenttest.Run(t, "", envOf(a), 90*time.Second, "sh", "read.sh", "60000")
	if exit != 1 || out != "" {
		t.Fatalf("read.sh: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", exit, out, errOut)
	}
	var e errorJSON
	if err := json.Unmarshal([]byte(strings.TrimSpace(errOut)), &e); err != nil {
		t.Fatalf("read.sh's stderr is not the error JSON: %v\n%s", err, errOut)
	}
	if e != (errorJSON{code, fr, en}) {
		t.Errorf("error %+v, want %s with its desk messages", e, code)
	}
	events := waitEvent(t, ev, "refused")
	ev.Stop(t)
	for _, x := range events {
		if x.Type == "refused" && (x.Error == nil || *x.Error != e) {
			t.Errorf("refused event carries %+v, want %+v", x.Error, e)
		}
	}
}
