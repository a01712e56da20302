package pcsctest

import (
	"slices"
	"testing"
)

func TestParseSlots(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    []Slot
		wantErr bool
	}{
		{"empty", "", nil, false},
		{"one", "pcsc=35991=APCV Virtual PCD A 00 00", []Slot{{"pcsc", "127.0.0.1:35991", "APCV Virtual PCD A 00 00"}}, false},
		{"two, trailing separator", "a=1=R 00 00;b=2=R 00 01;", []Slot{{"a", "127.0.0.1:1", "R 00 00"}, {"b", "127.0.0.1:2", "R 00 01"}}, false},
		{"name with =", "a=1=R=x", []Slot{{"a", "127.0.0.1:1", "R=x"}}, false},
		{"missing name", "a=1", nil, true},
		{"empty port", "a==R", nil, true},
		{"empty slot", "=1=R", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSlots(tc.in)
			if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
				t.Errorf("ParseSlots(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzParseSlots(f *testing.F) {
	for _, s := range []string{"", "pcsc=35991=APCV Virtual PCD A 00 00", "a=1=R 00 00;b=2=R 00 01;", "a=1=R=x", "a=1", "a==R", "=1=R"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		slots, err := ParseSlots(s)
		for _, sl := range slots {
			if err == nil && (sl.Name == "" || sl.Reader == "" || sl.Addr == "127.0.0.1:") {
				t.Fatalf("ParseSlots(%q) accepted an empty field: %+v", s, sl)
			}
		}
	})
}
