package credential_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
)

// short returns a short QR text drawn at w.now+d.
func (w *testWorld) short(t testing.TB, d time.Duration) string {
	t.Helper()
	s, err := w.held.PresentShortQR(w.now.Add(d))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testPS is the hash of the professional's certificate the tests resolve
// with.
var testPS = sha256.Sum256([]byte("DER of a PS certificate"))

// resolution returns what the service would answer for text: the family of
// w with the groups asked, resolved at w.now+d. edit, when not nil, changes
// the Resolution before it is signed.
func (w *testWorld) resolution(t testing.TB, text string, family credential.Family, groups []credential.Group, d time.Duration, edit func(*credential.Resolution)) []byte {
	t.Helper()
	r := credential.Resolution{Issuer: "CNAM", CID: w.cid, ResolvedAt: w.now.Add(d),
		IssuedAt: w.now.Add(-24 * time.Hour), ValidUntil: w.now.Add(365 * 24 * time.Hour),
		TextHash: sha256.Sum256([]byte(text)), PSHash: testPS, Family: family, Groups: groups}
	if edit != nil {
		edit(&r)
	}
	raw, err := credential.IssueResolution(w.issuer, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

var allGroups = []credential.Group{credential.GroupAMO, credential.GroupINS, credential.GroupEtatCivil}

func TestShortQRRoundTrip(t *testing.T) {
	for _, n := range []int{1, 6, 32} {
		w := newWorld(t, n)
		text := w.short(t, -10*time.Second)
		if len(text) != credential.ShortQRLen || credential.ShortQRLen != 48 || !strings.HasPrefix(text, credential.ShortQRPrefix) {
			t.Fatalf("n=%d: text of %d characters: %q", n, len(text), text)
		}
		if !credential.IsShortQR(text) || !credential.IsShortQR([]byte(text)) || !credential.LooksLikeQRText(text) || !credential.LooksLikeQRText([]byte(text)) {
			t.Fatalf("n=%d: the short text is not recognised", n)
		}
		q, err := credential.ParseShortQR(text)
		if err != nil {
			t.Fatal(err)
		}
		if q.CID != w.cid || !q.Time.Equal(w.now.Add(-10*time.Second)) || q.String() != text {
			t.Fatalf("parsed %+v", q)
		}
		key := w.held.ShortQRKey
		if key == ([credential.ShortQRKeyLen]byte{}) {
			t.Fatal("Issue drew no short QR key")
		}
		if err := q.VerifyTag(key); err != nil {
			t.Fatal(err)
		}
		other := key
		other[31] ^= 0x80
		if err := q.VerifyTag(other); !errors.Is(err, credential.ErrDeviceBinding) {
			t.Fatalf("another key: %v", err)
		}
		q2 := q
		q2.Time = q.Time.Add(time.Second)
		if err := q2.VerifyTag(key); !errors.Is(err, credential.ErrDeviceBinding) {
			t.Fatalf("another time: %v", err)
		}
		q2 = q
		q2.CID[0] ^= 1
		if err := q2.VerifyTag(key); !errors.Is(err, credential.ErrDeviceBinding) {
			t.Fatalf("another cid: %v", err)
		}
		q2 = q
		q2.Tag[15] ^= 1
		if err := q2.VerifyTag(key); !errors.Is(err, credential.ErrDeviceBinding) {
			t.Fatalf("another tag: %v", err)
		}

		v := w.verifier(t)
		family := testFamily(t, n)
		p, err := v.VerifyResolution(text, w.resolution(t, text, family, allGroups, 0, nil), testPS, allGroups)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if p.Mode != credential.ModeQR || !p.Short || p.Counter != 0 || p.Issuer != "CNAM" || p.CredentialID != w.cid ||
			!p.PresentedAt.Equal(q.Time) || !p.ResolvedAt.Equal(w.now) || len(p.Groups) != 3 ||
			len(p.Family.Beneficiaires) != n || p.Family.EtatCivil == nil || *p.Family.EtatCivil != *family.EtatCivil {
			t.Fatalf("n=%d: presentation %+v", n, p)
		}
		for i, b := range p.Family.Beneficiaires {
			want := family.Beneficiaires[i]
			if b.NIR != want.NIR || b.NomFamille != want.NomFamille || (b.INS == nil) != (want.INS == nil) ||
				b.INS != nil && *b.INS != *want.INS {
				t.Fatalf("n=%d: beneficiary %d differs", n, i)
			}
		}
	}
}

// Every refusal of VerifyResolution, each from an answer that differs from
// an accepted one in that one respect (the accepted one is checked first).
func TestVerifyResolutionRefusals(t *testing.T) {
	w := newWorld(t, 4)
	fam := testFamily(t, 4)
	amo := []credential.Group{credential.GroupAMO}
	text := w.short(t, -5*time.Second)
	good := w.resolution(t, text, fam, amo, 0, nil)
	if _, err := w.verifier(t).VerifyResolution(text, good, testPS, amo); err != nil {
		t.Fatal(err)
	}
	other := newWorld(t, 4) // another issuer key, same kid
	rogue, err := credential.IssueResolution(other.issuer, credential.Resolution{Issuer: "CNAM", CID: w.cid, ResolvedAt: w.now,
		IssuedAt: w.now.Add(-24 * time.Hour), ValidUntil: w.now.Add(time.Hour), TextHash: sha256.Sum256([]byte(text)),
		PSHash: testPS, Family: fam, Groups: amo}, nil)
	if err != nil {
		t.Fatal(err)
	}
	unknownKid, err := credential.IssueResolution(credential.IssuerKey{Kid: []byte("cnam-9"), Key: w.issuer.Key},
		credential.Resolution{Issuer: "CNAM", CID: w.cid, ResolvedAt: w.now, IssuedAt: w.now.Add(-24 * time.Hour),
			ValidUntil: w.now.Add(time.Hour), TextHash: sha256.Sum256([]byte(text)), PSHash: testPS, Family: fam, Groups: amo}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(good)
	tampered[len(tampered)-1] ^= 1
	withoutINS := fam
	withoutINS.Beneficiaires = append([]credential.Beneficiary(nil), fam.Beneficiaires...)
	for i := range withoutINS.Beneficiaires {
		withoutINS.Beneficiaires[i].INS = nil
	}
	cases := []struct {
		name      string
		text      string
		answer    []byte
		ps        [32]byte
		requested []credential.Group
		at        time.Duration // reader clock offset from w.now
		revoke    bool
		want      error
	}{
		{name: "expired", text: text, answer: good, at: 3*time.Minute + 6*time.Second, want: credential.ErrQRExpired},
		{name: "future", text: w.short(t, 31*time.Second), answer: good, want: credential.ErrQRExpired},
		{name: "not-short", text: w.qr(t, 0, 1), answer: good, want: credential.ErrUnsupportedVersion},
		{name: "mismatch-text", text: w.short(t, -6*time.Second), answer: good, want: credential.ErrResolutionMismatch},
		{name: "mismatch-ps", text: text, answer: good, ps: sha256.Sum256([]byte("another PS")), want: credential.ErrResolutionMismatch},
		{name: "mismatch-cid", text: text, answer: w.resolution(t, text, fam, amo, 0, func(r *credential.Resolution) { r.CID[7] ^= 1 }), want: credential.ErrResolutionMismatch},
		{name: "unrequested-ins", text: text, answer: w.resolution(t, text, fam, []credential.Group{credential.GroupAMO, credential.GroupINS}, 0, nil), want: credential.ErrMalformed},
		{name: "unrequested-etat-civil", text: text, answer: w.resolution(t, text, fam, []credential.Group{credential.GroupAMO, credential.GroupEtatCivil}, 0, nil), requested: []credential.Group{credential.GroupAMO, credential.GroupINS}, want: credential.ErrMalformed},
		{name: "unknown-kid", text: text, answer: unknownKid, want: credential.ErrUnknownIssuer},
		{name: "wrong-key", text: text, answer: rogue, want: credential.ErrBadSignature},
		{name: "bad-signature", text: text, answer: tampered, want: credential.ErrBadSignature},
		{name: "wrong-issuer-name", text: text, answer: w.resolution(t, text, fam, amo, 0, func(r *credential.Resolution) { r.Issuer = "MSA" }), want: credential.ErrUnknownIssuer},
		{name: "credential-expired", text: text, answer: w.resolution(t, text, fam, amo, 0, func(r *credential.Resolution) { r.ValidUntil = w.now.Add(-time.Second) }), want: credential.ErrExpired},
		{name: "revoked", text: text, answer: good, revoke: true, want: credential.ErrRevoked},
		{name: "skew-ahead", text: text, answer: w.resolution(t, text, fam, amo, 31*time.Second, nil), want: credential.ErrServiceClockSkew},
		{name: "skew-behind", text: text, answer: w.resolution(t, text, fam, amo, -31*time.Second, nil), want: credential.ErrServiceClockSkew},
		{name: "malformed", text: text, answer: good[:len(good)-3], want: credential.ErrMalformed},
		{name: "too-large", text: text, answer: make([]byte, credential.MaxResolution+1), want: credential.ErrTooLarge},
	}
	// A requested group the holder does not have is not a refusal: the
	// service answers the requested groups the holder has.
	all := []credential.Group{credential.GroupAMO, credential.GroupINS}
	p, err := w.verifier(t).VerifyResolution(text, w.resolution(t, text, withoutINS, amo, 0, nil), testPS, all)
	if err != nil || len(p.Groups) != 1 || p.Family.Beneficiaires[0].INS != nil {
		t.Fatalf("INS requested, holder without: %v %+v", err, p)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := w.config()
			now := w.now.Add(c.at)
			cfg.Now = func() time.Time { return now }
			v := w.verifierWith(t, cfg)
			if c.revoke {
				if err := v.SetRevocationList(w.signRev(t, 2, w.cid)); err != nil {
					t.Fatal(err)
				}
			}
			ps := c.ps
			if ps == ([32]byte{}) {
				ps = testPS
			}
			req := c.requested
			if req == nil {
				req = amo
			}
			p, err := v.VerifyResolution(c.text, c.answer, ps, req)
			if p != nil || !errors.Is(err, c.want) {
				t.Fatalf("p=%v err=%v, want %v", p != nil, err, c.want)
			}
			if apcverr.Message(err, apcverr.FR) == "" {
				t.Fatal("no desk message")
			}
		})
	}
}

// A resolution accepted once is refused the second time (the same scan
// resolved again, or its answer replayed), by the same verifier or any
// sharing its replay cache; a full QR of the same credential shown after
// it is not taken for a replay.
func TestVerifyResolutionReplay(t *testing.T) {
	w := newWorld(t, 2)
	fam := testFamily(t, 2)
	amo := []credential.Group{credential.GroupAMO}
	cache := credential.NewMemoryReplayCache(0)
	cfg := w.config()
	cfg.Replay = cache
	text := w.short(t, -5*time.Second)
	ans := w.resolution(t, text, fam, amo, 0, nil)
	if _, err := w.verifierWith(t, cfg).VerifyResolution(text, ans, testPS, amo); err != nil {
		t.Fatal(err)
	}
	if _, err := w.verifierWith(t, cfg).VerifyResolution(text, ans, testPS, amo); !errors.Is(err, credential.ErrReplayed) {
		t.Fatalf("second desk: %v", err)
	}
	older := w.short(t, -6*time.Second)
	if _, err := w.verifierWith(t, cfg).VerifyResolution(older, w.resolution(t, older, fam, amo, 0, nil), testPS, amo); !errors.Is(err, credential.ErrReplayed) {
		t.Fatalf("an older code after a newer one: %v", err)
	}
	if _, err := w.verifierWith(t, cfg).VerifyQR(w.qr(t, 0, 1)); err != nil {
		t.Fatalf("full QR after a short one: %v", err)
	}
}

func TestParseShortQR(t *testing.T) {
	w := newWorld(t, 1)
	text := w.short(t, 0)
	for _, c := range []struct {
		text string
		want error
	}{
		{text[:credential.ShortQRLen-1], credential.ErrMalformed},
		{text + "0", credential.ErrMalformed},
		{"APCV1:" + text[6:], credential.ErrUnsupportedVersion},
		{"APCV3:" + text[6:], credential.ErrUnsupportedVersion},
		{"HC1:" + text[6:], credential.ErrMalformed},
		{text[:30] + "a" + text[31:], credential.ErrMalformed},
		{text[:6] + ":::" + text[9:], credential.ErrMalformed}, // 44+44*45+44*2025 > 65535
		{strings.Repeat("A", credential.MaxQRText+1), credential.ErrTooLarge},
	} {
		if _, err := credential.ParseShortQR(c.text); !errors.Is(err, c.want) {
			t.Errorf("%.20q…: %v, want %v", c.text, err, c.want)
		}
		if credential.IsShortQR(c.text) {
			t.Errorf("%.20q… passes IsShortQR", c.text)
		}
	}
}

// After a key rotation at R, a credential issued before R under the old
// key resolves with an answer signed by the new key (the key's validity
// bounds the resolution time, not the credential's issue time); an answer
// signed after R by the retired key is refused.
func TestVerifyResolutionAfterRotation(t *testing.T) {
	w := newWorld(t, 1) // credential issued at now − 24 h under w.issuer
	rotated := w.now.Add(-time.Hour)
	old := w.trustedKey(w.issuer, "CNAM")
	old.NotAfter = rotated
	next := credential.IssuerKey{Kid: []byte("cnam-2"), Key: genKey(t)}
	nk := w.trustedKey(next, "CNAM")
	nk.NotBefore = rotated
	w.trustRaw = w.signTrust(t, 2, old, nk)
	fam := testFamily(t, 1)
	amo := []credential.Group{credential.GroupAMO}
	text := w.short(t, -5*time.Second)
	r := credential.Resolution{Issuer: "CNAM", CID: w.cid, ResolvedAt: w.now, IssuedAt: w.now.Add(-24 * time.Hour),
		ValidUntil: w.now.Add(365 * 24 * time.Hour), TextHash: sha256.Sum256([]byte(text)), PSHash: testPS, Family: fam, Groups: amo}
	byNext, err := credential.IssueResolution(next, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := w.verifier(t).VerifyResolution(text, byNext, testPS, amo); err != nil || !bytes.Equal(p.Kid, next.Kid) {
		t.Fatalf("new key: %v", err)
	}
	byOld, err := credential.IssueResolution(w.issuer, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.verifier(t).VerifyResolution(text, byOld, testPS, amo); !errors.Is(err, credential.ErrUnknownIssuer) {
		t.Fatalf("retired key: %v", err)
	}
}

// TestShortQRKeySaved: the short QR key is drawn at issuance (another per
// credential), survives the JSON form a phone saves its Held in, and a Held
// without one (saved before it existed) refuses to draw a short code.
func TestShortQRKeySaved(t *testing.T) {
	w := newWorld(t, 1)
	if other := newWorld(t, 1); other.held.ShortQRKey == w.held.ShortQRKey {
		t.Fatal("two credentials with one short QR key")
	}
	data, err := json.Marshal(w.held)
	if err != nil {
		t.Fatal(err)
	}
	var back credential.Held
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	at := w.now.Add(-time.Second)
	a, err := back.PresentShortQR(at)
	if err != nil || a != w.short(t, -time.Second) {
		t.Fatalf("after a JSON round trip: %q %v", a, err)
	}
	old := *w.held
	old.ShortQRKey = [credential.ShortQRKeyLen]byte{}
	if _, err := old.PresentShortQR(at); !errors.Is(err, credential.ErrInvalidField) {
		t.Fatalf("no key: %v", err)
	}
	data, _ = json.Marshal(&old)
	if bytes.Contains(data, []byte("ShortQRKey")) {
		t.Errorf("a zero key is saved: %s", data)
	}
}
