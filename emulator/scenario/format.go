package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/apcvkit/apcvkit/apcverr"
)

// DefaultStart is where the virtual clock of a scenario starts when the file
// gives no start: a fixed date, so that transcripts are the same every run.
var DefaultStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// MaxFileSize bounds a scenario file.
const MaxFileSize = 256 << 10

// MaxSteps bounds the steps of one scenario.
const MaxSteps = 1000

// Scenario is a parsed scenario file.
type Scenario struct {
	Name   string    // the file's name field (default: the file name without extension)
	Story  string    // what the scenario reproduces, in words
	Source string    // where the story comes from (a slide of the deck, a comment of the article)
	Start  time.Time // the virtual clock's start
	// Eligibility is where the app is deployed: nil means everywhere;
	// "training-deck" in the file gives the deck's 23 départements.
	Eligibility []string
	Steps       []Step
	// Dir is the directory relative profile paths are read from (the
	// file's directory; "" for the working directory).
	Dir string
}

// Step is one step of a scenario.
type Step struct {
	Line   int    // line in the file
	Action string // the step's name, e.g. "advance"
	// Phone is the phone the step acts on ("on:"); "" means the last one
	// created.
	Phone string
	// ExpectError is the stable error code (apcverr) the step must fail
	// with ("expect-error:"); "" means the step must succeed.
	ExpectError string
	// ExpectMessage, with ExpectError, is text the error's French desk
	// message must contain ("expect-message:").
	ExpectMessage string
	Note          string // a comment shown in the transcript ("note:")
	args          any
	def           *stepDef
}

// file is the YAML layout of a scenario.
type file struct {
	Name        string      `yaml:"name"`
	Story       string      `yaml:"story"`
	Source      string      `yaml:"source"`
	Start       string      `yaml:"start"`
	Eligibility yaml.Node   `yaml:"eligibility"`
	Steps       []yaml.Node `yaml:"steps"`
}

// ParseError is a scenario file that cannot be run: it names the file, the
// line and what is wrong.
type ParseError struct {
	File string
	Line int // 0 when the error is not tied to a line
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("scenario: %s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("scenario: %s: %v", e.File, e.Err)
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Load reads and parses the scenario file at path.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	sc, err := Parse(filepath.Base(path), data)
	if err != nil {
		return nil, err
	}
	sc.Dir = filepath.Dir(path)
	return sc, nil
}

// Parse parses a scenario (YAML, or JSON, which YAML contains); name names
// it in errors. Unknown fields, unknown steps, malformed arguments and
// unknown error codes are refused here, before anything runs.
func Parse(name string, data []byte) (*Scenario, error) {
	perr := func(line int, format string, args ...any) error {
		return &ParseError{File: name, Line: line, Err: fmt.Errorf(format, args...)}
	}
	if len(data) > MaxFileSize {
		return nil, perr(0, "larger than %d bytes", MaxFileSize)
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, perr(0, "empty file")
		}
		return nil, perr(0, "%v", err)
	}
	sc := &Scenario{Name: f.Name, Story: strings.TrimSpace(f.Story), Source: strings.TrimSpace(f.Source), Start: DefaultStart}
	if sc.Name == "" {
		sc.Name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	if f.Start != "" {
		t, err := time.Parse(time.RFC3339, f.Start)
		if err != nil {
			return nil, perr(0, "start: %v", err)
		}
		sc.Start = t.UTC()
	}
	elig, err := departements(&f.Eligibility)
	if err != nil {
		return nil, perr(f.Eligibility.Line, "eligibility: %v", err)
	}
	sc.Eligibility = elig
	if len(f.Steps) == 0 {
		return nil, perr(0, "no steps")
	}
	if len(f.Steps) > MaxSteps {
		return nil, perr(0, "%d steps, at most %d", len(f.Steps), MaxSteps)
	}
	for i := range f.Steps {
		st, err := parseStep(&f.Steps[i])
		if err != nil {
			return nil, &ParseError{File: name, Line: f.Steps[i].Line, Err: fmt.Errorf("step %d: %w", i+1, err)}
		}
		sc.Steps = append(sc.Steps, st)
	}
	return sc, nil
}

// departements reads a list of départements: all (nil), training-deck
// (the deck's 23), or a list.
func departements(n *yaml.Node) ([]string, error) {
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.ScalarNode:
		switch n.Value {
		case "all", "":
			return nil, nil
		case "training-deck":
			return slices.Clone(trainingDeck()), nil
		}
		return nil, fmt.Errorf("%q: want all, training-deck or a list of départements", n.Value)
	case yaml.SequenceNode:
		var d []string
		if err := n.Decode(&d); err != nil {
			return nil, err
		}
		return d, nil
	}
	return nil, errors.New("want all, training-deck or a list of départements")
}

