package applet_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/tlv"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

var ctx = context.Background()

func exchange(t *testing.T, a apdu.Transport, c apdu.Command) apdu.Response {
	t.Helper()
	r, err := apdu.Exchange(ctx, a, c, apdu.ExchangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var selectCmd = apdu.Command{CLA: wire.ClaISO, INS: wire.InsSelect, P1: 0x04, Data: wire.AID, Ne: 256}

// keyAgreement runs KEY AGREEMENT by hand and returns the reader's session.
func keyAgreement(t *testing.T, a apdu.Transport) (*credential.Session, []byte, apdu.Response) {
	t.Helper()
	eph, err := credential.NewEphemeralKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, 16)
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEphemeralKey, eph.PublicKey().Bytes())
	b.AddTLVBytes(wire.TagReaderNonce, nonce)
	data, _ := b.Bytes()
	r := exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsKeyAgreement, Data: data, Ne: 256})
	if r.SW != apdu.SWSuccess {
		return nil, nil, r
	}
	phoneKey, err := tlv.Find(r.Data, wire.TagEphemeralKey)
	if err != nil {
		t.Fatal(err)
	}
	tr := credential.SessionTranscript(wire.AID, eph.PublicKey().Bytes(), phoneKey, nonce)
	s, err := credential.DeriveSession(credential.RoleReader, eph, phoneKey, tr)
	if err != nil {
		t.Fatal(err)
	}
	return s, tr, r
}

func getData(t *testing.T, a apdu.Transport, s *credential.Session, groups ...credential.Group) apdu.Response {
	t.Helper()
	req, _ := credential.EncodeDeviceRequest(groups)
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEncrypted, s.Seal(req))
	data, _ := b.Bytes()
	return exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsGetData, Data: data, Ne: 256})
}

func TestSelect(t *testing.T) {
	w := testworld.New(1)
	a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
	for i := 0; i < 3; i++ { // a repeated SELECT is harmless
		r := exchange(t, a, selectCmd)
		if r.SW != apdu.SWSuccess {
			t.Fatalf("select %d: %04X", i, r.SW)
		}
		aid, err := tlv.Find(r.Data, wire.TagFCI, wire.TagAID)
		if err != nil || string(aid) != string(wire.AID) {
			t.Fatalf("FCI AID = %X, %v", aid, err)
		}
	}
	bad := selectCmd
	bad.Data = []byte{0xA0, 0, 0, 0, 0x62, 3, 1}
	if r := exchange(t, a, bad); !errors.Is(r.Err(), apdu.ErrFileNotFound) {
		t.Fatalf("unknown AID: %v", r.Err())
	}
	bad = selectCmd
	bad.P1 = 0x00
	if r := exchange(t, a, bad); r.SW != 0x6A86 {
		t.Fatalf("bad P1: %04X", r.SW)
	}
}

func TestStatusWords(t *testing.T) {
	w := testworld.New(1)
	for _, tc := range []struct {
		name   string
		locked error
		steps  func(t *testing.T, a apdu.Transport) uint16
		want   uint16
	}{
		{"key agreement before select", nil, func(t *testing.T, a apdu.Transport) uint16 {
			_, _, r := keyAgreement(t, a)
			return r.SW
		}, wire.SWSequence},
		{"locked", fmt.Errorf("x: %w", nfc.ErrAppLocked), func(t *testing.T, a apdu.Transport) uint16 {
			exchange(t, a, selectCmd)
			_, _, r := keyAgreement(t, a)
			return r.SW
		}, wire.SWAppLocked},
		{"revoked", errors.New("revoked"), func(t *testing.T, a apdu.Transport) uint16 {
			exchange(t, a, selectCmd)
			_, _, r := keyAgreement(t, a)
			return r.SW
		}, wire.SWAppRevoked},
		{"get data before key agreement", nil, func(t *testing.T, a apdu.Transport) uint16 {
			exchange(t, a, selectCmd)
			return exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsGetData, Data: []byte{0x88, 1, 0}, Ne: 256}).SW
		}, wire.SWSequence},
		{"bad key agreement data", nil, func(t *testing.T, a apdu.Transport) uint16 {
			exchange(t, a, selectCmd)
			return exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsKeyAgreement, Data: []byte{0x86, 1, 4}, Ne: 256}).SW
		}, 0x6A80},
		{"ciphertext that does not authenticate", nil, func(t *testing.T, a apdu.Transport) uint16 {
			exchange(t, a, selectCmd)
			keyAgreement(t, a)
			return exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsGetData, Data: append([]byte{0x88, 20}, make([]byte, 20)...), Ne: 256}).SW
		}, 0x6A80},
		{"unknown INS", nil, func(t *testing.T, a apdu.Transport) uint16 {
			return exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: 0x44}).SW
		}, 0x6D00},
		{"unknown CLA", nil, func(t *testing.T, a apdu.Transport) uint16 {
			return exchange(t, a, apdu.Command{CLA: 0x40, INS: 0x44}).SW
		}, 0x6E00},
		{"GET RESPONSE with nothing pending", nil, func(t *testing.T, a apdu.Transport) uint16 {
			r, _ := a.Transmit(ctx, []byte{0x00, 0xC0, 0, 0, 0})
			return uint16(r[0])<<8 | uint16(r[1])
		}, wire.SWSequence},
		{"malformed APDU", nil, func(t *testing.T, a apdu.Transport) uint16 {
			r, _ := a.Transmit(ctx, []byte{0x80, 0x20, 0})
			return uint16(r[0])<<8 | uint16(r[1])
		}, 0x6700},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := applet.New(&testworld.Wallet{W: w, Locked: tc.locked}, applet.Options{})
			if got := tc.steps(t, a); got != tc.want {
				t.Fatalf("SW %04X, want %04X", got, tc.want)
			}
		})
	}
}

