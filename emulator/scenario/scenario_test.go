package scenario_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/scenario"
	"github.com/apcvkit/apcvkit/emulator/scenarios"
)

// TestShippedScenarios runs every scenario shipped in emulator/scenarios:
// each must pass as written.
func TestShippedScenarios(t *testing.T) {
	names, err := fs.Glob(scenarios.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no scenario shipped")
	}
	for _, name := range names {
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			t.Parallel()
			data, err := fs.ReadFile(scenarios.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := scenario.Parse(name, data)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Story == "" || sc.Source == "" {
				t.Errorf("%s: a shipped scenario says its story and its source", name)
			}
			var out bytes.Buffer
			if err := sc.Run(context.Background(), scenario.Options{Out: &out}); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if found := piiShown(t, out.String()); len(found) > 0 {
				t.Errorf("the transcript shows %q", found)
			}
			t.Logf("\n%s", out.String())
		})
	}
}

// TestWrongExpectationFails: a scenario whose expectation is wrong fails at
// that step, with ErrExpectation, the step's number, line and action, and
// the transcript says so; the steps after it do not run.
func TestWrongExpectationFails(t *testing.T) {
	for _, tt := range []struct {
		name, steps string
		index, line int
		action      string
		want        string // in the error
	}{
		{"error expected, step succeeds", `
  - new-phone: isere-solo
  - activate
  - unlock: "482915"
    expect-error: wrong-code
  - advance: 1h`, 3, 5, "unlock", "expected error wrong-code, but the step succeeded"},
		{"another error than expected", `
  - new-phone: isere-solo
  - activate
  - advance: 91d
  - network: offline
  - unlock
  - read-nfc:
    expect-error: revoked`, 6, 8, "read-nfc", "expected error revoked, got credential-expired"},
		{"success expected, step fails", `
  - new-phone: isere-solo
  - activate
  - read-qr`, 3, 5, "read-qr", "app-locked"},
		{"wrong state", `
  - new-phone: isere-solo
  - activate: {reject: face-mismatch}
    expect-error: rejected-face-mismatch
  - expect-state: active`, 3, 6, "expect-state", "the app is not activated, want active"},
		{"wrong mail", `
  - new-phone: isere-solo
  - activate: {reject: video-unusable}
    expect-error: rejected-video-unusable
  - expect-mail: Finalisez`, 3, 6, "expect-mail", "want a subject with \"Finalisez\""},
		{"mail says what it must not", `
  - new-phone: isere-solo
  - activate
  - expect-mail: {subject: Finalisez, lacks: 7 jours}`, 3, 5, "expect-mail", "says \"7 jours\""},
		{"update date", `
  - new-phone: isere-solo
  - activate
  - advance: 91d
  - expect-update-date: 0s`, 4, 6, "expect-update-date", "data updated 2026-03-02"},
		{"portal view", `
  - new-phone: isere-solo
  - activate
  - portal-view: {app-state: revoked}`, 3, 5, "portal-view", "shows app \"active\""},
		{"beneficiaries", `
  - new-phone: isere-solo
  - activate
  - unlock
  - read-nfc: {beneficiaries: 2}`, 4, 6, "read-nfc", "1 beneficiaries read, want 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := scenario.Parse("wrong.yaml", []byte("name: wrong\nsteps:"+tt.steps+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err = sc.Run(context.Background(), scenario.Options{Out: &out})
			var se *scenario.StepError
			if !errors.As(err, &se) {
				t.Fatalf("Run = %v, want a *StepError\n%s", err, out.String())
			}
			if se.Index != tt.index || se.Line != tt.line || se.Action != tt.action || se.Scenario != "wrong" {
				t.Errorf("failed at step %d line %d %s of %s, want step %d line %d %s", se.Index, se.Line, se.Action, se.Scenario, tt.index, tt.line, tt.action)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.action != "read-qr" && !errors.Is(err, scenario.ErrExpectation) {
				t.Errorf("error %v is not ErrExpectation", err)
			}
			if !strings.Contains(out.String(), "FAILED") || !strings.Contains(out.String(), "FAIL wrong (step") || strings.Contains(out.String(), "PASS") {
				t.Errorf("transcript does not show the failure:\n%s", out.String())
			}
			if strings.Contains(out.String(), "advance: +1h") {
				t.Errorf("a step after the failure ran:\n%s", out.String())
			}
		})
	}
}

