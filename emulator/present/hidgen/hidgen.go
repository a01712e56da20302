package hidgen

import (
	"errors"
	"fmt"
	"time"

	"github.com/apcvkit/apcvkit/qrscan/hid"
)

// Report is one generated input report and the delay before it; a
// []Report feeds hid.NewReplay directly.
type Report = hid.Report

// DefaultKeyDelay is the time a wedge scanner takes per character.
const DefaultKeyDelay = 8 * time.Millisecond

// DefaultReportDelay is the gap between the reports of one HID POS scan
// (the interrupt endpoint's 1 ms poll interval at full speed).
const DefaultReportDelay = time.Millisecond

// DefaultAIM is the AIM symbology identifier of a QR Code (model 2).
const DefaultAIM = "]Q1"

// ErrUntypable: the text has a character the layout has no key for.
var ErrUntypable = errors.New("hidgen: character not on the layout")

// WedgeOptions configure Wedge. The zero value types on US QWERTY, 8 ms per
// character, each key pressed then released, ending with Enter.
type WedgeOptions struct {
	Layout   *Layout       // nil means US
	KeyDelay time.Duration // time per character; 0 means DefaultKeyDelay
	Lead     time.Duration // delay before the first report (gap since the previous scan)

	// EndKey ends the scan; 0 means Enter. NoEnd sends no end key (a scanner
	// configured without suffix: the decoder's idle timeout ends the scan).
	EndKey hid.Key
	NoEnd  bool

	// Rollover presses each key while the previous one is still down: one
	// report per character listing the previous key and the new one (the
	// previous key is released by the next report). A release report is
	// still sent between two presses of the same key. Without Rollover each
	// character is a press report then a release report.
	Rollover bool
	// SeparateModifiers sends the modifiers in a report of their own just
	// before the key goes down, as some scanners do.
	SeparateModifiers bool

	Faults []Fault
}

// Fault is a transmission or configuration fault to inject: DropReport,
// StuckKey, WrongLayout, Corrupt or Truncate.
type Fault interface{ fault() }

// DropReport loses the report at Index of the fault-free stream.
type DropReport struct{ Index int }

// Truncate delivers only the first Len bytes of the report at Index of the
// fault-free stream (a short read).
type Truncate struct{ Index, Len int }

// StuckKey keeps the key that types text[Char] down for Reports more
// reports (its release is lost meanwhile), so the decoder does not see a
// repeat of that key during that time.
type StuckKey struct{ Char, Reports int }

// WrongLayout types the characters from index From on under Layout instead
// of the configured one. From 0 models the classic misconfiguration (the
// whole scan typed under another layout); From > 0 a scan that switches
// layout midway, which no layout decodes.
type WrongLayout struct {
	From   int
	Layout *Layout
}

// Corrupt XORs byte Offset of report Index (of the fault-free stream) with
// Mask.
type Corrupt struct {
	Index, Offset int
	Mask          byte
}

func (DropReport) fault()  {}
func (StuckKey) fault()    {}
func (WrongLayout) fault() {}
func (Corrupt) fault()     {}
func (Truncate) fault()    {}

func bootReport(mods hid.Modifiers, keys ...hid.Key) []byte {
	r := make([]byte, hid.BootReportSize)
	r[0] = byte(mods)
	for i, k := range keys {
		r[2+i] = byte(k)
	}
	return r
}

// Wedge returns the boot keyboard reports a keyboard wedge scanner sends to
// type text followed by its end key.
func Wedge(text string, o WedgeOptions) ([]Report, error) {
	if o.Layout == nil {
		o.Layout = US
	}
	if o.KeyDelay <= 0 {
		o.KeyDelay = DefaultKeyDelay
	}
	if o.EndKey == 0 {
		o.EndKey = hid.KeyEnter
	}
	var wrong *WrongLayout
	var stuck []StuckKey
	for _, f := range o.Faults {
		switch f := f.(type) {
		case WrongLayout:
			if f.Layout == nil {
				return nil, errors.New("hidgen: WrongLayout without Layout")
			}
			wrong = &f
		case StuckKey:
			stuck = append(stuck, f)
		}
	}
	runes := []rune(text)
	strokes := make([]hid.Keystroke, 0, len(runes)+1)
	for i, r := range runes {
		l := o.Layout
		if wrong != nil && i >= wrong.From {
			l = wrong.Layout
		}
		ks, ok := l.strokes[r]
		if !ok {
			return nil, fmt.Errorf("hidgen: character %d (%q) on layout %s: %w", i, r, l.Name, ErrUntypable)
		}
		strokes = append(strokes, ks)
	}
	nchars := len(strokes)
	if !o.NoEnd {
		strokes = append(strokes, hid.Keystroke{Key: o.EndKey})
	}

	half := o.KeyDelay / 2
	out := make([]Report, 0, 2*len(strokes)+2)
	press := make([]int, len(strokes)) // index in out of each keystroke's press report
	var held, before hid.Key           // rollover: the key still down, and the one listed with it
	lead := o.Lead
	emit := func(d time.Duration, data []byte) {
		out = append(out, Report{Data: data, Delay: d + lead})
		lead = 0
	}
	for i, ks := range strokes {
		if o.Rollover {
			d := o.KeyDelay
			if held != 0 && (held == ks.Key || before == ks.Key) {
				// The key is down in the last report: release first.
				emit(half, bootReport(0))
				held, d = 0, o.KeyDelay-half
			}
			before = held
			if o.SeparateModifiers && ks.Mods != 0 {
				emit(0, bootReport(ks.Mods, nonzero(held)...))
			}
			press[i] = len(out)
			emit(d, bootReport(ks.Mods, append(nonzero(held), ks.Key)...))
			held = ks.Key
			continue
		}
		if o.SeparateModifiers && ks.Mods != 0 {
			emit(0, bootReport(ks.Mods))
		}
		press[i] = len(out)
		emit(half, bootReport(ks.Mods, ks.Key))
		emit(o.KeyDelay-half, bootReport(0))
	}
	if o.Rollover && held != 0 {
		emit(half, bootReport(0))
	}
	for _, s := range stuck {
		if s.Char < 0 || s.Char >= nchars {
			return nil, fmt.Errorf("hidgen: StuckKey.Char %d outside the text", s.Char)
		}
		k := strokes[s.Char].Key
		for j := press[s.Char] + 1; j <= press[s.Char]+s.Reports && j < len(out); j++ {
			out[j].Data = withKey(out[j].Data, k)
		}
	}
	return applyIndexFaults(out, o.Faults)
}