// TestGetDataChainedAndMinimal reads through GET RESPONSE chaining (the
// answer is over 256 bytes) and checks that only the groups asked for are
// released, whatever the phone holds.
func TestGetDataChainedAndMinimal(t *testing.T) {
	w := testworld.New(6)
	v := w.Verifier(nil)
	for _, groups := range [][]credential.Group{
		{credential.GroupAMO},
		{credential.GroupAMO, credential.GroupINS},
		credential.AllGroups,
	} {
		t.Run(fmt.Sprint(groups), func(t *testing.T) {
			var rounds int
			a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
			counted := apdu.TransportFunc(func(ctx context.Context, b []byte) ([]byte, error) {
				if b[1] == wire.InsGetResponse {
					rounds++
				}
				return a.Transmit(ctx, b)
			})
			exchange(t, counted, selectCmd)
			s, tr, _ := keyAgreement(t, counted)
			r := getData(t, counted, s, groups...)
			if r.SW != apdu.SWSuccess || rounds == 0 {
				t.Fatalf("SW %04X after %d GET RESPONSE", r.SW, rounds)
			}
			ct, err := tlv.Find(r.Data, wire.TagEncrypted)
			if err != nil {
				t.Fatal(err)
			}
			pt, err := s.Open(ct)
			if err != nil {
				t.Fatal(err)
			}
			p, err := v.VerifyNFC(pt, tr, groups)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(p.Groups) != fmt.Sprint(groups) {
				t.Fatalf("released %v, asked %v", p.Groups, groups)
			}
			// Asking the verifier for less than was released is refused.
			if len(groups) > 1 {
				if _, err := v.VerifyNFC(pt, tr, groups[:1]); !errors.Is(err, credential.ErrMalformed) {
					t.Fatalf("extra group accepted: %v", err)
				}
			}
		})
	}
}

// TestResetStartsAfresh checks that a field reset ends the session: the old
// session's messages are refused, and SELECT is needed again.
func TestResetStartsAfresh(t *testing.T) {
	w := testworld.New(1)
	a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
	exchange(t, a, selectCmd)
	s, _, _ := keyAgreement(t, a)
	a.Reset()
	if r := getData(t, a, s, credential.GroupAMO); r.SW != wire.SWSequence {
		t.Fatalf("after reset: %04X", r.SW)
	}
	exchange(t, a, selectCmd)
	s2, _, _ := keyAgreement(t, a)
	if r := getData(t, a, s2, credential.GroupAMO); r.SW != apdu.SWSuccess {
		t.Fatalf("new session: %04X", r.SW)
	}
}

func TestReceipt(t *testing.T) {
	w := testworld.New(1)
	wallet := &testworld.Wallet{W: w}
	a := applet.New(wallet, applet.Options{})
	exchange(t, a, selectCmd)
	s, _, _ := keyAgreement(t, a)
	rec := credential.Receipt{PSID: "10101010101", PSName: "Cabinet", AmountCents: 2500, Date: 1}
	pt, _ := credential.EncodeReceipt(rec)
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEncrypted, s.Seal(pt))
	data, _ := b.Bytes()
	if r := exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsPutReceipt, Data: data}); r.SW != apdu.SWSuccess {
		t.Fatalf("SW %04X", r.SW)
	}
	if len(wallet.Receipts) != 1 || wallet.Receipts[0] != rec {
		t.Fatalf("receipts %+v", wallet.Receipts)
	}
	// The same ciphertext again is a replay within the session: refused.
	if r := exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsPutReceipt, Data: data}); r.SW != 0x6A80 {
		t.Fatalf("replayed receipt: %04X", r.SW)
	}
	if len(wallet.Receipts) != 1 {
		t.Fatal("replayed receipt stored")
	}
}

func FuzzApplet(f *testing.F) {
	w := testworld.New(1)
	f.Add([]byte{0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x41, 0x50, 0x43, 0x56, 0x31, 0x00})
	f.Add([]byte{0x80, 0x10, 0, 0, 3, 0x86, 1, 4, 0})
	f.Add([]byte{0x00, 0xC0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, cmd []byte) {
		a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
		a.Transmit(ctx, selectCmdBytes)
		r, err := a.Transmit(ctx, cmd)
		if err != nil || len(r) < 2 {
			t.Fatalf("answer %X, %v", r, err)
		}
	})
}

var selectCmdBytes, _ = selectCmd.Bytes()
