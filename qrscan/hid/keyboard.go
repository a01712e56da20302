package hid

// Key is a usage ID of the HID Keyboard/Keypad usage page (0x07), the value a
// boot keyboard report carries in its six key slots. It names a physical key
// position (the US-keyboard legend), not a character: which character the
// key types depends on the keyboard layout.
type Key byte

// Keys the decoder treats specially. Letter and digit keys are
// KeyA+0..KeyA+25 and Key1+0..Key1+9 (Key0 comes last, after Key9).
const (
	KeyNone        Key = 0x00 // empty slot
	KeyRollOver    Key = 0x01 // ErrorRollOver: too many keys down (phantom state)
	KeyPOSTFail    Key = 0x02 // POSTFail
	KeyErrorUndef  Key = 0x03 // ErrorUndefined
	KeyA           Key = 0x04
	Key1           Key = 0x1E
	Key0           Key = 0x27
	KeyEnter       Key = 0x28
	KeyEscape      Key = 0x29
	KeyBackspace   Key = 0x2A
	KeyTab         Key = 0x2B
	KeySpace       Key = 0x2C
	KeyMinus       Key = 0x2D // US "-_", FR ")°]"
	KeyEqual       Key = 0x2E // US "=+", FR "=+}"
	KeyLeftBrace   Key = 0x2F // US "[{", FR dead "^¨"
	KeyRightBrace  Key = 0x30 // US "]}", FR "$£¤"
	KeyBackslash   Key = 0x31 // US "\|", FR "*µ" (same key as KeyNonUSHash on FR hosts)
	KeyNonUSHash   Key = 0x32 // ISO key left of Enter: FR "*µ"
	KeySemicolon   Key = 0x33 // US ";:", FR "mM"
	KeyApostrophe  Key = 0x34 // US "'\"", FR "ù%"
	KeyGrave       Key = 0x35 // US "`~", FR "²"
	KeyComma       Key = 0x36 // US ",<", FR ";."
	KeyDot         Key = 0x37 // US ".>", FR ":/"
	KeySlash       Key = 0x38 // US "/?", FR "!§"
	KeyKPSlash     Key = 0x54
	KeyKPAsterisk  Key = 0x55
	KeyKPMinus     Key = 0x56
	KeyKPPlus      Key = 0x57
	KeyKPEnter     Key = 0x58
	KeyKP1         Key = 0x59 // keypad 1..9 are KeyKP1+0..8, then KeyKP0
	KeyKP0         Key = 0x62
	KeyKPDot       Key = 0x63
	KeyNonUSBslash Key = 0x64 // ISO key right of left Shift: FR "<>"
	KeyLeftCtrl    Key = 0xE0 // 0xE0..0xE7: modifier keys, also flagged in byte 0
	KeyRightGUI    Key = 0xE7
)

// Modifiers is byte 0 of a boot keyboard report: one bit per modifier key.
type Modifiers byte

// Modifier bits, in report order.
const (
	ModLeftCtrl Modifiers = 1 << iota
	ModLeftShift
	ModLeftAlt
	ModLeftGUI
	ModRightCtrl
	ModRightShift
	ModRightAlt // AltGr on layouts that have one (FR)
	ModRightGUI
)

// Keystroke is a key going down together with the modifiers held at that
// moment: the unit a keyboard wedge scanner types one character with.
type Keystroke struct {
	Key  Key
	Mods Modifiers
}

// level is which symbol of a key a keystroke selects.
type level uint8

const (
	levelBase level = iota
	levelShift
	levelAltGr
	levelShiftAltGr
	levelNone // Ctrl, Alt or GUI shortcut: types no character
)

// levelOf maps modifiers to a symbol level. AltGr is Right Alt, or
// Ctrl+Left Alt (how Windows synthesises AltGr, and how some scanners send it).
func levelOf(m Modifiers) level {
	shift := m&(ModLeftShift|ModRightShift) != 0
	ctrl := m&(ModLeftCtrl|ModRightCtrl) != 0
	altgr := m&ModRightAlt != 0 || (ctrl && m&ModLeftAlt != 0)
	switch {
	case m&(ModLeftGUI|ModRightGUI) != 0:
		return levelNone
	case altgr:
		if shift {
			return levelShiftAltGr
		}
		return levelAltGr
	case ctrl || m&ModLeftAlt != 0:
		return levelNone
	case shift:
		return levelShift
	}
	return levelBase
}

// Layout maps keystrokes to characters the way a host keyboard layout does.
// A wedge scanner turns each character of the code into the keystroke that
// types it under the layout it is configured for; decoding under the same
// layout gives the text back. Layouts are immutable; compare them by pointer.
type Layout struct {
	Name string // short stable name: "us", "fr"
	keys [256][4]rune
}

// Rune returns the character k types under l, or false when it types none
// (unmapped key, modifier shortcut such as Ctrl+C, dead key).
func (l *Layout) Rune(k Keystroke) (rune, bool) {
	lv := levelOf(k.Mods)
	if lv == levelNone {
		return 0, false
	}
	r := l.keys[k.Key][lv]
	return r, r != 0
}

// String returns l.Name.
func (l *Layout) String() string { return l.Name }

// keyDef gives the symbols of one key: base, Shift, AltGr, Shift+AltGr
// (0: the key types nothing at that level).
type keyDef struct {
	k                          Key
	base, shift, altgr, shaltg rune
}

