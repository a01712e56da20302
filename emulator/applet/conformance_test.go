package applet_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/tlv"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

// Phone-side rules of docs/PROTOCOL.md §7 found wanting by a second
// implementation: each is one behaviour, specified and tested.

// rawGetData sends a sealed request of raw CBOR bytes.
func rawGetData(t *testing.T, a apdu.Transport, s *credential.Session, req []byte) apdu.Response {
	t.Helper()
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEncrypted, s.Seal(req))
	data, _ := b.Bytes()
	return exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsGetData, Data: data, Ne: 256})
}

func keyAgreementData(t *testing.T) []byte {
	t.Helper()
	eph, err := credential.NewEphemeralKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEphemeralKey, eph.PublicKey().Bytes())
	b.AddTLVBytes(wire.TagReaderNonce, make([]byte, 16))
	data, _ := b.Bytes()
	return data
}

// TestWrongP1P2: every proprietary command with P1-P2 other than 00 00 is
// answered 6A86 (§7.1), and changes nothing.
func TestWrongP1P2(t *testing.T) {
	w := testworld.New(1)
	for _, tc := range []struct {
		name   string
		ins    byte
		p1, p2 byte
	}{
		{"key agreement P1=01", wire.InsKeyAgreement, 1, 0},
		{"key agreement P2=01", wire.InsKeyAgreement, 0, 1},
		{"get data P1=01", wire.InsGetData, 1, 0},
		{"get data P2=01", wire.InsGetData, 0, 1},
		{"put receipt P1=80", wire.InsPutReceipt, 0x80, 0},
		{"put receipt P2=01", wire.InsPutReceipt, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
			exchange(t, a, selectCmd)
			s, _, _ := keyAgreement(t, a)
			var data []byte
			switch tc.ins {
			case wire.InsKeyAgreement:
				data = keyAgreementData(t)
			default:
				var b tlv.Builder
				req, _ := credential.EncodeDeviceRequest([]credential.Group{credential.GroupAMO})
				b.AddTLVBytes(wire.TagEncrypted, s.Seal(req)) // a good message for counter 1
				data, _ = b.Bytes()
			}
			if r := exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: tc.ins, P1: tc.p1, P2: tc.p2, Data: data, Ne: 256}); r.SW != 0x6A86 {
				t.Errorf("SW %04X, want 6A86", r.SW)
			}
			// The session is untouched: the next GET DATA (counter 1 again,
			// as nothing was opened) is served.
			if tc.ins != wire.InsKeyAgreement {
				s2, _, _ := keyAgreement(t, a)
				s = s2
			}
			if r := getData(t, a, s, credential.GroupAMO); r.SW != apdu.SWSuccess {
				t.Errorf("after the refused command: %04X", r.SW)
			}
		})
	}
}

// TestFailedSelectDeselects: a SELECT that fails — another AID, another
// selection mode — leaves no application selected (ISO/IEC 7816-4): KEY
// AGREEMENT then answers 6985, and an open session is gone.
func TestFailedSelectDeselects(t *testing.T) {
	w := testworld.New(1)
	other := selectCmd
	other.Data = []byte{0xA0, 0, 0, 0, 0x62, 3, 1}
	byPath := selectCmd
	byPath.P1 = 0x08
	for _, tc := range []struct {
		name string
		cmd  apdu.Command
		sw   uint16
	}{{"another AID", other, 0x6A82}, {"select by path", byPath, 0x6A86}} {
		t.Run(tc.name, func(t *testing.T) {
			a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
			exchange(t, a, selectCmd)
			s, _, _ := keyAgreement(t, a)
			if r := exchange(t, a, tc.cmd); r.SW != tc.sw {
				t.Fatalf("SELECT: %04X, want %04X", r.SW, tc.sw)
			}
			if r := getData(t, a, s, credential.GroupAMO); r.SW != wire.SWSequence {
				t.Errorf("GET DATA in the old session after the failed SELECT: %04X, want 6985", r.SW)
			}
			if _, _, r := keyAgreement(t, a); r.SW != wire.SWSequence {
				t.Errorf("KEY AGREEMENT after the failed SELECT: %04X, want 6985", r.SW)
			}
			exchange(t, a, selectCmd)
			if _, _, r := keyAgreement(t, a); r.SW != apdu.SWSuccess {
				t.Errorf("KEY AGREEMENT after a new SELECT: %04X", r.SW)
			}
		})
	}
}

