// Command apcv reads the appli carte Vitale (ApCV) and emulates it.
//
//	apcv demo                      read the emulated phone in both modes (no hardware)
//	apcv readers                   list contactless readers and serial QR scanners
//	apcv read [--pcsc R] [--serial P] [--image F] [--json]
//	apcv emulate [--vpcd ADDR] [--serial-pty] [--qr-png F] [--advance D] [--scenario NAME]
//	apcv verify [--lists DIR] QRTEXT|-
//	apcv qr text|png|terminal --profile NAME|FILE [--state DIR]
//	apcv portal serve|token
//	apcv ps-cert --state DIR --rpps N --out-cert F --out-key F
//	apcv agent serve|pair|install|uninstall|status
//	apcv scenario run FILE|NAME... | list | show NAME | steps
//	apcv version
//	apcv conform phone --pcsc R | reader --vpcd ADDR
//
// Exit codes: 0 success; 1 the operation failed (the message says why, in
// French and English); 2 usage error; 3 the presentation was refused
// (verification failed: not a valid, fresh, unrevoked ApCV presentation).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitRefused = 3
)

type command struct {
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
	summary string
}

var commands = map[string]command{
	"demo":     {cmdDemo, "read the emulated phone over NFC and QR, no hardware needed"},
	"readers":  {cmdReaders, "list contactless readers (PC/SC) and serial QR scanners"},
	"read":     {cmdRead, "read a patient's app from PC/SC, serial, HID or image sources"},
	"emulate":  {cmdEmulate, "run an emulated phone: virtual card in pcscd (vpcd), serial scanner pty, QR image"},
	"verify":   {cmdVerify, "verify a scanned QR text against trust and revocation lists"},
	"qr":       {cmdQR, "show the emulated phone's QR code: text, PNG or terminal (--state DIR keeps it)"},
	"agent":    {cmdAgent, "the local agent for billing software in any language: HTTP/JSON and events on 127.0.0.1 (serve, pair, install)"},
	"portal":   {cmdPortal, "run the management portal (agents view, revoke, block) and publish the lists"},
	"ps-cert":  {cmdPSCert, "issue (or revoke) a health professional's certificate for the online service (mutual TLS)"},
	"scenario": {cmdScenario, "run testers' scenarios: a patient's story step by step on a virtual clock, checked"},
	"version":  {cmdVersion, "print the version (git describe in a release), Go version and platform"},
	"conform":  {cmdConform, "conformance kit: check a phone (phone --pcsc R) or a reader (reader --vpcd ADDR) against PROTOCOL.md"},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: apcv [--debug] COMMAND [flags]   (apcv COMMAND --help for details)")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nexit codes: 0 ok, 1 failure, 2 usage, 3 presentation refused")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// logger is the CLI's log: warnings by default, everything with --debug
// (or APCV_DEBUG=1). Personal data never reach it: the SDK logs masked
// values only.
var logger = slog.New(slog.DiscardHandler)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	level := slog.LevelWarn
	if os.Getenv("APCV_DEBUG") == "1" {
		level = slog.LevelDebug
	}
	if len(args) > 0 && (args[0] == "--debug" || args[0] == "-debug") {
		level = slog.LevelDebug
		args = args[1:]
	}
	logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "apcv: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return c.run(ctx, args[1:], stdout, stderr)
}
