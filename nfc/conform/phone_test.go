package conform_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc/conform"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

// TestPhoneEmulator: the emulator's applet passes every rule, the tearing
// rules included (it implements apdu.Resetter), with a Verifier.
func TestPhoneEmulator(t *testing.T) {
	w := testworld.New(3)
	wallet := &testworld.Wallet{W: w}
	a := applet.New(wallet, applet.Options{})
	rep, err := conform.Phone(context.Background(), a, conform.Config{Verifier: w.Verifier(nil)})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if rep.Failed() != 0 || rep.Skipped() != 0 || rep.Passed() != len(conform.PhoneRules()) {
		t.Fatalf("the emulator: %d passed, %d failed, %d skipped of %d rules", rep.Passed(), rep.Failed(), rep.Skipped(), len(conform.PhoneRules()))
	}
	if len(wallet.Receipts) == 0 {
		t.Error("the receipt rule wrote no receipt")
	}
}

// TestPhoneNoReset: without a way to cut the field, the tearing rules are
// skipped, never passed.
func TestPhoneNoReset(t *testing.T) {
	w := testworld.New(1)
	a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
	rep, err := conform.Phone(context.Background(), apdu.TransportFunc(a.Transmit), conform.Config{NoReceipts: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range rep.Results {
		want := conform.Pass
		if strings.HasPrefix(res.Rule, "tearing-") || strings.HasPrefix(res.Rule, "receipt") {
			want = conform.Skip
		}
		if res.Outcome != want {
			t.Errorf("%s: %s (%s), want %s", res.Rule, res.Outcome, res.Got, want)
		}
	}
}

// deviant wraps the applet with one deviation from the protocol.
type deviant struct {
	a       *applet.Applet
	rewrite func(cmd []byte, a *applet.Applet) ([]byte, bool) // answer, handled
}

func (d *deviant) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if rsp, ok := d.rewrite(cmd, d.a); ok {
		return rsp, nil
	}
	return d.a.Transmit(ctx, cmd)
}

func (d *deviant) Reset() { d.a.Reset() }

// TestPhoneDeviations: a phone with one injected deviation fails the rule
// that covers it, with the expected and received values in the report.
func TestPhoneDeviations(t *testing.T) {
	ok := []byte{0x90, 0x00}
	for _, tc := range []struct {
		name    string
		rule    string
		rewrite func(cmd []byte, a *applet.Applet) ([]byte, bool)
		opts    applet.Options
	}{
		{"P1 of KEY AGREEMENT ignored", "ka-p1p2", func(cmd []byte, a *applet.Applet) ([]byte, bool) {
			if len(cmd) > 4 && cmd[0] == wire.ClaProp && cmd[1] == wire.InsKeyAgreement && cmd[2] != 0 {
				c := append([]byte{}, cmd...)
				c[2] = 0
				rsp, _ := a.Transmit(context.Background(), c)
				return rsp, true
			}
			return nil, false
		}, applet.Options{}},
		{"a failed SELECT keeps the applet selected", "select-failed-deselects", func(cmd []byte, a *applet.Applet) ([]byte, bool) {
			if len(cmd) > 5 && cmd[1] == wire.InsSelect && !bytes.Contains(cmd, wire.AID) {
				return []byte{0x6A, 0x82}, true
			}
			return nil, false
		}, applet.Options{}},
		{"answers 6Cxx to a small Le", "chaining-small-le", func(cmd []byte, a *applet.Applet) ([]byte, bool) {
			if len(cmd) > 5 && cmd[1] == wire.InsGetData && cmd[len(cmd)-1] == 16 {
				return []byte{0x6C, 0x00}, true
			}
			return nil, false
		}, applet.Options{}},
		{"an unknown INS answered 9000", "ins-unknown", func(cmd []byte, a *applet.Applet) ([]byte, bool) {
			if len(cmd) >= 4 && cmd[1] == 0x50 {
				return ok, true
			}
			return nil, false
		}, applet.Options{}},
		{"GET RESPONSE 6A86 unchecked", "get-response-p1p2", func(cmd []byte, a *applet.Applet) ([]byte, bool) {
			if len(cmd) >= 4 && cmd[1] == wire.InsGetResponse && cmd[2] == 1 {
				return ok, true
			}
			return nil, false
		}, applet.Options{}},
		{"no reset on field loss", "tearing-after-key-agreement", nil, applet.Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testworld.New(3)
			a := applet.New(&testworld.Wallet{W: w}, tc.opts)
			var card apdu.Transport
			switch {
			case tc.rule == "tearing-after-key-agreement":
				card = &noReset{a}
			default:
				card = &deviant{a: a, rewrite: tc.rewrite}
			}
			rep, err := conform.Phone(context.Background(), card, conform.Config{Verifier: w.Verifier(nil)})
			if err != nil {
				t.Fatal(err)
			}
			res, found := rep.Result(tc.rule)
			if !found || res.Outcome != conform.Fail {
				t.Fatalf("rule %s: %+v, want a failure", tc.rule, res)
			}
			if res.Expected == "" || res.Got == "" || res.Step == "" {
				t.Errorf("rule %s failed without step/expected/got: %+v", tc.rule, res)
			}
			t.Logf("%s: step %q expected %q got %q", res.Rule, res.Step, res.Expected, res.Got)
			var out bytes.Buffer
			_ = rep.WriteText(&out)
			if !strings.Contains(out.String(), "FAIL   "+tc.rule+" ") {
				t.Errorf("report does not show the failure:\n%s", out.String())
			}
		})
	}
}

// noReset claims to reset but keeps the session: a phone that survives a
// field loss.
type noReset struct{ a *applet.Applet }

func (n *noReset) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	return n.a.Transmit(ctx, cmd)
}
func (n *noReset) Reset() {}
