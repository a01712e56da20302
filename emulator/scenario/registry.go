package scenario

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// A step is one small function: register names it, says what it does,
// which argument a bare value sets (advance: 48h sets "by"), and how it
// runs. Its arguments are a struct decoded strictly from the step's value
// (unknown fields refused); a validate method, when the struct has one,
// runs at parse time. The function returns a line for the transcript, with
// personal data masked, or an error: the step's own (compared with
// expect-error) or one wrapping ErrExpectation for a check that failed.

type stepDef struct {
	name   string
	scalar string // the argument a bare value sets; "" when the step has none
	doc    string
	decode func(*yaml.Node) (any, error)
	run    func(*runner, any) (string, error)
}

var registry = map[string]*stepDef{}

type validator interface{ validate() error }

// register adds a step. A is its argument struct (yaml tags name the
// fields); scalar names the field a bare value sets ("" for none).
func register[A any](name, scalar, doc string, run func(r *runner, a *A) (string, error)) {
	if _, dup := registry[name]; dup {
		panic("scenario: step registered twice: " + name)
	}
	registry[name] = &stepDef{name: name, scalar: scalar, doc: doc,
		decode: func(n *yaml.Node) (any, error) {
			a := new(A)
			if n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
				if scalar == "" {
					return nil, fmt.Errorf("takes no bare value (%q)", n.Value)
				}
				n = &yaml.Node{Kind: yaml.MappingNode, Line: n.Line,
					Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: scalar}, n}}
			}
			if err := decodeStrict(n, a); err != nil {
				return nil, err
			}
			if v, ok := any(a).(validator); ok {
				if err := v.validate(); err != nil {
					return nil, err
				}
			}
			return a, nil
		},
		run: func(r *runner, a any) (string, error) { return run(r, a.(*A)) },
	}
}

// StepNames returns the names of the steps a scenario may use, sorted.
func StepNames() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// StepDoc returns what step name does and its bare-value argument ("" when
// it takes none); false for an unknown step.
func StepDoc(name string) (doc, scalar string, ok bool) {
	d, ok := registry[name]
	if !ok {
		return "", "", false
	}
	return d.doc, d.scalar, true
}