// TestParseErrors: a scenario that cannot run is refused before anything
// runs, naming the file and the line.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, src, want string
	}{
		{"empty", ``, "empty file"},
		{"no steps", "name: x\n", "no steps"},
		{"unknown top field", "name: x\nstepz: []\n", "stepz"},
		{"unknown step", "steps:\n  - fly: away\n", "wrong.yaml:2: step 1: unknown step \"fly\""},
		{"two actions", "steps:\n  - advance: 1h\n    open:\n", "two actions"},
		{"unknown argument", "steps:\n  - new-phone: {profile: isere-solo, colour: red}\n", "colour"},
		{"bare value to a step without one", "steps:\n  - submit: now\n", "takes no bare value"},
		{"bad duration", "steps:\n  - advance: 3 weeks\n", "duration \"3 weeks\""},
		{"negative duration", "steps:\n  - advance: -1h\n", "duration"},
		{"unknown error code", "steps:\n  - open:\n    expect-error: app-exploded\n", "not an error code"},
		{"unknown state", "steps:\n  - expect-state: sleeping\n", "state \"sleeping\""},
		{"unknown reject reason", "steps:\n  - reject: bad-hair\n", "reason \"bad-hair\""},
		{"unknown group", "steps:\n  - read-nfc: {groups: [DMP]}\n", "DMP"},
		{"bad eligibility", "eligibility: somewhere\nsteps:\n  - open\n", "eligibility"},
		{"bad start", "start: yesterday\nsteps:\n  - open\n", "start"},
		{"not a mapping", "steps:\n  - [open]\n", "a step is a mapping"},
		{"no profile", "steps:\n  - new-phone: {name: a}\n", "profile is required"},
		{"bad network", "steps:\n  - network: flaky\n", "want online or offline"},
		{"expect-message alone", "steps:\n  - open:\n    expect-message: hello\n", "expect-message needs expect-error"},
		{"not yaml", "steps: [\n", "wrong.yaml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenario.Parse("wrong.yaml", []byte(tt.src))
			var pe *scenario.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want a *ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestStepErrors: a step that cannot be carried out fails with
// ErrScenarioStep and says why.
func TestStepErrors(t *testing.T) {
	for _, tt := range []struct{ name, steps, want string }{
		{"no phone", "\n  - open", "no phone yet"},
		{"unknown phone", "\n  - new-phone: isere-solo\n  - {on: other, open: }", `no phone called "other"`},
		{"unknown profile", "\n  - new-phone: nobody", "nobody"},
		{"missing profile file", "\n  - new-phone: ./nobody.json", "nobody.json"},
		{"duplicate phone name", "\n  - new-phone: {profile: isere-solo, name: a}\n  - new-phone: {profile: isere-solo, name: a}", `a phone called "a" exists`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := scenario.Parse("s.yaml", []byte("steps:"+tt.steps+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			err = sc.Run(context.Background(), scenario.Options{})
			if !errors.Is(err, scenario.ErrScenarioStep) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v, want scenario-step saying %q", err, tt.want)
			}
		})
	}
}

// TestJSONScenario: a scenario may be written in JSON.
func TestJSONScenario(t *testing.T) {
	src := `{"name": "json", "start": "2027-01-04T08:00:00Z", "steps": [
		{"new-phone": "isere-solo"}, {"activate": {"wait": "12h"}}, {"unlock": null},
		{"read-qr": {}}, {"unlock": "111112", "expect-error": "wrong-code"}]}`
	sc, err := scenario.Parse("s.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := sc.Run(context.Background(), scenario.Options{Out: &out}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "2027-01-04 20:00") || !strings.Contains(out.String(), "PASS json (5 steps)") {
		t.Errorf("transcript:\n%s", out.String())
	}
}

// TestTranscriptMasksPII: the transcripts of every shipped scenario never
// show a full NIR, a name or a birth date of the profiles.
// (TestShippedScenarios checks each shipped transcript with piiShown.)
func TestTranscriptMasksPII(t *testing.T) {
	// The check can fail: with ShowPII the explained refusals name people.
	data, _ := fs.ReadFile(scenarios.FS, "identity-mismatch-explained.yaml")
	sc, err := scenario.Parse("identity-mismatch-explained.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var shown bytes.Buffer
	if err := sc.Run(context.Background(), scenario.Options{Out: &shown, ShowPII: true}); err != nil {
		t.Fatal(err)
	}
	if len(piiShown(t, shown.String())) == 0 {
		t.Error("with ShowPII, no name in the transcript: the check above proves nothing")
	}
}

func TestDurationsAndElapsed(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"48h", 48 * time.Hour, true}, {"91d", 91 * 24 * time.Hour, true}, {"7d1h", 169 * time.Hour, true},
		{"-30d", -30 * 24 * time.Hour, true}, {"1h1s", time.Hour + time.Second, true}, {"0s", 0, true},
		{"--1d", 0, false}, {"d", 0, false}, {"1w", 0, false}, {"", 0, false}, {"99999d", 0, false},
	} {
		got, err := scenario.ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	sc, err := scenario.Parse("e.yaml", []byte("steps:\n  - new-phone: isere-solo\n  - activate: {wait: 30h}\n  - advance: 91d\n  - advance: 1s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := 30*time.Hour + 91*24*time.Hour + time.Second; sc.Elapsed() != want {
		t.Fatalf("Elapsed = %v, want %v", sc.Elapsed(), want)
	}
}

// TestShowPII: the desk message of an explained refusal names both first
// names with ShowPII, and neither without; expect-message is checked
// against the message the person reads.
func TestShowPII(t *testing.T) {
	src := []byte(`steps:
  - new-phone: id-prenom-moitie
  - activate:
    expect-error: identity-first-name-incomplete
    expect-message: « Jean-Baptiste »
`)
	for _, show := range []bool{false, true} {
		sc, err := scenario.Parse("pii.yaml", src)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := sc.Run(context.Background(), scenario.Options{Out: &out, ShowPII: show}); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if got := strings.Contains(out.String(), "Jean-Baptiste") && strings.Contains(out.String(), "« Jean »"); got != show {
			t.Errorf("ShowPII %v: names shown %v\n%s", show, got, out.String())
		}
	}
	sc, err := scenario.Parse("pii.yaml", bytes.Replace(src, []byte("« Jean-Baptiste »"), []byte("« Jean-Pierre »"), 1))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = sc.Run(context.Background(), scenario.Options{Out: &out})
	if !errors.Is(err, scenario.ErrExpectation) || strings.Contains(out.String(), "Jean-Baptiste") {
		t.Fatalf("a message without the expected text: %v\n%s", err, out.String())
	}
}

// TestREADMENamesEveryScenario: emulator/README.md's story table names
// every shipped scenario, and names no scenario that is not shipped.
func TestREADMENamesEveryScenario(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "## The stories → the scenario that reproduces them")
	if !ok {
		t.Fatal("emulator/README.md has no stories section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	names, _ := fs.Glob(scenarios.FS, "*.yaml")
	shipped := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSuffix(n, ".yaml")
		shipped[n] = true
		if !strings.Contains(table, "`"+n+"`") {
			t.Errorf("the README's table does not name the scenario %s", n)
		}
	}
	for _, m := range regexp.MustCompile("\\| `([a-z0-9]+(?:-[a-z0-9]+)+)`").FindAllStringSubmatch(table, -1) {
		if !shipped[m[1]] {
			t.Errorf("the README's table names %s, which is not a shipped scenario", m[1])
		}
	}
}

// TestFormatREADMENamesEveryStep: emulator/scenarios/README.md documents
// every step the runner knows.
func TestFormatREADMENamesEveryStep(t *testing.T) {
	readme, err := os.ReadFile("../scenarios/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range scenario.StepNames() {
		if !strings.Contains(string(readme), "`"+n+"`") {
			t.Errorf("emulator/scenarios/README.md does not document the step %s", n)
		}
	}
}
