package hidgen

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/qrscan/hid"
)

// Facts of the physical keyboards, independent of the tables under test.
func TestLayoutStrokes(t *testing.T) {
	tests := []struct {
		layout *Layout
		r      rune
		key    hid.Key
		mods   hid.Modifiers
	}{
		{US, 'a', 0x04, 0}, {US, 'A', 0x04, shift}, {US, '1', 0x1E, 0}, {US, '!', 0x1E, shift},
		{US, ':', 0x33, shift}, {US, '.', 0x37, 0}, {US, '/', 0x38, 0}, {US, '$', 0x21, shift},
		{US, '%', 0x22, shift}, {US, '*', 0x25, shift}, {US, '+', 0x2E, shift}, {US, '-', 0x2D, 0},
		{US, ' ', 0x2C, 0}, {US, '\\', 0x31, 0},
		{FR, 'a', 0x14, 0}, {FR, 'A', 0x14, shift}, {FR, 'Q', 0x04, shift}, {FR, 'Z', 0x1A, shift},
		{FR, 'W', 0x1D, shift}, {FR, 'M', 0x33, shift}, {FR, ',', 0x10, 0}, {FR, '1', 0x1E, shift},
		{FR, '&', 0x1E, 0}, {FR, '0', 0x27, shift}, {FR, ':', 0x37, 0}, {FR, '/', 0x37, shift},
		{FR, '.', 0x36, shift}, {FR, '$', 0x30, 0}, {FR, '%', 0x34, shift}, {FR, '*', 0x32, 0},
		{FR, '+', 0x2E, shift}, {FR, '-', 0x23, 0}, {FR, ' ', 0x2C, 0}, {FR, '@', 0x27, altGr},
		{FR, '#', 0x20, altGr}, {FR, '€', 0x08, altGr}, {FR, '<', 0x64, 0}, {FR, 'é', 0x1F, 0},
	}
	for _, tt := range tests {
		got, ok := tt.layout.strokes[tt.r]
		if !ok || got != (hid.Keystroke{Key: tt.key, Mods: tt.mods}) {
			t.Errorf("%s %q: %+v, want key %#x mods %08b", tt.layout, tt.r, got, tt.key, tt.mods)
		}
	}
	if FR.Typable('^') != true || US.Typable('é') || FR.Typable('\t') {
		t.Error("Typable")
	}
}

