package testfamily_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/internal/testfamily"
)

func TestFamily(t *testing.T) {
	tests := []struct {
		name string
		opts testfamily.Options
	}{
		{"vectors", testfamily.Options{Lunar: true}},
		{"world", testfamily.Options{INS: true}},
		{"both", testfamily.Options{Lunar: true, INS: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for n := 1; n <= 12; n++ {
				f := testfamily.Family(n, tt.opts)
				if len(f.Beneficiaires) != n {
					t.Fatalf("Family(%d) has %d beneficiaires", n, len(f.Beneficiaires))
				}
				if err := f.Validate(); err != nil {
					t.Fatalf("Family(%d): %v", n, err)
				}
				for i, b := range f.Beneficiaires {
					if want := tt.opts.Lunar && i%5 == 0 && i > 0; b.DateNaissance.Lunar() != want {
						t.Errorf("Family(%d)[%d] lunar = %v, want %v", n, i, b.DateNaissance.Lunar(), want)
					}
					if want := i == 0 || tt.opts.INS; (b.INS != nil) != want {
						t.Errorf("Family(%d)[%d] has INS = %v, want %v", n, i, b.INS != nil, want)
					}
				}
			}
		})
	}
}
