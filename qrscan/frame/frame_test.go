package frame_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/frame"
)

// apcv returns an ApCV text of n characters (credential.QRPrefix included) whose
// payload cycles through the whole Base45 alphabet. n-6 must not be 1 mod 3.
func apcv(n int) string {
	const alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	var b strings.Builder
	b.WriteString(credential.QRPrefix)
	for i := 0; b.Len() < n; i++ {
		b.WriteByte(alpha[i%len(alpha)])
	}
	return b.String()
}

var (
	good  = apcv(486) // 480 payload characters
	good2 = "APCV1:NCFOXN%TSMAHN-H"
	short = credential.ShortQRPrefix + strings.Repeat("NCF", (credential.ShortQRLen-len(credential.ShortQRPrefix))/3) // the form of a short QR text (protocol version 2)
	t0    = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

// chunk is bytes that arrive after a delay from the previous chunk.
type chunk struct {
	after time.Duration
	data  string
}

// want is one expected result: a text, or an error reason.
type want struct {
	text   string
	sym    string
	reason frame.Reason
}

type row struct {
	name   string
	cfg    frame.Config
	in     []chunk
	expire time.Duration // if > 0, call Expire this long after the last chunk
	flush  bool
	want   []want
}

func ok(text string) want     { return want{text: text} }
func bad(r frame.Reason) want { return want{reason: r} }
func in(data ...string) (c []chunk) { // chunks without delay
	for _, d := range data {
		c = append(c, chunk{data: d})
	}
	return c
}

var rows = []row{
	{name: "cr", in: in(good + "\r"), want: []want{ok(good)}},
	{name: "lf", cfg: frame.Config{Suffix: frame.LF}, in: in(good + "\n"), want: []want{ok(good)}},
	{name: "crlf", cfg: frame.Config{Suffix: frame.CRLF}, in: in(good + "\r\n"), want: []want{ok(good)}},
	{name: "tab", cfg: frame.Config{Suffix: frame.Tab}, in: in(good + "\t"), want: []want{ok(good)}},
	{name: "crlf sent, cr configured", in: in(good+"\r\n", good2+"\r\n"), want: []want{ok(good), ok(good2)}},
	{name: "none ends on idle", cfg: frame.Config{Suffix: frame.None}, in: in(good), expire: frame.DefaultIdleTimeout, want: []want{ok(good)}},
	{name: "none not yet idle", cfg: frame.Config{Suffix: frame.None}, in: in(good), expire: frame.DefaultIdleTimeout - 1},
	{name: "none ends on next chunk after idle", cfg: frame.Config{Suffix: frame.None, IdleTimeout: 50 * time.Millisecond},
		in: []chunk{{0, good}, {50 * time.Millisecond, good2}}, flush: true, want: []want{ok(good), ok(good2)}},
	{name: "none negative idle means default", cfg: frame.Config{Suffix: frame.None, IdleTimeout: -1}, in: in(good), expire: frame.DefaultIdleTimeout, want: []want{ok(good)}},
	{name: "none flushed at end of stream", cfg: frame.Config{Suffix: frame.None}, in: in(good2), flush: true, want: []want{ok(good2)}},
	{name: "two scans in one read", in: in(good + "\r" + good2 + "\r"), want: []want{ok(good), ok(good2)}},
	{name: "split across reads", in: in(good[:7], good[7:300], good[300:]+"\r"+good2[:3], good2[3:]+"\r"), want: []want{ok(good), ok(good2)}},
	{name: "empty frames skipped", in: in("\r\r\n\t" + good2 + "\r\r"), want: []want{ok(good2)}},
	{name: "prefix stripped", cfg: frame.Config{Prefix: "SCN>"}, in: in("SCN>" + good2 + "\r"), want: []want{ok(good2)}},
	{name: "prefix absent accepted", cfg: frame.Config{Prefix: "SCN>"}, in: in(good2 + "\r"), want: []want{ok(good2)}},
	{name: "aim stripped", cfg: frame.Config{StripAIM: true}, in: in("]Q1" + good2 + "\r"), want: []want{{text: good2, sym: "]Q1"}}},
	{name: "aim absent", cfg: frame.Config{StripAIM: true}, in: in(good2 + "\r"), want: []want{ok(good2)}},
	{name: "prefix then aim", cfg: frame.Config{Prefix: "#", StripAIM: true}, in: in("#]Q3" + good2 + "\r"), want: []want{{text: good2, sym: "]Q3"}}},
	{name: "aim then prefix", cfg: frame.Config{Prefix: "#", StripAIM: true}, in: in("]Q1#" + good2 + "\r"), want: []want{{text: good2, sym: "]Q1"}}},
	{name: "aim not configured", in: in("]Q1" + good2 + "\r"), want: []want{bad(frame.Junk)}},
	{name: "scanner prefix not configured", in: in("SCN>" + good2 + "\r"), want: []want{bad(frame.Junk)}},
	{name: "garbage then good", in: in("\x00\xff\x13garbage\r" + good + "\r"), want: []want{bad(frame.BadByte), ok(good)}},
	{name: "garbage glued to good", in: in("\x00" + good + "\r" + good2 + "\r"), want: []want{bad(frame.BadByte), ok(good2)}},
	{name: "utf8 garbage", in: in("APCV1:é\r"), want: []want{bad(frame.BadByte)}},
	{name: "lowercase after prefix", in: in("APCV1:abc\r"), want: []want{bad(frame.BadByte)}},
	{name: "printable non-base45 after prefix", in: in("APCV1:AB#\r"), want: []want{bad(frame.BadByte)}},
	{name: "half scan idle good", in: []chunk{{0, good[:200]}, {frame.DefaultIdleTimeout, good + "\r"}}, want: []want{bad(frame.Interrupted), ok(good)}},
	{name: "half scan short pause kept", in: []chunk{{0, good[:200]}, {frame.DefaultIdleTimeout - 1, good[200:] + "\r"}}, want: []want{ok(good)}},
	{name: "idle off never interrupts", cfg: frame.Config{IdleTimeout: -1}, in: []chunk{{0, good[:200]}, {time.Hour, good[200:] + "\r"}}, want: []want{ok(good)}},
	{name: "tail after idle is truncated, not foreign", in: []chunk{{0, good[:200]}, {frame.DefaultIdleTimeout, good[200:] + "\r" + "HC1:6BF\r"}},
		want: []want{bad(frame.Interrupted), bad(frame.Truncated), bad(frame.NotApCV)}},
	{name: "half scan expired", in: in(good[:200]), expire: frame.DefaultIdleTimeout, want: []want{bad(frame.Interrupted)}},
	{name: "half scan at end of stream", in: in(good[:200]), flush: true, want: []want{bad(frame.Truncated)}},
	{name: "bad frame at end of stream", in: in("\x01abc"), flush: true, want: []want{bad(frame.BadByte)}},
	{name: "not apcv", in: in("https://example.org/\r"), want: []want{bad(frame.NotApCV)}},
	{name: "not apcv then good", in: in("HC1:6BFOXN\r" + good2 + "\r"), want: []want{bad(frame.NotApCV), ok(good2)}},
	{name: "prefix only", in: in("APCV1:\r"), want: []want{bad(frame.Truncated)}},
	{name: "prefix cut", in: in("APCV\r"), want: []want{bad(frame.Truncated)}},
	{name: "lost character", in: in(good2 + "0\r"), want: []want{bad(frame.BadLength)}},
	{name: "payload of 2", in: in("APCV1:00\r"), want: []want{ok("APCV1:00")}},
	{name: "short qr", in: in(short + "\r" + good2 + "\r"), want: []want{ok(short), ok(good2)}},
	{name: "short qr lost character", in: in(short[:len(short)-1] + "\r"), want: []want{bad(frame.Truncated)}},
	{name: "short qr doubled character", in: in(short + "N\r"), want: []want{bad(frame.BadLength)}},
	{name: "short qr after junk", in: in("xx" + short + "\r"), want: []want{bad(frame.Junk)}},
	{name: "short prefix cut", in: in("APCV2\r"), want: []want{bad(frame.Truncated)}},
	{name: "payload of 3", in: in("APCV1:000\r"), want: []want{ok("APCV1:000")}},
	{name: "max length", cfg: frame.Config{MaxLen: len(good)}, in: in(good + "\r"), want: []want{ok(good)}},
	{name: "max length plus one", cfg: frame.Config{MaxLen: len(good) - 1}, in: in(good + "\r" + good2 + "\r"), want: []want{bad(frame.TooLong), ok(good2)}},
	{name: "default max", in: in(apcv(credential.MaxQRText-1) + "\r"), want: []want{ok(apcv(credential.MaxQRText - 1))}}, // MaxText-6 is 1 mod 3
	{name: "over default max", in: in(apcv(credential.MaxQRText+1)+"\r", good2+"\r"), want: []want{bad(frame.TooLong), ok(good2)}},
	{name: "endless line", in: in(strings.Repeat("A", 3*credential.MaxQRText), strings.Repeat("A", 3*credential.MaxQRText)+"\r"+good2+"\r"),
		want: []want{bad(frame.TooLong), ok(good2)}},
}

// run feeds r.in to a new Framer, chunk by chunk or byte by byte.
func run(r row, byteByByte bool) []frame.Result {
	f := frame.New(r.cfg)
	var res []frame.Result
	at := t0
	for _, c := range r.in {
		at = at.Add(c.after)
		if byteByByte {
			for i := 0; i < len(c.data); i++ {
				res = f.Feed(res, []byte{c.data[i]}, at)
			}
		} else {
			res = f.Feed(res, []byte(c.data), at)
		}
	}
	if r.expire > 0 {
		res = f.Expire(res, at.Add(r.expire))
	}
	if r.flush {
		res = f.Flush(res)
	}
	return res
}

func check(t *testing.T, got []frame.Result, w []want) {
	t.Helper()
	if len(got) != len(w) {
		t.Fatalf("got %d results %v, want %d", len(got), got, len(w))
	}
	for i, g := range got {
		if w[i].reason != 0 {
			var fe *frame.Error
			if !errors.As(g.Err, &fe) || fe.Reason != w[i].reason {
				t.Errorf("result %d: got %v, want reason %v", i, g.Err, w[i].reason)
				continue
			}
			wantIs := qrscan.ErrGarbled
			if w[i].reason == frame.NotApCV {
				wantIs = qrscan.ErrNotApCV
			}
			if !errors.Is(g.Err, wantIs) {
				t.Errorf("result %d: %v does not wrap %v", i, g.Err, wantIs)
			}
			if g.Scan != (qrscan.Scan{}) {
				t.Errorf("result %d: error with a scan %+v", i, g.Scan)
			}
			continue
		}
		if g.Err != nil {
			t.Errorf("result %d: unexpected error %v", i, g.Err)
			continue
		}
		if g.Scan.Text != w[i].text || g.Scan.Symbology != w[i].sym {
			t.Errorf("result %d: got %q %q, want %q %q", i, g.Scan.Text, g.Scan.Symbology, w[i].text, w[i].sym)
		}
		if g.Scan.At.IsZero() {
			t.Errorf("result %d: zero At", i)
		}
	}
}

func TestFramer(t *testing.T) {
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			check(t, run(r, false), r.want)
		})
		t.Run(r.name+"/byte by byte", func(t *testing.T) {
			check(t, run(r, true), r.want)
		})
	}
}

