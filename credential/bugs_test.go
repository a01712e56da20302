package credential_test

// Regression tests for defects of the non-test code found while writing the
// test suite (all fixed in commit 02be322). A new defect gets its failing
// test here, with the file and line at fault, until it is fixed.

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// verify.go SetTrustList documents "the same Seq is accepted only with the
// same content", but only Seq < held is refused: a different list with the
// same Seq replaces the one in use.
func TestBugTrustListSameSeqDifferentContent(t *testing.T) {
	w := newWorld(t, 1)
	v := w.verifier(t)
	other := credential.IssuerKey{Kid: []byte("other-1"), Key: genKey(t)}
	same := w.signTrust(t, 1, w.trustedKey(w.issuer, "CNAM"), w.trustedKey(other, "OTHER"))
	err := v.SetTrustList(same)
	if err == nil {
		t.Fatalf("SetTrustList(Seq 1, different content) over Seq 1 = nil, want an error (doc: same Seq only with the same content)")
	}
	if !errors.Is(err, credential.ErrRollback) {
		t.Errorf("err = %v, want ErrRollback", err)
	}
}

// cose.go parseSign1 / cbor.go unmarshal: CBOR null (f6) and undefined (f7)
// decode as an empty map where COSE_Sign1 requires the empty map a0 for the
// unprotected header, so an ill-typed envelope is accepted. A signed list
// whose a0 is replaced by f6 must be refused with ErrMalformed.
func TestBugNullAcceptedForEmptyUnprotectedHeader(t *testing.T) {
	w := newWorld(t, 1)
	for _, simple := range []byte{0xf6, 0xf7} {
		raw := bytes.Clone(w.trustRaw)
		// COSE_Sign1 = 84 | 58 len protected | a0 | payload | signature.
		// The protected header is a short bstr (head 0x4X).
		i := 1 + 1 + int(raw[1]&0x1f)
		if raw[i] != 0xa0 {
			t.Fatalf("unexpected layout: byte %d = %02x, want a0", i, raw[i])
		}
		raw[i] = simple
		_, err := credential.ParseTrustList(raw, &w.root.Key.PublicKey)
		if !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("unprotected header %02x: ParseTrustList err = %v, want ErrMalformed", simple, err)
		}
	}
}

// cbor.go decMode: a text-string key "1" is matched to the struct field
// tagged `cbor:"1,keyasint"`, so a map keyed by text strings decodes as if it
// were keyed by integers. The wire format has integer keys only; this is an
// unknown field and must be refused.
func TestBugTextKeyAcceptedForIntegerKey(t *testing.T) {
	// {"1": 1, "2": [1]}: DeviceRequest with text keys.
	b := []byte{0xa2, 0x61, '1', 0x01, 0x61, '2', 0x81, 0x01}
	if r, err := credential.DecodeDeviceRequest(b); !errors.Is(err, credential.ErrMalformed) {
		t.Errorf("DecodeDeviceRequest(text keys) = %+v, %v; want ErrMalformed", r, err)
	}
}

// nir.go Validate: its doc says it checks "the month", but any two digits
// are accepted. INSEE assigns 01–12, and 20, 30–42, 50–99 for incomplete
// civil status; 00 and 13–19 never occur.
func TestBugNIRMonthNotChecked(t *testing.T) {
	for _, body := range []string{"2781375123456", "2780075123456"} {
		n := nirWithKey(body)
		var fe *credential.FieldError
		if err := n.Validate(); !errors.As(err, &fe) {
			t.Errorf("NIR with month %s: Validate() = %v, want a *FieldError", body[3:5], err)
		}
	}
}

// nir.go number: 2A/2B are upper-cased before the key is computed, so
// NIR("…2a…").Validate() succeeds and a lower-case "2a" travels to the
// billing software from a verified credential. The type's doc says "2A or
// 2B"; ParseNIR upper-cases, Validate should refuse lower case.
func TestBugNIRLowerCaseCorsicaAccepted(t *testing.T) {
	n := credential.NIR("115022a04012330") // key of 115022A040123 is 30 (see TestNIRKeysByHand)
	if err := credential.NIR("115022A04012330").Validate(); err != nil {
		t.Fatalf("upper-case control: %v", err)
	}
	if err := n.Validate(); err == nil {
		t.Errorf("NIR(%q).Validate() = nil, want a *FieldError (lower-case département)", string(n))
	}
}

