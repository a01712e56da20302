package agent

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestOverNetHTTP runs this package's tests again, in a child process of
// this test binary, with every agent served by net/http's server
// (Options.NetHTTP) instead of the agent's own HTTP/1.1 server: both must
// pass the same suite.
func TestOverNetHTTP(t *testing.T) {
	if netHTTPTests {
		t.Skip("this is the run over net/http")
	}
	cmd := exec.Command(os.Args[0], "-test.run", ".", "-test.skip", "^TestOverNetHTTP$", "-test.v")
	cmd.Env = append(os.Environ(), "APCV_AGENT_NETHTTP=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tests over net/http: %v\n%s", err, out)
	}
	passed := strings.Count(string(out), "--- PASS: Test")
	if passed == 0 || !strings.Contains(string(out), "\nPASS\n") {
		t.Fatalf("the tests over net/http ran nothing:\n%s", out)
	}
	t.Logf("over net/http: %d tests passed", passed)
}
