package nfc_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/apdutest"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

func TestReadInMemory(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		groups []credential.Group
	}{
		{"one AMO", 1, nil},
		{"family of 6, all groups", 6, credential.AllGroups},
		{"family of 4, AMO+INS", 4, []credential.Group{credential.GroupAMO, credential.GroupINS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := testworld.New(tc.n)
			wallet := &testworld.Wallet{W: w}
			a := applet.New(wallet, applet.Options{})
			s, err := nfc.Read(context.Background(), a, w.Verifier(nil), nfc.Options{Groups: tc.groups})
			if err != nil {
				t.Fatal(err)
			}
			p := s.Presentation
			if got := len(p.Family.Beneficiaires); got != tc.n {
				t.Fatalf("beneficiaires = %d, want %d", got, tc.n)
			}
			if p.Family.Beneficiaires[0].NIR != w.Family.Beneficiaires[0].NIR {
				t.Fatalf("NIR mismatch")
			}
			wantGroups := tc.groups
			if wantGroups == nil {
				wantGroups = []credential.Group{credential.GroupAMO}
			}
			if fmt.Sprint(p.Groups) != fmt.Sprint(wantGroups) {
				t.Fatalf("groups = %v, want %v", p.Groups, wantGroups)
			}
			hasINS := p.Family.Beneficiaires[0].INS != nil
			if hasINS != (len(wantGroups) > 1) {
				t.Fatalf("INS disclosed = %v with groups %v", hasINS, wantGroups)
			}
			r := credential.Receipt{Beneficiary: 0, PSID: "10101010101", PSName: "Pharmacie du Centre", AmountCents: 2350, Date: uint64(w.Now.Unix())}
			if err := s.PutReceipt(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if len(wallet.Receipts) != 1 || wallet.Receipts[0] != r {
				t.Fatalf("receipts = %+v", wallet.Receipts)
			}
		})
	}
}

// TestReadRefusals runs the whole applet: the refusals come after the key
// agreement. The refusals at SELECT are in TestSelect.
func TestReadRefusals(t *testing.T) {
	w := testworld.New(1)
	for _, tc := range []struct {
		name   string
		wallet *testworld.Wallet
		wrap   func(apdu.Transport) apdu.Transport
		want   error
	}{
		{"locked", &testworld.Wallet{W: w, Locked: fmt.Errorf("locked: %w", nfc.ErrAppLocked)}, nil, nfc.ErrAppLocked},
		{"revoked", &testworld.Wallet{W: w, Locked: errors.New("revoked")}, nil, nfc.ErrAppRevoked},
		{"tampered answer", &testworld.Wallet{W: w}, func(t apdu.Transport) apdu.Transport {
			return apdu.TransportFunc(func(ctx context.Context, b []byte) ([]byte, error) {
				r, err := t.Transmit(ctx, b)
				if err == nil && b[1] == wire.InsGetData && len(r) > 40 {
					r[20] ^= 0x40
				}
				return r, err
			})
		}, credential.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tr apdu.Transport = applet.New(tc.wallet, applet.Options{})
			if tc.wrap != nil {
				tr = tc.wrap(tr)
			}
			s, err := nfc.Read(context.Background(), tr, w.Verifier(nil), nfc.Options{})
			if !errors.Is(err, tc.want) || s != nil {
				t.Fatalf("err = %v, session %v; want %v", err, s, tc.want)
			}
		})
	}
}

// TestFCIExtensions: objects after the listed ones in 6F and A5 are
// ignored (a later minor version may add some); the listed ones out of
// order, or bytes after 6F, are refused (docs/PROTOCOL.md §7.1).
func TestFCIExtensions(t *testing.T) {
	w := testworld.New(1)
	prop := []byte{0x80, 1, 1, 0x81, 2, 0, 0xFF, 0x82, 2, 1, 0, 0x83, 1, 1}
	fci := func(prop []byte, after6F, afterA5 []byte) []byte {
		in := append([]byte{0x84, 6}, wire.AID...)
		in = append(in, 0xA5, byte(len(prop)))
		in = append(in, prop...)
		in = append(in, afterA5...)
		out := append([]byte{0x6F, byte(len(in))}, in...)
		return append(append(out, after6F...), 0x90, 0x00)
	}
	swapped := append(append([]byte{}, prop[3:7]...), prop[0:3]...)
	swapped = append(swapped, prop[7:]...)
	for _, tc := range []struct {
		name string
		fci  []byte
		ok   bool
	}{
		{"as listed", fci(prop, nil, nil), true},
		{"unknown object at the end of A5", fci(append(append([]byte{}, prop...), 0x8F, 2, 0xAB, 0xCD), nil, nil), true},
		{"unknown object at the end of 6F", fci(prop, nil, []byte{0x90, 1, 0}), true},
		{"version and command size swapped", fci(swapped, nil, nil), false},
		{"bytes after 6F", fci(prop, []byte{0x90, 1, 0}, nil), false},
		{"malformed extension at the end of A5", fci(append(append([]byte{}, prop...), 0x8F, 5, 0xAB), nil, nil), false},
		{"response size 0", fci([]byte{0x80, 1, 1, 0x81, 2, 0, 0xFF, 0x82, 2, 0, 0, 0x83, 1, 1}, nil, nil), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
			tr := apdu.TransportFunc(func(ctx context.Context, b []byte) ([]byte, error) {
				r, err := a.Transmit(ctx, b)
				if b[1] == wire.InsSelect {
					return tc.fci, err
				}
				return r, err
			})
			_, err := nfc.Read(context.Background(), tr, w.Verifier(nil), nfc.Options{})
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, nfc.ErrProtocol) {
				t.Fatalf("err = %v, want nfc-protocol", err)
			}
		})
	}
}

