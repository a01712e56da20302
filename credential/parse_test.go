package credential_test

// Strict parsing (DESIGN.md §3.7): every encoding the canonical form does not
// allow is refused, even where the signatures would still verify (the device
// signature covers the values of time and counter, not their encoding; the
// DeviceResponse envelope is not signed at all).

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/fxamacker/cbor/v2"
)

// qrParts splits a QR text into its four elements.
func qrParts(t testing.TB, s string) (cred []byte, at uint64, ctr uint32, sig []byte) {
	t.Helper()
	raw, err := credential.AppendBase45Decode(nil, s[len(credential.QRPrefix):])
	if err != nil {
		t.Fatal(err)
	}
	var qp struct {
		_    struct{} `cbor:",toarray"`
		Cred []byte
		At   uint64
		Ctr  uint32
		Sig  []byte
	}
	if err := cbor.Unmarshal(raw, &qp); err != nil {
		t.Fatal(err)
	}
	return qp.Cred, qp.At, qp.Ctr, qp.Sig
}

func enc(t testing.TB, v any) []byte {
	t.Helper()
	b, err := coreDet.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func qrText(b []byte) string { return string(credential.AppendBase45([]byte(credential.QRPrefix), b)) }

func TestQRStrictEncoding(t *testing.T) {
	w := newWorld(t, 1)
	cred, at, ctr, sig := qrParts(t, w.qr(t, 0, 7))
	if ctr != 7 || at>>32 != 0 {
		t.Fatal("fixture")
	}
	C, T, S := enc(t, cred), enc(t, at), enc(t, sig)
	T8 := append([]byte{0x1b, 0, 0, 0, 0}, T[1:]...) // time in 8 bytes instead of 4
	S2 := append([]byte{0x59, 0, 64}, sig...)        // 64-byte string with a 2-byte length
	for _, tc := range []struct {
		name string
		raw  []byte
		want error
	}{
		{"canonical (control)", cat([]byte{0x84}, C, T, []byte{0x07}, S), nil},
		{"non-shortest counter", cat([]byte{0x84}, C, T, []byte{0x18, 0x07}, S), credential.ErrMalformed},
		{"non-shortest time", cat([]byte{0x84}, C, T8, []byte{0x07}, S), credential.ErrMalformed},
		{"non-shortest string length", cat([]byte{0x84}, C, T, []byte{0x07}, S2), credential.ErrMalformed},
		{"non-shortest array head", cat([]byte{0x98, 0x04}, C, T, []byte{0x07}, S), credential.ErrMalformed},
		{"indefinite-length array", cat([]byte{0x9f}, C, T, []byte{0x07}, S, []byte{0xff}), credential.ErrMalformed},
		{"indefinite-length signature", cat([]byte{0x84}, C, T, []byte{0x07, 0x5f}, S, []byte{0xff}), credential.ErrMalformed},
		{"tagged array", cat([]byte{0xd8, 0x18, 0x84}, C, T, []byte{0x07}, S), credential.ErrMalformed},
		{"tagged credential (COSE tag 18)", cat([]byte{0x84, 0xd2}, C, T, []byte{0x07}, S), credential.ErrMalformed},
		{"tagged time (epoch tag 1)", cat([]byte{0x84}, C, []byte{0xc1}, T, []byte{0x07}, S), credential.ErrMalformed},
		{"trailing byte", cat([]byte{0x84}, C, T, []byte{0x07}, S, []byte{0x00}), credential.ErrMalformed},
		{"fifth element", cat([]byte{0x85}, C, T, []byte{0x07}, S, []byte{0x00}), credential.ErrMalformed},
		{"three elements", cat([]byte{0x83}, C, T, []byte{0x07}), credential.ErrMalformed},
		{"counter negative", cat([]byte{0x84}, C, T, []byte{0x26}, S), credential.ErrMalformed},
		{"counter 2^32", cat([]byte{0x84}, C, T, []byte{0x1b, 0, 0, 0, 1, 0, 0, 0, 0}, S), credential.ErrMalformed},
		{"counter as float", cat([]byte{0x84}, C, T, []byte{0xf9, 0x47, 0x00}, S), credential.ErrMalformed},
		{"counter null", cat([]byte{0x84}, C, T, []byte{0xf6}, S), credential.ErrMalformed},
		{"signature as text", cat([]byte{0x84}, C, T, []byte{0x07, 0x78, 64}, sig), credential.ErrMalformed},
		{"map instead of array", cat([]byte{0xa2, 0x01}, C, []byte{0x02}, T), credential.ErrMalformed},
		{"array claims 257 items", cat([]byte{0x99, 0x01, 0x01}, C), credential.ErrMalformed},
		{"string runs past the end", []byte{0x84, 0x5a, 0xff, 0xff, 0xff, 0xff, 0x00}, credential.ErrMalformed},
		{"empty", nil, credential.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := w.verifier(t).VerifyQR(qrText(tc.raw))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			mustErr(t, p, err, tc.want)
		})
	}
}

