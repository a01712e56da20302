// Package pcsctest helps tests that need the real pcscd with the project's
// virtual readers, as started by scripts/pcscd/with-pcscd.sh:
//
//	addr, reader := pcsctest.Require(t, "pcsc")   // skips (or fails) without pcscd
//	pcsctest.Serve(t, addr, card, vpcd.Options{}) // the emulated phone, stopped at cleanup
//	pcsctest.WaitCard(t, reader, true, 2*time.Second)
//
// Each test package uses its own slots (see the script's table) because go
// test runs packages in parallel against the one pcscd of the machine.
//
// Without pcscd or vpcd installed, or outside the script, Require skips the
// test with the reason, unless APCV_REQUIRE_PCSC=1, which turns the skip into
// a failure (CI sets it).
package pcsctest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/testlog"
)

// Slot is one virtual reader of the harness.
type Slot struct {
	Name   string // "pcsc", "vpcd", "reader", "bench", …
	Addr   string // where the emulated card dials, "127.0.0.1:35991"
	Reader string // the PC/SC reader name, "APCV Virtual PCD A 00 00"
}

// ParseSlots parses APCV_VPCD_SLOTS ("slot=port=reader name;…").
func ParseSlots(s string) ([]Slot, error) {
	var slots []Slot
	for _, item := range strings.Split(s, ";") {
		if item == "" {
			continue
		}
		parts := strings.SplitN(item, "=", 3)
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("pcsctest: bad slot %q in APCV_VPCD_SLOTS", item)
		}
		slots = append(slots, Slot{Name: parts[0], Addr: "127.0.0.1:" + parts[1], Reader: parts[2]})
	}
	return slots, nil
}

func missingReason() string {
	if !built {
		return "this test binary was built without PC/SC (no cgo): build it with CGO_ENABLED=1"
	}
	if runtime.GOOS == "windows" {
		return "pcscd and vpcd are Linux/macOS components; on Windows the PC/SC path is winscard.dll (a stub under Wine 8), checked by nfc/pcsc's TestWinscard"
	}
	var missing []string
	if _, err := exec.LookPath("pcscd"); err != nil {
		if _, err := os.Stat("/usr/sbin/pcscd"); err != nil {
			missing = append(missing, "pcscd is not installed (apt-get install pcscd)")
		}
	}
	if _, err := os.Stat("/usr/lib/pcsc/drivers/serial/libifdvpcd.so"); err != nil && os.Getenv("APCV_VPCD_DRIVER") == "" {
		missing = append(missing, "vpcd is not installed (apt-get install vsmartcard-vpcd)")
	}
	if len(missing) > 0 {
		return strings.Join(missing, "; ")
	}
	return "not run under scripts/pcscd/with-pcscd.sh (APCV_VPCD_SLOTS is unset): run scripts/pcscd/with-pcscd.sh go test ..."
}

// skipOrFail skips t, or fails it when APCV_REQUIRE_PCSC=1.
func skipOrFail(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("APCV_REQUIRE_PCSC") == "1" {
		t.Fatalf("pcscd needed (APCV_REQUIRE_PCSC=1): %s", reason)
	}
	t.Skipf("pcscd needed: %s", reason)
}

// Require returns the address the emulated card dials and the reader name of
// the harness's slot (see scripts/pcscd/with-pcscd.sh), or skips the test.
func Require(t testing.TB, slot string) (addr, reader string) {
	t.Helper()
	env := os.Getenv("APCV_VPCD_SLOTS")
	if env == "" || !built {
		skipOrFail(t, missingReason())
		return "", ""
	}
	slots, err := ParseSlots(env)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if s.Name == slot {
			return s.Addr, s.Reader
		}
	}
	t.Fatalf("pcsctest: no slot %q in APCV_VPCD_SLOTS=%q", slot, env)
	return "", ""
}

// Serve runs vpcd.Serve for card at addr in a goroutine until the test ends
// (cleanup cancels it and waits for it to return). It fails the test if Serve
// ends with anything but its cancellation.
func Serve(t testing.TB, addr string, card apdu.Transport, opts vpcd.Options) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if opts.Logger == nil {
		opts.Logger = testlog.New(t) // silent once the test has ended
	}
	go func() { done <- vpcd.Serve(ctx, addr, card, opts) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("vpcd.Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("vpcd.Serve did not return within 5 s of its cancellation")
		}
	})
}

