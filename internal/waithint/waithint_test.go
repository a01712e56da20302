package waithint_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/internal/waithint"
)

func TestWaiting(t *testing.T) {
	n := 0
	var got context.Context
	ctx := waithint.With(context.Background(), func(c context.Context) { n, got = n+1, c })
	// The hook is found through the contexts derived from it, as a wait
	// deep in a read sees it.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ctx, cancel2 := context.WithCancelCause(ctx)
	defer cancel2(nil)
	waithint.Waiting(ctx)
	waithint.Waiting(ctx)
	if n != 2 {
		t.Fatalf("hook called %d times, want 2", n)
	}
	if got != ctx {
		t.Fatal("the hook was not given the context Waiting was called with")
	}
	// No hook: nothing happens.
	waithint.Waiting(context.Background())
	if n != 2 {
		t.Fatalf("hook called %d times without Waiting on its context", n)
	}
}

// A source's Next takes a code already scanned at once, and says it waits
// before it blocks.
func ExampleWaiting() {
	scans := make(chan string, 1)
	ctx := waithint.With(context.Background(), func(context.Context) {
		fmt.Println("the request waits: watch its client")
		go func() { scans <- "HC1:second" }() // (the patient shows a code)
	})
	next := func(ctx context.Context) (string, error) {
		select {
		case s := <-scans:
			return s, nil
		default:
		}
		waithint.Waiting(ctx)
		select {
		case s := <-scans:
			return s, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	scans <- "HC1:first"
	fmt.Println(next(ctx))
	fmt.Println(next(ctx))
	// Output:
	// HC1:first <nil>
	// the request waits: watch its client
	// HC1:second <nil>
}
