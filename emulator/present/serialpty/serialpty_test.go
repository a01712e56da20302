//go:build linux || darwin

package serialpty_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/apcvkit/apcvkit/emulator/present/serialpty"
	"github.com/apcvkit/apcvkit/qrscan/frame"
)

const text = "APCV1:NCFOXN%TSMAHN-H"

// open starts a scanner and opens its tty as the host would, checking
// that nothing leaks once both are closed.
func open(t *testing.T, cfg serialpty.Config) (*serialpty.Scanner, *os.File) {
	t.Helper()
	before := runtime.NumGoroutine()
	sc, err := serialpty.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	host, err := os.OpenFile(sc.Path(), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		sc.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		host.Close()
		if err := sc.Close(); err != nil {
			t.Error(err)
		}
		noLeak(t, before)
	})
	return sc, host
}

func noLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readN reads exactly n bytes from the host side within 5 s (a hang
// guard: TestPacing's longest read needs 0.5 s of line time).
func readN(t *testing.T, host *os.File, n int) []byte {
	t.Helper()
	host.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, n)
	if _, err := io.ReadFull(host, b); err != nil {
		t.Fatalf("read %d bytes: %v (got %q)", n, err, b)
	}
	return b
}

// assertQuiet checks that no more bytes arrive within d.
func assertQuiet(t *testing.T, host *os.File, d time.Duration) {
	t.Helper()
	host.SetReadDeadline(time.Now().Add(d))
	var b [64]byte
	if n, err := host.Read(b[:]); n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("unexpected %q, %v", b[:n], err)
	}
}

func TestRawMode(t *testing.T) {
	sc, host := open(t, serialpty.Config{})
	tio, err := unix.IoctlGetTermios(int(mustFd(t, host)), serialpty.IoctlGetTermios)
	if err != nil {
		t.Fatal(err)
	}
	for name, flag := range map[string]bool{
		"ECHO": tio.Lflag&unix.ECHO != 0, "ICANON": tio.Lflag&unix.ICANON != 0, "ISIG": tio.Lflag&unix.ISIG != 0,
		"ICRNL": tio.Iflag&unix.ICRNL != 0, "INLCR": tio.Iflag&unix.INLCR != 0, "IGNCR": tio.Iflag&unix.IGNCR != 0,
		"IXON": tio.Iflag&unix.IXON != 0, "ISTRIP": tio.Iflag&unix.ISTRIP != 0, "OPOST": tio.Oflag&unix.OPOST != 0,
	} {
		if flag {
			t.Errorf("%s set", name)
		}
	}
	if tio.Cflag&unix.CSIZE != unix.CS8 {
		t.Errorf("not 8 bits: %#x", tio.Cflag&unix.CSIZE)
	}

	// Bytes reach the host untranslated, all 256 of them, and nothing
	// is echoed back to the scanner.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	if err := sc.Write(context.Background(), all); err != nil {
		t.Fatal(err)
	}
	if got := readN(t, host, 256); !bytes.Equal(got, all) {
		t.Fatalf("got %q", got)
	}
	// The host's writes reach the scanner untranslated too.
	if _, err := host.Write([]byte("TRIG\r\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for string(sc.Received()) != "TRIG\r\n" {
		if time.Now().After(deadline) {
			t.Fatalf("scanner received %q, want TRIG CR LF (and no echo)", sc.Received())
		}
		time.Sleep(time.Millisecond)
	}
}

func mustFd(t *testing.T, f *os.File) uintptr {
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd uintptr
	rc.Control(func(x uintptr) { fd = x })
	return fd
}

func TestFrame(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  serialpty.Config
		want string
	}{
		{"cr", serialpty.Config{}, text + "\r"},
		{"lf", serialpty.Config{Suffix: frame.LF}, text + "\n"},
		{"crlf", serialpty.Config{Suffix: frame.CRLF}, text + "\r\n"},
		{"tab", serialpty.Config{Suffix: frame.Tab}, text + "\t"},
		{"none", serialpty.Config{Suffix: frame.None}, text},
		{"prefix and aim", serialpty.Config{Prefix: "SCN>", AIM: "]Q1"}, "SCN>]Q1" + text + "\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, host := open(t, tc.cfg)
			if got := string(sc.Frame(text)); got != tc.want {
				t.Fatalf("Frame: %q, want %q", got, tc.want)
			}
			if err := sc.Scan(context.Background(), text); err != nil {
				t.Fatal(err)
			}
			if got := string(readN(t, host, len(tc.want))); got != tc.want {
				t.Fatalf("host read %q, want %q", got, tc.want)
			}
			assertQuiet(t, host, 20*time.Millisecond)
		})
	}
}