func TestScanAtIsLastByte(t *testing.T) {
	f := frame.New(frame.Config{})
	res := f.Feed(nil, []byte(good2[:5]), t0)
	res = f.Feed(res, []byte(good2[5:]), t0.Add(time.Millisecond))
	res = f.Feed(res, []byte("\r"), t0.Add(2*time.Millisecond))
	if len(res) != 1 || !res[0].Scan.At.Equal(t0.Add(2*time.Millisecond)) {
		t.Fatalf("got %+v", res)
	}

	n := frame.New(frame.Config{Suffix: frame.None})
	res = n.Feed(nil, []byte(good2), t0)
	if d := n.Deadline(); !d.Equal(t0.Add(frame.DefaultIdleTimeout)) {
		t.Fatalf("deadline %v", d)
	}
	res = n.Expire(res, t0.Add(time.Hour))
	if len(res) != 1 || !res[0].Scan.At.Equal(t0) {
		t.Fatalf("idle frame: got %+v, want At = last byte", res)
	}
	if !n.Deadline().IsZero() || n.Pending() {
		t.Fatal("framer not reset after idle frame")
	}
}

func TestDeadline(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  frame.Config
		feed string
		want time.Duration // -1: zero time
	}{
		{"nothing pending", frame.Config{}, "", -1},
		{"default", frame.Config{}, "APCV", frame.DefaultIdleTimeout},
		{"custom", frame.Config{IdleTimeout: time.Second}, "APCV", time.Second},
		{"off", frame.Config{IdleTimeout: -1}, "APCV", -1},
		{"after suffix", frame.Config{}, good2 + "\r", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := frame.New(tc.cfg)
			f.Feed(nil, []byte(tc.feed), t0)
			got := f.Deadline()
			if tc.want < 0 {
				if !got.IsZero() {
					t.Fatalf("deadline %v, want none", got)
				}
				return
			}
			if !got.Equal(t0.Add(tc.want)) {
				t.Fatalf("deadline %v, want %v", got, t0.Add(tc.want))
			}
		})
	}
}