func TestQRTextErrors(t *testing.T) {
	w := newWorld(t, 1)
	good := w.qr(t, 0, 1)
	for _, tc := range []struct {
		name, text string
		want       error
	}{
		{"empty", "", credential.ErrMalformed},
		{"not ApCV", "HC1:6BFOXN", credential.ErrMalformed},
		{"lower-case prefix", "apcv1:" + good[6:], credential.ErrMalformed},
		{"future version", "APCV2:" + good[6:], credential.ErrUnsupportedVersion},
		{"prefix only", "APCV1:", credential.ErrMalformed},
		{"lower-case Base45", "APCV1:" + strings.ToLower(good[6:]), credential.ErrMalformed},
		{"Base45 length 3k+1", good + "0", credential.ErrMalformed},
		{"CR LF suffix left by a scanner", good + "\r\n", credential.ErrMalformed},
		{"too long", "APCV1:" + strings.Repeat("0", credential.MaxQRText), credential.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := w.verifier(t).VerifyQR(tc.text)
			mustErr(t, p, err, tc.want)
		})
	}
}

// splitResponse returns the four encoded values of a DeviceResponse.
func splitResponse(t testing.TB, resp []byte) [5][]byte {
	t.Helper()
	var m map[int]cbor.RawMessage
	if err := cbor.Unmarshal(resp, &m); err != nil || len(m) != 4 {
		t.Fatalf("response: %v", err)
	}
	return [5][]byte{nil, m[1], m[2], m[3], m[4]}
}

func TestNFCStrictEncoding(t *testing.T) {
	w := newWorld(t, 2)
	tr := transcript(t)
	amo := []credential.Group{credential.GroupAMO}
	resp, err := w.held.PresentNFC(w.device, tr, amo, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := splitResponse(t, resp)
	k := func(i byte) []byte { return []byte{i} }
	for _, tc := range []struct {
		name string
		raw  []byte
		want error
	}{
		{"canonical (control)", cat([]byte{0xa4}, k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4]), nil},
		{"keys out of order", cat([]byte{0xa4}, k(2), v[2], k(1), v[1], k(3), v[3], k(4), v[4]), credential.ErrMalformed},
		{"duplicate key", cat([]byte{0xa5}, k(1), v[1], k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4]), credential.ErrMalformed},
		{"unknown key 5", cat([]byte{0xa5}, k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4], k(5), k(0)), credential.ErrMalformed},
		{"unknown critical key 99", cat([]byte{0xa5}, k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4], []byte{0x18, 99}, k(0)), credential.ErrMalformed},
		{"extension key 100 (refused in the envelope)", cat([]byte{0xa5}, k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4], []byte{0x18, 100}, k(0)), credential.ErrMalformed}, // the DeviceResponse is an unsigned envelope: no extension
		{"negative extension key (refused in the envelope)", cat([]byte{0xa5}, k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4], k(0x20), k(0)), credential.ErrMalformed},
		{"extension keys out of order", cat([]byte{0xa6}, k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4], k(0x20), k(0), []byte{0x18, 100}, k(0)), credential.ErrMalformed},
		{"text key", cat([]byte{0xa4}, k(1), v[1], k(2), v[2], k(3), v[3], []byte{0x61, '4'}, v[4]), credential.ErrMalformed},
		{"non-shortest key", cat([]byte{0xa4}, k(1), v[1], k(2), v[2], k(3), v[3], []byte{0x18, 4}, v[4]), credential.ErrMalformed},
		{"non-shortest map head", cat([]byte{0xb8, 4}, k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4]), credential.ErrMalformed},
		{"indefinite-length map", cat([]byte{0xbf}, k(1), v[1], k(2), v[2], k(3), v[3], k(4), v[4], []byte{0xff}), credential.ErrMalformed},
		{"version 0", cat([]byte{0xa4}, k(1), k(0), k(2), v[2], k(3), v[3], k(4), v[4]), credential.ErrUnsupportedVersion},
		{"version 2 (signed: the phone said 1)", cat([]byte{0xa4}, k(1), k(2), k(2), v[2], k(3), v[3], k(4), v[4]), credential.ErrDeviceBinding},
		{"tag on the groups", cat([]byte{0xa4}, k(1), v[1], k(2), v[2], k(3), []byte{0xd8, 0x18}, v[3], k(4), v[4]), credential.ErrMalformed},
		{"groups null", cat([]byte{0xa4}, k(1), v[1], k(2), v[2], k(3), []byte{0xf6}, k(4), v[4]), credential.ErrMalformed},
		{"trailing bytes", cat(resp, []byte{0xa0}), credential.ErrMalformed},
		{"truncated", resp[:len(resp)-1], credential.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := w.verifier(t).VerifyNFC(tc.raw, tr, amo)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			mustErr(t, p, err, tc.want)
		})
	}
}

