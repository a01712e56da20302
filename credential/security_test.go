package credential_test

// Security properties of DESIGN.md §3, each with a test that can fail:
// issuer authenticity, device binding, freshness, revocation, minimal
// disclosure. Strict parsing is in parse_test.go, the session in
// session_test.go.

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/fxamacker/cbor/v2"
)

var testAID = []byte{0xF0, 0x41, 0x50, 0x43, 0x56, 0x31}

// transcript returns a session transcript with fresh random ephemeral keys
// and nonce, as a reader and a phone would build it.
func transcript(t testing.TB) []byte {
	t.Helper()
	r, err := credential.NewEphemeralKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := credential.NewEphemeralKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	return credential.SessionTranscript(testAID, r.PublicKey().Bytes(), d.PublicKey().Bytes(), nonce)
}

func mustErr(t testing.TB, p *credential.Presentation, err, want error) {
	t.Helper()
	if p != nil {
		t.Errorf("got a Presentation with error %v", err)
	}
	if !errors.Is(err, want) {
		t.Errorf("err = %v, want %v", err, want)
	}
}

func TestQRAccepted(t *testing.T) {
	for _, n := range []int{1, 4, 6} {
		w := newWorld(t, n)
		p, err := w.verifier(t).VerifyQR(w.qr(t, -10*time.Second, 7))
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		want := testFamily(t, n)
		if len(p.Family.Beneficiaires) != n {
			t.Fatalf("n=%d: %d beneficiaries", n, len(p.Family.Beneficiaires))
		}
		for i, b := range p.Family.Beneficiaires {
			wb := want.Beneficiaires[i]
			wb.INS = nil // QR carries AMO only
			if b != wb {
				t.Errorf("n=%d beneficiary %d = %+v, want %+v", n, i, b, wb)
			}
		}
		if p.Family.EtatCivil != nil || p.Mode != credential.ModeQR || p.Counter != 7 || p.CredentialID != w.cid ||
			p.Issuer != "CNAM" || !p.PresentedAt.Equal(w.now.Add(-10*time.Second)) || len(p.Groups) != 1 || p.Groups[0] != credential.GroupAMO {
			t.Errorf("n=%d: presentation %+v", n, p)
		}
	}
}

// --- 1. Issuer authenticity ---

