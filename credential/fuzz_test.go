package credential_test

// Fuzz targets for every parser, seeded with the table rows of the other
// tests. Run one with
//
//	go test -run '^$' -fuzz=FuzzVerifyQR -fuzztime=20s -fuzzminimizetime=2s ./credential/
//
// Properties checked on every input: no panic; anything accepted is in the
// one canonical encoding (re-encoding what was decoded gives the input back,
// except for extension map entries — keys ≥ 100 or negative, which a reader
// ignores — and a later minor version), so no mutation of a valid input is
// accepted unless it is that input or adds only ignored extensions.

import (
	"bytes"
	"crypto/rand"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/internal/vectors"
	"github.com/fxamacker/cbor/v2"
)

// fixedWorld is newWorld with the fixed test keys of the vectors, so that a
// corpus entry found by the fuzzer stays meaningful from one run to the next.
var (
	fixedOnce sync.Once
	fixed     *testWorld
)

func fixedWorld(tb testing.TB) *testWorld {
	fixedOnce.Do(func() { fixed = newFixedWorld(tb) })
	return fixed
}

func newFixedWorld(t testing.TB) *testWorld {
	w := &testWorld{
		root:   credential.IssuerKey{Kid: []byte(vectors.RootKid), Key: vectors.Key(vectors.RootScalar)},
		issuer: credential.IssuerKey{Kid: []byte(vectors.IssuerKid), Key: vectors.Key(vectors.IssuerScalar)},
		device: vectors.Key(vectors.DeviceScalar),
		cid:    [8]byte{1, 2, 3, 4, 5, 6, 7, 8},
		now:    vectors.Now,
	}
	var err error
	if w.held, err = credential.Issue(w.issuer, w.claims(vectors.Family(4)), rand.Reader); err != nil {
		t.Fatal(err)
	}
	w.trustRaw = w.signTrust(t, 1, w.trustedKey(w.issuer, "CNAM"))
	w.revRaw = w.signRev(t, 1)
	return w
}

// fixedTranscript is the NFC session transcript the fuzzed responses are checked against.
var fixedTranscript = credential.SessionTranscript(testAID, bytes.Repeat([]byte{4}, 65), bytes.Repeat([]byte{4}, 65), make([]byte, 16))

func FuzzVerifyQR(f *testing.F) {
	w := fixedWorld(f)
	for _, d := range []time.Duration{0, -time.Minute, -time.Hour} {
		s, _ := w.held.PresentQR(w.device, w.now.Add(d), 7)
		f.Add(s)
	}
	w1 := newWorld(f, 1)
	f.Add(w1.qr(f, 0, 1))
	for _, s := range []string{"", "APCV1:", "APCV2:BB8", "APCV1:BB80", "APCV1:GGW", "HC1:", "APCV1:" + strings.Repeat("0", 10)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v := w.verifier(t) // fresh replay state: a valid input verifies every time
		p, err := v.VerifyQR(text)
		if (p == nil) == (err == nil) {
			t.Fatalf("p=%v err=%v", p != nil, err)
		}
		if p == nil {
			return
		}
		// Accepted: it must be the canonical encoding of what it holds.
		cred, at, ctr, sig := qrParts(t, text)
		canon := qrText(cat([]byte{0x84}, enc(t, cred), enc(t, at), enc(t, ctr), enc(t, sig)))
		if canon != text {
			t.Fatalf("accepted a non-canonical QR text\n got %q\nwant %q", text, canon)
		}
		if p.Counter != ctr || p.PresentedAt.Unix() != int64(at) || len(p.Family.Beneficiaires) == 0 {
			t.Fatalf("presentation %+v does not match the text", p)
		}
	})
}

func FuzzVerifyNFC(f *testing.F) {
	w := fixedWorld(f)
	for _, req := range [][]credential.Group{{credential.GroupAMO}, credential.AllGroups} {
		resp, _ := w.held.PresentNFC(w.device, fixedTranscript, req, nil)
		var mask byte
		for _, g := range req {
			mask |= 1 << g
		}
		f.Add(resp, mask)
	}
	f.Add([]byte{0xa0}, byte(2))
	f.Add([]byte{}, byte(0))
	f.Fuzz(func(t *testing.T, resp []byte, mask byte) {
		var req []credential.Group
		for _, g := range credential.AllGroups {
			if mask&(1<<g) != 0 {
				req = append(req, g)
			}
		}
		p, err := w.verifier(t).VerifyNFC(resp, fixedTranscript, req)
		if (p == nil) == (err == nil) {
			t.Fatalf("p=%v err=%v", p != nil, err)
		}
		if p == nil {
			return
		}
		var dr struct {
			Version uint8            `cbor:"1,keyasint"`
			Cred    []byte           `cbor:"2,keyasint"`
			Groups  map[uint8][]byte `cbor:"3,keyasint"`
			Sig     []byte           `cbor:"4,keyasint"`
		}
		if err := cbor.Unmarshal(resp, &dr); err != nil {
			t.Fatalf("accepted but undecodable: %v", err)
		}
		if canon := enc(t, dr); !bytes.Equal(canon, resp) && len(resp) <= len(canon) {
			t.Fatalf("accepted a second encoding of a response\n got %x\nwant %x", resp, canon)
		}
		if len(p.Groups) != len(req) {
			t.Fatalf("groups %v for request %v", p.Groups, req)
		}
	})
}