func TestWedgeShape(t *testing.T) {
	reports, err := Wedge("AA:", WedgeOptions{Layout: FR, Lead: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{
		{0x02, 0, 0x14, 0, 0, 0, 0, 0}, {}, // A, release
		{0x02, 0, 0x14, 0, 0, 0, 0, 0}, {}, // A again after a release
		{0, 0, 0x37, 0, 0, 0, 0, 0}, {}, // ':'
		{0, 0, 0x28, 0, 0, 0, 0, 0}, {}, // Enter
	}
	if len(reports) != len(want) {
		t.Fatalf("%d reports, want %d", len(reports), len(want))
	}
	var total time.Duration
	for i, r := range reports {
		w := want[i]
		if len(w) == 0 {
			w = make([]byte, 8)
		}
		if !bytes.Equal(r.Data, w) {
			t.Errorf("report %d: % x, want % x", i, r.Data, w)
		}
		total += r.Delay
	}
	if total != time.Second+4*DefaultKeyDelay || reports[0].Delay != time.Second+DefaultKeyDelay/2 {
		t.Errorf("total delay %v, first %v", total, reports[0].Delay)
	}
}

func TestWedgeRollover(t *testing.T) {
	// "aba": b goes down with a held; a again must be released first
	// because it was listed in the previous report.
	reports, err := Wedge("aba", WedgeOptions{Rollover: true, NoEnd: true})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{
		{0, 0, 0x04, 0, 0, 0, 0, 0},
		{0, 0, 0x04, 0x05, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0x04, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
	}
	if len(reports) != len(want) {
		t.Fatalf("%d reports, want %d", len(reports), len(want))
	}
	for i, r := range reports {
		if !bytes.Equal(r.Data, want[i]) {
			t.Errorf("report %d: % x, want % x", i, r.Data, want[i])
		}
	}
}

func TestWedgeFaults(t *testing.T) {
	base, _ := Wedge("ab", WedgeOptions{})
	stuck, _ := Wedge("ab", WedgeOptions{Faults: []Fault{StuckKey{Char: 0, Reports: 2}}})
	if !bytes.Equal(stuck[1].Data, []byte{0, 0, 0x04, 0, 0, 0, 0, 0}) || !bytes.Equal(stuck[2].Data, []byte{0, 0, 0x04, 0x05, 0, 0, 0, 0}) ||
		!bytes.Equal(stuck[3].Data, base[3].Data) {
		t.Errorf("stuck key: % x", stuck)
	}
	dropped, _ := Wedge("ab", WedgeOptions{Faults: []Fault{DropReport{Index: 1}}})
	if len(dropped) != len(base)-1 || dropped[1].Delay != base[1].Delay+base[2].Delay {
		t.Errorf("dropped: %d reports, delay %v", len(dropped), dropped[1].Delay)
	}
	wrong, _ := Wedge("ab", WedgeOptions{Faults: []Fault{WrongLayout{From: 1, Layout: FR}}})
	if wrong[0].Data[2] != 0x04 || wrong[2].Data[2] != 0x05 {
		t.Errorf("wrong layout: % x", wrong)
	}
	wrongA, _ := Wedge("a", WedgeOptions{Faults: []Fault{WrongLayout{Layout: FR}}})
	if wrongA[0].Data[2] != 0x14 {
		t.Errorf("wrong layout from 0: % x", wrongA[0].Data)
	}
	trunc, _ := Wedge("ab", WedgeOptions{Faults: []Fault{Truncate{Index: 0, Len: 3}}})
	if len(trunc[0].Data) != 3 || len(base[0].Data) != 8 {
		t.Error("truncate")
	}
	corrupt, _ := Wedge("ab", WedgeOptions{Faults: []Fault{Corrupt{Index: 0, Offset: 2, Mask: 0xFF}}})
	if corrupt[0].Data[2] != 0x04^0xFF || base[0].Data[2] != 0x04 {
		t.Error("corrupt")
	}
	for name, opt := range map[string]WedgeOptions{
		"untypable":       {Layout: US},
		"stuck outside":   {Faults: []Fault{StuckKey{Char: 5}}},
		"drop outside":    {Faults: []Fault{DropReport{Index: 99}}},
		"corrupt outside": {Faults: []Fault{Corrupt{Index: 0, Offset: 8}}},
		"truncate longer": {Faults: []Fault{Truncate{Index: 0, Len: 9}}},
		"no layout":       {Faults: []Fault{WrongLayout{}}},
	} {
		text := "ab"
		if name == "untypable" {
			text = "aé"
		}
		if _, err := Wedge(text, opt); err == nil {
			t.Errorf("%s: no error", name)
		} else if name == "untypable" && !errors.Is(err, ErrUntypable) {
			t.Errorf("untypable: %v", err)
		}
	}
}

func TestPOSShape(t *testing.T) {
	text := bytes.Repeat([]byte("0123456789"), 12) // 120 bytes: 56 + 56 + 8
	for _, tt := range []struct {
		layout hid.POSLayout
		pad    bool
		size   int
	}{{hid.POSHoneywell, false, 64}, {hid.POSStandard, false, 61}, {hid.POSStandard, true, 64}, {hid.POSAuto, false, 64}} {
		reports, err := POS(string(text), POSOptions{Layout: tt.layout, Pad: tt.pad, AIM: "]Q1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(reports) != 3 {
			t.Fatalf("%v: %d reports", tt.layout, len(reports))
		}
		var got []byte
		for i, r := range reports {
			if len(r.Data) != tt.size || r.Data[0] != 0x02 {
				t.Fatalf("%v report %d: %d bytes, ID %#x", tt.layout, i, len(r.Data), r.Data[0])
			}
			p, err := hid.ParsePOSReport(r.Data, hid.POSAuto)
			if err != nil {
				t.Fatal(err)
			}
			if p.Continued != (i < 2) || p.Symbology() != "]Q1" {
				t.Errorf("%v report %d: continued %v symbology %q", tt.layout, i, p.Continued, p.Symbology())
			}
			got = append(got, p.Data...)
		}
		if !bytes.Equal(got, text) {
			t.Errorf("%v: data %q", tt.layout, got)
		}
		if reports[0].Delay != 0 || reports[1].Delay != DefaultReportDelay {
			t.Errorf("delays %v %v", reports[0].Delay, reports[1].Delay)
		}
	}
	if r, err := POS("", POSOptions{}); err != nil || len(r) != 1 || r[0].Data[1] != 0 {
		t.Errorf("empty text: %v", err)
	}
	for name, o := range map[string]POSOptions{
		"aim length":  {AIM: "]Q"},
		"stuck key":   {Faults: []Fault{StuckKey{}}},
		"bad layout":  {Layout: hid.POSLayout(7)},
		"drop beyond": {Faults: []Fault{DropReport{Index: 3}}},
	} {
		if _, err := POS("APCV1:", o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
