package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/nfc/conform"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/reader"
)

func cmdConform(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "phone":
			return conformPhone(ctx, args[1:], stdout, stderr)
		case "reader":
			return conformReader(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintln(stderr, "usage: apcv conform phone --pcsc READER [--lists DIR] [--no-receipts] [--rule ID]...")
	fmt.Fprintln(stderr, "       apcv conform reader --vpcd ADDR [--profile NAME] [--reads N] [--timeout D]")
	fmt.Fprintln(stderr, "\nRuns the conformance kit (nfc/conform, docs/PROTOCOL.md §7): 'phone' checks a phone")
	fmt.Fprintln(stderr, "implementation on a PC/SC reader; 'reader' plays an emulated phone through vpcd and checks")
	fmt.Fprintln(stderr, "what the reader under test sends. Exit 0 when every rule passes, 1 when one fails.")
	return exitUsage
}

// verifierFrom loads the lists of dir into a Verifier.
func verifierFrom(ctx context.Context, dir string, replay credential.ReplayCache) (*credential.Verifier, error) {
	src := reader.DirLists(dir)
	auth, err := src.Authority()
	if err != nil {
		return nil, err
	}
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: auth, Replay: replay})
	for _, step := range []struct {
		get func(context.Context) ([]byte, error)
		set func([]byte) error
	}{{src.TrustList, v.SetTrustList}, {src.RevocationList, v.SetRevocationList}} {
		b, err := step.get(ctx)
		if err == nil {
			err = step.set(b)
		}
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

func conformPhone(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conform phone", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("pcsc", "", "the PC/SC reader the phone is on")
	dir := fs.String("lists", "", "lists directory: the phone's answers must also verify against them (without it, only their form is checked)")
	noReceipts := fs.Bool("no-receipts", false, "do not write test receipts to the phone")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for the phone on the reader")
	var rules multiFlag
	fs.Var(&rules, "rule", "run only this rule (repeatable); --list shows them")
	list := fs.Bool("list", false, "list the rules and exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv conform phone --pcsc READER [--lists DIR] [--no-receipts] [--rule ID]... [--list]")
		fmt.Fprintln(stderr, "\nRuns every rule of the NFC protocol (docs/PROTOCOL.md §2.1, §7, §8) against the phone on")
		fmt.Fprintln(stderr, "READER and prints rule, section, expected and received values. Exit 0 if all pass, 1 otherwise.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || (*name == "" && !*list) {
		if err == nil {
			fs.Usage()
		}
		return exitUsage
	}
	if *list {
		for _, r := range conform.PhoneRules() {
			fmt.Fprintf(stdout, "%-30s §%-12s %s\n", r.ID, r.Section, r.Title)
		}
		return exitOK
	}
	cfg := conform.Config{NoReceipts: *noReceipts, Rules: rules}
	if *dir != "" {
		v, err := verifierFrom(ctx, *dir, nil)
		if err != nil {
			return fail(stderr, "conform", err, exitFailure)
		}
		cfg.Verifier = v
	}
	pc, err := pcsc.NewContext()
	if err != nil {
		return fail(stderr, "conform", err, exitFailure)
	}
	defer pc.Close()
	wctx, cancel := context.WithTimeout(ctx, *wait)
	if _, err := pc.WaitForPhone(wctx, []string{*name}); err != nil {
		cancel()
		return fail(stderr, "conform", err, exitFailure)
	}
	card, err := pc.Connect(wctx, *name)
	cancel()
	if err != nil {
		return fail(stderr, "conform", err, exitFailure)
	}
	defer card.Close()
	cfg.Reset = card.Reset
	rep, err := conform.Phone(ctx, card, cfg)
	if err != nil {
		return fail(stderr, "conform", err, exitFailure)
	}
	fmt.Fprintf(stdout, "phone on %q (ATR % X)\n", *name, card.ATR())
	if err := rep.WriteText(stdout); err != nil {
		return exitFailure
	}
	if rep.Failed() > 0 {
		return exitFailure
	}
	return exitOK
}

func conformReader(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conform reader", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("vpcd", "", "serve the emulated phone to the vpcd reader listening at this address (host:port)")
	profile := fs.String("profile", "famille-6-drome", "built-in profile name or profile JSON file of the emulated phone")
	listsOut := fs.String("lists-out", "", "write the phone's list authority key and lists here, for the reader under test")
	reads := fs.Int("reads", 1, "how many complete reads to wait for")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up waiting after this long (the report is printed anyway)")
	maxGap := fs.Duration("max-gap", 500*time.Millisecond, "longest pause allowed between the phone's answer and the reader's next command")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv conform reader --vpcd ADDR [--profile NAME] [--lists-out DIR] [--reads N] [--timeout D]")
		fmt.Fprintln(stderr, "\nPlays an emulated phone through vpcd (reader 'Virtual PCD' of pcscd) and checks what the reader")
		fmt.Fprintln(stderr, "under test sends: order, P1-P2, Le, key agreement, timing. Exit 0 if all pass, 1 otherwise.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || *addr == "" || *reads < 1 {
		if err == nil {
			fs.Usage()
		}
		return exitUsage
	}
	w, err := emulator.New(emulator.Options{Profile: *profile})
	if err != nil {
		return fail(stderr, "conform", err, exitFailure)
	}
	if *listsOut != "" {
		err := w.WriteLists(ctx, *listsOut)
		if err != nil {
			return fail(stderr, "conform", err, exitFailure)
		}
		fmt.Fprintf(stdout, "lists: %s\n", *listsOut)
	}
	a, err := w.Applet()
	if err != nil {
		return fail(stderr, "conform", err, exitFailure)
	}
	check := conform.NewReaderCheck(a)
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- vpcd.Serve(sctx, *addr, check, vpcd.Options{Logger: logger.With("component", "vpcd")})
	}()
	fmt.Fprintf(stdout, "vpcd: serving the phone to %s; waiting for %d read(s)\n", *addr, *reads)
	wctx, cancel := context.WithTimeout(ctx, *timeout)
	werr := check.Wait(wctx, *reads, time.Second)
	cancel()
	stop()
	if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
		return fail(stderr, "conform", err, exitFailure)
	}
	if werr != nil {
		fmt.Fprintf(stdout, "waited %v: %d read(s) completed\n", *timeout, check.Completed())
	}
	var ts []string
	for _, d := range check.Timings() {
		ts = append(ts, d.Round(100*time.Microsecond).String())
	}
	fmt.Fprintf(stdout, "reads: %d, durations: %s\n", len(ts), strings.Join(ts, " "))
	rep := check.Report(conform.ReaderOptions{MaxGap: *maxGap})
	if err := rep.WriteText(stdout); err != nil {
		return exitFailure
	}
	if rep.Failed() > 0 {
		return exitFailure
	}
	return exitOK
}