// The keys a step may carry besides its action.
const (
	keyOn          = "on"
	keyExpectError = "expect-error"
	keyNote        = "note"
	keyExpectMsg   = "expect-message"
)

// parseStep reads one step: a mapping with one action key and the optional
// on, expect-error and note keys.
func parseStep(n *yaml.Node) (Step, error) {
	st := Step{Line: n.Line}
	if n.Kind == yaml.ScalarNode { // "- submit" alone
		n = &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Content: []*yaml.Node{n, {Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line}}}
	}
	if n.Kind != yaml.MappingNode {
		return st, errors.New("a step is a mapping such as {advance: 48h}")
	}
	var value *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case keyOn, keyExpectError, keyNote, keyExpectMsg:
			if v.Kind != yaml.ScalarNode {
				return st, fmt.Errorf("%s: want a string", k)
			}
			switch k {
			case keyOn:
				st.Phone = v.Value
			case keyExpectError:
				if !knownCode(v.Value) {
					return st, fmt.Errorf("expect-error: %q is not an error code of apcvkit (see apcv scenario steps)", v.Value)
				}
				st.ExpectError = v.Value
			case keyNote:
				st.Note = v.Value
			case keyExpectMsg:
				st.ExpectMessage = v.Value
			}
		default:
			if st.Action != "" {
				return st, fmt.Errorf("two actions in one step: %s and %s", st.Action, k)
			}
			st.Action, value = k, v
		}
	}
	if st.Action == "" {
		return st, errors.New("no action")
	}
	if st.ExpectMessage != "" && st.ExpectError == "" {
		return st, errors.New("expect-message needs expect-error")
	}
	def, ok := registry[st.Action]
	if !ok {
		return st, fmt.Errorf("unknown step %q (known: %s)", st.Action, strings.Join(StepNames(), ", "))
	}
	args, err := def.decode(value)
	if err != nil {
		return st, fmt.Errorf("%s: %w", st.Action, err)
	}
	st.def, st.args = def, args
	return st, nil
}

// decodeStrict decodes n into v, refusing unknown fields.
func decodeStrict(n *yaml.Node, v any) error {
	if n == nil || n.Tag == "!!null" {
		return nil
	}
	raw, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// knownCode reports whether code is the code of an apcverr sentinel.
func knownCode(code string) bool {
	for _, e := range apcverr.All() {
		if e.Code == code {
			return true
		}
	}
	return false
}

// Duration is a length of virtual time: Go's durations ("48h", "90m") and
// days ("91d", "7d1h").
type Duration time.Duration

// ParseDuration parses a Duration: "91d", "48h", "7d1h", "-30d" (a sign
// applies to the whole).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "-"); ok && !strings.HasPrefix(rest, "-") && !strings.HasPrefix(rest, "+") {
		d, err := ParseDuration(rest)
		return -d, err
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("duration %q: want 91d, 48h, 7d1h…", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want 91d, 48h, 7d1h…", s)
	}
	return days + d, nil
}

// Elapsed returns how much virtual time the scenario's steps move the
// clock by in all (advance steps, activate's waits).
func (sc *Scenario) Elapsed() time.Duration {
	var d time.Duration
	for _, st := range sc.Steps {
		if m, ok := st.args.(mover); ok {
			d += m.elapsed()
		}
	}
	return d
}

// mover is implemented by the arguments of the steps that move the clock.
type mover interface{ elapsed() time.Duration }

// UnmarshalYAML reads a Duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// formatDuration writes d in days and hours when it is whole, for the
// transcript.
func formatDuration(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d >= day && d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d > day:
		return fmt.Sprintf("%dd%v", d/day, d%day)
	}
	return d.String()
}
