package conform

import (
	"fmt"
	"io"
	"strings"
)

// Outcome is the result of one rule.
type Outcome uint8

// Outcomes.
const (
	Pass Outcome = iota
	Fail
	Skip // the rule could not be run here (the reason is in Got)
)

func (o Outcome) String() string {
	switch o {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	}
	return "SKIP"
}

// Result is one rule's outcome. For a failure, Step names the command that
// went wrong and Expected and Got what the rule wanted and what came.
type Result struct {
	Rule     string // stable identifier, e.g. "ka-garbled-ends-session"
	Section  string // the docs/PROTOCOL.md section, e.g. "7.1"
	Title    string
	Outcome  Outcome
	Step     string
	Expected string
	Got      string
}

// Report is the outcome of every rule run, in order.
type Report struct {
	Subject string // "phone" or "reader"
	Results []Result
}

// Failed returns how many rules failed.
func (r *Report) Failed() int { return r.count(Fail) }

// Passed returns how many rules passed.
func (r *Report) Passed() int { return r.count(Pass) }

// Skipped returns how many rules were skipped.
func (r *Report) Skipped() int { return r.count(Skip) }

func (r *Report) count(o Outcome) int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == o {
			n++
		}
	}
	return n
}

// Result returns the result of the rule with id, if it ran.
func (r *Report) Result(id string) (Result, bool) {
	for _, res := range r.Results {
		if res.Rule == id {
			return res, true
		}
	}
	return Result{}, false
}

// WriteText writes the report as a table, one line per rule, the expected
// and received values under each failure, and a summary line.
func (r *Report) WriteText(w io.Writer) error {
	width := len("RULE")
	for _, res := range r.Results {
		width = max(width, len(res.Rule))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %-*s  %-13s %s\n", "RESULT", width, "RULE", "PROTOCOL.md", "TITLE")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%-6s %-*s  %-13s %s\n", res.Outcome, width, res.Rule, "§"+res.Section, res.Title)
		if res.Outcome != Pass {
			if res.Step != "" {
				fmt.Fprintf(&b, "         step:     %s\n", oneLine(res.Step))
			}
			if res.Expected != "" {
				fmt.Fprintf(&b, "         expected: %s\n", oneLine(res.Expected))
			}
			fmt.Fprintf(&b, "         got:      %s\n", oneLine(res.Got))
		}
	}
	fmt.Fprintf(&b, "%s conformance: %d passed, %d failed, %d skipped\n", r.Subject, r.Passed(), r.Failed(), r.Skipped())
	_, err := io.WriteString(w, b.String())
	return err
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