func FuzzBase45(f *testing.F) {
	for _, v := range base45Vectors {
		f.Add([]byte(v.raw), v.enc)
	}
	for _, s := range []string{"0", "GGW", ":::", "V5", "bb8", "BB\xc3"} {
		f.Add([]byte{}, s)
	}
	f.Fuzz(func(t *testing.T, raw []byte, text string) {
		e := credential.AppendBase45(nil, raw)
		if len(e) != len(raw)/2*3+len(raw)%2*2 {
			t.Fatalf("encoded %d bytes into %d characters", len(raw), len(e))
		}
		d, err := credential.AppendBase45Decode(nil, string(e))
		if err != nil || !bytes.Equal(d, raw) {
			t.Fatalf("decode(encode(%x)) = %x, %v", raw, d, err)
		}
		d, err = credential.AppendBase45Decode(nil, text)
		if err != nil {
			return
		}
		if len(d) != credential.Base45DecodedLen(len(text)) {
			t.Fatalf("decoded %d bytes, DecodedLen says %d", len(d), credential.Base45DecodedLen(len(text)))
		}
		if back := string(credential.AppendBase45(nil, d)); back != text {
			t.Fatalf("%q decodes to %x which encodes to %q: two encodings", text, d, back)
		}
	})
}

func FuzzParseTrustList(f *testing.F) {
	w := fixedWorld(f)
	f.Add(w.trustRaw)
	f.Add(w.revRaw)
	f.Add([]byte{0x84, 0x40, 0xa0, 0x40, 0x40})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if tl, err := credential.ParseTrustList(raw, &w.root.Key.PublicKey); err == nil {
			if !tl.NextUpdate.After(tl.IssuedAt) {
				t.Fatalf("accepted %+v", tl)
			}
			for _, k := range tl.Keys {
				if len(k.Kid) == 0 || len(k.Kid) > 32 || k.Key == nil {
					t.Fatalf("accepted key %+v", k)
				}
			}
		} else if tl != nil {
			t.Fatal("list with an error")
		}
		if rl, err := credential.ParseRevocationList(raw, &w.root.Key.PublicKey); err == nil {
			if !rl.NextUpdate.After(rl.IssuedAt) {
				t.Fatalf("accepted %+v", rl)
			}
		} else if rl != nil {
			t.Fatal("list with an error")
		}
		v := credential.NewVerifier(w.config())
		v.SetTrustList(raw)
		v.SetRevocationList(raw)
	})
}

func FuzzDecodeDeviceRequest(f *testing.F) {
	for _, gs := range [][]credential.Group{{credential.GroupAMO}, credential.AllGroups, {credential.GroupINS, credential.GroupAMO}} {
		b, _ := credential.EncodeDeviceRequest(gs)
		f.Add(b)
	}
	for _, b := range [][]byte{{0xa2, 0x01, 0x01, 0x02, 0x80}, {0xa2, 0x01, 0x02, 0x02, 0x81, 0x01}, {0xa3, 0x01, 0x01, 0x02, 0x81, 0x01, 0x03, 0x00}, {0xa2, 0x01, 0x01, 0x02, 0x42, 0x01, 0x02}, {}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := credential.DecodeDeviceRequest(b)
		if err != nil {
			if r != nil {
				t.Fatal("request with an error")
			}
			return
		}
		back, err := credential.EncodeDeviceRequest(r.Groups)
		if err != nil {
			t.Fatal(err)
		}
		if r.Version == credential.Version && !bytes.Equal(back, b) && len(b) <= len(back) {
			t.Fatalf("%x decodes to %+v which encodes to %x: two encodings", b, r, back)
		}
		if again, err := credential.DecodeDeviceRequest(back); err != nil || !reflect.DeepEqual(again.Groups, r.Groups) {
			t.Fatalf("re-encoded request %x: %+v, %v", back, again, err)
		}
	})
}

func FuzzDecodeReceipt(f *testing.F) {
	ok := credential.Receipt{Beneficiary: 1, PSID: "10001234567", PSName: "Dr Martin", AmountCents: 2650, Date: 1795000000}
	b, _ := credential.EncodeReceipt(ok)
	f.Add(b)
	f.Add(append(b, 0))
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := credential.DecodeReceipt(b)
		if err != nil {
			return
		}
		back, err := credential.EncodeReceipt(*r)
		if err != nil || !bytes.Equal(back, b) && len(b) <= len(back) {
			t.Fatalf("%x decodes to %+v which encodes to %x, %v", b, r, back, err)
		}
	})
}

func FuzzSessionOpen(f *testing.F) {
	s := newSessionPair(f)
	f.Add(s.reader.Seal([]byte("x")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, c []byte) {
		// A fresh pair each time: only a ciphertext made with its keys opens.
		s := newSessionPair(t)
		if _, err := s.device.Open(c); err == nil {
			t.Fatalf("opened a foreign ciphertext %x", c)
		}
	})
}
