package camera_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// budgetSlack is what TestBudgetHolds lets a decode spend past its budget:
// the budget is checked between the steps of every strategy (a pass over
// the frame, a scan for finder patterns, one fit of a triple), and the
// step running when it is spent ends first. At rest on a 2-core EPYC the
// longest step is about 10 ms on 1280×720 frames and 15 ms on 1920×1080
// (see DecodeOptions.Budget); the slack is several times that, so that a
// loaded machine (whose caches make the same step cost more CPU time) does
// not fail the test, and several times less than what a whole strategy
// cost past the budget before the checks inside them (60 to 250 ms on
// noise).
const budgetSlack = 50 * time.Millisecond

// hostileFrame renders a w×h frame without a code, of a kind that makes
// the strategies work hard or not at all, from r.
func hostileFrame(kind string, w, h int, r *rand.Rand) camera.Frame {
	p := make([]byte, w*h)
	cells := func(b int, v func() byte) { // b×b blocks of v
		bw := (w + b - 1) / b
		c := make([]byte, bw*((h+b-1)/b))
		for i := range c {
			c[i] = v()
		}
		for y := range h {
			for x := range w {
				p[y*w+x] = c[(y/b)*bw+x/b]
			}
		}
	}
	switch kind {
	case "noise": // every grey level, independently per pixel
		cells(1, func() byte { return byte(r.IntN(256)) })
	case "binary-noise":
		cells(1, func() byte { return byte(255 * r.IntN(2)) })
	case "block-noise": // black and white blocks of 2 to 4 pixels: module-like texture
		cells(2+r.IntN(3), func() byte { return byte(255 * r.IntN(2)) })
	case "stripes": // dense high-frequency texture, 1-3 px periods, slanted
		period, slope := 2+r.IntN(4), r.IntN(3)
		for y := range h {
			for x := range w {
				if ((x+slope*y)/max(1, period/2))%2 == 0 {
					p[y*w+x] = 230
				} else {
					p[y*w+x] = 20
				}
			}
		}
	case "checkerboard":
		b := 1 + r.IntN(6)
		for y := range h {
			for x := range w {
				if (x/b+y/b)%2 == 0 {
					p[y*w+x] = 255
				}
			}
		}
	case "finders": // hundreds of finder-pattern-like squares, 1..6 px modules
		for i := range p {
			p[i] = 255
		}
		for range 200 + r.IntN(400) {
			m := 1 + r.IntN(6)
			x0, y0 := r.IntN(w), r.IntN(h)
			for yy := range 7 * m {
				for xx := range 7 * m {
					x, y := x0+xx, y0+yy
					if x >= w || y >= h {
						continue
					}
					if d := max(abs(xx/m-3), abs(yy/m-3)); d == 2 {
						p[y*w+x] = 255
					} else {
						p[y*w+x] = 0
					}
				}
			}
		}
	case "dark":
	case "white":
		for i := range p {
			p[i] = 255
		}
	}
	return camera.Frame{Format: camera.Gray, Width: w, Height: h, Data: p}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestBudgetHolds: no decode spends more CPU time than its budget plus
// budgetSlack, on frames without a code that make the strategies search
// long (noise, dense textures, many finder-like squares) or give them
// nothing (flat frames), at several budgets, so that the budget runs out
// inside every kind of step. The CPU time is the decoding thread's, as the
// budget's (Result.Spent): other tests running meanwhile do not count.
// Before the budget was checked inside the strategies, a noise frame
// overran it by a whole strategy (StrategyResampleMean3, StrategyKeystone:
// 60 to 250 ms).
func TestBudgetHolds(t *testing.T) {
	if testing.Short() || raceEnabled {
		// The race detector makes each step several times longer, and the
		// slack with it.
		t.Skip("timing of steps: not with -short or -race")
	}
	if !camera.HasThreadCPU() {
		t.Skip("no thread CPU clock here: the budget is on wall time")
	}
	seed := uint64(20261206)
	r := rand.New(rand.NewPCG(seed, 17))
	kinds := []string{"noise", "binary-noise", "block-noise", "stripes", "checkerboard", "finders", "dark", "white"}
	sizes := [][2]int{{320, 240}, {1280, 720}, {1920, 1080}}
	budgets := []time.Duration{20 * time.Millisecond, 70 * time.Millisecond, 0}
	worst := time.Duration(0)
	var worstAt string
	for _, sz := range sizes {
		for _, kind := range kinds {
			f := hostileFrame(kind, sz[0], sz[1], r)
			for _, b := range budgets {
				res, err := camera.DecodeWith(context.Background(), f, camera.DecodeOptions{Budget: b})
				if err == nil {
					t.Fatalf("%s %d×%d: read %q in a frame without a code", kind, sz[0], sz[1], res.Text)
				}
				budget := b
				if budget == 0 {
					budget = camera.DefaultBudget
				}
				at := fmt.Sprintf("%s %d×%d, budget %v: CPU %v after %d strategies", kind, sz[0], sz[1], budget, res.Spent.Round(100*time.Microsecond), res.Tried)
				if over := res.Spent - budget; over > worst {
					worst, worstAt = over, at
				}
				if res.Spent > budget+budgetSlack {
					t.Errorf("%s: over budget + %v", at, budgetSlack)
				}
			}
		}
	}
	t.Logf("seed %d: worst overrun %v (%s)", seed, worst.Round(100*time.Microsecond), worstAt)
}

// TestCancelInsideStrategy: a context cancelled while the only strategy
// runs (it stops between two of its steps) makes DecodeWith return the
// context's error, or the code when the strategy read it first; never
// qrscan.ErrNoCode, which would say the frame holds no code. The context
// is cancelled from the k-th reading of the decode's CPU clock, for every
// k the decode reaches: before each of the strategy's steps in turn.
func TestCancelInsideStrategy(t *testing.T) {
	img, text := loadTestdata(t, "hard-1280x720.png")
	f := camera.FromImage(img)
	r, err := camera.DecodeWith(context.Background(), f, camera.DecodeOptions{Budget: -1})
	if err != nil || r.Text != text {
		t.Fatalf("unbounded: %q, %v", r.Text, err)
	}
	only := []camera.Strategy{r.Strategy}
	cancelled := 0
	for k := 1; ; k++ {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		clock := func() time.Duration {
			n++
			if n == k {
				cancel()
			}
			return time.Duration(n)
		}
		res, err := camera.DecodeWith(ctx, f, camera.DecodeOptions{Budget: time.Hour, Clock: clock, Strategies: only})
		cancel()
		switch {
		case err == nil && res.Text == text:
		case errors.Is(err, context.Canceled):
			cancelled++
		default:
			t.Fatalf("%v cancelled at clock reading %d of %d: %q, %v; want the code or context.Canceled", r.Strategy, k, n, res.Text, err)
		}
		if k >= n { // the decode read its clock fewer than k times: cancelled after it ended
			break
		}
	}
	t.Logf("%v: %d cancellations inside the strategy", r.Strategy, cancelled)
	if cancelled < 2 {
		t.Errorf("%v: cancelled %d times; want the cancellation inside the strategy too", r.Strategy, cancelled)
	}
}
