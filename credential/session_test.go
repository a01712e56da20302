package credential_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"errors"
	"testing"

	"github.com/apcvkit/apcvkit/credential"
)

type sessionPair struct {
	reader, device *credential.Session
	transcript     []byte
}

func newSessionPair(t testing.TB) sessionPair {
	t.Helper()
	rk, _ := credential.NewEphemeralKey(nil)
	dk, _ := credential.NewEphemeralKey(nil)
	nonce := bytes.Repeat([]byte{0x5a}, 16)
	tr := credential.SessionTranscript(testAID, rk.PublicKey().Bytes(), dk.PublicKey().Bytes(), nonce)
	r, err := credential.DeriveSession(credential.RoleReader, rk, dk.PublicKey().Bytes(), tr)
	if err != nil {
		t.Fatal(err)
	}
	d, err := credential.DeriveSession(credential.RoleDevice, dk, rk.PublicKey().Bytes(), tr)
	if err != nil {
		t.Fatal(err)
	}
	return sessionPair{r, d, tr}
}

func TestSessionRoundTrip(t *testing.T) {
	s := newSessionPair(t)
	for i, msg := range [][]byte{[]byte("request"), {}, bytes.Repeat([]byte{1}, 5000)} {
		c := s.reader.Seal(msg)
		if len(c) != len(msg)+16 {
			t.Errorf("ciphertext of %d bytes for %d", len(c), len(msg))
		}
		if bytes.Contains(c, []byte("request")) {
			t.Error("plaintext visible")
		}
		p, err := s.device.Open(c)
		if err != nil || !bytes.Equal(p, msg) {
			t.Fatalf("reader→device %d: %v", i, err)
		}
		c = s.device.Seal(append(msg, 'r'))
		p, err = s.reader.Open(c)
		if err != nil || !bytes.Equal(p, append(msg, 'r')) {
			t.Fatalf("device→reader %d: %v", i, err)
		}
	}
}

func TestSessionRefuses(t *testing.T) {
	t.Run("reordered", func(t *testing.T) {
		s := newSessionPair(t)
		c1, c2 := s.reader.Seal([]byte("one")), s.reader.Seal([]byte("two"))
		if _, err := s.device.Open(c2); !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("message 2 first: %v", err)
		}
		// A refused message does not advance the counter: 1 then 2 still open.
		if p, err := s.device.Open(c1); err != nil || string(p) != "one" {
			t.Fatalf("message 1: %q %v", p, err)
		}
		if p, err := s.device.Open(c2); err != nil || string(p) != "two" {
			t.Fatalf("message 2: %q %v", p, err)
		}
	})
	t.Run("replayed", func(t *testing.T) {
		s := newSessionPair(t)
		c := s.reader.Seal([]byte("one"))
		if _, err := s.device.Open(c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.device.Open(c); !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("replay: %v", err)
		}
	})
	t.Run("altered", func(t *testing.T) {
		s := newSessionPair(t)
		c := s.device.Seal([]byte("response"))
		for bit := 0; bit < len(c)*8; bit++ {
			m := bytes.Clone(c)
			m[bit/8] ^= 1 << (bit % 8)
			if _, err := s.reader.Open(m); !errors.Is(err, credential.ErrMalformed) {
				t.Fatalf("bit %d: %v", bit, err)
			}
		}
		if _, err := s.reader.Open(c[:len(c)-1]); !errors.Is(err, credential.ErrMalformed) {
			t.Error("truncated")
		}
		if _, err := s.reader.Open(nil); !errors.Is(err, credential.ErrMalformed) {
			t.Error("empty")
		}
		if _, err := s.reader.Open(c); err != nil {
			t.Errorf("original after refusals: %v", err)
		}
	})
	t.Run("reflected to its sender", func(t *testing.T) {
		s := newSessionPair(t)
		c := s.reader.Seal([]byte("one"))
		if _, err := s.reader.Open(c); !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("reader opened its own message: %v", err)
		}
	})
	t.Run("another session", func(t *testing.T) {
		a, b := newSessionPair(t), newSessionPair(t)
		if _, err := b.device.Open(a.reader.Seal([]byte("x"))); !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("cross-session: %v", err)
		}
	})
	t.Run("same keys, another transcript", func(t *testing.T) {
		rk, _ := credential.NewEphemeralKey(nil)
		dk, _ := credential.NewEphemeralKey(nil)
		tr1 := credential.SessionTranscript(testAID, rk.PublicKey().Bytes(), dk.PublicKey().Bytes(), make([]byte, 16))
		tr2 := credential.SessionTranscript(testAID, rk.PublicKey().Bytes(), dk.PublicKey().Bytes(), bytes.Repeat([]byte{1}, 16))
		r, _ := credential.DeriveSession(credential.RoleReader, rk, dk.PublicKey().Bytes(), tr1)
		d, _ := credential.DeriveSession(credential.RoleDevice, dk, rk.PublicKey().Bytes(), tr2)
		if _, err := d.Open(r.Seal([]byte("x"))); !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("transcript mismatch: %v", err)
		}
	})
	t.Run("bad peer key", func(t *testing.T) {
		k, _ := credential.NewEphemeralKey(nil)
		other, _ := ecdh.X25519().GenerateKey(nil)
		for name, peer := range map[string][]byte{
			"empty": nil, "compressed": credential.CompressPublicKey(mustECDSA(t)), "X25519": other.PublicKey().Bytes(),
			"not on curve": append([]byte{4}, bytes.Repeat([]byte{1}, 64)...), "identity": append([]byte{4}, make([]byte, 64)...),
		} {
			if _, err := credential.DeriveSession(credential.RoleReader, k, peer, nil); !errors.Is(err, credential.ErrMalformed) {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func TestSessionTranscriptEncoding(t *testing.T) {
	rk := bytes.Repeat([]byte{0xaa}, 65)
	dk := bytes.Repeat([]byte{0xbb}, 65)
	nonce := bytes.Repeat([]byte{0xcc}, 16)
	tr := credential.SessionTranscript(testAID, rk, dk, nonce)
	want := cat([]byte{0x85, 0x6a}, []byte("ApCV-NFC-1"), []byte{0x46}, testAID,
		[]byte{0x58, 65}, rk, []byte{0x58, 65}, dk, []byte{0x50}, nonce)
	if !bytes.Equal(tr, want) {
		t.Errorf("transcript\n got %x\nwant %x", tr, want)
	}
}

func mustECDSA(t testing.TB) *ecdsa.PublicKey { return &genKey(t).PublicKey }