func newLayout(name string, defs []keyDef) *Layout {
	l := &Layout{Name: name}
	for _, d := range defs {
		l.keys[d.k] = [4]rune{d.base, d.shift, d.altgr, d.shaltg}
	}
	// Keys every layout shares: space and the keypad with Num Lock on
	// (keypad keys type the same character whatever the layout; Shift
	// turns them into navigation keys, so only the base level is set).
	l.keys[KeySpace] = [4]rune{' ', ' ', 0, 0}
	const kp = "/*-+"
	for i, r := range kp {
		l.keys[KeyKPSlash+Key(i)][levelBase] = r
	}
	for i := range 9 {
		l.keys[KeyKP1+Key(i)][levelBase] = rune('1' + i)
	}
	l.keys[KeyKP0][levelBase] = '0'
	l.keys[KeyKPDot][levelBase] = '.'
	return l
}

// LayoutUS is the US QWERTY layout (no AltGr level).
var LayoutUS = newLayout("us", usDefs())

// LayoutFR is the French AZERTY layout as Windows and Linux (xkb "fr") ship
// it: letters A/Q and Z/W and M swapped onto the US ";" key; digits on the
// top row need Shift (unshifted they type "&é\"'(-è_çà"); ":" is the
// unshifted US "." key and "/" its shifted form; "." is Shift+US ","; "$" is
// the US "]" key; "%" is Shift+US "'"; "*" is the ISO key left of Enter
// (0x32, or 0x31 on ANSI boards); "+" is Shift+"="; "-" is unshifted 6;
// AltGr types "~#{[|`\^@]}" and "¤".
var LayoutFR = newLayout("fr", frDefs())

// Layouts returns the layouts the decoder knows, in auto-detection order.
func Layouts() []*Layout { return []*Layout{LayoutUS, LayoutFR} }

func usDefs() []keyDef {
	var d []keyDef
	for i := range 26 {
		d = append(d, keyDef{k: KeyA + Key(i), base: rune('a' + i), shift: rune('A' + i)})
	}
	const shifted = "!@#$%^&*()"
	for i := range 10 {
		digit := rune('1' + i)
		if i == 9 {
			digit = '0'
		}
		d = append(d, keyDef{k: Key1 + Key(i), base: digit, shift: rune(shifted[i])})
	}
	return append(d,
		keyDef{k: KeyMinus, base: '-', shift: '_'},
		keyDef{k: KeyEqual, base: '=', shift: '+'},
		keyDef{k: KeyLeftBrace, base: '[', shift: '{'},
		keyDef{k: KeyRightBrace, base: ']', shift: '}'},
		keyDef{k: KeyBackslash, base: '\\', shift: '|'},
		keyDef{k: KeyNonUSHash, base: '\\', shift: '|'}, // US hosts map the ISO key like backslash
		keyDef{k: KeySemicolon, base: ';', shift: ':'},
		keyDef{k: KeyApostrophe, base: '\'', shift: '"'},
		keyDef{k: KeyGrave, base: '`', shift: '~'},
		keyDef{k: KeyComma, base: ',', shift: '<'},
		keyDef{k: KeyDot, base: '.', shift: '>'},
		keyDef{k: KeySlash, base: '/', shift: '?'},
		keyDef{k: KeyNonUSBslash, base: '\\', shift: '|'},
	)
}

func frDefs() []keyDef {
	var d []keyDef
	// The AZERTY letter positions, by US legend.
	swap := map[rune]rune{'q': 'a', 'a': 'q', 'w': 'z', 'z': 'w'}
	for i := range 26 {
		us := rune('a' + i)
		if us == 'm' {
			// US "m" key types "," on AZERTY; "m" moved to the US ";" key.
			d = append(d, keyDef{k: KeyA + Key(i), base: ',', shift: '?'})
			continue
		}
		fr := us
		if s, ok := swap[us]; ok {
			fr = s
		}
		def := keyDef{k: KeyA + Key(i), base: fr, shift: fr - 'a' + 'A'}
		if fr == 'e' {
			def.altgr = '€'
		}
		d = append(d, def)
	}
	// Top row: unshifted symbols, Shift gives the digit, AltGr extras.
	const base = "&é\"'(-è_çà"
	const altgr = "\x00~#{[|`\\^@"
	for i, r := range []rune(base) {
		digit := rune('1' + i)
		if i == 9 {
			digit = '0'
		}
		d = append(d, keyDef{k: Key1 + Key(i), base: r, shift: digit, altgr: rune(altgr[i])})
	}
	return append(d,
		keyDef{k: KeyMinus, base: ')', shift: '°', altgr: ']'},
		keyDef{k: KeyEqual, base: '=', shift: '+', altgr: '}'},
		keyDef{k: KeyRightBrace, base: '$', shift: '£', altgr: '¤'},
		keyDef{k: KeyBackslash, base: '*', shift: 'µ'},
		keyDef{k: KeyNonUSHash, base: '*', shift: 'µ'},
		keyDef{k: KeySemicolon, base: 'm', shift: 'M'},
		keyDef{k: KeyApostrophe, base: 'ù', shift: '%'},
		keyDef{k: KeyGrave, base: '²'},
		keyDef{k: KeyComma, base: ';', shift: '.'},
		keyDef{k: KeyDot, base: ':', shift: '/'},
		keyDef{k: KeySlash, base: '!', shift: '§'},
		keyDef{k: KeyNonUSBslash, base: '<', shift: '>'},
		// KeyLeftBrace is the dead circumflex/diaeresis: it types nothing
		// by itself, so it is left unmapped.
	)
}
