package hidgen

import "github.com/apcvkit/apcvkit/qrscan/hid"

// Layout is the keyboard layout a wedge scanner is configured for: which
// key, with which modifiers, types each character. It is written here as the
// legends printed on the physical keys, row by row, independently of the
// decoder's tables in package hid, so that a round trip checks one against
// the other.
type Layout struct {
	Name    string
	strokes map[rune]hid.Keystroke
}

// Typable reports whether l can type r.
func (l *Layout) Typable(r rune) bool { _, ok := l.strokes[r]; return ok }

// String returns l.Name.
func (l *Layout) String() string { return l.Name }

// Physical key rows by HID usage ID, left to right.
var (
	rowNumber = []hid.Key{0x35, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2D, 0x2E}
	rowTop    = []hid.Key{0x14, 0x1A, 0x08, 0x15, 0x17, 0x1C, 0x18, 0x0C, 0x12, 0x13, 0x2F, 0x30}
	rowHome   = []hid.Key{0x04, 0x16, 0x07, 0x09, 0x0A, 0x0B, 0x0D, 0x0E, 0x0F, 0x33, 0x34}
	rowBottom = []hid.Key{0x1D, 0x1B, 0x06, 0x19, 0x05, 0x11, 0x10, 0x36, 0x37, 0x38}
)

const (
	shift = hid.ModLeftShift
	altGr = hid.ModRightAlt
)

// legends gives one row's symbols per level; "·" marks "nothing here"
// (a dead key or an empty level).
type legends struct {
	keys               []hid.Key
	base, shift, altgr string
}

func build(name string, rows []legends, extra map[rune]hid.Keystroke) *Layout {
	l := &Layout{Name: name, strokes: map[rune]hid.Keystroke{' ': {Key: 0x2C}}}
	put := func(r rune, k hid.Key, m hid.Modifiers) {
		if r == '·' {
			return
		}
		if _, dup := l.strokes[r]; !dup {
			l.strokes[r] = hid.Keystroke{Key: k, Mods: m}
		}
	}
	for _, row := range rows {
		for lv, s := range []string{row.base, row.shift, row.altgr} {
			mods := []hid.Modifiers{0, shift, altGr}[lv]
			rs := []rune(s)
			if len(rs) > len(row.keys) {
				panic("hidgen: layout " + name + ": row legend longer than the row")
			}
			for i, r := range rs {
				put(r, row.keys[i], mods)
			}
		}
	}
	for r, ks := range extra {
		put(r, ks.Key, ks.Mods)
	}
	return l
}

// US is the US QWERTY layout.
var US = build("us", []legends{
	{rowNumber, "`1234567890-=", "~!@#$%^&*()_+", ""},
	{rowTop, "qwertyuiop[]", "QWERTYUIOP{}", ""},
	{rowHome, "asdfghjkl;'", "ASDFGHJKL:\"", ""},
	{rowBottom, "zxcvbnm,./", "ZXCVBNM<>?", ""},
}, map[rune]hid.Keystroke{'\\': {Key: 0x31}, '|': {Key: 0x31, Mods: shift}})

// FR is the French AZERTY layout (Windows, xkb "fr"). Digits need Shift;
// AltGr types "~#{[|`\^@]}€¤".
var FR = build("fr", []legends{
	{rowNumber, "²&é\"'(-è_çà)=", "·1234567890°+", "··~#{[|`\\^@]}"},
	{rowTop, "azertyuiop·$", "AZERTYUIOP·£", "··€········¤"},
	{rowHome, "qsdfghjklmù", "QSDFGHJKLM%", ""},
	{rowBottom, "wxcvbn,;:!", "WXCVBN?./§", ""},
}, map[rune]hid.Keystroke{
	'*': {Key: 0x32}, 'µ': {Key: 0x32, Mods: shift}, // ISO key left of Enter
	'<': {Key: 0x64}, '>': {Key: 0x64, Mods: shift}, // ISO key right of left Shift
})