// TestAPDUTimeout: the one time limit of a read is per APDU. A phone slow on
// every APDU, each within the limit, is read although the whole read takes
// longer than the limit; a phone that stops answering fails with
// ErrPhoneTimeout; the caller's ctx still ends a read, with its own error.
func TestAPDUTimeout(t *testing.T) {
	const limit = 200 * time.Millisecond
	w := testworld.New(6) // answers chained with GET RESPONSE
	for _, tc := range []struct {
		name   string
		delay  time.Duration // each answer comes this late
		hangAt int           // the phone stops answering at this APDU (0: never)
		cancel bool          // the caller cancels instead, at hangAt
		want   error
	}{
		{"slow phone, every APDU in time", 40 * time.Millisecond, 0, false, nil},
		{"hung at GET DATA", 0, 3, false, nfc.ErrPhoneTimeout},
		{"hung at a GET RESPONSE", 0, 4, false, nfc.ErrPhoneTimeout},
		{"caller cancels", 0, 2, true, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
			n := 0
			phone := apdu.TransportFunc(func(actx context.Context, b []byte) ([]byte, error) {
				n++
				if dl, ok := actx.Deadline(); !ok || time.Until(dl) > limit {
					t.Errorf("APDU %d: deadline %v (set: %v), want at most %v away", n, time.Until(dl), ok, limit)
				}
				if n == tc.hangAt {
					if tc.cancel {
						cancel()
					}
					<-actx.Done()
					return nil, actx.Err()
				}
				select {
				case <-time.After(tc.delay):
				case <-actx.Done():
					return nil, actx.Err()
				}
				return a.Transmit(actx, b)
			})
			s, err := nfc.Read(ctx, phone, w.Verifier(nil), nfc.Options{Groups: credential.AllGroups, APDUTimeout: limit})
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if total := time.Duration(n) * tc.delay; total <= limit {
					t.Fatalf("%d APDUs × %v = %v: the read must outlast the per-APDU limit %v", n, tc.delay, total, limit)
				}
				return
			}
			if !errors.Is(err, tc.want) || s != nil {
				t.Fatalf("err = %v; want %v", err, tc.want)
			}
			if tc.cancel && errors.Is(err, nfc.ErrPhoneTimeout) {
				t.Errorf("a cancelled read reports a phone timeout: %v", err)
			}
		})
	}
}

// hexBytes decodes a hex string with spaces.
func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSelect plays back the phone's answer to SELECT (apdutest.Playback, no
// applet, no keys): every answer here ends the read at SELECT, with the error
// the desk needs, and the script is used exactly.
func TestSelect(t *testing.T) {
	const (
		sel = "00 A4 04 00 06 F0 41 50 43 56 31 00" // SELECT the ApCV AID, Le 00
		aid = "84 06 F0 41 50 43 56 31"
	)
	fci := func(version, maxCommand string) string {
		return "6F 18 " + aid + " A5 0E 80 01 " + version + " 81 02 " + maxCommand + " 82 02 01 00 83 01 01"
	}
	one := func(resp string) []apdutest.Exchange {
		return []apdutest.Exchange{{Command: hexBytes(t, sel), Response: hexBytes(t, resp)}}
	}
	for _, tc := range []struct {
		name      string
		exchanges []apdutest.Exchange
		want      []error
	}{
		{"no ApCV applet (6A82)", one("6A 82"), []error{nfc.ErrNoApplet}},
		{"app locked (6982)", one("69 82"), []error{nfc.ErrAppLocked}},
		{"app revoked (6283)", one("62 83"), []error{nfc.ErrAppRevoked}},
		{"other status (6F00)", one("6F 00"), []error{nfc.ErrProtocol, apdu.ErrNoPreciseDiagnosis}},
		{"FCI truncated", one(fci("01", "00 FF")[:30] + " 90 00"), []error{nfc.ErrProtocol}},
		{"FCI of another AID", one(strings.Replace(fci("01", "00 FF"), "31 A5", "32 A5", 1) + " 90 00"), []error{nfc.ErrProtocol}},
		{"FCI without data", one("90 00"), []error{nfc.ErrProtocol}},
		{"protocol version 2", one(fci("02", "00 FF") + " 90 00"), []error{credential.ErrUnsupportedVersion}},
		{"commands of 32 bytes at most", one(fci("01", "00 20") + " 90 00"), []error{nfc.ErrProtocol}},
		{"FCI in two parts (61xx), version 2", []apdutest.Exchange{
			{Command: hexBytes(t, sel), Response: hexBytes(t, fci("02", "00 FF")[:30]+" 61 10")},
			{Command: hexBytes(t, "00 C0 00 00 10"), Response: hexBytes(t, fci("02", "00 FF")[30:]+" 90 00")},
		}, []error{credential.ErrUnsupportedVersion}},
		{"phone taken away", []apdutest.Exchange{{Command: hexBytes(t, sel), Err: fmt.Errorf("link: %w", nfc.ErrPhoneRemoved)}},
			[]error{nfc.ErrPhoneRemoved}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &apdutest.Playback{Exchanges: tc.exchanges}
			// No verifier: the read must end before there is anything to verify.
			s, err := nfc.Read(context.Background(), p, nil, nfc.Options{})
			if s != nil {
				t.Fatal("a session from a failed SELECT")
			}
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			}
			if err := p.Close(); err != nil {
				t.Error(err)
			}
		})
	}
}
