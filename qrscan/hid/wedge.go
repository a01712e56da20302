package hid

import (
	"unicode/utf8"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/qrscan"
)

// BootReportSize is the size of a boot keyboard input report:
//
//	offset 0     modifiers (Modifiers bits: LCtrl LShift LAlt LGUI RCtrl RShift RAlt RGUI)
//	offset 1     reserved (OEM), ignored
//	offset 2..7  up to six Key usage IDs of the keys down, 0 in unused slots
//
// Six KeyRollOver (0x01) slots mean "too many keys down": the report says
// nothing about which keys are down and is skipped, as the HID spec asks.
// KeyPOSTFail and KeyErrorUndef in a slot make the report malformed.
const BootReportSize = 8

// DefaultEndKeys end a wedge scan: Enter, keypad Enter and Tab, the
// suffixes scanners are configured with.
var DefaultEndKeys = []Key{KeyEnter, KeyKPEnter, KeyTab}

// keySet is a set of Key values.
type keySet [4]uint64

func (s *keySet) add(k Key)      { s[k>>6] |= 1 << (k & 63) }
func (s *keySet) has(k Key) bool { return s[k>>6]&(1<<(k&63)) != 0 }
func (s *keySet) clear()         { *s = keySet{} }
func (s *keySet) addAll(keys ...Key) {
	for _, k := range keys {
		s.add(k)
	}
}

// WedgeConfig configures a WedgeDecoder. The zero value is ready to use.
type WedgeConfig struct {
	// Layouts are the candidate layouts, tried in order; nil means Layouts()
	// (auto-detection). Give one layout to force it.
	Layouts []*Layout
	// EndKeys end a scan; nil means DefaultEndKeys. An idle gap (see
	// Config.Idle) or Flush also ends a scan, for scanners sending no suffix.
	EndKeys []Key
	// AcceptAny delivers texts that are not ApCV codes (decoded under the
	// first layout that types every keystroke) instead of ErrNotApCV.
	AcceptAny bool
}

// WedgeDecoder turns boot keyboard reports from a scanner in keyboard wedge
// mode into scanned texts.
//
// It sees key positions, not characters: a key is typed when it appears in a
// report and was not in the previous one (a key held over several reports
// types once; with rollover the next key can go down before the previous one
// is released). Each keystroke is decoded under every candidate layout at
// once, and at the end of a scan the first layout under which the text is
// credential.LooksLikeQRText wins.
//
// This also fixes the classic misconfiguration of a scanner set to QWERTY on
// an AZERTY host: the host would type "QPCV!." for "APCV1:", but the
// keycodes the scanner sent are those of a US keyboard, and decoding them
// under LayoutUS gives the exact text back. The host's own layout never
// matters here; only the layout the scanner assumed when it turned
// characters into keys does, and auto-detection finds it.
//
// Resynchronisation: after a malformed report or an over-long scan the
// decoder drops keystrokes until the next end key, idle gap, or the
// keystrokes of credential.QRPrefix under a candidate layout (a new ApCV scan
// starting); the prefix also splits two scans whose end key was lost.
//
// A WedgeDecoder is not safe for concurrent use.
type WedgeDecoder struct {
	layouts   []*Layout
	end       keySet
	acceptAny bool

	down     keySet      // keys down in the last report
	keys     []Keystroke // keystrokes of the current scan
	texts    [][]byte    // per layout: the text typed so far
	bad      []bool      // per layout: some keystroke typed nothing
	skipping bool        // resynchronising: drop keystrokes silently
	n        int         // reports fed
}

// NewWedgeDecoder returns a decoder for cfg.
func NewWedgeDecoder(cfg WedgeConfig) *WedgeDecoder {
	d := &WedgeDecoder{layouts: cfg.Layouts, acceptAny: cfg.AcceptAny}
	if len(d.layouts) == 0 {
		d.layouts = Layouts()
	}
	if cfg.EndKeys == nil {
		d.end.addAll(DefaultEndKeys...)
	} else {
		d.end.addAll(cfg.EndKeys...)
	}
	d.texts = make([][]byte, len(d.layouts))
	d.bad = make([]bool, len(d.layouts))
	return d
}

// Pending reports whether a scan is under way (keystrokes received and not
// yet ended).
func (d *WedgeDecoder) Pending() bool { return len(d.keys) > 0 || d.skipping }