func TestResetDropsFrame(t *testing.T) {
	f := frame.New(frame.Config{})
	f.Feed(nil, []byte("APCV1:HALF"), t0)
	f.Reset()
	check(t, f.Feed(nil, []byte(good2+"\r"), t0), []want{ok(good2)})
}

func TestErrorMessages(t *testing.T) {
	secret := "APCV1:SECRET" // a text must never appear in an error
	f := frame.New(frame.Config{})
	res := f.Feed(nil, []byte("xx"+secret+"\r\x07"+secret+"\r"+"NOT"+secret[:4]+"\r"), t0)
	if len(res) != 3 {
		t.Fatalf("got %d results", len(res))
	}
	for _, r := range res {
		if strings.Contains(r.Err.Error(), "SECRET") || strings.Contains(r.Err.Error(), "NOT") {
			t.Errorf("error leaks the text: %v", r.Err)
		}
		if apcverr.Message(r.Err, apcverr.FR) == apcverr.Generic.FR {
			t.Errorf("no desk message for %v", r.Err)
		}
	}
	if got := res[1].Err.Error(); !strings.Contains(got, "0x07 at offset 0") {
		t.Errorf("bad byte message %q lacks byte and offset", got)
	}
	if got := res[0].Err.Error(); !strings.Contains(got, "2 bytes before") {
		t.Errorf("junk message %q lacks the count", got)
	}
}

