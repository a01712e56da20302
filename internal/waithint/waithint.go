// Package waithint lets code that is about to block on something slow (a
// phone to tap, a code to scan, the network) tell whoever runs it.
//
// apcv agent's HTTP server (internal/h1) watches a client's connection for
// it hanging up only while the client's request waits: a watch costs a
// goroutine, and arming a timer to start one after a while costs, per
// request, a wake-up of another thread (Go's runtime tells the thread in
// the network poller about every timer set sooner than its others). A
// request answered at once — a code already scanned, the health check —
// should pay neither. So the waits say so: the server puts a hook in the
// request's context (With), and a source about to wait calls Waiting with
// the context it was given, which calls the hook. Without a hook (a Go
// program, libapcv, the CLI), Waiting does nothing.
//
//	// in a source's Next, after finding nothing ready:
//	waithint.Waiting(ctx)
//	select { case <-ctx.Done(): …; case s := <-scans: … }
package waithint

import "context"

type hookKey struct{}

// With returns a copy of ctx whose Waiting calls f with the context
// Waiting was given (from any goroutine, any number of times: f must be
// safe for that). The context tells f which of its requests waits: one
// that has ended is cancelled.
func With(ctx context.Context, f func(context.Context)) context.Context {
	return context.WithValue(ctx, hookKey{}, f)
}

// Waiting says that its caller is about to block until something slow
// happens or ctx ends: it calls the hook of With in ctx's chain, if any,
// with ctx.
func Waiting(ctx context.Context) {
	if f, ok := ctx.Value(hookKey{}).(func(context.Context)); ok {
		f(ctx)
	}
}