// TestRequestRules: the phone refuses (6A80) a request without AMO or with
// a group twice; the order of the groups carries no meaning.
func TestRequestRules(t *testing.T) {
	w := testworld.New(1)
	for _, tc := range []struct {
		name string
		req  []byte
		sw   uint16
	}{
		{"AMO", []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x01}, apdu.SWSuccess},
		{"INS then AMO", []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x02, 0x01}, apdu.SWSuccess},
		{"ETAT_CIVIL, AMO, INS", []byte{0xa2, 0x01, 0x01, 0x02, 0x83, 0x03, 0x01, 0x02}, apdu.SWSuccess},
		{"INS alone", []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x02}, 0x6A80},
		{"INS and ETAT_CIVIL", []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x02, 0x03}, 0x6A80},
		{"AMO twice", []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x01, 0x01}, 0x6A80},
		{"ETAT_CIVIL twice", []byte{0xa2, 0x01, 0x01, 0x02, 0x83, 0x03, 0x01, 0x03}, 0x6A80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
			exchange(t, a, selectCmd)
			s, _, _ := keyAgreement(t, a)
			if r := rawGetData(t, a, s, tc.req); r.SW != tc.sw {
				t.Errorf("SW %04X, want %04X", r.SW, tc.sw)
			}
		})
	}
}

// TestGarbledKeyAgreementEndsSession: a KEY AGREEMENT refused during a keyed
// session (bad data, wrong P1-P2 excepted: nothing was attempted) ends that
// session: its messages are then answered 6985.
func TestGarbledKeyAgreementEndsSession(t *testing.T) {
	w := testworld.New(1)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated key", []byte{0x86, 1, 4}},
		{"key not on the curve", append(append([]byte{0x86, 65, 4}, make([]byte, 64)...), append([]byte{0x87, 16}, make([]byte, 16)...)...)},
		{"no nonce", append([]byte{0x86, 65}, keyAgreementData(t)[2:67]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
			exchange(t, a, selectCmd)
			s, _, _ := keyAgreement(t, a)
			if r := exchange(t, a, apdu.Command{CLA: wire.ClaProp, INS: wire.InsKeyAgreement, Data: tc.data, Ne: 256}); r.SW != 0x6A80 {
				t.Fatalf("garbled KEY AGREEMENT: %04X", r.SW)
			}
			if r := getData(t, a, s, credential.GroupAMO); r.SW != wire.SWSequence {
				t.Errorf("the earlier session after a garbled KEY AGREEMENT: %04X, want 6985", r.SW)
			}
			s2, _, r := keyAgreement(t, a)
			if r.SW != apdu.SWSuccess {
				t.Fatalf("new KEY AGREEMENT: %04X", r.SW)
			}
			if r := getData(t, a, s2, credential.GroupAMO); r.SW != apdu.SWSuccess {
				t.Errorf("new session: %04X", r.SW)
			}
		})
	}
}

// TestGetResponseChecks: GET RESPONSE checks P1-P2 before the state, like
// every command (§7.1), and serves at most Le bytes.
func TestGetResponseChecks(t *testing.T) {
	w := testworld.New(6)
	a := applet.New(&testworld.Wallet{W: w}, applet.Options{})
	if r, _ := a.Transmit(ctx, []byte{0x00, 0xC0, 0x01, 0x00, 0x00}); r[0] != 0x6A || r[1] != 0x86 {
		t.Errorf("GET RESPONSE P1=01, nothing pending: %X, want 6A86", r)
	}
	exchange(t, a, selectCmd)
	s, _, _ := keyAgreement(t, a)
	req, _ := credential.EncodeDeviceRequest(credential.AllGroups)
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEncrypted, s.Seal(req))
	cmd, _ := apdu.Command{CLA: wire.ClaProp, INS: wire.InsGetData, Data: func() []byte { d, _ := b.Bytes(); return d }(), Ne: 256}.Bytes()
	r, _ := a.Transmit(ctx, cmd)
	if r[len(r)-2] != 0x61 {
		t.Fatalf("GET DATA of a family of 6 not chained: %X", r[len(r)-2:])
	}
	r, _ = a.Transmit(ctx, []byte{0x00, 0xC0, 0x00, 0x00, 0x10})
	if len(r) != 16+2 || r[len(r)-2] != 0x61 {
		t.Errorf("GET RESPONSE Le=10: %d bytes, SW %X", len(r)-2, r[len(r)-2:])
	}
}
