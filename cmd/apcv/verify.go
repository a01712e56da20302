package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/replaystore"
)

func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("lists", "", "lists directory (authority.pem, trust-list.cose, revocation-list.cose), as written by apcv emulate --lists-out")
	textFile := fs.String("text", "", "read the scanned QR text from this file (- for standard input)")
	store := fs.String("replay-store", os.Getenv("APCV_REPLAY_STORE"), "anti-replay file shared by every process of this machine (default $APCV_REPLAY_STORE): a QR text accepted once, by any run or desk, is refused after")
	var out output
	out.flags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apcv verify --lists DIR [--replay-store FILE] [--text FILE | QRTEXT | -] [--json] [--show-pii]")
		fmt.Fprintln(stderr, "\nVerifies one scanned QR text and prints the verified identity, personal data masked.")
		fmt.Fprintln(stderr, "Exit codes: 0 verified; 1 set-up failure (lists, files); 2 usage;")
		fmt.Fprintln(stderr, "3 refused: the text is not a valid, fresh, unrevoked ApCV presentation (the message says which check failed).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *dir == "" || (fs.NArg() == 1) == (*textFile != "") || fs.NArg() > 1 {
		fs.Usage()
		return exitUsage
	}
	text := fs.Arg(0)
	if *textFile != "" || text == "-" {
		in := io.Reader(os.Stdin)
		if *textFile != "" && *textFile != "-" {
			f, err := os.Open(*textFile)
			if err != nil {
				return fail(stderr, "verify", err, exitFailure)
			}
			defer f.Close()
			in = f
		}
		line, err := bufio.NewReader(io.LimitReader(in, credential.MaxQRText+2)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fail(stderr, "verify", err, exitFailure)
		}
		text = line
	}
	text = strings.TrimRight(text, "\r\n")
	auth, err := reader.DirLists(*dir).Authority()
	if err != nil {
		fmt.Fprintf(stderr, "apcv verify: %v\n", err)
		return exitFailure
	}
	var replay credential.ReplayCache
	if *store != "" {
		rs, err := replaystore.Open(*store, replaystore.Options{})
		if err != nil {
			return fail(stderr, "verify", err, exitFailure)
		}
		replay = rs
	}
	// The text goes through the facade as one scan: the same lists, policy,
	// clock and replay store as apcv read.
	r, err := reader.Open(ctx, reader.Config{Enabled: true, ListAuthority: auth, Lists: reader.DirLists(*dir),
		QR: []qrscan.Source{&oneScan{text: text}}, Replay: replay})
	if err != nil {
		return fail(stderr, "verify", err, exitFailure)
	}
	defer r.Close()
	id, err := r.Read(ctx)
	if err != nil {
		return fail(stderr, "verify", err, exitRefused)
	}
	if err := show(stdout, id, out); err != nil {
		return fail(stderr, "verify", err, exitFailure)
	}
	return exitOK
}

// withDesk returns err's text followed by its English desk message, for a
// one-line report; errors without a desk message are given as they are.
func withDesk(err error) string {
	var m apcverr.Messager
	if !errors.As(err, &m) {
		return err.Error()
	}
	return err.Error() + " — " + m.Message(apcverr.EN)
}

// oneScan is a qrscan.Source that delivers one text, then ends.
type oneScan struct {
	text string
	done bool
}

func (s *oneScan) Name() string { return "argument" }

func (s *oneScan) Next(context.Context) (qrscan.Scan, error) {
	if s.done {
		return qrscan.Scan{}, io.EOF
	}
	s.done = true
	return qrscan.Scan{Text: s.text, Source: s.Name(), At: time.Now()}, nil
}

func (s *oneScan) Close() error { return nil }

// fail prints err with its desk messages and returns code.
func fail(w io.Writer, cmd string, err error, code int) int {
	fmt.Fprintf(w, "apcv %s: %v\n  FR: %s\n  EN: %s\n", cmd, err, apcverr.Message(err, apcverr.FR), apcverr.Message(err, apcverr.EN))
	return code
}