func TestIssuerAuthenticity(t *testing.T) {
	w := newWorld(t, 2)
	f := testFamily(t, 2)
	issue := func(k credential.IssuerKey, issuer string) *credential.Held {
		c := w.claims(f)
		c.Issuer = issuer
		h, err := credential.Issue(k, c, nil2rand())
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	present := func(h *credential.Held) string {
		s, err := h.PresentQR(w.device, w.now, 1)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name string
		held *credential.Held
		want error
	}{
		{"unknown kid", issue(credential.IssuerKey{Kid: []byte("rogue-1"), Key: genKey(t)}, "CNAM"), credential.ErrUnknownIssuer},
		{"known kid, other key", issue(credential.IssuerKey{Kid: w.issuer.Kid, Key: genKey(t)}, "CNAM"), credential.ErrBadSignature},
		{"issuer name not the trust list's", issue(w.issuer, "MSA"), credential.ErrUnknownIssuer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := w.verifier(t).VerifyQR(present(tc.held))
			if tc.name == "issuer name not the trust list's" {
				// The compact QR form carries no issuer name (the kid names
				// the issuer): nothing there contradicts the trust list.
				if err != nil || p.Issuer != "CNAM" {
					t.Fatalf("QR: %v, issuer %v", err, p)
				}
			} else {
				mustErr(t, p, err, tc.want)
			}
			tr := transcript(t)
			resp, err := tc.held.PresentNFC(w.device, tr, []credential.Group{credential.GroupAMO}, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, err = w.verifier(t).VerifyNFC(resp, tr, []credential.Group{credential.GroupAMO})
			mustErr(t, p, err, tc.want)
		})
	}
	t.Run("issued outside the key's validity", func(t *testing.T) {
		k := w.trustedKey(w.issuer, "CNAM")
		k.NotBefore = w.now.Add(-time.Hour) // the credential was issued 24 h ago
		w2 := *w
		w2.trustRaw = w.signTrust(t, 1, k)
		p, err := w2.verifier(t).VerifyQR(w.qr(t, 0, 1))
		mustErr(t, p, err, credential.ErrUnknownIssuer)
	})
	t.Run("credential expired", func(t *testing.T) {
		w2 := *w
		w2.now = w.now.Add(366 * 24 * time.Hour)
		k := w2.trustedKey(w.issuer, "CNAM")
		k.NotBefore = w.now.Add(-1000 * time.Hour)
		w2.trustRaw = w2.signTrust(t, 1, k)
		w2.revRaw = w2.signRev(t, 1)
		h, err := credential.Issue(w.issuer, w.claims(f), nil2rand()) // valid until w.now+365d
		if err != nil {
			t.Fatal(err)
		}
		w2.held = h
		p, err := w2.verifier(t).VerifyQR(w2.qr(t, 0, 1))
		mustErr(t, p, err, credential.ErrExpired)
	})
	t.Run("credential not yet valid", func(t *testing.T) {
		c := w.claims(f)
		c.IssuedAt = w.now.Add(time.Hour)
		h, err := credential.Issue(w.issuer, c, nil2rand())
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.verifier(t).VerifyQR(present(h))
		mustErr(t, p, err, credential.ErrNotYetValid)
	})
}

func nil2rand() *bytes.Reader { // Issue needs a reader; use crypto/rand through a buffer of fresh bytes
	b := make([]byte, 4096)
	rand.Read(b)
	return bytes.NewReader(b)
}

// Flipping any one bit of the QR presentation (credential, time, counter or
// signature) must never yield a Presentation.
func TestQRBitFlips(t *testing.T) {
	w := newWorld(t, 1)
	txt := w.qr(t, -5*time.Second, 3)
	raw, err := credential.AppendBase45Decode(nil, txt[len(credential.QRPrefix):])
	if err != nil {
		t.Fatal(err)
	}
	v := w.verifier(t)
	step := 1
	if testing.Short() {
		step = 7
	}
	for bit := 0; bit < len(raw)*8; bit += step {
		m := bytes.Clone(raw)
		m[bit/8] ^= 1 << (bit % 8)
		s := string(credential.AppendBase45([]byte(credential.QRPrefix), m))
		if p, err := v.VerifyQR(s); err == nil || p != nil {
			t.Fatalf("bit %d flipped: accepted (p=%v, err=%v)", bit, p != nil, err)
		}
	}
	if _, err := v.VerifyQR(txt); err != nil {
		t.Fatalf("original after flips: %v", err)
	}
}

func TestNFCBitFlips(t *testing.T) {
	w := newWorld(t, 1)
	tr := transcript(t)
	all := credential.AllGroups
	resp, err := w.held.PresentNFC(w.device, tr, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := w.verifier(t)
	step := 1
	if testing.Short() || raceEnabled {
		step = 5
	}
	for bit := 0; bit < len(resp)*8; bit += step {
		m := bytes.Clone(resp)
		m[bit/8] ^= 1 << (bit % 8)
		if p, err := v.VerifyNFC(m, tr, all); err == nil || p != nil {
			t.Fatalf("bit %d flipped: accepted", bit)
		}
	}
	for bit := 0; bit < len(tr)*8; bit++ {
		m := bytes.Clone(tr)
		m[bit/8] ^= 1 << (bit % 8)
		if p, err := v.VerifyNFC(resp, m, all); err == nil || p != nil {
			t.Fatalf("transcript bit %d flipped: accepted", bit)
		}
	}
	if _, err := v.VerifyNFC(resp, tr, all); err != nil {
		t.Fatalf("original after flips: %v", err)
	}
}

// Two trusted keys share a kid: the one that verifies wins, whatever the order.
func TestKidCollision(t *testing.T) {
	w := newWorld(t, 1)
	impostor := credential.IssuerKey{Kid: w.issuer.Kid, Key: genKey(t)}
	right := w.trustedKey(w.issuer, "CNAM")
	wrong := w.trustedKey(impostor, "OTHER")
	for name, keys := range map[string][]credential.TrustedKey{
		"wrong first": {wrong, right},
		"right first": {right, wrong},
	} {
		t.Run(name, func(t *testing.T) {
			w2 := *w
			w2.trustRaw = w.signTrust(t, 1, keys...)
			p, err := w2.verifier(t).VerifyQR(w.qr(t, 0, 1))
			if err != nil {
				t.Fatal(err)
			}
			if p.Issuer != "CNAM" || !bytes.Equal(p.Kid, w.issuer.Kid) {
				t.Errorf("verified by %q/%q", p.Issuer, p.Kid)
			}
			// A credential from the impostor key, claiming "OTHER", verifies
			// with the impostor entry and not with CNAM's.
			c := w.claims(testFamily(t, 1))
			c.Issuer = "OTHER"
			h, err := credential.Issue(impostor, c, nil2rand())
			if err != nil {
				t.Fatal(err)
			}
			s, _ := h.PresentQR(w.device, w.now, 2)
			p, err = w2.verifier(t).VerifyQR(s)
			if err != nil || p.Issuer != "OTHER" {
				t.Fatalf("impostor-key credential: p=%+v err=%v", p, err)
			}
		})
	}
}

// --- 2. Device binding ---

func TestDeviceBinding(t *testing.T) {
	w := newWorld(t, 2)
	thief := genKey(t)
	t.Run("QR signed by another device", func(t *testing.T) {
		s, err := w.held.PresentQR(thief, w.now, 1)
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.verifier(t).VerifyQR(s)
		mustErr(t, p, err, credential.ErrDeviceBinding)
	})
	t.Run("NFC signed by another device", func(t *testing.T) {
		tr := transcript(t)
		resp, err := w.held.PresentNFC(thief, tr, credential.AllGroups, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.verifier(t).VerifyNFC(resp, tr, credential.AllGroups)
		mustErr(t, p, err, credential.ErrDeviceBinding)
	})
	t.Run("copied credential with a fresh key", func(t *testing.T) {
		// The thief copies the held bytes (both credentials and the group
		// items) to a phone of their own.
		copied := &credential.Held{Credential: bytes.Clone(w.held.Credential), QRCredential: bytes.Clone(w.held.QRCredential),
			Groups: map[credential.Group][]byte{}}
		for g, b := range w.held.Groups {
			copied.Groups[g] = bytes.Clone(b)
		}
		fresh := genKey(t)
		s, _ := copied.PresentQR(fresh, w.now, 99)
		p, err := w.verifier(t).VerifyQR(s)
		mustErr(t, p, err, credential.ErrDeviceBinding)
		tr := transcript(t)
		resp, _ := copied.PresentNFC(fresh, tr, credential.AllGroups, nil)
		p, err = w.verifier(t).VerifyNFC(resp, tr, credential.AllGroups)
		mustErr(t, p, err, credential.ErrDeviceBinding)
	})
	t.Run("device signature moved to another credential", func(t *testing.T) {
		// Same device, a second credential: a presentation signature made
		// for one cannot be reused for the other.
		other, err := credential.Issue(w.issuer, w.claims(testFamily(t, 1)), nil2rand())
		if err != nil {
			t.Fatal(err)
		}
		s := w.qr(t, 0, 5)
		raw, _ := credential.AppendBase45Decode(nil, s[len(credential.QRPrefix):])
		var qp []cbor.RawMessage
		if err := cbor.Unmarshal(raw, &qp); err != nil {
			t.Fatal(err)
		}
		credBytes, _ := cbor.Marshal(other.QRCredential)
		mixed := append([]byte{0x84}, credBytes...)
		for _, e := range qp[1:] {
			mixed = append(mixed, e...)
		}
		p, err := w.verifier(t).VerifyQR(string(credential.AppendBase45([]byte(credential.QRPrefix), mixed)))
		mustErr(t, p, err, credential.ErrDeviceBinding)
	})
}

// --- 3. Freshness ---

func TestQRWindowBoundaries(t *testing.T) {
	w := newWorld(t, 1)
	const window, skew = 3 * time.Minute, 30 * time.Second // the defaults
	for _, tc := range []struct {
		name  string
		shown time.Duration // relative to now
		want  error
	}{
		{"now", 0, nil},
		{"exactly the window ago", -window, nil},
		{"window + 1 s ago", -window - time.Second, credential.ErrQRExpired},
		{"an hour ago (screenshot)", -time.Hour, credential.ErrQRExpired},
		{"exactly skew ahead", skew, nil},
		{"skew + 1 s ahead", skew + time.Second, credential.ErrQRExpired},
		{"a day ahead", 24 * time.Hour, credential.ErrQRExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := w.verifier(t).VerifyQR(w.qr(t, tc.shown, 1))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			mustErr(t, p, err, tc.want)
		})
	}
	t.Run("custom window", func(t *testing.T) {
		cfg := w.config()
		cfg.QRWindow, cfg.ClockSkew = 10*time.Second, time.Second
		if _, err := w.verifierWith(t, cfg).VerifyQR(w.qr(t, -10*time.Second, 1)); err != nil {
			t.Fatal(err)
		}
		p, err := w.verifierWith(t, cfg).VerifyQR(w.qr(t, -11*time.Second, 1))
		mustErr(t, p, err, credential.ErrQRExpired)
		p, err = w.verifierWith(t, cfg).VerifyQR(w.qr(t, 2*time.Second, 1))
		mustErr(t, p, err, credential.ErrQRExpired)
	})
}

func TestQRReplay(t *testing.T) {
	w := newWorld(t, 1)
	v := w.verifier(t)
	first := w.qr(t, 0, 5)
	if _, err := v.VerifyQR(first); err != nil {
		t.Fatal(err)
	}
	p, err := v.VerifyQR(first)
	mustErr(t, p, err, credential.ErrReplayed)
	p, err = v.VerifyQR(w.qr(t, 0, 5)) // same counter, new signature
	mustErr(t, p, err, credential.ErrReplayed)
	p, err = v.VerifyQR(w.qr(t, -time.Second, 4)) // older counter
	mustErr(t, p, err, credential.ErrReplayed)
	if _, err := v.VerifyQR(w.qr(t, 0, 6)); err != nil {
		t.Fatalf("higher counter: %v", err)
	}

	// A verification that fails does not burn its counter.
	bad, _ := w.held.PresentQR(genKey(t), w.now, 10)
	if _, err := v.VerifyQR(bad); !errors.Is(err, credential.ErrDeviceBinding) {
		t.Fatalf("bad device: %v", err)
	}
	expired := w.qr(t, -time.Hour, 10)
	if _, err := v.VerifyQR(expired); !errors.Is(err, credential.ErrQRExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := v.VerifyQR(w.qr(t, 0, 10)); err != nil {
		t.Fatalf("counter 10 after failed attempts: %v", err)
	}

	// Another credential has its own counter.
	w2 := *w
	w2.cid = [8]byte{9, 9, 9, 9, 9, 9, 9, 9}
	h, err := credential.Issue(w.issuer, w2.claims(testFamily(t, 1)), nil2rand())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := h.PresentQR(w.device, w.now, 1)
	if _, err := v.VerifyQR(s); err != nil {
		t.Fatalf("other credential, counter 1: %v", err)
	}

	// Once the window (plus skew) has passed, the entry is forgotten: a
	// counter reset (app reinstalled) is accepted again.
	w.now = w.now.Add(3*time.Minute + 30*time.Second + time.Second)
	if _, err := v.VerifyQR(w.qr(t, 0, 1)); err != nil {
		t.Fatalf("counter 1 after the window: %v", err)
	}
}

func TestQRReplayCapacity(t *testing.T) {
	w := newWorld(t, 1)
	cfg := w.config()
	cfg.Replay = credential.NewMemoryReplayCache(2)
	v := w.verifierWith(t, cfg)
	var qrs []string
	for i := byte(0); i < 3; i++ {
		w2 := *w
		w2.cid = [8]byte{i, i, i}
		h, err := credential.Issue(w.issuer, w2.claims(testFamily(t, 1)), nil2rand())
		if err != nil {
			t.Fatal(err)
		}
		s, _ := h.PresentQR(w.device, w.now, 1)
		qrs = append(qrs, s)
	}
	for _, s := range qrs[:2] {
		if _, err := v.VerifyQR(s); err != nil {
			t.Fatal(err)
		}
	}
	p, err := v.VerifyQR(qrs[2])
	mustErr(t, p, err, credential.ErrReplayed) // full of live entries: refuse rather than forget
	w.now = w.now.Add(4 * time.Minute)
	w2 := *w
	w2.cid = [8]byte{7}
	h, _ := credential.Issue(w.issuer, w2.claims(testFamily(t, 1)), nil2rand())
	s, _ := h.PresentQR(w.device, w.now, 1)
	if _, err := v.VerifyQR(s); err != nil {
		t.Fatalf("after expiry of the entries: %v", err)
	}
}

func TestNFCTranscriptBinding(t *testing.T) {
	w := newWorld(t, 1)
	tr := transcript(t)
	resp, err := w.held.PresentNFC(w.device, tr, credential.AllGroups, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := w.verifier(t)
	if _, err := v.VerifyNFC(resp, tr, credential.AllGroups); err != nil {
		t.Fatal(err)
	}
	// The same response in another session (another nonce, other keys).
	p, err := v.VerifyNFC(resp, transcript(t), credential.AllGroups)
	mustErr(t, p, err, credential.ErrDeviceBinding)
	// Same keys, another nonce only.
	var parts []cbor.RawMessage
	if err := cbor.Unmarshal(tr, &parts); err != nil || len(parts) != 5 {
		t.Fatalf("transcript: %v", err)
	}
	var aid, rk, dk []byte
	cbor.Unmarshal(parts[1], &aid)
	cbor.Unmarshal(parts[2], &rk)
	cbor.Unmarshal(parts[3], &dk)
	if !bytes.Equal(credential.SessionTranscript(aid, rk, dk, bytes.Repeat([]byte{0}, 16)), tr) {
		other := credential.SessionTranscript(aid, rk, dk, bytes.Repeat([]byte{0}, 16))
		p, err = v.VerifyNFC(resp, other, credential.AllGroups)
		mustErr(t, p, err, credential.ErrDeviceBinding)
	}
}

// --- 5. Revocation and lists ---

func TestRevocation(t *testing.T) {
	w := newWorld(t, 1)
	t.Run("revoked", func(t *testing.T) {
		w2 := *w
		w2.revRaw = w.signRev(t, 2, [8]byte{0xff}, w.cid, [8]byte{0})
		v := w2.verifier(t)
		p, err := v.VerifyQR(w.qr(t, 0, 1))
		mustErr(t, p, err, credential.ErrRevoked)
		tr := transcript(t)
		resp, _ := w.held.PresentNFC(w.device, tr, credential.AllGroups, nil)
		p, err = v.VerifyNFC(resp, tr, credential.AllGroups)
		mustErr(t, p, err, credential.ErrRevoked)
	})
	t.Run("revoked by a newer list", func(t *testing.T) {
		v := w.verifier(t)
		if _, err := v.VerifyQR(w.qr(t, 0, 1)); err != nil {
			t.Fatal(err)
		}
		if err := v.SetRevocationList(w.signRev(t, 2, w.cid)); err != nil {
			t.Fatal(err)
		}
		p, err := v.VerifyQR(w.qr(t, 0, 2))
		mustErr(t, p, err, credential.ErrRevoked)
	})
	t.Run("no revocation list", func(t *testing.T) {
		v := credential.NewVerifier(w.config())
		if err := v.SetTrustList(w.trustRaw); err != nil {
			t.Fatal(err)
		}
		p, err := v.VerifyQR(w.qr(t, 0, 1))
		mustErr(t, p, err, credential.ErrRevocationListStale)
	})
	t.Run("no trust list", func(t *testing.T) {
		v := credential.NewVerifier(w.config())
		if err := v.SetRevocationList(w.revRaw); err != nil {
			t.Fatal(err)
		}
		p, err := v.VerifyQR(w.qr(t, 0, 1))
		mustErr(t, p, err, credential.ErrTrustListStale)
	})
	// The revocation list's next update is now+1h, default grace 72 h; the
	// trust list's is now+24h, default grace 30 days.
	for _, tc := range []struct {
		name  string
		after time.Duration
		want  error
	}{
		{"revocation list at the end of grace", time.Hour + 72*time.Hour, nil},
		{"revocation list 1 s past grace", time.Hour + 72*time.Hour + time.Second, credential.ErrRevocationListStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w2 := *w
			v := w2.verifier(t)
			w2.now = w.now.Add(tc.after)
			s, _ := w.held.PresentQR(w.device, w2.now, 1)
			p, err := v.VerifyQR(s)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			mustErr(t, p, err, tc.want)
		})
	}
	t.Run("trust list past grace", func(t *testing.T) {
		w2 := *w
		cfg := w2.config()
		cfg.RevocationGrace = 1000 * time.Hour
		v := w2.verifierWith(t, cfg)
		w2.now = w.now.Add(24*time.Hour + 30*24*time.Hour + time.Second)
		s, _ := w.held.PresentQR(w.device, w2.now, 1)
		p, err := v.VerifyQR(s)
		mustErr(t, p, err, credential.ErrTrustListStale)
	})
}

func TestListRollbackAndTamper(t *testing.T) {
	w := newWorld(t, 1)
	v := credential.NewVerifier(w.config())
	if err := v.SetTrustList(w.signTrust(t, 5, w.trustedKey(w.issuer, "CNAM"))); err != nil {
		t.Fatal(err)
	}
	if err := v.SetRevocationList(w.signRev(t, 5)); err != nil {
		t.Fatal(err)
	}
	if err := v.SetTrustList(w.signTrust(t, 4, w.trustedKey(w.issuer, "CNAM"))); !errors.Is(err, credential.ErrRollback) {
		t.Errorf("trust list rollback: %v", err)
	}
	if err := v.SetRevocationList(w.signRev(t, 4)); !errors.Is(err, credential.ErrRollback) {
		t.Errorf("revocation list rollback: %v", err)
	}
	if tl, rl := v.Lists(); tl.Seq != 5 || rl.Seq != 5 {
		t.Errorf("lists after rollbacks: %d, %d", tl.Seq, rl.Seq)
	}
	if err := v.SetRevocationList(w.signRev(t, 6, w.cid)); err != nil {
		t.Fatal(err)
	}
	if _, rl := v.Lists(); rl.Seq != 6 || len(rl.Revoked) != 1 {
		t.Errorf("newer list not installed: %+v", rl)
	}

	rogue := credential.IssuerKey{Kid: w.root.Kid, Key: genKey(t)}
	unsigned, _ := credential.SignRevocationList(rogue, credential.RevocationList{Seq: 99, IssuedAt: w.now, NextUpdate: w.now.Add(time.Hour)})
	if err := v.SetRevocationList(unsigned); !errors.Is(err, credential.ErrBadSignature) {
		t.Errorf("list signed by another key: %v", err)
	}
	unsignedTL, _ := credential.SignTrustList(rogue, credential.TrustList{Seq: 99, IssuedAt: w.now, NextUpdate: w.now.Add(time.Hour)})
	if err := v.SetTrustList(unsignedTL); !errors.Is(err, credential.ErrBadSignature) {
		t.Errorf("trust list signed by another key: %v", err)
	}
	good := w.signRev(t, 7)
	for bit := 0; bit < len(good)*8; bit++ {
		m := bytes.Clone(good)
		m[bit/8] ^= 1 << (bit % 8)
		if err := v.SetRevocationList(m); err == nil {
			t.Fatalf("revocation list with bit %d flipped accepted", bit)
		}
	}
	goodTL := w.signTrust(t, 7, w.trustedKey(w.issuer, "CNAM"))
	for bit := 0; bit < len(goodTL)*8; bit += 3 {
		m := bytes.Clone(goodTL)
		m[bit/8] ^= 1 << (bit % 8)
		if err := v.SetTrustList(m); err == nil {
			t.Fatalf("trust list with bit %d flipped accepted", bit)
		}
	}
	if _, rl := v.Lists(); rl.Seq != 6 {
		t.Errorf("a refused list changed the one in use: seq %d", rl.Seq)
	}
	if _, err := credential.ParseTrustList(goodTL, nil); !errors.Is(err, credential.ErrUnknownIssuer) {
		t.Errorf("no list authority: %v", err)
	}
	if _, err := credential.ParseTrustList(nil, &w.root.Key.PublicKey); !errors.Is(err, credential.ErrMalformed) {
		t.Errorf("empty list: %v", err)
	}
}

// --- 6. Minimal disclosure ---

func TestMinimalDisclosure(t *testing.T) {
	w := newWorld(t, 3)
	amo := []credential.Group{credential.GroupAMO}
	amoINS := []credential.Group{credential.GroupAMO, credential.GroupINS}
	t.Run("PresentNFC releases only the requested groups", func(t *testing.T) {
		for _, req := range [][]credential.Group{amo, amoINS, {credential.GroupINS, credential.GroupAMO, credential.GroupINS}, credential.AllGroups} {
			resp, err := w.held.PresentNFC(w.device, transcript(t), req, nil)
			if err != nil {
				t.Fatal(err)
			}
			var dr struct {
				Groups map[uint8][]byte `cbor:"3,keyasint"`
			}
			if err := cbor.Unmarshal(resp, &dr); err != nil {
				t.Fatal(err)
			}
			want := map[uint8]bool{}
			for _, g := range req {
				want[uint8(g)] = true
			}
			if len(dr.Groups) != len(want) {
				t.Errorf("requested %v: released %d groups", req, len(dr.Groups))
			}
			for g := range dr.Groups {
				if !want[g] {
					t.Errorf("requested %v: released group %d", req, g)
				}
			}
		}
	})
	t.Run("verified family holds only the requested groups", func(t *testing.T) {
		tr := transcript(t)
		resp, _ := w.held.PresentNFC(w.device, tr, amo, nil)
		p, err := w.verifier(t).VerifyNFC(resp, tr, amo)
		if err != nil {
			t.Fatal(err)
		}
		if p.Family.EtatCivil != nil || p.Family.Beneficiaires[0].INS != nil || len(p.Groups) != 1 {
			t.Errorf("AMO only: %+v", p)
		}
		tr = transcript(t)
		resp, _ = w.held.PresentNFC(w.device, tr, amoINS, nil)
		p, err = w.verifier(t).VerifyNFC(resp, tr, amoINS)
		if err != nil {
			t.Fatal(err)
		}
		if p.Family.EtatCivil != nil || p.Family.Beneficiaires[0].INS == nil || len(p.Groups) != 2 {
			t.Errorf("AMO+INS: %+v", p)
		}
		if *p.Family.Beneficiaires[0].INS != *testFamily(t, 3).Beneficiaires[0].INS {
			t.Errorf("INS = %+v", p.Family.Beneficiaires[0].INS)
		}
	})
	t.Run("a group not requested is refused", func(t *testing.T) {
		tr := transcript(t)
		resp, _ := w.held.PresentNFC(w.device, tr, credential.AllGroups, nil)
		p, err := w.verifier(t).VerifyNFC(resp, tr, amoINS)
		mustErr(t, p, err, credential.ErrMalformed)
	})
	t.Run("a requested group missing", func(t *testing.T) {
		f := testFamily(t, 1)
		f.EtatCivil = nil
		h, err := credential.Issue(w.issuer, w.claims(f), nil2rand())
		if err != nil {
			t.Fatal(err)
		}
		tr := transcript(t)
		resp, _ := h.PresentNFC(w.device, tr, credential.AllGroups, nil)
		p, err := w.verifier(t).VerifyNFC(resp, tr, credential.AllGroups)
		mustErr(t, p, err, credential.ErrGroupMissing)
	})
	t.Run("a group stripped after signing", func(t *testing.T) {
		tr := transcript(t)
		resp, _ := w.held.PresentNFC(w.device, tr, amoINS, nil)
		var dr map[int]cbor.RawMessage
		if err := cbor.Unmarshal(resp, &dr); err != nil {
			t.Fatal(err)
		}
		var groups map[uint8][]byte
		cbor.Unmarshal(dr[3], &groups)
		delete(groups, uint8(credential.GroupINS))
		dr[3], _ = coreDet.Marshal(groups)
		stripped, _ := coreDet.Marshal(dr)
		p, err := w.verifier(t).VerifyNFC(stripped, tr, amo)
		mustErr(t, p, err, credential.ErrDeviceBinding)
	})
	t.Run("a group item swapped", func(t *testing.T) {
		// Group items from another issuance of the same family (other
		// salts): the digests do not match.
		other, err := credential.Issue(w.issuer, w.claims(testFamily(t, 3)), nil2rand())
		if err != nil {
			t.Fatal(err)
		}
		mixed := &credential.Held{Credential: w.held.Credential, QRCredential: w.held.QRCredential, Groups: other.Groups}
		tr := transcript(t)
		resp, _ := mixed.PresentNFC(w.device, tr, amo, nil)
		p, err := w.verifier(t).VerifyNFC(resp, tr, amo)
		mustErr(t, p, err, credential.ErrBadSignature)
	})
	t.Run("QR carries AMO only", func(t *testing.T) {
		p, err := w.verifier(t).VerifyQR(w.qr(t, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range p.Family.Beneficiaires {
			if b.INS != nil {
				t.Errorf("beneficiary %d has INS over QR", i)
			}
		}
		if p.Family.EtatCivil != nil {
			t.Error("état civil over QR")
		}
		if s := w.qr(t, 0, 2); strings.Contains(s, "DUPONT") {
			t.Error("QR text is not encoded") // sanity: Base45 hides nothing but must not be raw text
		}
	})
	t.Run("forms are not interchangeable", func(t *testing.T) {
		swapped := &credential.Held{Credential: w.held.QRCredential, QRCredential: w.held.Credential, Groups: w.held.Groups}
		s, _ := swapped.PresentQR(w.device, w.now, 1)
		p, err := w.verifier(t).VerifyQR(s)
		mustErr(t, p, err, credential.ErrMalformed)
		tr := transcript(t)
		resp, _ := swapped.PresentNFC(w.device, tr, amo, nil)
		p, err = w.verifier(t).VerifyNFC(resp, tr, amo)
		mustErr(t, p, err, credential.ErrMalformed)
	})
}

var coreDet = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()
