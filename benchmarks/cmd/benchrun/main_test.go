package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/benchmarks/internal/benchfmt"
)

const benchOut = `BenchmarkP1/beneficiaires=1-2  200  1 ns/op  1.10 x-crypto  1.20 x-verify2
BenchmarkP1/beneficiaires=1-2  200  1 ns/op  1.30 x-crypto  1.40 x-verify2
BenchmarkP1/beneficiaires=1-2  200  1 ns/op  1.20 x-crypto  1.30 x-verify2
BenchmarkNFCLink/beneficiaires=1/kbps=424-2  200  1 ns/op  1.05 x-airtime  1.07 x-airtime-mean
BenchmarkNFCPCSC/interleaved-2  200  1 ns/op  2.5 x-bare  1.9 x-bare-nocrypto
BenchmarkNFCPCSCTap/interleaved-2  200  1 ns/op  1.3 x-bare  1.04 x-bare-nocrypto
BenchmarkQRSize/testworld-1-2  200  1 ns/op  476 chars  13 qr-version  1 beneficiaires
BenchmarkQRSize/profile-isere-solo-2  200  1 ns/op  450 chars  13 qr-version  1 beneficiaires
BenchmarkQRSize/profile-isere-solo-2  200  1 ns/op  450 chars  13 qr-version  1 beneficiaires
`

const peersOut = "class ...\n\nP2 (mild 1280×720, frame to identity vs zxing-cpp decode): 2.67 (goal ≤ 1.0)\n"

func TestTable(t *testing.T) {
	rs, err := benchfmt.Parse(strings.NewReader(benchOut))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := table(&out, rs, []byte(peersOut)); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{
		"1.200 (vs the 2 verifications alone: 1.300)", // medians over -count
		"2.67",                     // P2 from the peers
		"1.050 (mean-based 1.070)", // P3 link
		"2.500 (without the reader's public-key floor: 1.900)",
		"1.300 (without the reader's public-key floor: 1.040)", // P3 tap
		"476 chars, version 13",
		"QR text, 4 beneficiaire(s) (testworld)", // not run: said so
		"not run",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "profile isere-solo") != 1 {
		t.Errorf("a profile printed once per -count:\n%s", s)
	}
}
