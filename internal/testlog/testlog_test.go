package testlog_test

import (
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/internal/testlog"
)

// recorder is a testing.TB that keeps what is logged.
type recorder struct {
	testing.TB
	logs     []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Log(args ...any)  { r.logs = append(r.logs, args[0].(string)) }
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func TestLogsUntilTheTestEnds(t *testing.T) {
	r := &recorder{TB: t}
	log := testlog.New(r)
	log.Debug("vpcd: connected", "addr", "127.0.0.1:35963")
	if len(r.logs) != 1 || !strings.Contains(r.logs[0], `msg="vpcd: connected" addr=127.0.0.1:35963`) || strings.HasSuffix(r.logs[0], "\n") {
		t.Fatalf("logs = %q", r.logs)
	}
	for _, f := range r.cleanups {
		f()
	}
	log.Info("late record")
	if len(r.logs) != 1 {
		t.Fatalf("a record after the end reached t.Log: %q", r.logs)
	}
}
