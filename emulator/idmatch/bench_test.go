package idmatch_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/emulator/idmatch"
)

var sinkResult idmatch.Result

// BenchmarkMatch: the cost of one activation's matching, identical, with
// the article's accepted differences, and refused.
func BenchmarkMatch(b *testing.B) {
	for _, name := range []string{"identical", "Issy-les-Moulineaux 75 before 1968, now 92", "second first name missing", "different composed first name"} {
		var r row
		for _, x := range rows {
			if x.name == name {
				r = x
			}
		}
		if r.edit == nil {
			b.Fatalf("no row %q", name)
		}
		doc, rec := base(), base()
		r.edit(&doc, &rec)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkResult, _ = idmatch.Match(doc, rec)
			}
		})
	}
}
