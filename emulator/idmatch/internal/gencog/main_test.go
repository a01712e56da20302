package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun extracts from a small communes.json in the source's format: the
// former codes of the concerned départements with their nature and date,
// Paris's arrondissements, nothing else; and refuses an ambiguous source.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "communes.json"), filepath.Join(dir, "t.csv")
	write := func(s string) {
		if err := os.WriteFile(in, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`[
 {"code":"92040","nom":"Issy-les-Moulineaux","departement":"92","type":"commune-actuelle","anciensCodes":["75040"]},
 {"code":"2A004","nom":"Ajaccio","departement":"2A","type":"commune-actuelle","anciensCodes":["20004"]},
 {"code":"91228","nom":"Évry-Courcouronnes","departement":"91","type":"commune-actuelle","anciensCodes":["78182","91182"]},
 {"code":"75114","nom":"Paris 14e Arrondissement","departement":"75","type":"arrondissement-municipal","commune":"75056"},
 {"code":"69123","nom":"Lyon","departement":"69","type":"commune-actuelle","anciensCodes":["69999"]},
 {"code":"69381","nom":"Lyon 1er Arrondissement","departement":"69","type":"arrondissement-municipal","commune":"69123"},
 {"code":"92099","nom":"Déléguée","departement":"92","type":"commune-deleguee","anciensCodes":["75099"]}
]`)
	if err := run(in, out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want := `code,actuel,nom_actuel,fin,nature
20004,2A004,Ajaccio,1976,corse-1976
75040,92040,Issy-les-Moulineaux,1968,seine-1968
75114,75056,Paris 14e Arrondissement,,arrondissement
78182,91228,Évry-Courcouronnes,1968,seine-et-oise-1968
91182,91228,Évry-Courcouronnes,,autre
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	for name, src := range map[string]string{
		"code in two communes": `[{"code":"92040","nom":"A","departement":"92","type":"commune-actuelle","anciensCodes":["75040"]},
			{"code":"92041","nom":"B","departement":"92","type":"commune-actuelle","anciensCodes":["75040"]}]`,
		"former code is current": `[{"code":"92040","nom":"A","departement":"92","type":"commune-actuelle","anciensCodes":["92041"]},
			{"code":"92041","nom":"B","departement":"92","type":"commune-actuelle"}]`,
		"nothing to extract": `[{"code":"69123","nom":"Lyon","departement":"69","type":"commune-actuelle"}]`,
		"not JSON":           `{`,
	} {
		write(src)
		if err := run(in, out); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
