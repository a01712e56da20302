package idmatch

import (
	_ "embed"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"sync"
)

//go:generate sh data/rebuild.sh

// cogCSV is the table of historical commune codes: see data/README.md for its
// source (INSEE's Code officiel géographique), its licence and how it is
// rebuilt.
//
//go:embed data/cog-historique.csv
var cogCSV string

// Nature is why a commune code is not (or no longer) the code of a whole
// current commune.
type Nature string

// Natures of the historical codes of the table.
const (
	// Seine1968: a commune of the Seine (75) moved on 1 January 1968 to
	// Hauts-de-Seine (92), Seine-Saint-Denis (93) or Val-de-Marne (94)
	// (loi n° 64-707 du 10 juillet 1964).
	Seine1968 Nature = "seine-1968"
	// SeineEtOise1968: a commune of the Seine-et-Oise (78) moved on 1 January
	// 1968 to Essonne (91), Hauts-de-Seine, Seine-Saint-Denis, Val-de-Marne
	// or Val-d'Oise (95) (same law).
	SeineEtOise1968 Nature = "seine-et-oise-1968"
	// Corse1976: a commune of Corsica (20) coded 2A or 2B since 1 January 1976
	// (loi n° 75-356 du 15 mai 1975).
	Corse1976 Nature = "corse-1976"
	// Other: a merger or a transfer between départements that the source
	// does not date; the old code is accepted whatever the birth date.
	Other Nature = "autre"
	// Arrondissement: an arrondissement municipal of Paris, part of the
	// commune of Paris (75056).
	Arrondissement Nature = "arrondissement"
)

// Code is one row of the table: a commune code that designates, or
// designated, (part of) the current commune Current.
type Code struct {
	Code        string // the historical code, or the arrondissement's
	Current     string // the current commune's code
	CurrentName string // the current commune's name
	// Until is the first year in which Code no longer designated the
	// commune (it changed on 1 January of that year); 0 when not dated.
	Until  int
	Nature Nature
}

var cogTable = sync.OnceValue(func() map[string]Code {
	rows, err := csv.NewReader(strings.NewReader(cogCSV)).ReadAll()
	m := make(map[string]Code, len(rows))
	if err != nil || len(rows) < 2 {
		return m // an empty table: TestTable fails
	}
	for _, r := range rows[1:] {
		until, _ := strconv.Atoi(r[3])
		m[r[0]] = Code{Code: r[0], Current: r[1], CurrentName: r[2], Until: until, Nature: Nature(r[4])}
	}
	return m
})

// LookupCode returns the table's row for a historical commune code or a
// Paris arrondissement code, and whether there is one. A code not in the
// table is either a current commune's code or one outside the table's
// scope (see data/README.md).
func LookupCode(code string) (Code, bool) {
	c, ok := cogTable()[code]
	return c, ok
}

// Table returns every row of the table, sorted by code.
func Table() []Code {
	t := cogTable()
	out := make([]Code, 0, len(t))
	for _, c := range t {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Code) int { return strings.Compare(a.Code, b.Code) })
	return out
}
