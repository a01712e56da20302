// Command gencog extracts, from the communes.json file of the
// decoupage-administratif package (Etalab's JSON form of INSEE's Code
// officiel géographique), the table of historical commune codes that
// package idmatch needs: every former code (anciensCodes) of the communes of
// the départements born from the 1968 reorganisation of the Seine and
// Seine-et-Oise (75, 78, 91, 92, 93, 94, 95) and from the 1976 division of
// Corsica (2A, 2B), and the arrondissements municipaux of Paris. See
// ../../data/README.md; data/rebuild.sh runs it.
//
//	go run ./internal/gencog -in communes.json -out data/cog-historique.csv
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
)

type commune struct {
	Code         string   `json:"code"`
	Nom          string   `json:"nom"`
	Departement  string   `json:"departement"`
	Type         string   `json:"type"`
	Commune      string   `json:"commune"` // of an arrondissement municipal
	AnciensCodes []string `json:"anciensCodes"`
}

var concerned = map[string]bool{"75": true, "78": true, "91": true, "92": true, "93": true, "94": true, "95": true, "2A": true, "2B": true}

// nature returns what ended the code old of a commune now in département
// dep, and the year from which old no longer designated it ("" when the
// source does not date it: a merger or a transfer between départements).
func nature(old, dep string) (string, string) {
	switch p := old[:2]; {
	case p == "75" && (dep == "92" || dep == "93" || dep == "94"):
		return "seine-1968", "1968"
	case p == "78" && dep >= "91" && dep <= "95":
		return "seine-et-oise-1968", "1968"
	case p == "20" && (dep == "2A" || dep == "2B"):
		return "corse-1976", "1976"
	}
	return "autre", ""
}

func main() {
	in := flag.String("in", "communes.json", "communes.json of the decoupage-administratif package")
	out := flag.String("out", "data/cog-historique.csv", "table to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gencog:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var cs []commune
	if err := json.Unmarshal(data, &cs); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	current := map[string]bool{}
	for _, c := range cs {
		if c.Type == "commune-actuelle" {
			current[c.Code] = true
		}
	}
	var rows [][]string
	seen := map[string]string{}
	for _, c := range cs {
		if !concerned[c.Departement] {
			continue
		}
		switch {
		case c.Type == "arrondissement-municipal" && c.Departement == "75":
			rows = append(rows, []string{c.Code, c.Commune, c.Nom, "", "arrondissement"})
		case c.Type == "commune-actuelle":
			for _, old := range c.AnciensCodes {
				if len(old) != 5 || old == c.Code {
					continue
				}
				if prev, ok := seen[old]; ok {
					return fmt.Errorf("former code %s belongs to both %s and %s", old, prev, c.Code)
				}
				if current[old] {
					return fmt.Errorf("former code %s of %s is also a current commune's code", old, c.Code)
				}
				seen[old] = c.Code
				nat, fin := nature(old, c.Departement)
				rows = append(rows, []string{old, c.Code, c.Nom, fin, nat})
			}
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no row extracted", in)
	}
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"code", "actuel", "nom_actuel", "fin", "nature"})
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