// Feed decodes one report and appends to dst the results of the scans it
// ends (usually none or one). A malformed report yields a Result whose Err
// wraps qrscan.ErrGarbled. Feed never keeps report.
func (d *WedgeDecoder) Feed(dst []Result, report []byte) []Result {
	idx := d.n
	d.n++
	if len(report) != BootReportSize {
		return d.abort(dst, garbled("wedge", idx, "boot report is %d bytes, want %d", len(report), BootReportSize))
	}
	mods := Modifiers(report[0])
	slots := report[2:BootReportSize]
	var now keySet
	rollover := 0
	for _, b := range slots {
		k := Key(b)
		switch {
		case k == KeyNone:
		case k == KeyRollOver:
			rollover++
		case k <= KeyErrorUndef:
			return d.abort(dst, garbled("wedge", idx, "key slot holds error code 0x%02x", b))
		default:
			now.add(k)
		}
	}
	if rollover == len(slots) {
		return dst // phantom state: keys unknown, keep the previous state
	}
	if rollover > 0 {
		return d.abort(dst, garbled("wedge", idx, "ErrorRollOver mixed with key codes"))
	}
	var seen keySet
	for _, b := range slots {
		k := Key(b)
		if k == KeyNone || d.down.has(k) || seen.has(k) {
			continue
		}
		seen.add(k)
		switch {
		case k >= KeyLeftCtrl && k <= KeyRightGUI:
			// Modifier keys listed as keys: byte 0 already says it.
		case d.end.has(k):
			dst = d.finish(dst, idx)
		default:
			dst = d.add(dst, Keystroke{Key: k, Mods: mods}, idx)
		}
	}
	d.down = now
	return dst
}

// Flush ends the scan under way, as an end key would (idle gap, end of
// input), and appends its result to dst.
func (d *WedgeDecoder) Flush(dst []Result) []Result {
	return d.finish(dst, d.n-1)
}

// Reset forgets any scan under way and the keys down.
func (d *WedgeDecoder) Reset() {
	d.reset()
	d.skipping = false
	d.down.clear()
}

func (d *WedgeDecoder) reset() {
	d.keys = d.keys[:0]
	for i := range d.texts {
		d.texts[i] = d.texts[i][:0]
		d.bad[i] = false
	}
}

func (d *WedgeDecoder) abort(dst []Result, err *DecodeError) []Result {
	d.reset()
	d.skipping = true
	return append(dst, Result{Err: err})
}

func (d *WedgeDecoder) type1(k Keystroke) {
	d.keys = append(d.keys, k)
	for i, l := range d.layouts {
		if r, ok := l.Rune(k); ok {
			d.texts[i] = utf8.AppendRune(d.texts[i], r)
		} else {
			d.bad[i] = true
		}
	}
}

func (d *WedgeDecoder) add(dst []Result, k Keystroke, idx int) []Result {
	if len(d.keys) >= credential.MaxQRText {
		if !d.skipping {
			dst = append(dst, Result{Err: garbled("wedge", idx, "scan longer than %d keystrokes", credential.MaxQRText)})
		}
		d.reset()
		d.skipping = true
	}
	d.type1(k)
	n := len(d.keys)
	const p = len(credential.QRPrefix)
	if n < p || (n == p && !d.skipping) {
		return dst
	}
	// Did the last keystrokes type the prefix under some layout?
	for _, l := range d.layouts {
		if !typesPrefix(l, d.keys[n-p:]) {
			continue
		}
		var tail [p]Keystroke
		copy(tail[:], d.keys[n-p:])
		if d.skipping {
			d.skipping = false
		} else {
			// A scan whose end key was lost: decide it on its own.
			d.keys = d.keys[:n-p]
			d.retype()
			dst = d.finish(dst, idx)
		}
		d.reset()
		for _, t := range tail {
			d.type1(t)
		}
		break
	}
	return dst
}

// retype rebuilds the per-layout texts from d.keys.
func (d *WedgeDecoder) retype() {
	keys := d.keys
	d.reset()
	for _, k := range keys {
		d.type1(k)
	}
}

// typesPrefix reports whether keys type, under l, the prefix of a QR text
// of either version (credential.QRPrefix or credential.ShortQRPrefix).
func typesPrefix(l *Layout, keys []Keystroke) bool {
	v1, v2 := true, true
	for i, k := range keys {
		r, ok := l.Rune(k)
		v1 = v1 && ok && r == rune(credential.QRPrefix[i])
		v2 = v2 && ok && r == rune(credential.ShortQRPrefix[i])
	}
	return v1 || v2
}

func (d *WedgeDecoder) finish(dst []Result, idx int) []Result {
	if d.skipping {
		d.skipping = false
		d.reset()
		return dst
	}
	if len(d.keys) == 0 {
		return dst // a stray end key
	}
	res := d.decide(idx)
	d.reset()
	return append(dst, res)
}

func (d *WedgeDecoder) decide(idx int) Result {
	for i, l := range d.layouts {
		if !d.bad[i] && credential.LooksLikeQRText(d.texts[i]) {
			return Result{Text: string(d.texts[i]), Layout: l}
		}
	}
	for i, l := range d.layouts {
		if credential.HasQRPrefix(d.texts[i]) {
			return Result{Err: garbled("wedge", idx, "%d keystrokes start with the ApCV prefix under layout %s but the rest is not Base45", len(d.keys), l.Name)}
		}
	}
	for i, l := range d.layouts {
		if d.bad[i] {
			continue
		}
		if d.acceptAny {
			return Result{Text: string(d.texts[i]), Layout: l}
		}
		return Result{Err: &DecodeError{Mode: "wedge", Report: idx,
			Reason: "no ApCV prefix under any layout", Err: qrscan.ErrNotApCV}}
	}
	return Result{Err: garbled("wedge", idx, "%d keystrokes type no text under any layout", len(d.keys))}
}