// WaitCard waits until reader shows a card present (present) or no card
// (!present), failing the test after timeout. pcscd polls vpcd's presence
// every 400 ms.
func WaitCard(t testing.TB, reader string, present bool, timeout time.Duration) {
	t.Helper()
	if err := waitCard(reader, present, timeout); err != nil {
		t.Fatal(err)
	}
}

// MayRestart skips the test unless the harness allows restarting pcscd
// (with-pcscd.sh --allow-restart, which sets APCV_PCSCD_MAY_RESTART=1).
func MayRestart(t testing.TB) {
	t.Helper()
	if os.Getenv("APCV_VPCD_SLOTS") == "" {
		skipOrFail(t, missingReason())
	}
	if os.Getenv("APCV_PCSCD_MAY_RESTART") != "1" || os.Getenv("APCV_PCSCD_CTL") == "" {
		t.Skip("restarting pcscd needs scripts/pcscd/with-pcscd.sh --allow-restart (one test package at a time: go test -p 1)")
	}
}

// Alone skips the test unless it runs in the pass where test packages use
// pcscd one at a time (with-pcscd.sh --allow-restart with go test -p 1,
// the second pass of make test): for a test that reads every reader, and
// so would send APDUs to the phones of other packages' tests run beside it
// (their fault injection counts APDUs; the conformance kit counts reads).
func Alone(t testing.TB) {
	t.Helper()
	if os.Getenv("APCV_VPCD_SLOTS") == "" {
		skipOrFail(t, missingReason())
	}
	if os.Getenv("APCV_PCSCD_MAY_RESTART") != "1" {
		t.Skip("reads every reader: runs where no other package uses pcscd (scripts/pcscd/with-pcscd.sh --allow-restart, go test -p 1)")
	}
}

// RestartPCSCD asks the harness to stop pcscd and start it again, and waits
// until it is ready. Call MayRestart first.
func RestartPCSCD(t testing.TB) {
	t.Helper()
	MayRestart(t)
	reply := filepath.Join(t.TempDir(), "reply")
	f, err := os.OpenFile(os.Getenv("APCV_PCSCD_CTL"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("pcsctest: restart pcscd: %v", err)
	}
	_, err = fmt.Fprintf(f, "restart %s\n", reply)
	f.Close()
	if err != nil {
		t.Fatalf("pcsctest: restart pcscd: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(reply)
		if err == nil {
			if s := strings.TrimSpace(string(b)); s != "ok" {
				t.Fatalf("pcsctest: restart pcscd: %s", s)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("pcsctest: restart pcscd: no answer from the harness within 30 s")
}

// Resources is a count of what a leak would grow: goroutines and open file
// descriptors.
type Resources struct {
	Goroutines int
	FDs        int // -1 off Linux: not counted
}

// Snapshot counts the current goroutines and, on Linux, file descriptors.
//
// Elsewhere FDs is -1. On Windows a handle count (GetProcessHandleCount)
// would not do: Go's runtime keeps a thread handle and timer handles per OS thread
// it starts, so the count grows with the scheduler, not with leaks. And a
// Windows binary run under Wine must not read /proc/self/fd: it opens
// Z:\proc\self\fd, the Wine process's own Unix descriptors (213 in a run of
// examples/image), which Wine opens and closes as it likes; that made the
// check fail 3 runs in 8 there.
func Snapshot() Resources {
	r := Resources{Goroutines: runtime.NumGoroutine(), FDs: -1}
	if runtime.GOOS != "linux" {
		return r
	}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		r.FDs = len(ents)
	}
	return r
}

// CheckNoGrowth fails the test if goroutines or file descriptors stay above
// base (plus slack goroutines, for the runtime's own) for longer than wait:
// goroutines that are finishing get that long to return.
func CheckNoGrowth(t testing.TB, base Resources, slack int, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		now := Snapshot()
		if now.Goroutines <= base.Goroutines+slack && now.FDs <= base.FDs {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("leak: goroutines %d → %d, fds %d → %d (%s)\n%s", base.Goroutines, now.Goroutines, base.FDs, now.FDs, openFDs(), buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openFDs lists this process's open file descriptors and what they are
// (Linux), for the message of a leak.
func openFDs() string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return "fds not listed"
	}
	var fds []string
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		fds = append(fds, e.Name()+"→"+target)
	}
	return strings.Join(fds, " ")
}
