package camera_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// TestBudgetUnderLoad: the per-frame budget is CPU time, so a frame that
// reads within a budget at rest still reads with the machine loaded. The
// hard testdata frame needs several strategies (the first ones fail); the
// budget is set to twice what it cost at rest, then 4 CPU-burning
// goroutines per CPU compete with the decode. A wall-clock budget of the
// same size would be spent several times over (logged).
func TestBudgetUnderLoad(t *testing.T) {
	img, text := loadTestdata(t, "hard-1280x720.png")
	want := text
	frame := camera.FromImage(img)
	ctx := context.Background()
	rest, err := camera.DecodeWith(ctx, frame, camera.DecodeOptions{Budget: -1})
	if err != nil || rest.Text != want {
		t.Fatalf("at rest: %v", err)
	}
	if rest.Tried < 2 {
		t.Fatalf("read by the first strategy (%v): the frame no longer tests the budget", rest.Strategy)
	}
	if rest.Spent <= 0 && runtime.GOOS == "windows" {
		// GetThreadTimes counts whole scheduler ticks (15.6 ms): a frame
		// decoded within one reads 0, and a budget three times that is no
		// test. Linux and macOS count nanoseconds.
		t.Skipf("the thread CPU clock did not tick during a %v decode (Windows counts scheduler ticks)", rest.Spent)
	}
	if rest.Spent <= 0 {
		t.Fatalf("no CPU time counted (%v)", rest.Spent)
	}
	// The worst of three runs at rest, times three: thread CPU time grows
	// a little under load (caches, the race detector), never threefold;
	// the wall clock grows with the load itself.
	worst := rest.Spent
	for range 2 {
		r, err := camera.DecodeWith(ctx, frame, camera.DecodeOptions{Budget: -1})
		if err != nil || r.Text != want {
			t.Fatalf("at rest: %v", err)
		}
		worst = max(worst, r.Spent)
	}
	budget := 3 * worst
	opts := camera.DecodeOptions{Budget: budget}
	if r, err := camera.DecodeWith(ctx, frame, opts); err != nil {
		t.Fatalf("at rest with a budget of %v: %v (tried %d)", budget, err, r.Tried)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	burnt := make([]uint64, 4*runtime.NumCPU()) // one result per burner: no shared write
	for i := range burnt {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(1)
			for {
				select {
				case <-stop:
					return
				default:
				}
				for range 10000 {
					x = x*6364136223846793005 + 1442695040888963407
				}
				burnt[i] = x
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(10 * time.Millisecond) // let the burners start
	for i := range 3 {
		r, err := camera.DecodeWith(ctx, frame, opts)
		if err != nil || r.Text != want {
			t.Fatalf("loaded, run %d: %v after %d strategies, CPU %v of %v, wall %v", i, err, r.Tried, r.Spent, budget, r.Elapsed)
		}
		t.Logf("loaded, run %d: %v after %d strategies, CPU %v (budget %v), wall %v", i, r.Strategy, r.Tried, r.Spent, budget, r.Elapsed)
	}
	// The same budget on the wall clock, for the record: the search is cut
	// short when the decode's wall time passes it.
	start := time.Now()
	wall := opts
	wall.Clock = func() time.Duration { return time.Since(start) }
	r, err := camera.DecodeWith(ctx, frame, wall)
	t.Logf("loaded, wall-clock budget of %v: tried %d, err %v", budget, r.Tried, err)
}
