package nfc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
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
		{"unknown AID", &testworld.Wallet{W: w}, func(t apdu.Transport) apdu.Transport {
			return apdu.TransportFunc(func(ctx context.Context, b []byte) ([]byte, error) {
				if b[1] == nfc.InsSelect {
					b = append([]byte(nil), b...)
					b[5] ^= 1
				}
				return t.Transmit(ctx, b)
			})
		}, nfc.ErrNoApplet},
		{"tampered answer", &testworld.Wallet{W: w}, func(t apdu.Transport) apdu.Transport {
			return apdu.TransportFunc(func(ctx context.Context, b []byte) ([]byte, error) {
				r, err := t.Transmit(ctx, b)
				if err == nil && b[1] == nfc.InsGetData && len(r) > 40 {
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
		in := append([]byte{0x84, 6}, nfc.AID...)
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
			tr := apdu.TransportFunc(func(ctx context.Context, b []byte) ([]byte, error) {
				r, err := a.Transmit(ctx, b)
				if b[1] == nfc.InsSelect {
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
