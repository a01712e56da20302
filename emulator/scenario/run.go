package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/clock"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
)

// Errors of a run.
var (
	// ErrExpectation: a step's outcome is not the one the scenario expects
	// (a step that should fail succeeded, failed with another error, or a
	// check found another value).
	ErrExpectation = apcverr.New("scenario-expectation",
		"The scenario's expectation was not met: the emulator did not behave as the script says.",
		"L'attendu du scénario n'est pas vérifié : l'émulateur ne s'est pas comporté comme le script l'indique.")
	// ErrScenarioStep: a step cannot be carried out as written (no phone
	// created yet, an unknown phone name, a profile that cannot be read).
	ErrScenarioStep = apcverr.New("scenario-step",
		"This scenario step cannot be carried out as written.",
		"Cette étape du scénario ne peut pas être exécutée telle qu'elle est écrite.")
)

// StepError is a scenario step that failed: it says which step (number,
// line, action) and why (Err: the step's own error, or one wrapping
// ErrExpectation).
type StepError struct {
	Scenario string
	Index    int // 1-based
	Line     int
	Action   string
	Err      error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("scenario %s: step %d (line %d, %s): %v", e.Scenario, e.Index, e.Line, e.Action, e.Err)
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// Options configure a run.
type Options struct {
	// Out receives the transcript (personal data masked); nil discards.
	Out io.Writer
	// Start, when set, replaces the scenario's start time.
	Start time.Time
	// Clock, when set, is the virtual clock the world runs on (it must be
	// at the start time); Run makes a clock.Fake otherwise. The advance
	// step moves it.
	Clock Advancer
	// ShowPII shows the desk messages as the person reads them, with their
	// names, dates and birth places; by default they are masked ("[…]").
	ShowPII bool
}

// Advancer is a clock the scenario can move forward: *clock.Fake, or
// *clock.Offset for a world that keeps living in real time afterwards.
type Advancer interface {
	clock.Clock
	Advance(d time.Duration)
}

// World is what a run leaves: the issuer and the phones, for a caller that
// goes on using them (apcv emulate --scenario). Close releases it.
type World struct {
	Issuer *issuer.Issuer
	Clock  Advancer
	// Phones by name, in creation order in Names.
	Phones map[string]*phone.Phone
	Names  []string
	codes  map[string]string
	portal *portal.Handler
	tmp    string
}

// Code returns the secret code the scenario activated phone name with.
func (w *World) Code(name string) string { return w.codes[name] }

// Current returns the last phone created, or nil.
func (w *World) Current() (*phone.Phone, string) {
	if len(w.Names) == 0 {
		return nil, ""
	}
	n := w.Names[len(w.Names)-1]
	return w.Phones[n], n
}

// Close closes the portal's audit log and removes the run's temporary
// directory.
func (w *World) Close() error {
	var err error
	if w.portal != nil {
		err = w.portal.Close()
	}
	if w.tmp != "" {
		err = errors.Join(err, os.RemoveAll(w.tmp))
	}
	return err
}

// Run runs the scenario on a fresh world and writes its transcript to
// opts.Out. It returns nil when every step behaved as written, or a
// *StepError for the first that did not.
func (sc *Scenario) Run(ctx context.Context, opts Options) error {
	w, err := sc.RunWorld(ctx, opts)
	if w != nil {
		err = errors.Join(err, w.Close())
	}
	return err
}

// RunWorld is Run that leaves the world for the caller, who must Close it
// (also when an error is returned, if the world is not nil).
func (sc *Scenario) RunWorld(ctx context.Context, opts Options) (*World, error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	start := sc.Start
	if !opts.Start.IsZero() {
		start = opts.Start
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.NewFake(start)
	}
	iss, err := issuer.New(issuer.Options{Clock: clk, Eligibility: issuer.Eligibility{Departements: sc.Eligibility}})
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	r := &runner{ctx: ctx, sc: sc, out: out, showPII: opts.ShowPII,
		w:    &World{Issuer: iss, Clock: clk, Phones: map[string]*phone.Phone{}, codes: map[string]string{}},
		desk: desk{auto: true}}
	r.desk.r = r
	fmt.Fprintf(out, "scenario %s\n", sc.Name)
	if sc.Story != "" {
		fmt.Fprintf(out, "  story: %s\n", oneLine(sc.Story))
	}
	if sc.Source != "" {
		fmt.Fprintf(out, "  source: %s\n", oneLine(sc.Source))
	}
	for i := range sc.Steps {
		st := &sc.Steps[i]
		if err := ctx.Err(); err != nil {
			return r.w, &StepError{Scenario: sc.Name, Index: i + 1, Line: st.Line, Action: st.Action, Err: err}
		}
		r.step = st
		detail, err := st.def.run(r, st.args)
		line := fmt.Sprintf("  %3d  %s  %s", i+1, stamp(clk.Now()), st.Action)
		if st.Phone != "" {
			line += " [" + st.Phone + "]"
		}
		if st.Note != "" {
			fmt.Fprintf(out, "       # %s\n", st.Note)
		}
		if st.ExpectError != "" && err != nil && HasCode(err, st.ExpectError) {
			msg := apcverr.Message(err, apcverr.FR)
			detail = fmt.Sprintf("refused as expected: %s — %s", st.ExpectError, r.mask(msg))
			if st.ExpectMessage != "" && !strings.Contains(msg, st.ExpectMessage) {
				err = fmt.Errorf("%w: the message %q does not say %q", ErrExpectation, r.mask(msg), r.mask(st.ExpectMessage))
			}
		}
		if err = checkOutcome(st, err); err != nil {
			fmt.Fprintf(out, "%s: FAILED: %v — %s\n", line, r.mask(err.Error()), r.mask(apcverr.Message(err, apcverr.FR)))
			fmt.Fprintf(out, "FAIL %s (step %d of %d, line %d)\n", sc.Name, i+1, len(sc.Steps), st.Line)
			return r.w, &StepError{Scenario: sc.Name, Index: i + 1, Line: st.Line, Action: st.Action, Err: err}
		}
		if detail != "" {
			line += ": " + detail
		}
		fmt.Fprintln(out, line)
	}
	fmt.Fprintf(out, "PASS %s (%d steps)\n", sc.Name, len(sc.Steps))
	return r.w, nil
}

// checkOutcome compares a step's error with its expect-error.
func checkOutcome(st *Step, err error) error {
	switch {
	case st.ExpectError == "" && err == nil:
		return nil
	case st.ExpectError == "":
		return err
	case HasCode(err, ErrExpectation.Code):
		return err
	case err == nil:
		return fmt.Errorf("%w: expected error %s, but the step succeeded", ErrExpectation, st.ExpectError)
	case !HasCode(err, st.ExpectError):
		return fmt.Errorf("%w: expected error %s, got %s (%v)", ErrExpectation, st.ExpectError, strings.Join(Codes(err), ", "), err)
	}
	return nil
}

// HasCode reports whether any error in err's tree is an apcverr sentinel
// with this code.
func HasCode(err error, code string) bool {
	for _, c := range Codes(err) {
		if c == code {
			return true
		}
	}
	return false
}

// Codes returns the codes of the apcverr sentinels in err's tree, in the
// order errors.Is would meet them.
func Codes(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if ae, ok := e.(*apcverr.Error); ok {
			out = append(out, ae.Code)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	if len(out) == 0 {
		out = append(out, apcverr.Generic.Code)
	}
	return out
}

// stamp is the virtual time in the transcript: to the minute, with the
// seconds when there are some.
func stamp(t time.Time) string {
	if t.Second() != 0 {
		return t.UTC().Format("2006-01-02 15:04:05")
	}
	return t.UTC().Format("2006-01-02 15:04   ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
