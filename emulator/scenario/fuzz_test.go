package scenario_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/scenario"
	"github.com/apcvkit/apcvkit/emulator/scenarios"
)

// FuzzParse: any input is parsed or refused with a *ParseError, never a
// panic; what parses has at least one step, each with its action.
func FuzzParse(f *testing.F) {
	names, _ := fs.Glob(scenarios.FS, "*.yaml")
	for _, n := range names {
		data, _ := fs.ReadFile(scenarios.FS, n)
		f.Add(data)
	}
	for _, s := range []string{"", "steps:\n  - fly: away\n", "steps: [\n", "steps:\n  - advance: 99999d\n",
		"steps:\n  - {read-nfc: {link: {rate: 5}}}\n", "eligibility: [1, [2]]\nsteps:\n  - open\n",
		`{"steps": [{"new-phone": {"profile": "x", "name": 3}}]}`, "steps:\n  - &a open\n  - *a\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scenario.Parse("fuzz.yaml", data)
		if err != nil {
			var pe *scenario.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %v is not a *ParseError", err)
			}
			return
		}
		if len(sc.Steps) == 0 {
			t.Fatal("parsed without steps")
		}
		for _, st := range sc.Steps {
			if _, _, ok := scenario.StepDoc(st.Action); !ok {
				t.Fatalf("parsed an unknown step %q", st.Action)
			}
		}
		_ = sc.Elapsed()
	})
}
