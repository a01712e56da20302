package credential_test

// Fuzz targets of protocol version 2:
//
//	go test -run '^$' -fuzz=FuzzParseShortQR -fuzztime=20s ./credential/
//	go test -run '^$' -fuzz=FuzzVerifyResolution -fuzztime=20s ./credential/
//	go test -run '^$' -fuzz=FuzzDirectResolution -fuzztime=20s ./credential/ (the payload decoder against unmarshal)

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
)

// FuzzParseShortQR: no panic; ParseShortQR accepts exactly what IsShortQR
// does, and what it accepts is the one encoding of what it decoded (String
// gives the text back), which VerifyTag then checks without panicking
// (accepting only the seeds drawn with the world's key).
func FuzzParseShortQR(f *testing.F) {
	w := fixedWorld(f)
	f.Add(w.short(f, 0))
	f.Add(w.short(f, -time.Hour))
	for _, s := range []string{"", "APCV2:", "APCV1:000", "APCV2:" + strings.Repeat("0", 42), "APCV2:" + strings.Repeat(":", 42),
		"APCV2:" + strings.Repeat("0", 41), "APCV3:" + strings.Repeat("0", 42), "APCV2:" + strings.Repeat("0", 114)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		q, err := credential.ParseShortQR(text)
		if ok := credential.IsShortQR(text); ok != (err == nil) || ok != credential.IsShortQR([]byte(text)) {
			t.Fatalf("IsShortQR %v, ParseShortQR %v", ok, err)
		}
		if err != nil {
			if apcverr.Code(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !credential.LooksLikeQRText(text) {
			t.Fatal("a short text LooksLikeQRText refuses")
		}
		if q.String() != text {
			t.Fatalf("accepted a second encoding\n got %q\nwant %q", text, q.String())
		}
		if err := q.VerifyTag(w.held.ShortQRKey); err != nil && !errors.Is(err, credential.ErrDeviceBinding) {
			t.Fatalf("VerifyTag: %v", err)
		} else if err == nil && text != w.short(t, q.Time.Sub(w.now)) {
			t.Fatalf("tag of %q accepted, not the phone's", text)
		}
	})
}

// FuzzVerifyResolution: no panic; every refusal typed; an answer accepted is
// byte for byte one the issuer signed (the seeds): no change of the
// envelope or payload gets through.
func FuzzVerifyResolution(f *testing.F) {
	w := fixedWorld(f)
	text := w.short(f, -time.Second)
	var seeds [][]byte
	for _, groups := range [][]credential.Group{{credential.GroupAMO}, allGroups} {
		a := w.resolution(f, text, testFamily(f, 4), groups, 0, nil)
		seeds = append(seeds, a)
		f.Add(a, byte(0xff))
	}
	f.Add([]byte{0x84, 0x40, 0xa0, 0x40, 0x40}, byte(2))
	f.Add([]byte{}, byte(0))
	f.Fuzz(func(t *testing.T, answer []byte, mask byte) {
		var req []credential.Group
		for _, g := range credential.AllGroups {
			if mask&(1<<g) != 0 {
				req = append(req, g)
			}
		}
		p, err := w.verifier(t).VerifyResolution(text, answer, testPS, req)
		if (p == nil) == (err == nil) {
			t.Fatalf("p=%v err=%v", p != nil, err)
		}
		if p == nil {
			if apcverr.Code(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		signed := false
		for _, s := range seeds {
			signed = signed || bytes.Equal(s, answer)
		}
		if !signed || !p.Short || p.CredentialID != w.cid || len(p.Family.Beneficiaires) != 4 {
			t.Fatalf("accepted %x: %+v", answer, p)
		}
	})
}