func TestSizeLimits(t *testing.T) {
	w := newWorld(t, 1)
	v := w.verifier(t)
	tr := transcript(t)
	if _, err := v.VerifyQR(strings.Repeat("A", credential.MaxQRText+1)); !errors.Is(err, credential.ErrTooLarge) {
		t.Errorf("QR: %v", err)
	}
	if _, err := v.VerifyNFC(make([]byte, credential.MaxPresentation+1), tr, credential.AllGroups); !errors.Is(err, credential.ErrTooLarge) {
		t.Errorf("NFC: %v", err)
	}
	if err := v.SetTrustList(make([]byte, credential.MaxList+1)); !errors.Is(err, credential.ErrTooLarge) {
		t.Errorf("trust list: %v", err)
	}
	if err := v.SetRevocationList(make([]byte, credential.MaxList+1)); !errors.Is(err, credential.ErrTooLarge) {
		t.Errorf("revocation list: %v", err)
	}
	// A credential over MaxCredential inside a response under MaxPresentation.
	resp, _ := w.held.PresentNFC(w.device, tr, credential.AllGroups, nil)
	parts := splitResponse(t, resp)
	big := enc(t, make([]byte, credential.MaxCredential+1))
	raw := cat([]byte{0xa4, 1}, parts[1], []byte{2}, big, []byte{3}, parts[3], []byte{4}, parts[4])
	if _, err := v.VerifyNFC(raw, tr, credential.AllGroups); !errors.Is(err, credential.ErrTooLarge) {
		t.Errorf("credential in response: %v", err)
	}

	// The size is checked before anything is allocated for the input: the
	// cost of refusing does not grow with the input.
	small, huge := strings.Repeat("A", credential.MaxQRText+1), strings.Repeat("A", 1<<22)
	a1 := testing.AllocsPerRun(20, func() { v.VerifyQR(small) })
	a2 := testing.AllocsPerRun(20, func() { v.VerifyQR(huge) })
	if a2 > a1+1 || a2 > 8 { // ±1: -race and fmt's int boxing vary by one

		t.Errorf("VerifyQR oversize allocs: %v for %d chars, %v for %d", a1, len(small), a2, len(huge))
	}
	hugeB := make([]byte, 1<<22)
	a3 := testing.AllocsPerRun(20, func() { v.VerifyNFC(hugeB, tr, nil) })
	a4 := testing.AllocsPerRun(20, func() { v.SetTrustList(hugeB) })
	if a3 > 8 || a4 > 16 { // constant, whatever the size (-race adds a few; the list error is wrapped with ErrBadList)
		t.Errorf("oversize allocs: VerifyNFC %v, SetTrustList %v", a3, a4)
	}
	// A CBOR head announcing a huge string is refused without allocating it.
	lying := []byte{0xa2, 0x01, 0x01, 0x02, 0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	a5 := testing.AllocsPerRun(20, func() { credential.DecodeDeviceRequest(lying) })
	if _, err := credential.DecodeDeviceRequest(lying); !errors.Is(err, credential.ErrMalformed) || a5 > 8 {
		t.Errorf("lying length: %v, %v allocs", err, a5)
	}
}

func TestDeviceRequest(t *testing.T) {
	good, err := credential.EncodeDeviceRequest([]credential.Group{credential.GroupAMO, credential.GroupINS})
	if err != nil {
		t.Fatal(err)
	}
	// The groups travel as an array of unsigned integers (docs/PROTOCOL.md
	// §6.4): {1: 1, 2: [1, 2]}.
	if want := []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x01, 0x02}; !bytes.Equal(good, want) {
		t.Errorf("EncodeDeviceRequest = %x, want %x", good, want)
	}
	r, err := credential.DecodeDeviceRequest(good)
	if err != nil || len(r.Groups) != 2 || r.Groups[1] != credential.GroupINS {
		t.Fatalf("DecodeDeviceRequest = %+v, %v", r, err)
	}
	for _, tc := range []struct {
		name string
		raw  []byte
		want error
	}{
		{"no groups", []byte{0xa2, 0x01, 0x01, 0x02, 0x80}, credential.ErrMalformed},
		{"groups missing", []byte{0xa1, 0x01, 0x01}, credential.ErrMalformed},
		{"four groups", []byte{0xa2, 0x01, 0x01, 0x02, 0x84, 1, 2, 3, 1}, credential.ErrMalformed},
		{"group 0", []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x00}, credential.ErrMalformed},
		{"no AMO", []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x02, 0x03}, credential.ErrMalformed},
		{"AMO twice", []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x01, 0x01}, credential.ErrMalformed},
		{"INS twice", []byte{0xa2, 0x01, 0x01, 0x02, 0x83, 0x01, 0x02, 0x02}, credential.ErrMalformed},
		{"group 4", []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x04}, credential.ErrMalformed},
		{"group 256", []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x19, 0x01, 0x00}, credential.ErrMalformed},
		{"group 65536", []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x1a, 0x00, 0x01, 0x00, 0x00}, credential.ErrMalformed},
		{"negative group", []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x20}, credential.ErrMalformed},
		{"groups as a byte string", []byte{0xa2, 0x01, 0x01, 0x02, 0x42, 0x01, 0x02}, credential.ErrMalformed},
		{"version 0", []byte{0xa2, 0x01, 0x00, 0x02, 0x81, 0x01}, credential.ErrUnsupportedVersion},
		{"version missing", []byte{0xa1, 0x02, 0x81, 0x01}, credential.ErrUnsupportedVersion},
		{"unknown field", []byte{0xa3, 0x01, 0x01, 0x02, 0x81, 0x01, 0x03, 0x00}, credential.ErrMalformed},
		{"empty", nil, credential.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r, err := credential.DecodeDeviceRequest(tc.raw); !errors.Is(err, tc.want) || r != nil {
				t.Errorf("= %+v, %v; want %v", r, err, tc.want)
			}
		})
	}
}