func TestFaults(t *testing.T) {
	fr := text + "\r" // 22 bytes
	for _, tc := range []struct {
		name   string
		faults []serialpty.Fault
		want   string
	}{
		{"none", nil, fr},
		{"truncate", []serialpty.Fault{serialpty.Truncate(10)}, fr[:10]},
		{"truncate zero", []serialpty.Fault{serialpty.Truncate(0)}, ""},
		{"truncate beyond", []serialpty.Fault{serialpty.Truncate(99)}, fr},
		{"inject start", []serialpty.Fault{serialpty.Inject(0, []byte{0, 0xff})}, "\x00\xff" + fr},
		{"inject middle", []serialpty.Fault{serialpty.Inject(6, []byte("~~"))}, fr[:6] + "~~" + fr[6:]},
		{"inject end", []serialpty.Fault{serialpty.Inject(len(fr), []byte("x"))}, fr + "x"},
		{"inject after truncation", []serialpty.Fault{serialpty.Truncate(5), serialpty.Inject(9, []byte("x"))}, fr[:5]},
		{"inject at truncation", []serialpty.Fault{serialpty.Truncate(5), serialpty.Inject(5, []byte("x"))}, fr[:5] + "x"},
		{"two at one offset keep order", []serialpty.Fault{serialpty.Inject(3, []byte("a")), serialpty.Inject(3, []byte("b"))}, fr[:3] + "ab" + fr[3:]},
		{"pause", []serialpty.Fault{serialpty.Pause(8, 30*time.Millisecond)}, fr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, host := open(t, serialpty.Config{})
			if err := sc.Scan(context.Background(), text, tc.faults...); err != nil {
				t.Fatal(err)
			}
			if got := string(readN(t, host, len(tc.want))); got != tc.want {
				t.Fatalf("host read %q, want %q", got, tc.want)
			}
			assertQuiet(t, host, 20*time.Millisecond)
		})
	}
}

// TestPauseSplitsScan: the first part of the scan comes before the pause
// ends, the rest no sooner than the pause after the scan began: the scan
// is split. (Timed from before Scan, and with a 2 s pause, so that a
// loaded machine neither makes the pause seem short nor delays the first
// part past it.)
func TestPauseSplitsScan(t *testing.T) {
	sc, host := open(t, serialpty.Config{})
	const gap = 2 * time.Second
	errc := make(chan error, 1)
	start := time.Now()
	go func() { errc <- sc.Scan(context.Background(), text, serialpty.Pause(8, gap)) }()
	first := readN(t, host, 8)
	if got := time.Since(start); got >= gap {
		t.Errorf("first part %v after the scan began, want it before the %v pause ends", got, gap)
	}
	rest := readN(t, host, len(text)+1-8)
	if waited := time.Since(start); waited < gap {
		t.Errorf("second part %v after the scan began, want at least the %v pause", waited, gap)
	}
	if string(first)+string(rest) != text+"\r" {
		t.Fatalf("got %q%q", first, rest)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// The last byte of n leaves the line n·10/baud seconds after the first
// bit: Scan cannot return sooner. (No upper bound: the machine is shared.)
func TestPacing(t *testing.T) {
	for _, baud := range []int{9600, 115200} {
		sc, host := open(t, serialpty.Config{Baud: baud})
		long := text + string(bytes.Repeat([]byte("A"), 480-len(text)))
		air := sc.AirTime(len(long) + 1)
		start := time.Now()
		errc := make(chan error, 1)
		go func() { errc <- sc.Scan(context.Background(), long) }()
		readN(t, host, len(long)+1)
		took := time.Since(start)
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if took < air {
			t.Errorf("%d baud: 481 bytes in %v, faster than the line allows (%v)", baud, took, air)
		}
		t.Logf("%d baud: 481 bytes in %v (air time %v)", baud, took, air)
	}
	sc, _ := serialpty.Open(serialpty.Config{Baud: 9600})
	defer sc.Close()
	if got := sc.AirTime(960); got != time.Second {
		t.Errorf("AirTime(960) at 9600 = %v, want 1s", got)
	}
}

// TestCloseInterruptsScan: Close ends a scan in progress within 5 s (a
// loaded machine's delays), where the scan takes 16 s on the line.
func TestCloseInterruptsScan(t *testing.T) {
	before := runtime.NumGoroutine()
	sc, err := serialpty.Open(serialpty.Config{Baud: 300}) // 30 bytes/s: a scan takes seconds
	if err != nil {
		t.Fatal(err)
	}
	host, err := os.OpenFile(sc.Path(), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	long := text + string(bytes.Repeat([]byte("A"), 480-len(text))) // 16 s at 300 baud
	errc := make(chan error, 1)
	go func() { errc <- sc.Scan(context.Background(), long) }()
	readN(t, host, 1)
	start := time.Now()
	if err := sc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, serialpty.ErrClosed) {
		t.Fatalf("Scan: %v, want ErrClosed", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close and Scan's return took %v, want well under the scan's 16 s", d)
	}
	// The host sees the scanner unplugged.
	host.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := host.Read(make([]byte, 64)); !errors.Is(err, unix.EIO) && !errors.Is(err, io.EOF) {
		t.Errorf("host read after close: %v, want EIO or EOF", err)
	}
	if err := sc.Scan(context.Background(), text); !errors.Is(err, serialpty.ErrClosed) {
		t.Errorf("Scan after Close: %v", err)
	}
	if err := sc.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	host.Close()
	noLeak(t, before)
}

// TestScanContext: Scan returns at its deadline (50 ms), within 3 s on a
// loaded machine, where the scan takes 16 s on the line.
func TestScanContext(t *testing.T) {
	sc, host := open(t, serialpty.Config{Baud: 300})
	long := text + string(bytes.Repeat([]byte("A"), 480-len(text))) // 16 s at 300 baud
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := sc.Scan(ctx, long); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Scan: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Scan returned %v after it began, deadline 50 ms, want well under the scan's 16 s", d)
	}
	got := readN(t, host, 1) // 50 ms at 300 baud: a byte, maybe two
	if got[0] != 'A' {
		t.Errorf("got %q", got)
	}
	if _, err := serialpty.Open(serialpty.Config{Baud: -1}); err == nil {
		t.Error("negative baud accepted")
	}
}
