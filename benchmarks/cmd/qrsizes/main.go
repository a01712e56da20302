// Command qrsizes measures, for families of several sizes, what each kind of
// ApCV QR code costs at the counter (issue 13):
//
//	go run ./benchmarks/cmd/qrsizes                 # families of 1, 4, 6, 10 and 32, Markdown tables
//	go run ./benchmarks/cmd/qrsizes -sizes 1,6 -families testfamily -untimed
//
// A family of n is built from a base (-families): a built-in emulator
// profile's ouvrant droit and its ayants droit repeated in order
// (famille-6-drome: long composed names and a usage name, the issue's
// 1 106 characters for six), or internal/testfamily's (shorter names). For
// each family, issued by an issuer key with an 8-byte kid as the reference
// issuer's, and each code — the short online
// code (APCV2:), the full offline code of one chosen beneficiary (the
// longest of the family's), the full code of the whole family — it prints
// the characters, the QR version at level M (our encoder,
// emulator/present/qrimage), the time a 9600 Bd serial scanner takes to
// send the text (10 bits a character: 8N1), and the time a keyboard-wedge
// scanner's report stream (emulator/present/hidgen, 8 ms a character, FR
// layout, Enter suffix) takes from the first report to the decoded text
// through qrscan/hid's timed replay — the path of
// `apcv read --hid-replay FILE --hid-timed`. A code longer than
// credential.MaxQRText, or beyond QR version 40, does not fit: readers
// refuse it, and it is not replayed.
//
// The wedge times are real waits (the replay sleeps between reports): the
// default sizes take about a minute, one replay after the other.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/present/hidgen"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/internal/testfamily"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

func main() {
	sizes := flag.String("sizes", "1,4,6,10,32", "family sizes, comma-separated (1.."+strconv.Itoa(credential.MaxBeneficiaires)+")")
	untimed := flag.Bool("untimed", false, "skip the timed wedge replays (no waiting)")
	keyDelay := flag.Duration("key-delay", hidgen.DefaultKeyDelay, "wedge scanner time per character")
	families := flag.String("families", "famille-6-drome,testfamily", "family bases, comma-separated: testfamily or a built-in profile name")
	flag.Parse()
	ns, err := parseSizes(*sizes)
	if err != nil || flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "qrsizes: %v\n", err)
		flag.Usage()
		os.Exit(2)
	}
	for i, base := range strings.Split(*families, ",") {
		opts := Options{KeyDelay: *keyDelay, Timed: !*untimed, Base: strings.TrimSpace(base)}
		rows, err := Measure(context.Background(), ns, opts)
		if err != nil {
			fmt.Fprintf(os.Stderr, "qrsizes: %v\n", err)
			os.Exit(1)
		}
		if i > 0 {
			fmt.Println()
		}
		fmt.Printf("Families from %s:\n\n", opts.Base)
		WriteTable(os.Stdout, rows, opts)
	}
}

// Family returns a family of n beneficiaries from base: "testfamily"
// (internal/testfamily) or a built-in profile, its ayants droit repeated in
// order past the profile's size.
func Family(base string, n int) (credential.Family, error) {
	if base == "testfamily" {
		return testfamily.Family(n, testfamily.Options{}), nil
	}
	p, err := phone.BuiltinProfile(base)
	if err != nil {
		return credential.Family{}, err
	}
	bs := p.Family.Beneficiaires
	if n > 1 && len(bs) < 2 {
		return credential.Family{}, fmt.Errorf("profile %s has no ayant droit to make a family of %d", base, n)
	}
	f := credential.Family{Beneficiaires: []credential.Beneficiary{bs[0]}, EtatCivil: p.Family.EtatCivil}
	for i := range n - 1 {
		f.Beneficiaires = append(f.Beneficiaires, bs[1+i%(len(bs)-1)])
	}
	return f, nil
}

