package link

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/nfc"
)

// exchangeCost returns the frames and bytes one exchange needs without
// errors: I-blocks of at most fsc (reader) and fsd (phone) bytes, each
// chained block acknowledged by an R(ACK).
func exchangeCost(cmdLen, respLen, fsc, fsd int, cid bool) (frames, bytes int) {
	hdr := 3 // PCB + CRC_A
	if cid {
		hdr++
	}
	kc := (cmdLen + fsc - hdr - 1) / (fsc - hdr)
	kr := (respLen + fsd - hdr - 1) / (fsd - hdr)
	frames = 2*kc + 2*(kr-1)
	bytes = cmdLen + kc*hdr + (kc-1)*hdr + respLen + kr*hdr + (kr-1)*hdr
	return frames, bytes
}

const activationFrames, activationBytes = 2, 4 + 7 // RATS, ATS

func TestChaining(t *testing.T) {
	sizes := []struct{ fsd, fsc int }{{64, 64}, {128, 128}, {256, 256}, {64, 256}, {256, 128}, {16, 24}, {4096, 4096}}
	lengths := []int{1, 253, 254, 1000, 4000}
	for _, sz := range sizes {
		for _, cid := range []bool{false, true} {
			for _, cmdLen := range lengths {
				for _, respLen := range lengths {
					name := fmt.Sprintf("FSD%d/FSC%d/CID=%v/cmd%d/resp%d", sz.fsd, sz.fsc, cid, cmdLen, respLen)
					t.Run(name, func(t *testing.T) {
						n := respLen - 2
						if n < 0 {
							n = 0
						}
						p := newPhone(n, nil)
						// A fake clock: the phone's processing takes no time, so
						// a slow or loaded machine (Wine, -race) cannot turn a
						// long Transmit into an S(WTX); TestWTX covers those.
						l := New(p, Config{FSD: sz.fsd, FSC: sz.fsc, UseCID: cid, CID: 3, Clock: newFakeClock()})
						cmd := command(cmdLen)
						mustExchange(t, l, cmd, n)
						if got, _ := p.counts(); got != 1 || string(p.cmds[0]) != string(cmd) {
							t.Fatalf("phone got %d commands, want the one sent", got)
						}
						frames, bytes := exchangeCost(cmdLen, n+2, sz.fsc, sz.fsd, cid)
						s := l.Stats()
						if s.Frames != activationFrames+frames || s.Bytes != activationBytes+bytes {
							t.Errorf("Frames, Bytes = %d, %d, want %d, %d", s.Frames, s.Bytes, activationFrames+frames, activationBytes+bytes)
						}
						if s.Retransmissions+s.NAKs+s.Timeouts+s.BadFrames+s.WTX != 0 {
							t.Errorf("error counters on a clean link: %+v", s)
						}
					})
				}
			}
		}
	}
}

func TestBitRates(t *testing.T) {
	var prev time.Duration
	for _, r := range []BitRate{Rate106, Rate212, Rate424, Rate848} {
		t.Run(r.String(), func(t *testing.T) {
			l := New(newPhone(2048, nil), Config{BitRate: r})
			mustExchange(t, l, command(5), 2048)
			s := l.Stats()
			wantFrames := activationFrames + 18 // 2050 bytes in 9 I-blocks of 253
			if r != Rate106 {
				wantFrames += 2 // PPS
			}
			if s.Frames != wantFrames {
				t.Errorf("Frames = %d, want %d", s.Frames, wantFrames)
			}
			if prev != 0 && s.Airtime >= prev {
				t.Errorf("Airtime %v at %v, not below %v at the lower rate", s.Airtime, r, prev)
			}
			prev = s.Airtime
		})
	}
}

