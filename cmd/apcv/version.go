package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/apcvkit/apcvkit/reader"
)

func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv version")
		fmt.Fprintln(stderr, "\nPrints the SDK's version (reader.Version: git describe in a release), the Go version and the platform.")
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return exitUsage
	}
	fmt.Fprintf(stdout, "apcv %s (%s, %s/%s)\n", reader.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