func parseSizes(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > credential.MaxBeneficiaires {
			return nil, fmt.Errorf("size %q: want 1..%d", f, credential.MaxBeneficiaires)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// Options of a measurement.
type Options struct {
	KeyDelay time.Duration // wedge time per character; 0 means hidgen.DefaultKeyDelay
	Timed    bool          // replay the wedge streams in real time
	Base     string        // the families' base (Family); "" means testfamily
}

// Kind is one kind of QR code.
type Kind string

// The codes measured, in table order.
const (
	Short  Kind = "short (online)"
	Chosen Kind = "one beneficiary chosen"
	Whole  Kind = "whole family"
)

// Row is one code of one family.
type Row struct {
	Family  int  // beneficiaries
	Kind    Kind //
	Chars   int  // characters of the text, prefix included
	Version int  // QR version at level M; 0 when it does not fit
	Fits    bool // at most credential.MaxQRText characters and QR version ≤ 40
	Serial  time.Duration
	Wedge   time.Duration // the timed replay, trigger to text; 0 when not timed or not fitting
	Text    string
}

// Measure issues each family's credentials and measures its three codes.
func Measure(ctx context.Context, sizes []int, o Options) ([]Row, error) {
	if o.KeyDelay <= 0 {
		o.KeyDelay = hidgen.DefaultKeyDelay
	}
	ik, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	dev, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	issuer := credential.IssuerKey{Kid: []byte("kid8byte"), Key: ik} // the reference issuer's kids are 8 bytes
	at := time.Now().Truncate(time.Second)
	if o.Base == "" {
		o.Base = "testfamily"
	}
	var rows []Row
	for _, n := range sizes {
		fam, err := Family(o.Base, n)
		if err != nil {
			return nil, err
		}
		h, err := credential.Issue(issuer, credential.Claims{Issuer: "CNAM", CredentialID: [8]byte{byte(n)},
			IssuedAt: at.Add(-time.Hour), ValidUntil: at.AddDate(0, 3, 0), DevicePublicKey: &dev.PublicKey,
			Family: fam}, nil)
		if err != nil {
			return nil, fmt.Errorf("family of %d: %w", n, err)
		}
		short, err := h.PresentShortQR(at)
		if err != nil {
			return nil, err
		}
		var chosen string
		for i := range n {
			t, err := h.PresentQRFor(dev, at, 1, i, nil)
			if err != nil {
				return nil, err
			}
			if len(t) > len(chosen) {
				chosen = t
			}
		}
		whole, err := h.PresentQR(dev, at, 1)
		if err != nil {
			return nil, err
		}
		for _, c := range []struct {
			k    Kind
			text string
		}{{Short, short}, {Chosen, chosen}, {Whole, whole}} {
			r, err := measure(ctx, n, c.k, c.text, o)
			if err != nil {
				return nil, fmt.Errorf("family of %d, %s: %w", n, c.k, err)
			}
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// measure sizes one text and, when it fits and o.Timed, replays it.
func measure(ctx context.Context, n int, k Kind, text string, o Options) (Row, error) {
	r := Row{Family: n, Kind: k, Chars: len(text), Text: text,
		Serial: time.Duration(len(text)) * 10 * time.Second / 9600}
	code, err := qrimage.NewCode(text, qrimage.Options{Level: qrimage.LevelM})
	switch {
	case errors.Is(err, qrimage.ErrTooLong):
	case err != nil:
		return r, err
	default:
		r.Version = code.Symbol.Version
	}
	r.Fits = r.Version != 0 && len(text) <= credential.MaxQRText
	if !r.Fits {
		r.Version = 0
		return r, nil
	}
	if o.Timed {
		if r.Wedge, err = WedgeReplay(ctx, text, o.KeyDelay); err != nil {
			return r, err
		}
	}
	return r, nil
}

// WedgeReplay generates the report stream a keyboard-wedge scanner (FR
// layout, Enter suffix) sends for text at keyDelay a character, replays it
// in real time through hid.NewReplay(reports, true) and hid.NewSource —
// what `apcv read --hid-replay --hid-timed` runs — and returns the time from
// the first read to the decoded text, which must be text.
func WedgeReplay(ctx context.Context, text string, keyDelay time.Duration) (time.Duration, error) {
	reports, err := hidgen.Wedge(text, hidgen.WedgeOptions{Layout: hidgen.FR, KeyDelay: keyDelay})
	if err != nil {
		return 0, err
	}
	src := hid.NewSource(hid.NewReplay(reports, true), hid.Config{Name: "hid:qrsizes"})
	defer src.Close()
	start := time.Now()
	scan, err := src.Next(ctx)
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if scan.Text != text {
		return 0, fmt.Errorf("wedge replay decoded %d characters, not the %d sent", len(scan.Text), len(text))
	}
	return d, nil
}

// WriteTable writes rows as the Markdown table of benchmarks/README.md.
func WriteTable(w io.Writer, rows []Row, o Options) {
	if o.KeyDelay <= 0 {
		o.KeyDelay = hidgen.DefaultKeyDelay
	}
	fmt.Fprintf(w, "| family | code | characters | QR version (M) | 9600 Bd | wedge, timed replay (%v/char) |\n", o.KeyDelay)
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|")
	for _, r := range rows {
		if !r.Fits {
			fmt.Fprintf(w, "| %d | %s | %d | does not fit | — | — |\n", r.Family, r.Kind, r.Chars)
			continue
		}
		wedge := "not timed"
		if r.Wedge > 0 {
			wedge = fmt.Sprintf("%.2f s", r.Wedge.Seconds())
		}
		fmt.Fprintf(w, "| %d | %s | %d | %d | %.3f s | %s |\n", r.Family, r.Kind, r.Chars, r.Version, r.Serial.Seconds(), wedge)
	}
}
