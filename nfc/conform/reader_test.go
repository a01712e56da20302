package conform_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/conform"
)

// TestReaderSDK: the SDK's own reader (nfc.Read, with a receipt) passes
// every reader rule, over a phone of 6 beneficiaries whose answers chain.
func TestReaderSDK(t *testing.T) {
	w := testworld.New(6)
	check := conform.NewReaderCheck(applet.New(&testworld.Wallet{W: w}, applet.Options{}))
	for range 3 {
		s, err := nfc.Read(context.Background(), check, w.Verifier(nil), nfc.Options{Groups: []credential.Group{credential.GroupINS, credential.GroupEtatCivil}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutReceipt(context.Background(), credential.Receipt{PSID: "10000000000", PSName: "Dr X", AmountCents: 2650, Date: 1767225600}); err != nil {
			t.Fatal(err)
		}
	}
	rep := check.Report(conform.ReaderOptions{})
	var b strings.Builder
	_ = rep.WriteText(&b)
	t.Log("\n" + b.String())
	if rep.Failed() != 0 || rep.Passed() == 0 {
		t.Fatalf("nfc.Read: %d rules failed", rep.Failed())
	}
	if n := check.Completed(); n != 3 {
		t.Errorf("Completed() = %d, want 3", n)
	}
}

// TestReaderMisbehaving: scripted readers, each with one deviation, fail
// the rule that covers it.
func TestReaderMisbehaving(t *testing.T) {
	const sel = "00A4040006F04150435631"
	for _, tc := range []struct {
		name   string
		script []string // hex APDUs, in order
		rule   string
	}{
		{"no Le on SELECT", []string{sel}, "r-select-first"},
		{"KEY AGREEMENT first", []string{"80100000020000"}, "r-order"},
		{"KEY AGREEMENT P1=01", []string{sel + "00", "80100100" + "55" + "8641" + "04" + strings.Repeat("11", 64) + "8710" + strings.Repeat("22", 16) + "00"}, "r-p1p2"},
		{"GET RESPONSE out of the blue", []string{sel + "00", "00C0000000"}, "r-order"},
		{"garbled KEY AGREEMENT", []string{sel + "00", "8010000003860100" + "00"}, "r-key-agreement-data"},
		{"extended APDU", []string{"00A404000000" + "06F04150435631" + "0000"}, "r-short-apdus"},
		{"no read", []string{sel + "00"}, "r-read-complete"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testworld.New(1)
			check := conform.NewReaderCheck(applet.New(&testworld.Wallet{W: w}, applet.Options{}))
			for _, h := range tc.script {
				b, err := hex.DecodeString(h)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := check.Transmit(context.Background(), b); err != nil {
					t.Fatal(err)
				}
			}
			rep := check.Report(conform.ReaderOptions{})
			res, ok := rep.Result(tc.rule)
			if !ok || res.Outcome != conform.Fail || res.Got == "" {
				var b strings.Builder
				_ = rep.WriteText(&b)
				t.Fatalf("rule %s did not fail:\n%s", tc.rule, b.String())
			}
			t.Logf("%s: %s", res.Rule, res.Got)
		})
	}
}
