package agentload

import (
	"net"
	"os"
	"runtime"
	"time"
)

// Counts returns this process's goroutines and open file descriptors (-1
// where /proc/self/fd does not exist: not Linux). A Windows build under
// Wine would read the Linux /proc of Wine's own process (drive Z: is /),
// whose descriptors Wine opens and caches for its own ends: -1 there too.
func Counts() (goroutines, fds int) {
	goroutines = runtime.NumGoroutine()
	if runtime.GOOS != "linux" {
		return goroutines, -1
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return goroutines, -1
	}
	return goroutines, len(ents) - 1 // less the directory ReadDir opened
}

// Baseline returns Counts once the network poller exists: it opens two
// descriptors of its own (epoll, an eventfd) the first time the process
// uses the network, and keeps them; a count taken before would call them a
// leak.
func Baseline() (goroutines, fds int) {
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
	return Counts()
}

// Settle waits up to timeout for the counts to come back to at most
// goroutines and fds (connections and goroutines end a little after the
// last answer), and returns the last counts seen.
func Settle(goroutines, fds int, timeout time.Duration) (g, f int) {
	for end := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		g, f = Counts()
		if (g <= goroutines && f <= fds) || time.Now().After(end) {
			return g, f
		}
	}
}
