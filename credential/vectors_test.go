package credential_test

//go:generate go run ./internal/vectorgen -out testdata/vectors

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/internal/vectors"
)

// TestVectors replays every vector of testdata/vectors: an accepting vector
// must verify at its time with exactly the expected fields, and be refused
// one window later; a rejecting vector must fail with its error code. The
// NFC vectors also replay the session: transcript, key derivation, and the
// sealed request and response, byte for byte.
func TestVectors(t *testing.T) {
	vs, err := vectors.Load("testdata/vectors")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) < 10 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) { checkVector(t, v) })
	}
}

func vectorVerifier(t *testing.T, v vectors.Vector, at time.Time) *credential.Verifier {
	t.Helper()
	la, err := credential.ParsePublicKey(v.ListAuthority.Public)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(la, &vectors.Key(hexString(v.ListAuthority.Private)).PublicKey) {
		t.Fatal("list authority public key does not match its scalar")
	}
	ver := credential.NewVerifier(credential.VerifierConfig{ListAuthority: la, Now: func() time.Time { return at },
		QRWindow: time.Duration(v.QRWindowSeconds) * time.Second, ClockSkew: time.Duration(v.ClockSkewSeconds) * time.Second})
	if err := ver.SetTrustList(v.TrustList); err != nil {
		t.Fatalf("trust list: %v", err)
	}
	if err := ver.SetRevocationList(v.RevocationList); err != nil {
		t.Fatalf("revocation list: %v", err)
	}
	return ver
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	s := make([]byte, 0, 2*len(b))
	for _, c := range b {
		s = append(s, digits[c>>4], digits[c&15])
	}
	return string(s)
}

func verifyVector(t *testing.T, v vectors.Vector, at time.Time) (*credential.Presentation, error) {
	t.Helper()
	ver := vectorVerifier(t, v, at)
	switch v.Mode {
	case "qr":
		return ver.VerifyQR(v.QR.Text)
	case "nfc":
		req, err := vectors.ParseGroups(v.NFC.Requested)
		if err != nil {
			t.Fatal(err)
		}
		tr := v.NFC.Transcript
		if v.NFC.VerifierTranscript != nil {
			tr = v.NFC.VerifierTranscript
		}
		return ver.VerifyNFC(v.NFC.DeviceResponse, tr, req)
	case "short":
		req, err := vectors.ParseGroups(v.Short.Requested)
		if err != nil {
			t.Fatal(err)
		}
		ps := v.Short.PSHash
		if v.Short.VerifierPSHash != nil {
			ps = v.Short.VerifierPSHash
		}
		if len(ps) != 32 {
			t.Fatalf("ps hash of %d bytes", len(ps))
		}
		return ver.VerifyResolution(v.Short.Text, v.Short.Answer, [32]byte(ps), req)
	}
	t.Fatalf("mode %q", v.Mode)
	return nil, nil
}