func TestStrings(t *testing.T) {
	for s, w := range map[frame.Suffix]string{frame.CR: "CR", frame.LF: "LF", frame.CRLF: "CRLF", frame.Tab: "Tab", frame.None: "None", 9: "Suffix(9)"} {
		if s.String() != w {
			t.Errorf("%d: %q, want %q", s, s.String(), w)
		}
	}
	if got := frame.Reason(99).String(); got != "Reason(99)" {
		t.Errorf("unknown reason: %q", got)
	}
	if got := string(frame.CRLF.Bytes()); got != "\r\n" {
		t.Errorf("CRLF bytes %q", got)
	}
	if frame.None.Bytes() != nil {
		t.Error("None has bytes")
	}
}

// FuzzFramer checks, on any input, that the framer does not panic, that
// every scan it returns is a valid ApCV text within bounds, and that the
// way the input is split into reads does not change the results.
func FuzzFramer(f *testing.F) {
	for _, r := range rows {
		var b strings.Builder
		for _, c := range r.in {
			b.WriteString(c.data)
		}
		f.Add([]byte(b.String()), uint8(r.cfg.Suffix), r.cfg.StripAIM, uint16(len(b.String())/3+1))
	}
	f.Fuzz(func(t *testing.T, data []byte, suffix uint8, aim bool, split uint16) {
		cfg := frame.Config{Suffix: frame.Suffix(suffix % 5), StripAIM: aim, Prefix: "#", MaxLen: 600}
		whole := frame.New(cfg)
		a := whole.Flush(whole.Feed(nil, data, t0))
		parts := frame.New(cfg)
		cut := 0
		if len(data) > 0 {
			cut = int(split) % (len(data) + 1)
		}
		b := parts.Feed(nil, data[:cut], t0)
		for i := cut; i < len(data); i++ {
			b = parts.Feed(b, data[i:i+1], t0)
		}
		b = parts.Flush(b)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("split at %d changed results:\n%v\n%v", cut, a, b)
		}
		for _, r := range a {
			if r.Err != nil {
				if !errors.Is(r.Err, qrscan.ErrGarbled) && !errors.Is(r.Err, qrscan.ErrNotApCV) {
					t.Fatalf("untyped error %v", r.Err)
				}
				continue
			}
			s := r.Scan.Text
			if strings.HasPrefix(s, credential.ShortQRPrefix) && len(s) != credential.ShortQRLen {
				t.Fatalf("short scan of %d characters", len(s))
			}
			if !credential.HasQRPrefix(s) || len(s) > cfg.MaxLen || len(s) == len(credential.QRPrefix) || (len(s)-len(credential.QRPrefix))%3 == 1 {
				t.Fatalf("bad scan %q", s)
			}
			for i := len(credential.QRPrefix); i < len(s); i++ {
				if !credential.IsBase45(s[i]) {
					t.Fatalf("non-Base45 %q in %q", s[i], s)
				}
			}
		}
	})
}

var sink []frame.Result

func BenchmarkFeed(b *testing.B) {
	for _, n := range []int{480, 960} {
		in := []byte(apcv(n) + "\r")
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := frame.New(frame.Config{})
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				sink = f.Feed(sink[:0], in, t0)
			}
			if len(sink) != 1 || sink[0].Err != nil {
				b.Fatal(sink)
			}
		})
	}
}