func TestReceipt(t *testing.T) {
	ok := credential.Receipt{Beneficiary: 1, PSID: "10001234567", PSName: "Dr Martin", AmountCents: 2650, Date: uint64(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC).Unix())}
	raw, err := credential.EncodeReceipt(ok)
	if err != nil {
		t.Fatal(err)
	}
	r, err := credential.DecodeReceipt(raw)
	if err != nil || *r != ok {
		t.Fatalf("round trip: %+v, %v", r, err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(r *credential.Receipt)
		field string
	}{
		{"negative index", func(r *credential.Receipt) { r.Beneficiary = -1 }, "receipt.beneficiary"},
		{"index 33", func(r *credential.Receipt) { r.Beneficiary = 33 }, "receipt.beneficiary"},
		{"negative amount", func(r *credential.Receipt) { r.AmountCents = -1 }, "receipt.amount"},
		{"amount over 100k€", func(r *credential.Receipt) { r.AmountCents = 100_000_01 }, "receipt.amount"},
		{"no date", func(r *credential.Receipt) { r.Date = 0 }, "receipt.date"},
		{"no PS id", func(r *credential.Receipt) { r.PSID = "" }, "receipt.psId"},
		{"PS name with control char", func(r *credential.Receipt) { r.PSName = "Dr\x00" }, "receipt.psName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			var fe *credential.FieldError
			if _, err := credential.EncodeReceipt(r); !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("EncodeReceipt = %v, want field %s", err, tc.field)
			}
			raw, _ := coreDet.Marshal(r) // a peer that does not validate
			if _, err := credential.DecodeReceipt(raw); !errors.As(err, &fe) || fe.Field != tc.field {
				t.Errorf("DecodeReceipt = %v, want field %s", err, tc.field)
			}
		})
	}
	if _, err := credential.DecodeReceipt(append(raw, 0)); !errors.Is(err, credential.ErrMalformed) {
		t.Errorf("trailing byte: %v", err)
	}
}