func checkVector(t *testing.T, v vectors.Vector) {
	if v.Mode == "qr" {
		raw, err := credential.AppendBase45Decode(nil, v.QR.Text[len(credential.QRPrefix):])
		if err != nil || !bytes.Equal(raw, v.QR.Bytes) {
			t.Fatalf("qr.bytes is not the Base45 decoding of qr.text: %v", err)
		}
	}
	if v.Mode == "nfc" {
		checkSession(t, v.NFC)
	}
	if v.Mode == "short" {
		checkShort(t, v)
	}
	p, err := verifyVector(t, v, v.VerifyAt)
	if v.Expect.Error != "" {
		if p != nil || apcverr.Code(err) != v.Expect.Error {
			t.Fatalf("verify: p=%v err=%v, want code %q", p != nil, err, v.Expect.Error)
		}
		return
	}
	if err != nil {
		t.Fatalf("verify at %v: %v", v.VerifyAt, err)
	}
	got := vectors.FamilyOf(p.Family, p.Groups)
	if !reflect.DeepEqual(got, v.Expect.Family) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(v.Expect.Family, "", " ")
		t.Fatalf("family\n got %s\nwant %s", g, w)
	}
	// The Presentation must not hold more than the groups received.
	for i, b := range p.Family.Beneficiaires {
		if b.INS != nil && v.Expect.Family.Beneficiaires[i].INS == nil {
			t.Errorf("beneficiary %d: INS not expected", i)
		}
	}
	if p.Family.EtatCivil != nil && v.Expect.Family.EtatCivil == nil {
		t.Error("état civil not expected")
	}
	if p.Issuer != v.Expect.Issuer || !bytes.Equal(p.CredentialID[:], v.Expect.CredentialID) || p.Counter != v.Expect.Counter ||
		!reflect.DeepEqual(vectors.GroupNames(p.Groups), v.Expect.Groups) {
		t.Errorf("presentation %+v, want %+v", p, v.Expect)
	}
	if sel := v.Expect.Selected; p.Chosen != (sel != nil) || sel != nil && p.Selected != *sel {
		t.Errorf("chosen %v, selected %d; want %v", p.Chosen, p.Selected, sel)
	}
	if v.Mode == "qr" && !p.PresentedAt.Equal(v.QR.Time) {
		t.Errorf("presented at %v, want %v", p.PresentedAt, v.QR.Time)
	}
	if v.Mode == "short" && (!p.Short || !p.PresentedAt.Equal(v.Short.Time) || !p.ResolvedAt.Equal(v.Short.ResolvedAt)) {
		t.Errorf("short %v, presented at %v, resolved at %v; want %v, %v", p.Short, p.PresentedAt, p.ResolvedAt, v.Short.Time, v.Short.ResolvedAt)
	}

	// One window later: a QR has expired; an NFC response is bound to its
	// session, so at that time it still verifies, but its revocation list
	// is stale one grace period after its next update.
	switch v.Mode {
	case "qr":
		later := v.QR.Time.Add(time.Duration(v.QRWindowSeconds+1) * time.Second)
		if p, err := verifyVector(t, v, later); p != nil || apcverr.Code(err) != "qr-expired" {
			t.Errorf("at %v: p=%v err=%v, want qr-expired", later, p != nil, err)
		}
	case "short":
		later := v.Short.Time.Add(time.Duration(v.QRWindowSeconds+1) * time.Second)
		if p, err := verifyVector(t, v, later); p != nil || apcverr.Code(err) != "qr-expired" {
			t.Errorf("at %v: p=%v err=%v, want qr-expired", later, p != nil, err)
		}
	case "nfc":
		_, rl := vectorVerifier(t, v, v.VerifyAt).Lists()
		later := rl.NextUpdate.Add(72*time.Hour + time.Second)
		if p, err := verifyVector(t, v, later); p != nil || apcverr.Code(err) != "revocation-list-stale" {
			t.Errorf("at %v: p=%v err=%v, want revocation-list-stale", later, p != nil, err)
		}
	}
}

// checkShort checks what a short QR vector spells out: the text is
// ShortQRPrefix and the Base45 of its bytes, 48 characters; the bytes are
// cid ‖ time ‖ tag; the tag is the first 16 bytes of HMAC-SHA256 under
// short.short_qr_key of short.tag_message, "ApCVShortQR" ‖ cid ‖ time (the
// service's check, VerifyTag, refuses any other key); the answer's payload
// is the one given and binds SHA-256 of the text and the certificate hash.
func checkShort(t *testing.T, v vectors.Vector) {
	t.Helper()
	s := v.Short
	if credential.ShortQRLen != 48 || len(s.Text) != credential.ShortQRLen || !strings.HasPrefix(s.Text, credential.ShortQRPrefix) {
		t.Fatalf("text of %d characters", len(s.Text))
	}
	raw, err := credential.AppendBase45Decode(nil, s.Text[len(credential.ShortQRPrefix):])
	if err != nil || !bytes.Equal(raw, s.Bytes) || len(raw) != 28 {
		t.Fatalf("short.bytes is not the Base45 decoding of short.text: %v", err)
	}
	q, err := credential.ParseShortQR(s.Text)
	if err != nil || !bytes.Equal(q.CID[:], raw[:8]) || q.Time.Unix() != int64(binary.BigEndian.Uint32(raw[8:12])) ||
		!bytes.Equal(q.Tag[:], raw[12:]) || !q.Time.Equal(s.Time) {
		t.Fatalf("ParseShortQR: %+v %v", q, err)
	}
	if len(s.ShortQRKey) != 32 {
		t.Fatalf("short.short_qr_key of %d bytes", len(s.ShortQRKey))
	}
	key := [32]byte(s.ShortQRKey)
	if err := q.VerifyTag(key); err != nil {
		t.Fatalf("VerifyTag: %v", err)
	}
	if !bytes.Equal(s.TagMessage, append([]byte("ApCVShortQR"), raw[:12]...)) {
		t.Fatal("short.tag_message is not \"ApCVShortQR\" ‖ cid ‖ time")
	}
	m := hmac.New(sha256.New, s.ShortQRKey)
	m.Write(s.TagMessage)
	if !bytes.Equal(m.Sum(nil)[:16], raw[12:]) {
		t.Fatal("the tag is not HMAC-SHA256(short.short_qr_key, short.tag_message)[:16]")
	}
	key[0] ^= 1
	if err := q.VerifyTag(key); !errors.Is(err, credential.ErrDeviceBinding) {
		t.Fatalf("VerifyTag with another key: %v, want device-binding", err)
	}
	if !bytes.Contains(s.Answer, s.ResolutionPayload) {
		t.Fatal("short.resolution_payload is not in short.answer")
	}
	th := sha256.Sum256([]byte(s.Text))
	if v.Expect.Error == "" && (!bytes.Contains(s.ResolutionPayload, th[:]) || !bytes.Contains(s.ResolutionPayload, s.PSHash)) {
		t.Fatal("the answer does not bind the text and the certificate hash")
	}
}

