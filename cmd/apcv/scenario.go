package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/apcvkit/apcvkit/emulator/scenario"
	"github.com/apcvkit/apcvkit/emulator/scenarios"
)

const scenarioUsage = `usage:
  apcv scenario run [--quiet] [--show-pii] FILE|NAME...
  apcv scenario list
  apcv scenario show NAME
  apcv scenario steps

run     runs each scenario on a fresh emulated world (issuer, portal, phones, a
        desk with the SDK reader) on a virtual clock, and prints its transcript
        (personal data masked). NAME is a shipped scenario (apcv scenario list),
        FILE a scenario file (YAML or JSON; emulator/scenarios/README.md has
        the format). --quiet prints only the failures and the summary;
        --show-pii shows the desk messages with the person's names, dates
        and birth places (masked by default).
list    lists the shipped scenarios and the story each tells.
show    prints a shipped scenario's file, to copy and edit.
steps   lists the steps a scenario may use.

exit codes: 0 every scenario passed, 1 a scenario failed (the step and why are
printed), 2 usage or a scenario file that cannot be run
`

// cmdScenario implements "apcv scenario".
func cmdScenario(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, scenarioUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, scenarioUsage)
		return exitOK
	case "run":
		return scenarioRun(ctx, args[1:], stdout, stderr)
	case "list":
		return scenarioList(args[1:], stdout, stderr)
	case "show":
		if len(args) != 2 {
			fmt.Fprint(stderr, scenarioUsage)
			return exitUsage
		}
		data, err := fs.ReadFile(scenarios.FS, args[1]+".yaml")
		if err != nil {
			fmt.Fprintf(stderr, "apcv scenario show: no shipped scenario %q (apcv scenario list)\n", args[1])
			return exitUsage
		}
		stdout.Write(data)
		return exitOK
	case "steps":
		for _, n := range scenario.StepNames() {
			doc, scalar, _ := scenario.StepDoc(n)
			if scalar != "" {
				n += " (" + scalar + ")"
			}
			fmt.Fprintf(stdout, "  %-28s %s\n", n, doc)
		}
		fmt.Fprintln(stdout, "\nevery step also takes: on (the phone it acts on), expect-error (a stable error code), note")
		return exitOK
	}
	fmt.Fprintf(stderr, "apcv scenario: unknown subcommand %q\n%s", args[0], scenarioUsage)
	return exitUsage
}

func scenarioList(args []string, stdout, stderr io.Writer) int {
	if len(args) != 0 {
		fmt.Fprint(stderr, scenarioUsage)
		return exitUsage
	}
	names, _ := fs.Glob(scenarios.FS, "*.yaml")
	for _, n := range names {
		sc, err := loadScenario(strings.TrimSuffix(n, ".yaml"))
		if err != nil {
			return fail(stderr, "scenario list", err, exitFailure)
		}
		story := []rune(sc.Story)
		if len(story) > 100 {
			story = append(story[:99], '…')
		}
		fmt.Fprintf(stdout, "%-30s %s\n", sc.Name, string(story))
	}
	return exitOK
}

// loadScenario reads a scenario file, or a shipped scenario by name (no
// path separator, no extension).
func loadScenario(s string) (*scenario.Scenario, error) {
	if strings.ContainsAny(s, `/\.`) {
		return scenario.Load(s)
	}
	data, err := fs.ReadFile(scenarios.FS, s+".yaml")
	if err != nil {
		return nil, fmt.Errorf("no shipped scenario %q (apcv scenario list), and not a file name", s)
	}
	return scenario.Parse(s+".yaml", data)
}

func scenarioRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("scenario run", flag.ContinueOnError)
	fl.SetOutput(stderr)
	quiet := fl.Bool("quiet", false, "print only failures and the summary")
	showPII := fl.Bool("show-pii", false, "show names, dates and birth places in the desk messages")
	fl.Usage = func() { fmt.Fprint(stderr, scenarioUsage); fl.PrintDefaults() }
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return exitUsage
	}
	// Parse every file first: a file that cannot run is a usage error, and
	// nothing runs.
	var all []*scenario.Scenario
	for _, a := range fl.Args() {
		sc, err := loadScenario(a)
		if err != nil {
			fmt.Fprintf(stderr, "apcv scenario run: %v\n", err)
			return exitUsage
		}
		all = append(all, sc)
	}
	failed := 0
	for _, sc := range all {
		var out io.Writer = stdout
		var buf strings.Builder
		if *quiet {
			out = &buf
		}
		if err := sc.Run(ctx, scenario.Options{Out: out, ShowPII: *showPII}); err != nil {
			failed++
			if *quiet {
				io.WriteString(stdout, buf.String())
			}
			// The transcript has the desk message, masked; the error's
			// text names no person.
			fmt.Fprintf(stderr, "apcv scenario run: %v\n", err)
		}
		if !*quiet {
			fmt.Fprintln(stdout)
		}
	}
	fmt.Fprintf(stdout, "%d scenario(s): %d passed, %d failed\n", len(all), len(all)-failed, failed)
	if failed > 0 {
		return exitFailure
	}
	return exitOK
}
