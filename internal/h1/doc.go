// Package h1 is a small HTTP/1.1 server for an http.Handler on a local
// listener, for the agent's plain loopback port (apcv agent).
//
//	srv := &h1.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
//	go srv.Serve(ln) // until srv.Shutdown(ctx) or srv.Close()
//
// Why not net/http's server: per request it starts a background read (to
// notice a client that hangs up) and stops it at the end with a read
// deadline in the past, waiting for it: two goroutine hand-offs, each a
// possible thread wake-up on a small machine; measured at 2–10 µs per
// loopback round trip (benchmarks.BenchmarkLoopback, against a read of
// ~130 µs), the client's own costs apart. This server reads each
// request (net/http's http.ReadRequest: the same parser, chunked bodies
// included) and calls the handler in the connection's goroutine, and
// watches for the client hanging up only while a handler waits: from when
// the handler says so (internal/waithint.Waiting on its request's context:
// a read waiting for a patient, an event stream, a fetch), or once it has
// run longer than WatchAfter without saying it (a sweep of the running
// handlers every WatchAfter). Then a goroutine reads the connection,
// cancels the request's context on an error, and keeps a byte it read for
// the next request. A request arms no timer sooner than its connection's
// read and write deadlines: arming one sooner than the runtime's others
// wakes the thread in its network poller (an eventfd write and a thread
// wake-up per request: see "The agent's watch" in benchmarks/README.md).
//
// What it serves: keep-alive and pipelined requests, Content-Length and
// chunked request bodies, "Expect: 100-continue", HEAD, "Connection:
// close", answers with a Content-Length when the handler ends before its
// body outgrows a buffer and chunked otherwise, http.Flusher (and
// http.ResponseController's Flush and SetWriteDeadline) for streams.
// Limits: MaxHeaderBytes (431), ReadHeaderTimeout, IdleTimeout; a request
// body is bounded by the handler (http.MaxBytesReader). Not served: TLS,
// HTTP/2, Hijack, trailers, protocol upgrades; use net/http for them.
package h1