// checkSession replays the NFC session of a vector.
func checkSession(t *testing.T, n *vectors.NFCJSON) {
	t.Helper()
	rk := vectors.ECDHKey(hexString(n.ReaderEphemeral.Private))
	dk := vectors.ECDHKey(hexString(n.DeviceEphemeral.Private))
	if !bytes.Equal(rk.PublicKey().Bytes(), n.ReaderEphemeral.Public) || !bytes.Equal(dk.PublicKey().Bytes(), n.DeviceEphemeral.Public) {
		t.Fatal("ephemeral public keys do not match their scalars")
	}
	tr := credential.SessionTranscript(n.AID, n.ReaderEphemeral.Public, n.DeviceEphemeral.Public, n.ReaderNonce)
	if !bytes.Equal(tr, n.Transcript) {
		t.Fatalf("transcript\n got %x\nwant %x", tr, n.Transcript)
	}
	reader, err := credential.DeriveSession(credential.RoleReader, rk, n.DeviceEphemeral.Public, tr)
	if err != nil {
		t.Fatal(err)
	}
	phone, err := credential.DeriveSession(credential.RoleDevice, dk, n.ReaderEphemeral.Public, tr)
	if err != nil {
		t.Fatal(err)
	}
	if c := reader.Seal(n.DeviceRequest); !bytes.Equal(c, n.SealedRequest) {
		t.Fatalf("sealed request\n got %x\nwant %x", c, n.SealedRequest)
	}
	req, err := phone.Open(n.SealedRequest)
	if err != nil || !bytes.Equal(req, n.DeviceRequest) {
		t.Fatalf("open request: %v", err)
	}
	r, err := credential.DecodeDeviceRequest(req)
	if err != nil || !reflect.DeepEqual(vectors.GroupNames(r.Groups), n.Requested) {
		t.Fatalf("device request %+v, %v; want %v", r, err, n.Requested)
	}
	if c := phone.Seal(n.DeviceResponse); !bytes.Equal(c, n.SealedResponse) {
		t.Fatal("sealed response differs")
	}
	resp, err := reader.Open(n.SealedResponse)
	if err != nil || !bytes.Equal(resp, n.DeviceResponse) {
		t.Fatalf("open response: %v", err)
	}
}

