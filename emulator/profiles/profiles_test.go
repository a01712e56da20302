package profiles_test

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/profiles"
)

// TestEveryFileIsAValidProfile decodes and validates each embedded file
// (family, NIR keys, phone) and checks that its name is its file's.
func TestEveryFileIsAValidProfile(t *testing.T) {
	ents, err := fs.ReadDir(profiles.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := fs.ReadDir(profiles.FS, phone.CaseDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range append(ents, cases...) {
		if e.IsDir() && e.Name() == phone.CaseDir {
			continue
		}
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok {
			t.Errorf("%s: not a .json file", e.Name())
			continue
		}
		n++
		path := e.Name()
		if !slices.Contains(phone.Profiles(), name) {
			path = phone.CaseDir + "/" + path
		}
		data, err := profiles.FS.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := phone.ParseProfile(e.Name(), data)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if p.Name != name {
			t.Errorf("%s: profile named %q", e.Name(), p.Name)
		}
		if err := p.Family.Validate(); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
	if n == 0 {
		t.Fatal("no profile embedded")
	}
}

func Example() {
	for _, name := range phone.Profiles() {
		p, err := phone.BuiltinProfile(name)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-16s %d beneficiaires\n", name, len(p.Family.Beneficiaires))
	}
	// Output:
	// corse-1970-code-20 1 beneficiaires
	// corse-2a         1 beneficiaires
	// corse-2b         2 beneficiaires
	// famille-6-drome  6 beneficiaires
	// id-accents       1 beneficiaires
	// id-prenom-moitie 1 beneficiaires
	// id-prenom-trait-union 1 beneficiaires
	// id-prenom-tronque 1 beneficiaires
	// id-second-prenom-absent 1 beneficiaires
	// ins-test-oids    2 beneficiaires
	// isere-solo       1 beneficiaires
	// lunaire-1978     2 beneficiaires
	// ne-75-vit-92     1 beneficiaires
	// ne-issy-1960-seine 1 beneficiaires
	// ne-issy-1975-code-perime 1 beneficiaires
	// nom-usage        1 beneficiaires
	// nom-usage-inverse 1 beneficiaires
	// seine-et-oise-argenteuil-1961 1 beneficiaires
	// seine-et-oise-massy-1958 1 beneficiaires
}