func nonzero(k hid.Key) []hid.Key {
	if k == 0 {
		return nil
	}
	return []hid.Key{k}
}

// withKey returns a copy of boot report r with k down, first in the key
// array (where a key pressed earlier is listed), unless it already is.
func withKey(r []byte, k hid.Key) []byte {
	keys := []hid.Key{k}
	for _, b := range r[2:] {
		if b != 0 && hid.Key(b) != k {
			keys = append(keys, hid.Key(b))
		}
	}
	return bootReport(hid.Modifiers(r[0]), keys[:min(len(keys), 6)]...)
}

// applyIndexFaults applies Corrupt and Truncate, then DropReport (indexes refer to the
// fault-free stream).
func applyIndexFaults(out []Report, faults []Fault) ([]Report, error) {
	drop := map[int]bool{}
	for _, f := range faults {
		switch f := f.(type) {
		case Corrupt:
			if f.Index < 0 || f.Index >= len(out) || f.Offset < 0 || f.Offset >= len(out[f.Index].Data) {
				return nil, fmt.Errorf("hidgen: Corrupt %d/%d outside the stream", f.Index, f.Offset)
			}
			d := append([]byte(nil), out[f.Index].Data...)
			d[f.Offset] ^= f.Mask
			out[f.Index].Data = d
		case Truncate:
			if f.Index < 0 || f.Index >= len(out) || f.Len < 0 || f.Len > len(out[f.Index].Data) {
				return nil, fmt.Errorf("hidgen: Truncate %d/%d outside the stream", f.Index, f.Len)
			}
			out[f.Index].Data = out[f.Index].Data[:f.Len:f.Len]
		case DropReport:
			if f.Index < 0 || f.Index >= len(out) {
				return nil, fmt.Errorf("hidgen: DropReport %d outside the stream of %d", f.Index, len(out))
			}
			drop[f.Index] = true
		}
	}
	if len(drop) == 0 {
		return out, nil
	}
	kept := out[:0:0]
	var carry time.Duration
	for i, r := range out {
		if drop[i] {
			carry += r.Delay // the time still passes
			continue
		}
		r.Delay += carry
		carry = 0
		kept = append(kept, r)
	}
	return kept, nil
}

// POSOptions configure POS. The zero value sends Honeywell-layout reports,
// AIM "]Q1", 1 ms apart.
type POSOptions struct {
	Layout hid.POSLayout // POSHoneywell or POSStandard; POSAuto (zero) means POSHoneywell
	AIM    string        // 3-byte AIM symbology identifier; "" means DefaultAIM
	Delay  time.Duration // between reports; 0 means DefaultReportDelay
	Lead   time.Duration // before the first report
	Pad    bool          // POSStandard: pad each report to 64 bytes
	Faults []Fault       // DropReport, Corrupt and Truncate
}

// POS returns the HID POS scanned-data reports a scanner sends for text:
// 56-byte chunks, all but the last with the continuation bit set.
func POS(text string, o POSOptions) ([]Report, error) {
	if o.Layout == hid.POSAuto {
		o.Layout = hid.POSHoneywell
	}
	if o.AIM == "" {
		o.AIM = DefaultAIM
	}
	if len(o.AIM) != 3 {
		return nil, fmt.Errorf("hidgen: AIM identifier %q is not 3 bytes", o.AIM)
	}
	if o.Delay <= 0 {
		o.Delay = DefaultReportDelay
	}
	for _, f := range o.Faults {
		switch f.(type) {
		case DropReport, Corrupt, Truncate:
		default:
			return nil, fmt.Errorf("hidgen: fault %T does not apply to HID POS", f)
		}
	}
	data := []byte(text)
	var out []Report
	for first := true; first || len(data) > 0; first = false {
		n := min(len(data), hid.POSChunk)
		chunk, more := data[:n], len(data) > n
		data = data[n:]
		var r []byte
		switch o.Layout {
		case hid.POSHoneywell:
			r = make([]byte, hid.POSHoneywellSize)
			r[0] = hid.POSReportID
			r[1] = byte(n)
			copy(r[2:5], o.AIM)
			copy(r[5:], chunk)
			r[61] = 's' // Honeywell code ID of QR Code
			if more {
				r[63] = 1
			}
		case hid.POSStandard:
			size := hid.POSStandardSize
			if o.Pad {
				size = 64
			}
			r = make([]byte, size)
			r[0] = hid.POSReportID
			copy(r[1:4], o.AIM)
			copy(r[4:60], chunk)
			if more {
				r[60] = 1
			}
		default:
			return nil, fmt.Errorf("hidgen: unknown POS layout %v", o.Layout)
		}
		d := o.Delay
		if first {
			d = o.Lead
		}
		out = append(out, Report{Data: r, Delay: d})
	}
	return applyIndexFaults(out, o.Faults)
}