// The vectors' families are the ones of the fixtures, so the expected
// fields were not taken from a verification.
func TestVectorsExpectInputs(t *testing.T) {
	vs, err := vectors.Load("testdata/vectors")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if r := v.RogueIssuer; r != nil {
			// The published rogue key is the one that signed the credential:
			// a verifier trusting it would accept the credential's signature.
			pub, err := credential.ParsePublicKey(r.Public)
			if err != nil || !reflect.DeepEqual(pub, &vectors.Key(hexString(r.Private)).PublicKey) {
				t.Errorf("%s: rogue issuer public key does not match its scalar", v.Name)
			}
			rogue := credential.IssuerKey{Kid: []byte(r.Kid), Key: vectors.Key(hexString(r.Private))}
			tl, err := credential.SignTrustList(rogue, credential.TrustList{Seq: 1, IssuedAt: vectors.Now.Add(-time.Hour),
				NextUpdate: vectors.Now.Add(time.Hour), Keys: []credential.TrustedKey{{Kid: []byte(r.Kid), Issuer: "MSA",
					Key: pub, NotBefore: vectors.Now.Add(-1e4 * time.Hour), NotAfter: vectors.Now.Add(1e4 * time.Hour)}}})
			if err != nil {
				t.Fatal(err)
			}
			ver := credential.NewVerifier(credential.VerifierConfig{ListAuthority: pub, Now: func() time.Time { return v.VerifyAt }})
			if err := ver.SetTrustList(tl); err != nil {
				t.Fatal(err)
			}
			if err := ver.SetRevocationList(v.RevocationList); err == nil {
				t.Fatalf("%s: revocation list verifies under the rogue key", v.Name)
			}
			rl, _ := credential.SignRevocationList(rogue, credential.RevocationList{Seq: 1, IssuedAt: vectors.Now.Add(-time.Hour), NextUpdate: vectors.Now.Add(time.Hour)})
			if err := ver.SetRevocationList(rl); err != nil {
				t.Fatal(err)
			}
			verify := func() error { _, err := ver.VerifyQR(v.QR.Text); return err }
			if v.Mode == "short" {
				verify = func() error {
					req, _ := vectors.ParseGroups(v.Short.Requested)
					_, err := ver.VerifyResolution(v.Short.Text, v.Short.Answer, [32]byte(v.Short.PSHash), req)
					return err
				}
			}
			if err := verify(); err != nil {
				t.Errorf("%s: the credential does not verify under its published rogue key: %v", v.Name, err)
			}
		}
		if v.Expect.Family == nil {
			continue
		}
		n := len(v.Expect.Family.Beneficiaires)
		groups, _ := vectors.ParseGroups(v.Expect.Groups)
		fixture := vectors.Family(n)
		if strings.HasSuffix(v.Name, "-etat-civil-v1") { // the état civil without its version-2 fields
			ec := *fixture.EtatCivil
			ec.Sexe, ec.DateAcquisition = 0, credential.Date{}
			fixture.EtatCivil = &ec
			if v.Expect.Family.EtatCivil == nil || v.Expect.Family.EtatCivil.Sexe != "" || v.Expect.Family.EtatCivil.DateAcquisition != "" {
				t.Errorf("%s: état civil %+v", v.Name, v.Expect.Family.EtatCivil)
			}
		}
		if sel := v.Expect.Selected; sel != nil { // a chosen beneficiary's code (§5.4) of the family of 6
			var chosen []int
			six := vectors.Family(6)
			for i := range six.Beneficiaires {
				if reflect.DeepEqual(vectors.FamilyOf(vectors.ChosenFamily(six, i), groups), v.Expect.Family) {
					chosen = append(chosen, i)
				}
			}
			if len(chosen) != 1 || *sel != min(chosen[0], 1) {
				t.Errorf("%s: expected family is not one chosen-beneficiary family of the fixture's (%v), or selected %d", v.Name, chosen, *sel)
			}
			if len(chosen) == 1 {
				fixture = vectors.ChosenFamily(six, chosen[0])
			}
		}
		if want := vectors.FamilyOf(fixture, groups); !reflect.DeepEqual(want, v.Expect.Family) {
			t.Errorf("%s: expected family is not the fixture's", v.Name)
		}
		if v.Expect.Family.Beneficiaires[0].NIR != "278057512345675" {
			t.Errorf("%s: ouvrant droit NIR %s", v.Name, v.Expect.Family.Beneficiaires[0].NIR)
		}
	}
}

// Issue with the same rand gives the same bytes (deterministic ES256, salts
// drawn in a fixed order), which the vectors rely on.
func TestIssueDeterministic(t *testing.T) {
	w := newWorld(t, 4)
	seed := bytes.Repeat([]byte("0123456789abcdef"), 8)
	first, err := credential.Issue(w.issuer, w.claims(testFamily(t, 4)), bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		h, err := credential.Issue(w.issuer, w.claims(testFamily(t, 4)), bytes.NewReader(seed))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(h.Credential, first.Credential) || !bytes.Equal(h.QRCredential, first.QRCredential) ||
			!reflect.DeepEqual(h.Groups, first.Groups) {
			t.Fatalf("issuance %d with the same rand differs from the first", i+1)
		}
	}
}

// The committed vectors are exactly what the generator produces: a change of
// the wire format shows up here first (regenerate with go generate, review
// the diff, commit).
func TestVectorsReproduce(t *testing.T) {
	vs, err := vectors.Generate()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/vectors/*.json")
	if len(files) != len(vs) {
		t.Errorf("%d files, the generator makes %d vectors", len(files), len(vs))
	}
	for _, v := range vs {
		want, err := vectors.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("testdata/vectors", v.Name+".json"))
		if err != nil {
			t.Errorf("%s: %v", v.Name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: file differs from the generator's output; run go generate ./credential/ and review the diff", v.Name)
		}
	}
}
