package hid

import "testing"

// The facts below are read off real keyboards (and the HID Usage Tables),
// not derived from the tables under test.
func TestLayoutRune(t *testing.T) {
	const (
		sh = ModLeftShift
		rs = ModRightShift
		ag = ModRightAlt
	)
	tests := []struct {
		name   string
		layout *Layout
		key    Key
		mods   Modifiers
		want   rune // 0: types nothing
	}{
		{"us a", LayoutUS, 0x04, 0, 'a'},
		{"us A", LayoutUS, 0x04, sh, 'A'},
		{"us A right shift", LayoutUS, 0x04, rs, 'A'},
		{"us q", LayoutUS, 0x14, 0, 'q'},
		{"us 1", LayoutUS, 0x1E, 0, '1'},
		{"us !", LayoutUS, 0x1E, sh, '!'},
		{"us 0", LayoutUS, 0x27, 0, '0'},
		{"us :", LayoutUS, 0x33, sh, ':'},
		{"us .", LayoutUS, 0x37, 0, '.'},
		{"us /", LayoutUS, 0x38, 0, '/'},
		{"us $", LayoutUS, 0x21, sh, '$'},
		{"us %", LayoutUS, 0x22, sh, '%'},
		{"us *", LayoutUS, 0x25, sh, '*'},
		{"us +", LayoutUS, 0x2E, sh, '+'},
		{"us -", LayoutUS, 0x2D, 0, '-'},
		{"us space", LayoutUS, 0x2C, 0, ' '},
		{"us keypad 7", LayoutUS, 0x5F, 0, '7'},
		{"us keypad *", LayoutUS, 0x55, 0, '*'},
		{"us no altgr", LayoutUS, 0x04, ag, 0},
		{"us ctrl+a", LayoutUS, 0x04, ModLeftCtrl, 0},
		{"us gui+a", LayoutUS, 0x04, ModLeftGUI, 0},
		{"us enter types nothing", LayoutUS, KeyEnter, 0, 0},
		{"fr us-q key is a", LayoutFR, 0x14, 0, 'a'},
		{"fr us-q key is A", LayoutFR, 0x14, sh, 'A'},
		{"fr us-a key is q", LayoutFR, 0x04, 0, 'q'},
		{"fr us-w key is z", LayoutFR, 0x1A, 0, 'z'},
		{"fr us-z key is w", LayoutFR, 0x1D, 0, 'w'},
		{"fr us-m key is comma", LayoutFR, 0x10, 0, ','},
		{"fr us-; key is m", LayoutFR, 0x33, 0, 'm'},
		{"fr us-; key is M", LayoutFR, 0x33, sh, 'M'},
		{"fr 1 unshifted is &", LayoutFR, 0x1E, 0, '&'},
		{"fr 1 needs shift", LayoutFR, 0x1E, sh, '1'},
		{"fr 2 unshifted is é", LayoutFR, 0x1F, 0, 'é'},
		{"fr 0 needs shift", LayoutFR, 0x27, sh, '0'},
		{"fr 6 unshifted is -", LayoutFR, 0x23, 0, '-'},
		{"fr : is us-dot", LayoutFR, 0x37, 0, ':'},
		{"fr / is shift us-dot", LayoutFR, 0x37, sh, '/'},
		{"fr . is shift us-comma", LayoutFR, 0x36, sh, '.'},
		{"fr ; is us-comma", LayoutFR, 0x36, 0, ';'},
		{"fr $ is us-]", LayoutFR, 0x30, 0, '$'},
		{"fr % is shift ù", LayoutFR, 0x34, sh, '%'},
		{"fr ù", LayoutFR, 0x34, 0, 'ù'},
		{"fr * iso key", LayoutFR, 0x32, 0, '*'},
		{"fr * ansi key", LayoutFR, 0x31, 0, '*'},
		{"fr + is shift =", LayoutFR, 0x2E, sh, '+'},
		{"fr space", LayoutFR, 0x2C, 0, ' '},
		{"fr altgr 0 is @", LayoutFR, 0x27, ag, '@'},
		{"fr ctrl+alt 0 is @", LayoutFR, 0x27, ModLeftCtrl | ModLeftAlt, '@'},
		{"fr altgr 3 is #", LayoutFR, 0x20, ag, '#'},
		{"fr altgr e is euro", LayoutFR, 0x08, ag, '€'},
		{"fr left alt alone", LayoutFR, 0x27, ModLeftAlt, 0},
		{"fr dead circumflex", LayoutFR, 0x2F, 0, 0},
		{"fr < iso key", LayoutFR, 0x64, 0, '<'},
		{"fr ! is us-slash", LayoutFR, 0x38, 0, '!'},
		{"fr keypad dot", LayoutFR, 0x63, 0, '.'},
		{"fr gui", LayoutFR, 0x14, ModRightGUI, 0},
		{"unmapped usage", LayoutFR, 0xA0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := tt.layout.Rune(Keystroke{Key: tt.key, Mods: tt.mods})
			if ok != (tt.want != 0) || r != tt.want {
				t.Errorf("Rune(%#x, %08b) = %q, %v; want %q", tt.key, tt.mods, r, ok, tt.want)
			}
		})
	}
}

// Every Base45 character is typable on both layouts, without AltGr.
func TestLayoutsTypeBase45(t *testing.T) {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	for _, l := range Layouts() {
		for _, c := range alphabet {
			found := false
			for k := range 256 {
				for _, m := range []Modifiers{0, ModLeftShift} {
					if r, ok := l.Rune(Keystroke{Key: Key(k), Mods: m}); ok && r == c {
						found = true
					}
				}
			}
			if !found {
				t.Errorf("layout %s cannot type %q", l, c)
			}
		}
	}
}
