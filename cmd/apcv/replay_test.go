package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets a test start this binary as the apcv command in a process of
// its own (APCV_TEST_MAIN=1), to test what separate processes share.
func TestMain(m *testing.M) {
	if os.Getenv("APCV_TEST_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// apcvProcess runs apcv args in a separate process.
func apcvProcess(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "APCV_TEST_MAIN=1"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestVerifyReplayStore: two separate processes of apcv verify with the
// same QR text and the same --replay-store: the first accepts, the second
// refuses it as a replay (exit 3, code replayed). Without the store, each
// process has its own memory and both accept: the gap the store closes.
func TestVerifyReplayStore(t *testing.T) {
	w, dir, text := listsAndQR(t)
	for i := range 2 {
		if code, out := apcvProcess(t, nil, "verify", "--lists", dir, text); code != exitOK {
			t.Fatalf("without a store, run %d: exit %d\n%s", i+1, code, out)
		}
	}
	store := filepath.Join(t.TempDir(), "replay.db")
	if code, out := apcvProcess(t, nil, "verify", "--lists", dir, "--replay-store", store, text); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	// The second desk names the store through the environment.
	code, out := apcvProcess(t, []string{"APCV_REPLAY_STORE=" + store}, "verify", "--lists", dir, text)
	if code != exitRefused || !strings.Contains(out, "replayed") {
		t.Fatalf("second run: exit %d, want %d with the replay error\n%s", code, exitRefused, out)
	}
	// The phone's next text (higher counter) is accepted.
	next, err := w.Phone.PresentQR()
	if err != nil {
		t.Fatal(err)
	}
	if code, out := apcvProcess(t, nil, "verify", "--lists", dir, "--replay-store", store, next); code != exitOK {
		t.Fatalf("next text: exit %d\n%s", code, out)
	}
}
