//go:build cgo || windows

// The benchmark replays a recorded session: phone and reader must draw the
// same randomness each time, which crypto/ecdh and crypto/ecdsa allow only
// with this setting (test binary only).
//go:debug cryptocustomrand=1

package pcsc_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/apdu/apdutest"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	emuapplet "github.com/apcvkit/apcvkit/emulator/applet"
	"github.com/apcvkit/apcvkit/emulator/vpcd"
	"github.com/apcvkit/apcvkit/internal/pcsctest"
	"github.com/apcvkit/apcvkit/nfc"
)

// replayRand is a reproducible randomness stream that Reset restarts. A
// one-byte Read returns 0 and does not advance the stream: crypto/internal's
// MaybeReadByte reads one byte at random, or not, before a custom source is
// used, and must not shift what follows.
type replayRand struct {
	seed uint64
	mu   sync.Mutex
	r    *rand.ChaCha8
}

func newReplayRand(seed uint64) *replayRand {
	r := &replayRand{seed: seed}
	r.Reset()
	return r
}

func (r *replayRand) Reset() {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], r.seed)
	r.mu.Lock()
	r.r = rand.NewChaCha8(s)
	r.mu.Unlock()
}

func (r *replayRand) Read(p []byte) (int, error) {
	if len(p) == 1 {
		p[0] = 0
		return 1, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Read(p)
}

// phoneWallet gives the applet the emulated phone's credential.
type phoneWallet struct{ w *emulator.World }

func (p phoneWallet) Present() (*credential.Held, *ecdsa.PrivateKey, error) {
	return p.w.Phone.Wallet()
}
func (p phoneWallet) AddReceipt(credential.Receipt) error {
	return errors.New("bench: receipts are not benchmarked")
}

// cryptoFloor returns the public-key work the protocol demands of the
// reader in one session, whatever the implementation: an ephemeral P-256
// key, one ECDH, and two ES256 verifications (the issuer's signature and
// the phone's over the session transcript).
func cryptoFloor(b *testing.B) func() {
	phone, err := ecdh.P256().GenerateKey(crand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("transcript"))
	sig, err := ecdsa.SignASN1(crand.Reader, signer, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	return func() {
		k, err := ecdh.P256().GenerateKey(crand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.ECDH(phone.PublicKey()); err != nil {
			b.Fatal(err)
		}
		for range 2 {
			if !ecdsa.VerifyASN1(&signer.PublicKey, digest[:], sig) {
				b.Fatal("signature refused")
			}
		}
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkSessionVsReplay compares, through the real pcscd and vpcd, on the
// phone connection a Source hands out (Source.WaitPhone, a *Card):
//
//   - session: a full ApCV read, nfc.Read (SELECT, KEY AGREEMENT, GET DATA,
//     GET RESPONSEs, decryption and verification of the presentation);
//   - replay: the same C-APDUs, recorded once through a wrapping transport,
//     sent again bare with Card.Transmit, every answer checked byte for byte
//     against the recording (phone and reader draw reproducible randomness,
//     so the phone does the same work: ECDH, signature, encryption).
//
// One of each runs in every iteration, so the machine's load weighs on both
// alike; x-replay is the ratio of their medians (goal: at most 1.05), and
// reader-µs the median of what the session adds to the exchange. A third
// timing, floor-µs, is the public-key work the protocol itself demands of
// the reader (cryptoFloor); x-replay-nocrypto takes it out of the session:
// what the SDK adds beyond it.
//
//	scripts/pcscd/with-pcscd.sh go test -run '^$' -bench SessionVsReplay -benchtime 200x ./nfc/pcsc/
func BenchmarkSessionVsReplay(b *testing.B) {
	for _, bc := range []struct {
		name   string
		groups []credential.Group
	}{
		{"AMO", []credential.Group{credential.GroupAMO}},
		{"AMO+INS+ETAT_CIVIL", credential.AllGroups},
	} {
		b.Run(bc.name, func(b *testing.B) { benchSessionVsReplay(b, bc.groups) })
	}
}

func benchSessionVsReplay(b *testing.B, groups []credential.Group) {
	addr, name := pcsctest.Require(b, "pcsc")
	w := newWorld(b, "famille-6-drome")
	phoneRand, readerRand := newReplayRand(1), newReplayRand(2)
	card := emuapplet.New(phoneWallet{w}, emuapplet.Options{Rand: phoneRand})
	pcsctest.WaitCard(b, name, false, presentTimeout)
	b.Cleanup(func() { pcsctest.WaitCard(b, name, false, presentTimeout) })
	pcsctest.Serve(b, addr, card, vpcd.Options{})
	src := openSource(b, name)
	ctx := context.Background()
	phone, err := src.WaitPhone(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer phone.Close()
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: w.Issuer.ListAuthority()})
	tl, _ := w.TrustList(ctx)
	rl, _ := w.RevocationList(ctx)
	if err := v.SetTrustList(tl); err != nil {
		b.Fatal(err)
	}
	if err := v.SetRevocationList(rl); err != nil {
		b.Fatal(err)
	}
	opts := nfc.Options{Groups: groups, Rand: readerRand, APDUTimeout: 10 * time.Second}

	session := func() {
		phoneRand.Reset()
		readerRand.Reset()
		s, err := nfc.Read(ctx, phone, v, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Presentation.Groups) != len(groups) {
			b.Fatalf("groups %v", s.Presentation.Groups)
		}
	}
	phoneRand.Reset()
	readerRand.Reset()
	rec := &apdutest.Record{Transport: phone}
	if _, err := nfc.Read(ctx, rec, v, opts); err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, e := range rec.Exchanges {
		size += int64(len(e.Command) + len(e.Response))
	}
	replay := func() {
		phoneRand.Reset()
		for i, e := range rec.Exchanges {
			resp, err := phone.Transmit(ctx, e.Command)
			if err != nil {
				b.Fatal(err)
			}
			if !bytes.Equal(resp, e.Response) {
				b.Fatalf("APDU %d: the phone's answer differs from the recorded session", i+1)
			}
		}
	}
	// Both are reproducible: a second session answers as the recording.
	replay()
	session()

	floor := cryptoFloor(b)

	var tSession, tReplay, tFloor []time.Duration
	b.SetBytes(2 * size)
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		session()
		t1 := time.Now()
		replay()
		t2 := time.Now()
		floor()
		tSession = append(tSession, t1.Sub(t0))
		tReplay = append(tReplay, t2.Sub(t1))
		tFloor = append(tFloor, time.Since(t2))
	}
	ms, mr, mf := median(tSession), median(tReplay), median(tFloor)
	b.ReportMetric(float64(mf)/1e3, "floor-µs")
	b.ReportMetric(float64(ms-mf)/float64(mr), "x-replay-nocrypto")
	b.ReportMetric(float64(len(rec.Exchanges)), "apdus")
	b.ReportMetric(float64(ms.Microseconds()), "session-µs")
	b.ReportMetric(float64(mr.Microseconds()), "replay-µs")
	b.ReportMetric(float64(ms-mr)/1e3, "reader-µs")
	b.ReportMetric(float64(ms)/float64(mr), "x-replay")
}
