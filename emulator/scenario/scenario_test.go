package scenario_test

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"

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
			t.Logf("\n%s", out.String())
		})
	}
}