func nirWithKey(body string) credential.NIR {
	k, err := credential.ComputeKey(body)
	if err != nil {
		panic(err)
	}
	return credential.NIR(body + string(rune('0'+k/10)) + string(rune('0'+k%10)))
}

// session.go DeviceRequest: Groups is []Group (uint8 elements), which
// fxamacker encodes as a byte string (h'0102') but decodes from a byte string
// or from an array ([1, 2]) alike: two encodings of one request. Only the one
// EncodeDeviceRequest produces may be accepted.
func TestBugDeviceRequestTwoEncodings(t *testing.T) {
	enc, err := credential.EncodeDeviceRequest([]credential.Group{credential.GroupAMO, credential.GroupINS})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := credential.DecodeDeviceRequest(enc); err != nil {
		t.Fatalf("own encoding %x refused: %v", enc, err)
	}
	bstr := []byte{0xa2, 0x01, 0x01, 0x02, 0x42, 0x01, 0x02}
	array := []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x01, 0x02}
	other := array
	if bytes.Equal(enc, array) {
		other = bstr
	}
	if r, err := credential.DecodeDeviceRequest(other); !errors.Is(err, credential.ErrMalformed) {
		t.Errorf("DecodeDeviceRequest(%x) = %+v, %v; want ErrMalformed (EncodeDeviceRequest gives %x)", other, r, err, enc)
	}
}

// cbor.go decMode: fxamacker decodes a CBOR array of small integers into a
// []byte field, so every byte string of the wire format (credential,
// signature, kid, salts, CID...) has a second, non-canonical encoding. The
// device signature covers the signature's value, not its encoding, so a QR
// whose signature is re-encoded as an array of 64 integers still verifies.
func TestBugArrayAcceptedForByteString(t *testing.T) {
	w := newWorld(t, 1)
	cred, at, ctr, sig := qrParts(t, w.qr(t, 0, 7))
	arr := make([]uint16, len(sig))
	for i, c := range sig {
		arr[i] = uint16(c)
	}
	raw := cat([]byte{0x84}, enc(t, cred), enc(t, at), enc(t, ctr), enc(t, arr))
	p, err := w.verifier(t).VerifyQR(qrText(raw))
	if p != nil || !errors.Is(err, credential.ErrMalformed) {
		t.Errorf("QR with the signature as an array of integers: p=%v err=%v, want ErrMalformed", p != nil, err)
	}
}

// issue.go Issue: rand nil panics (io.ReadFull on a nil reader) while
// PresentQR and PresentNFC document "rand may be nil" and use crypto/rand.
// Nothing may panic on a caller's zero value: use crypto/rand, or return an
// error.
func TestBugIssueNilRandPanics(t *testing.T) {
	w := newWorld(t, 1)
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Issue(..., nil) panicked: %v", r)
		}
	}()
	if _, err := credential.Issue(w.issuer, w.claims(testFamily(t, 1)), nil); err != nil {
		t.Logf("Issue(..., nil) = %v (an error is acceptable, a panic is not)", err)
	}
}

// cbor.go maxItems = 256 bounds every CBOR array, the revocation list's
// included: a list of more than 256 revoked credentials is signed by
// SignRevocationList but refused by SetRevocationList (ErrMalformed), although
// MaxList (1 MiB) leaves room for ~100k entries. A national list holds far
// more than 256 revoked apps.
func TestBugRevocationListOver256Entries(t *testing.T) {
	w := newWorld(t, 1)
	revoked := make([][8]byte, 10000)
	for i := range revoked {
		revoked[i] = [8]byte{0xee, byte(i >> 8), byte(i)}
	}
	revoked[5000] = w.cid
	raw, err := credential.SignRevocationList(w.root, credential.RevocationList{Seq: 2, IssuedAt: w.now.Add(-time.Hour),
		NextUpdate: w.now.Add(time.Hour), Revoked: revoked})
	if err != nil {
		t.Fatal(err)
	}
	v := w.verifier(t)
	if err := v.SetRevocationList(raw); err != nil {
		t.Fatalf("SetRevocationList(%d entries, %d bytes) = %v", len(revoked), len(raw), err)
	}
	if p, err := v.VerifyQR(w.qr(t, 0, 1)); !errors.Is(err, credential.ErrRevoked) {
		t.Errorf("VerifyQR = %v, %v; want ErrRevoked", p, err)
	}
}
