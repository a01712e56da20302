package scenario

import (
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/internal/testfamily"
)

// TestMaskerWordsUnique: a family added twice (a scenario that re-creates a
// phone of the same profile) leaves each personal string once in the
// pattern, and every one is still masked.
func TestMaskerWordsUnique(t *testing.T) {
	var m masker
	f := testfamily.Family(4, testfamily.Options{})
	m.addFamily(&f)
	n := len(m.words)
	m.addFamily(&f)
	if len(m.words) != n {
		t.Fatalf("%d words after adding the family twice, %d after once", len(m.words), n)
	}
	seen := map[string]bool{}
	for _, w := range m.words {
		if seen[w] {
			t.Fatalf("%q twice in the pattern", w)
		}
		seen[w] = true
	}
	b := f.Beneficiaires[0]
	out := m.mask("NIR " + string(b.NIR) + ", " + b.NomFamille + " " + b.Prenoms)
	if strings.Contains(out, string(b.NIR)) || strings.Contains(out, b.NomFamille) || strings.Contains(out, b.Prenoms) {
		t.Fatalf("not masked: %q", out)
	}
}