func TestBitErrorRecovery(t *testing.T) {
	// One exchange, FSD = FSC = 128, 300-byte command, 600-byte response:
	// 1 RATS, 2 ATS, 3 I, 4 R(ACK), 5 I, 6 R(ACK), 7 I (last), 8 I (chained
	// response), 9 R(ACK), 10 I, 11 R(ACK), 12 I, 13 R(ACK), 14 I, 15 R(ACK), 16 I.
	const clean = 16
	tests := []struct {
		name  string
		frame int
		extra int // frames beyond clean
		want  Stats
	}{
		{"RATS lost: reader repeats it", 1, 1, Stats{Timeouts: 1, BadFrames: 1, Retransmissions: 1}},
		{"ATS corrupted: reader repeats RATS", 2, 2, Stats{BadFrames: 1, Retransmissions: 1}},
		{"reader I-block lost: R(NAK), phone R(ACK), I again", 3, 3, Stats{Timeouts: 1, BadFrames: 1, NAKs: 1, Retransmissions: 1}},
		{"phone R(ACK) corrupted: R(NAK), phone repeats", 4, 2, Stats{BadFrames: 1, NAKs: 1, Retransmissions: 1}},
		{"last reader I-block lost", 7, 3, Stats{Timeouts: 1, BadFrames: 1, NAKs: 1, Retransmissions: 1}},
		{"first response block corrupted: R(NAK), phone repeats", 8, 2, Stats{BadFrames: 1, NAKs: 1, Retransmissions: 1}},
		{"reader R(ACK) lost in phone chaining: reader repeats it", 9, 1, Stats{Timeouts: 1, BadFrames: 1, Retransmissions: 1}},
		{"chained response block corrupted: R(ACK) again, phone repeats", 10, 2, Stats{BadFrames: 1, Retransmissions: 2}},
		{"last response block corrupted: R(ACK) again, phone repeats", 16, 2, Stats{BadFrames: 1, Retransmissions: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(newPhone(598, nil), Config{FSD: 128, FSC: 128, Faults: Faults{BitErrors: []BitError{{Frame: tt.frame, Bit: 11}}}})
			mustExchange(t, l, command(300), 598)
			s := l.Stats()
			if s.Frames != clean+tt.extra {
				t.Errorf("Frames = %d, want %d", s.Frames, clean+tt.extra)
			}
			got := Stats{Timeouts: s.Timeouts, BadFrames: s.BadFrames, NAKs: s.NAKs, Retransmissions: s.Retransmissions}
			if got != tt.want {
				t.Errorf("counters = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestBitErrorAtEveryFrame(t *testing.T) {
	const clean = 16 // see TestBitErrorRecovery
	for frame := 1; frame <= clean; frame++ {
		for _, bit := range []int{0, 7, 8, 29, -1} {
			t.Run(fmt.Sprintf("frame%d/bit%d", frame, bit), func(t *testing.T) {
				l := New(newPhone(598, nil), Config{FSD: 128, FSC: 128, Faults: Faults{BitErrors: []BitError{{Frame: frame, Bit: bit}}}})
				mustExchange(t, l, command(300), 598)
				if s := l.Stats(); s.BadFrames != 1 || s.Frames <= clean {
					t.Errorf("BadFrames = %d, Frames = %d: the error went unnoticed", s.BadFrames, s.Frames)
				}
			})
		}
	}
}

func TestRetryLimit(t *testing.T) {
	for _, retries := range []int{-1, 0, 1, 3, 5} {
		t.Run(fmt.Sprintf("MaxRetries%d", retries), func(t *testing.T) {
			var errs []BitError
			for f := 3; f < 40; f++ { // every frame after activation
				errs = append(errs, BitError{Frame: f, Bit: 3})
			}
			p := newPhone(10, nil)
			l := New(p, Config{MaxRetries: retries, Faults: Faults{BitErrors: errs}})
			_, err := l.Transmit(context.Background(), command(5))
			if !errors.Is(err, ErrLinkFailure) || errors.Is(err, nfc.ErrPhoneRemoved) {
				t.Fatalf("Transmit error = %v, want ErrLinkFailure only", err)
			}
			if apcverr.Code(err) != "nfc-link-failure" || apcverr.Message(err, apcverr.FR) == apcverr.Generic.FR {
				t.Errorf("no desk message for %v", err)
			}
			want := retries
			switch {
			case retries == 0:
				want = 3
			case retries < 0:
				want = 0
			}
			if s := l.Stats(); s.NAKs != want {
				t.Errorf("NAKs = %d, want %d", s.NAKs, want)
			}
			l.SetFaults(Faults{})
			mustExchange(t, l, command(5), 10)
			if _, resets := p.counts(); resets != 1 {
				t.Errorf("resets = %d, want 1 (field switched off after the failure)", resets)
			}
			if s := l.Stats(); s.Activations != 2 {
				t.Errorf("Activations = %d, want 2", s.Activations)
			}
		})
	}
}

func TestRandomBitErrors(t *testing.T) {
	p := newPhone(500, nil)
	l := New(p, Config{Faults: Faults{BER: 1e-4, Seed: 7}})
	for i := range 40 {
		mustExchange(t, l, command(200+i), 500)
	}
	s := l.Stats()
	if s.BadFrames == 0 || s.Retransmissions == 0 {
		t.Errorf("no error seen at BER 1e-4 over %d bytes: %+v", s.Bytes, s)
	}
	if _, resets := p.counts(); resets != 0 {
		t.Errorf("resets = %d", resets)
	}
}

func TestRemovalAtEveryFrame(t *testing.T) {
	checkGoroutines(t)
	const clean = 14 // after activation: the 300/600-byte exchange of TestBitErrorRecovery
	for i := 1; i <= clean; i++ {
		t.Run(fmt.Sprintf("frame%d", i), func(t *testing.T) {
			p := newPhone(598, nil)
			l := New(p, Config{FSD: 128, FSC: 128})
			ctx := context.Background()
			if err := l.Activate(ctx); err != nil {
				t.Fatal(err)
			}
			base := l.Stats().Frames
			l.SetFaults(Faults{RemoveAtFrame: base + i})
			_, err := l.Transmit(ctx, command(300))
			if !errors.Is(err, nfc.ErrPhoneRemoved) || errors.Is(err, ErrLinkFailure) {
				t.Fatalf("Transmit error = %v, want nfc.ErrPhoneRemoved", err)
			}
			if s := l.Stats(); s.Frames != base+i-1 {
				t.Errorf("Frames = %d, want %d (the cut frame is lost)", s.Frames, base+i-1)
			}
			want := 0
			if i > 5 { // frame 5 is the last reader I-block
				want = 1
			}
			if cmds, _ := p.counts(); cmds != want {
				t.Errorf("phone processed %d commands, want %d", cmds, want)
			}
			before := l.Stats().Frames
			if _, err := l.Transmit(ctx, command(3)); !errors.Is(err, nfc.ErrPhoneRemoved) {
				t.Errorf("Transmit after removal = %v, want nfc.ErrPhoneRemoved", err)
			}
			if err := l.Deselect(ctx); err != nil {
				t.Errorf("Deselect after removal = %v", err)
			}
			if s := l.Stats(); s.Frames != before {
				t.Errorf("%d frames sent to a removed phone", s.Frames-before)
			}
			if _, resets := p.counts(); resets != 0 {
				t.Errorf("reset before the phone came back")
			}
			if err := l.Activate(ctx); err != nil {
				t.Fatalf("Activate after removal: %v", err)
			}
			if _, resets := p.counts(); resets != 1 {
				t.Errorf("resets = %d, want 1", resets)
			}
			mustExchange(t, l, command(300), 598)
		})
	}
}

func TestRemoveAfterBytes(t *testing.T) {
	l := New(newPhone(2000, nil), Config{Faults: Faults{RemoveAfterBytes: 1000}})
	_, err := l.Transmit(context.Background(), command(10))
	if !errors.Is(err, nfc.ErrPhoneRemoved) {
		t.Fatalf("Transmit = %v, want nfc.ErrPhoneRemoved", err)
	}
	if s := l.Stats(); s.Bytes > 1000 || s.Bytes < 1000-256 {
		t.Errorf("Bytes = %d, want the last whole frame before 1000", s.Bytes)
	}
}

func TestRemoveDuringActivation(t *testing.T) {
	for frame := 1; frame <= 4; frame++ { // RATS, ATS, PPS, PPS response
		p := newPhone(10, nil)
		l := New(p, Config{BitRate: Rate848, Faults: Faults{RemoveAtFrame: frame}})
		if _, err := l.Transmit(context.Background(), command(4)); !errors.Is(err, nfc.ErrPhoneRemoved) {
			t.Fatalf("frame %d: Transmit = %v, want nfc.ErrPhoneRemoved", frame, err)
		}
		if err := l.Activate(context.Background()); err != nil {
			t.Fatalf("frame %d: Activate = %v", frame, err)
		}
		mustExchange(t, l, command(4), 10)
		if cmds, resets := p.counts(); cmds != 1 || resets != 1 {
			t.Errorf("frame %d: commands %d, resets %d, want 1, 1", frame, cmds, resets)
		}
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	p := newPhone(10, nil)
	l := New(p, Config{})
	mustExchange(t, l, command(4), 10)
	l.Remove()
	if _, err := l.Transmit(ctx, command(4)); !errors.Is(err, nfc.ErrPhoneRemoved) {
		t.Fatalf("Transmit after Remove = %v", err)
	}
	if err := l.Activate(ctx); err != nil {
		t.Fatal(err)
	}
	mustExchange(t, l, command(4), 10)
	if _, resets := p.counts(); resets != 1 {
		t.Errorf("resets = %d, want 1", resets)
	}
}

// TestRemoveDuringExchange removes the phone from another goroutine while a
// real-time exchange is on the air: once the phone has the command, during
// its answer's 2.6 s on the air. Transmit fails within a second of the
// removal (measured from it, so that a goroutine run late on a loaded
// machine does not count against the Link), long before the answer's end.
func TestRemoveDuringExchange(t *testing.T) {
	checkGoroutines(t)
	const answer = 30000 // ≈ 2.6 s on the air at 106 kbit/s
	var once sync.Once
	onAir := make(chan struct{})
	l := New(newPhone(answer, func(context.Context, []byte) error {
		once.Do(func() { close(onAir) })
		return nil
	}), Config{Realtime: true})
	removed := make(chan time.Time, 1)
	go func() {
		<-onAir
		removed <- time.Now()
		l.Remove()
	}()
	_, err := l.Transmit(context.Background(), command(5))
	returned := time.Now()
	if !errors.Is(err, nfc.ErrPhoneRemoved) {
		t.Fatalf("Transmit = %v, want nfc.ErrPhoneRemoved", err)
	}
	if took := returned.Sub(<-removed); took > time.Second {
		t.Errorf("Transmit returned %v after the removal, want well before the answer's %v on the air", took, l.Airtime())
	}
}

func TestWTX(t *testing.T) {
	fwt := FWT(4) // ≈ 4.83 ms
	tests := []struct {
		name     string
		took     time.Duration
		wtxm     uint8
		min, max int
	}{
		{"fast phone", 0, 0, 0, 0},
		{"within FWT", 4 * time.Millisecond, 0, 0, 0},
		{"twice FWT", 2 * fwt, 1, 1, 2},
		{"100 ms, WTXM 1", 100 * time.Millisecond, 1, 18, 21},
		{"100 ms, WTXM 5", 100 * time.Millisecond, 5, 4, 5},
		{"2 s, WTXM 59", 2 * time.Second, 59, 7, 8},
	}
	for _, tt := range tests {
		for _, rt := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/realtime=%v", tt.name, rt), func(t *testing.T) {
				clk := newFakeClock()
				p := newPhone(300, func(context.Context, []byte) error { clk.Advance(tt.took); return nil })
				l := New(p, Config{FWT: fwt, WTXM: tt.wtxm, Clock: clk, Realtime: rt})
				start := clk.Now()
				mustExchange(t, l, command(20), 300)
				s := l.Stats()
				if s.WTX < tt.min || s.WTX > tt.max {
					t.Errorf("WTX = %d, want %d..%d", s.WTX, tt.min, tt.max)
				}
				if s.Processing != tt.took {
					t.Errorf("Processing = %v, want %v", s.Processing, tt.took)
				}
				if s.NAKs+s.Timeouts+s.BadFrames != 0 {
					t.Errorf("errors on a slow phone: %+v", s)
				}
				if elapsed := clk.Now().Sub(start); rt && (elapsed < tt.took || elapsed < s.Airtime) {
					t.Errorf("real-time session took %v, less than processing %v or airtime %v", elapsed, tt.took, s.Airtime)
				}
			})
		}
	}
}

func TestWTXWithErrors(t *testing.T) {
	// 1 RATS, 2 ATS, 3 I, 4 S(WTX) request, 5 S(WTX) response, 6 ...
	tests := []struct {
		name  string
		frame int
		want  Stats
	}{
		{"S(WTX) request corrupted: R(NAK), phone repeats it", 4, Stats{BadFrames: 1, NAKs: 1, Retransmissions: 1}},
		{"S(WTX) response lost: timeout, R(NAK), phone repeats", 5, Stats{BadFrames: 1, NAKs: 1, Retransmissions: 1, Timeouts: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			p := newPhone(50, func(context.Context, []byte) error { clk.Advance(20 * time.Millisecond); return nil })
			l := New(p, Config{FWT: FWT(4), Clock: clk, Faults: Faults{BitErrors: []BitError{{Frame: tt.frame, Bit: 4}}}})
			mustExchange(t, l, command(20), 50)
			s := l.Stats()
			got := Stats{Timeouts: s.Timeouts, BadFrames: s.BadFrames, NAKs: s.NAKs, Retransmissions: s.Retransmissions}
			if got != tt.want || s.WTX == 0 {
				t.Errorf("counters = %+v (WTX %d), want %+v", got, s.WTX, tt.want)
			}
		})
	}
}

// TestSlowPhoneFault: the fault's time is added to the phone's processing
// and asks for its frame waiting time extensions. On a fake clock, so that
// the phone's own processing is nothing (on the system clock a loaded
// machine adds its delays to it, and WTX counts them).
func TestSlowPhoneFault(t *testing.T) {
	l := New(newPhone(10, nil), Config{FWT: FWT(4), Clock: newFakeClock(), Faults: Faults{SlowPhone: 30 * time.Millisecond}})
	mustExchange(t, l, command(4), 10)
	if s := l.Stats(); s.WTX < 5 || s.WTX > 7 || s.Processing != 30*time.Millisecond {
		t.Errorf("WTX = %d, Processing = %v; want 5..7 and 30 ms", s.WTX, s.Processing)
	}
}

func TestContextCancel(t *testing.T) {
	checkGoroutines(t)
	t.Run("already done", func(t *testing.T) {
		l := New(newPhone(10, nil), Config{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := l.Transmit(ctx, command(4)); !errors.Is(err, context.Canceled) {
			t.Errorf("Transmit = %v", err)
		}
		if err := l.Activate(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Activate = %v", err)
		}
		if err := l.Deselect(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Deselect = %v", err)
		}
		if s := l.Stats(); s.Frames != 0 {
			t.Errorf("Frames = %d", s.Frames)
		}
	})
	t.Run("during real-time frames", func(t *testing.T) {
		// A 30000-byte answer (≈ 2.6 s on the air at 106 kbit/s), then a
		// short one once the link is back. Transmit returns within a
		// second of ctx's end, measured from it (a loaded machine may run
		// the deadline's timer late), long before the answer's end.
		var size atomic.Int64
		size.Store(30000)
		p := newPhone(0, nil)
		p.TransportFunc = func(_ context.Context, cmd []byte) ([]byte, error) {
			return echoResponse(cmd, int(size.Load())), nil
		}
		l := New(p, Config{Realtime: true})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		ended := make(chan time.Time, 1)
		context.AfterFunc(ctx, func() { ended <- time.Now() })
		_, err := l.Transmit(ctx, command(5))
		returned := time.Now()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Transmit = %v", err)
		}
		if took := returned.Sub(<-ended); took > time.Second {
			t.Errorf("Transmit returned %v after its deadline, want well before the answer's 2.6 s on the air", took)
		}
		size.Store(4000)
		mustExchange(t, l, command(5), 4000)
		if _, resets := p.counts(); resets != 1 {
			t.Errorf("resets = %d, want 1", resets)
		}
	})
	t.Run("while the phone works", func(t *testing.T) {
		p := newPhone(10, func(ctx context.Context, _ []byte) error {
			<-ctx.Done()
			return ctx.Err()
		})
		l := New(p, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, err := l.Transmit(ctx, command(5)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Transmit = %v", err)
		}
	})
}

func TestPhoneError(t *testing.T) {
	errBoom := errors.New("applet crashed")
	var fail bool
	p := newPhone(10, func(context.Context, []byte) error {
		if fail {
			return errBoom
		}
		return nil
	})
	l := New(p, Config{})
	fail = true
	if _, err := l.Transmit(context.Background(), command(4)); !errors.Is(err, errBoom) {
		t.Fatalf("Transmit = %v", err)
	}
	fail = false
	mustExchange(t, l, command(4), 10)
	if _, resets := p.counts(); resets != 1 {
		t.Errorf("resets = %d, want 1", resets)
	}

	// A phone that reports its own removal stays removed.
	fail = true
	errBoom = fmt.Errorf("hce: %w", nfc.ErrPhoneRemoved)
	if _, err := l.Transmit(context.Background(), command(4)); !errors.Is(err, nfc.ErrPhoneRemoved) {
		t.Fatalf("Transmit = %v", err)
	}
	fail = false
	if _, err := l.Transmit(context.Background(), command(4)); !errors.Is(err, nfc.ErrPhoneRemoved) {
		t.Fatalf("Transmit after removal = %v", err)
	}
}

func TestDeselect(t *testing.T) {
	ctx := context.Background()
	p := newPhone(10, nil)
	l := New(p, Config{UseCID: true, CID: 2})
	if err := l.Deselect(ctx); err != nil { // nothing active: no frame
		t.Fatal(err)
	}
	mustExchange(t, l, command(4), 10)
	if err := l.Deselect(ctx); err != nil {
		t.Fatal(err)
	}
	before := l.Stats().Frames
	mustExchange(t, l, command(4), 10)
	s := l.Stats()
	if s.Activations != 2 || s.Frames != before+4 {
		t.Errorf("Activations = %d, frames = +%d; want 2, +4", s.Activations, s.Frames-before)
	}
	if _, resets := p.counts(); resets != 0 {
		t.Errorf("resets = %d after DESELECT, want 0", resets)
	}
	if err := l.Activate(ctx); err != nil || l.Stats().Frames != s.Frames {
		t.Errorf("Activate on an active phone = %v, sent %d frames", err, l.Stats().Frames-s.Frames)
	}
}

func TestCIDBytes(t *testing.T) {
	run := func(useCID bool) Stats {
		l := New(newPhone(600, nil), Config{UseCID: useCID, CID: 9, FSD: 128})
		mustExchange(t, l, command(300), 600)
		return l.Stats()
	}
	without, with := run(false), run(true)
	fWithout, bWithout := exchangeCost(300, 602, 256, 128, false)
	fWith, bWith := exchangeCost(300, 602, 256, 128, true)
	if without.Bytes != activationBytes+bWithout || without.Frames != activationFrames+fWithout {
		t.Errorf("without CID: Frames, Bytes = %d, %d, want %d, %d", without.Frames, without.Bytes, activationFrames+fWithout, activationBytes+bWithout)
	}
	if with.Bytes != activationBytes+bWith || with.Frames != activationFrames+fWith {
		t.Errorf("with CID: Frames, Bytes = %d, %d, want %d, %d", with.Frames, with.Bytes, activationFrames+fWith, activationBytes+bWith)
	}
	// 602 bytes in 125-byte blocks take 5 blocks, in 124-byte blocks still 5:
	// the CID costs one byte per block.
	if with.Bytes-without.Bytes != with.Frames-activationFrames {
		t.Errorf("CID added %d bytes over %d blocks", with.Bytes-without.Bytes, with.Frames-activationFrames)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"bit rate 300", Config{BitRate: 300}},
		{"CID 15", Config{UseCID: true, CID: 15}},
		{"WTXM 60", Config{WTXM: 60}},
		{"BER 2", Config{Faults: Faults{BER: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(newPhone(1, nil), tt.cfg)
			if _, err := l.Transmit(context.Background(), command(4)); !errors.Is(err, ErrConfig) {
				t.Errorf("Transmit = %v, want ErrConfig", err)
			}
			if err := l.Activate(context.Background()); !errors.Is(err, ErrConfig) {
				t.Errorf("Activate = %v, want ErrConfig", err)
			}
		})
	}
	l := New(newPhone(1, nil), Config{})
	for _, n := range []int{0, maxCommand + 1} {
		if _, err := l.Transmit(context.Background(), make([]byte, n)); !errors.Is(err, ErrAPDUSize) {
			t.Errorf("Transmit(%d bytes) = %v, want ErrAPDUSize", n, err)
		}
	}
	mustExchange(t, l, command(maxCommand), 1)
}

// TestPICCRejects feeds frames straight to the phone's end after
// activation: it must stay silent on each (ISO/IEC 14443-4: an invalid block
// leaves the PICC in reception).
func TestPICCRejects(t *testing.T) {
	tests := []struct {
		name    string
		frame   []byte
		badFrom bool // counted as a bad frame
	}{
		{"bad CRC", []byte{0x02, 0x00, 0x00, 0x00}, true},
		{"too short", []byte{0x02}, true},
		{"unknown PCB", withCRC(t, "E2"), true},
		{"S(WTX) response never asked for", withCRC(t, "F2 01"), true},
		{"R(ACK) other number, not chaining", withCRC(t, "A3"), true},
		{"other CID", withCRC(t, "0A 04 00 A4"), false},
		{"CID to a phone without CID", withCRC(t, "0A 00 00 A4"), false},
		{"PPS after the first block", withCRC(t, "D0 11 0A"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(newPhone(1, nil), Config{})
			mustExchange(t, l, command(4), 1) // leaves the phone past its first block
			before := l.Stats().BadFrames
			reply, _, err := l.picc.receive(context.Background(), tt.frame)
			if reply != nil || err != nil {
				t.Errorf("phone answered % X, %v", reply, err)
			}
			if got := l.Stats().BadFrames - before; (got == 1) != tt.badFrom {
				t.Errorf("BadFrames +%d", got)
			}
			mustExchange(t, l, command(4), 1) // the link still works
		})
	}
}

func TestStatsWhileRunning(t *testing.T) {
	checkGoroutines(t)
	l := New(newPhone(1000, nil), Config{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = l.Stats()
			}
		}
	}()
	for range 20 {
		mustExchange(t, l, command(100), 1000)
	}
	close(stop)
	wg.Wait()
}

// TestRealtimePacing checks, with a fake clock, that real-time mode waits
// exactly the model's time and that the caller's own time is not caught up.
func TestRealtimePacing(t *testing.T) {
	clk := newFakeClock()
	l := New(newPhone(2000, nil), Config{BitRate: Rate424, Realtime: true, Clock: clk})
	start := clk.Now()
	for i := range 3 {
		mustExchange(t, l, command(100*i+5), 2000)
	}
	if got, want := clk.Now().Sub(start), l.Airtime(); got != want {
		t.Errorf("session took %v on the clock, want the airtime %v", got, want)
	}
	clk.Advance(time.Second) // the caller works
	mustExchange(t, l, command(5), 2000)
	if got, want := clk.Now().Sub(start), l.Airtime()+time.Second; got != want {
		t.Errorf("session took %v on the clock, want %v", got, want)
	}
}

// TestRealtimeWallClock runs a real-time exchange on the system clock: never
// shorter than its airtime (frames are not delivered early), and not far
// longer (a wait that hangs or sleeps far too long). 30000 bytes, ≈ 0.35 s
// on the air: long enough that a loaded machine's delays (the wall time of
// the Link's own work, late wake-ups, which the deadlines catch up) fit in
// the bound with room to spare; with 1000 bytes (14 ms) the bound was
// mostly the machine's slack.
func TestRealtimeWallClock(t *testing.T) {
	l := New(newPhone(30000, nil), Config{BitRate: Rate848, Realtime: true})
	start := time.Now()
	mustExchange(t, l, command(5), 30000)
	wall := time.Since(start)
	air := l.Airtime()
	if wall < air {
		t.Errorf("wall time %v below airtime %v: frames delivered too early", wall, air)
	}
	if wall > 2*air+500*time.Millisecond {
		t.Errorf("wall time %v far above airtime %v", wall, air)
	}
	t.Logf("wall %v, airtime %v, ratio %.3f", wall, air, float64(wall)/float64(air))
}
