package benchmarks_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"filippo.io/nistec"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/internal/testworld"
)

// familySizes are the family sizes of the QR and NFC benchmarks: one
// person, and a family of four (the P4 sizes).
var familySizes = []int{1, 4}

// BenchmarkQRText is a scanned QR text to a verified identity
// (Verifier.VerifyQR), for 1 and 4 beneficiaries. SetBytes is the text's
// length, so MB/s reads as characters verified per second.
//
// P1 = this / BenchmarkCrypto/verify2+decompress in the same run.
func BenchmarkQRText(b *testing.B) {
	for _, n := range familySizes {
		b.Run(fmt.Sprintf("beneficiaires=%d", n), func(b *testing.B) {
			f := newQRFeed(b, world(n), qrBatch, b.N)
			b.SetBytes(int64(len(f.texts[0])))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				v, text := f.at(i)
				p, err := v.VerifyQR(text)
				if err != nil {
					b.Fatal(err)
				}
				sinkPresentation = p
			}
		})
	}
}

// BenchmarkP1 alternates, in each iteration, one VerifyQR and the
// cryptographic floor (BenchmarkCrypto/verify2+decompress and verify2),
// and reports the ratios of their per-iteration medians: x-crypto (P1,
// goal at most 1.05 since issue 17) and x-verify2 (against the two verifications alone).
// Interleaving makes the machine's load weigh on both sides alike.
func BenchmarkP1(b *testing.B) {
	for _, n := range familySizes {
		b.Run(fmt.Sprintf("beneficiaires=%d", n), func(b *testing.B) {
			w := world(n)
			fl := newFloor(b, w)
			f := newQRFeed(b, w, qrBatch, b.N)
			qr := make([]time.Duration, 0, b.N)
			c1 := make([]time.Duration, 0, b.N)
			c2 := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				v, text := f.at(i)
				t0 := time.Now()
				p, err := v.VerifyQR(text)
				t1 := time.Now()
				if err != nil {
					b.Fatal(err)
				}
				sinkPresentation = p
				fl.verify2Decompress(b)
				t2 := time.Now()
				fl.verify2(b)
				qr = append(qr, t1.Sub(t0))
				c1 = append(c1, t2.Sub(t1))
				c2 = append(c2, time.Since(t2))
			}
			b.StopTimer()
			mQR, m1, m2 := median(qr), median(c1), median(c2)
			b.ReportMetric(float64(mQR)/float64(m1), "x-crypto")
			b.ReportMetric(float64(mQR)/float64(m2), "x-verify2")
			b.ReportMetric(float64(mQR)/1e3, "verifyqr-µs-median")
			b.ReportMetric(float64(m1)/1e3, "crypto-µs-median")
		})
	}
}

// BenchmarkCrypto is the cryptographic floor of VerifyQR: the two ECDSA
// P-256 verifications it must do (the issuer's signature over the
// credential, the device's over the presentation), with ecdsa.VerifyASN1
// over SHA-256 digests already computed, and the same plus the
// decompression of the device key (the credential carries it in SEC 1
// compressed form; VerifyQR must decompress it before the second
// verification). nfc-reader is the reader's public-key work in an NFC
// session: an ephemeral ECDH key, the shared secret, and the same two
// verifications with the decompression (the floor of BenchmarkNFCPCSC's
// x-bare-nocrypto).
func BenchmarkCrypto(b *testing.B) {
	f := newFloor(b, world(1))
	b.Run("verify2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f.verify2(b)
		}
	})
	b.Run("verify2+decompress", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f.verify2Decompress(b)
		}
	})
	b.Run("nfc-reader", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f.nfcReader(b)
		}
	})
}

// floor holds what the cryptographic floors work on: signatures by the
// world's issuer and device keys over SHA-256 digests, the device key in
// compressed form, and a phone's ephemeral ECDH key.
type floor struct {
	d1, d2     [32]byte
	sig1, sig2 []byte
	issuer     *ecdsa.PublicKey
	device     *ecdsa.PublicKey
	compressed []byte
	phoneKey   *ecdh.PublicKey
}

func newFloor(tb testing.TB, w *testworld.World) *floor {
	tb.Helper()
	f := &floor{d1: sha256.Sum256([]byte("issuer")), d2: sha256.Sum256([]byte("device")),
		issuer: &w.Issuer.Key.PublicKey, device: &w.Device.PublicKey,
		compressed: credential.CompressPublicKey(&w.Device.PublicKey)}
	var err error
	if f.sig1, err = ecdsa.SignASN1(rand.Reader, w.Issuer.Key, f.d1[:]); err != nil {
		tb.Fatal(err)
	}
	if f.sig2, err = ecdsa.SignASN1(rand.Reader, w.Device, f.d2[:]); err != nil {
		tb.Fatal(err)
	}
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	f.phoneKey = k.PublicKey()
	return f
}

// verify2 is the two ECDSA verifications.
func (f *floor) verify2(tb testing.TB) {
	sinkBool = ecdsa.VerifyASN1(f.issuer, f.d1[:], f.sig1) && ecdsa.VerifyASN1(f.device, f.d2[:], f.sig2)
	if !sinkBool {
		tb.Fatal("signature refused")
	}
}

// verify2Decompress is verify2 with the device key decompressed first.
func (f *floor) verify2Decompress(tb testing.TB) {
	// The mandatory work of credential.ParsePublicKey: crypto/ecdsa takes
	// the uncompressed form only.
	p, err := nistec.NewP256Point().SetBytes(f.compressed)
	if err != nil {
		tb.Fatal(err)
	}
	dev, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), p.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	sinkBool = ecdsa.VerifyASN1(f.issuer, f.d1[:], f.sig1) && ecdsa.VerifyASN1(dev, f.d2[:], f.sig2)
	if !sinkBool {
		tb.Fatal("signature refused")
	}
}

// nfcReader is the reader's public-key work in an NFC session: its
// ephemeral ECDH key, the shared secret with the phone's key, and
// verify2Decompress.
func (f *floor) nfcReader(tb testing.TB) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	secret, err := k.ECDH(f.phoneKey)
	if err != nil {
		tb.Fatal(err)
	}
	sinkBytes = secret
	f.verify2Decompress(tb)
}

// qrSize is the size of one QR text: characters, and the smallest QR
// version holding it at level M.
type qrSize struct {
	name          string
	beneficiaires int
	text          string
	chars         int
	version       int
}

func measureQR(text string) (chars, version int, err error) {
	code, err := qrimage.NewCode(text, qrimage.Options{Level: qrimage.LevelM})
	if err != nil {
		return 0, 0, err
	}
	return len(text), code.Symbol.Version, nil
}

// qrSizes measures the QR text of the testworld families of 1 to 6 and of
// every built-in emulator profile.
func qrSizes(tb testing.TB) []qrSize {
	tb.Helper()
	var out []qrSize
	for n := 1; n <= 6; n++ {
		w := world(n)
		text, err := w.Held.PresentQR(w.Device, w.Now, 1)
		if err != nil {
			tb.Fatal(err)
		}
		c, v, err := measureQR(text)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, qrSize{fmt.Sprintf("testworld-%d", n), n, text, c, v})
	}
	for _, name := range phone.Profiles() {
		if p, err := phone.BuiltinProfile(name); err != nil || p.ActivationRefusal != "" {
			continue // a profile whose activation is refused has no QR code
		}
		ew, err := emulator.New(emulator.Options{Profile: name})
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		text, err := ew.Phone.PresentQR()
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		c, v, err := measureQR(text)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, qrSize{"profile-" + name, len(ew.Phone.Profile().Family.Beneficiaires), text, c, v})
	}
	return out
}

// BenchmarkQRSize reports P4 as metrics: the QR text's length in characters
// and its QR version at level M, for the testworld families and the
// built-in profiles. Its time is that of qrimage.NewCode (the phone's
// encoding of a refreshed QR code).
func BenchmarkQRSize(b *testing.B) {
	for _, s := range qrSizes(b) {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := qrimage.NewCode(s.text, qrimage.Options{Level: qrimage.LevelM}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.chars), "chars")
			b.ReportMetric(float64(s.version), "qr-version")
			b.ReportMetric(float64(s.beneficiaires), "beneficiaires")
		})
	}
}

// TestQRSizes checks what P4 measures: every text is an ApCV text of
// Base45 characters, it grows with the family, and the version reported is
// the smallest that holds it (one version less does not).
func TestQRSizes(t *testing.T) {
	sizes := qrSizes(t)
	prev := 0
	for _, s := range sizes {
		t.Logf("%-26s beneficiaires=%d chars=%d version=%d", s.name, s.beneficiaires, s.chars, s.version)
		if strings.HasPrefix(s.name, "testworld-") {
			if s.chars <= prev {
				t.Errorf("%s: %d characters, not more than the family before (%d)", s.name, s.chars, prev)
			}
			prev = s.chars
		}
		if s.version < 1 || s.version > 40 {
			t.Errorf("%s: version %d", s.name, s.version)
		}
	}
	w := world(1)
	text, err := w.Held.PresentQR(w.Device, w.Now, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, credential.QRPrefix) {
		t.Fatalf("QR text %.10q… lacks %q", text, credential.QRPrefix)
	}
	for _, r := range text[len(credential.QRPrefix):] {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			t.Fatalf("QR text holds %q, not Base45", r)
		}
	}
	_, v, err := measureQR(text)
	if err != nil {
		t.Fatal(err)
	}
	if v > 1 {
		if _, err := qrimage.NewCode(text, qrimage.Options{Level: qrimage.LevelM, Version: v - 1}); err == nil {
			t.Errorf("the text fits version %d: %d is not the smallest", v-1, v)
		}
	}
}

// TestQRFeed checks the replay handling of the QR benchmarks: every pair
// the feed hands out verifies, across a Verifier change, and a text given
// twice to the same Verifier is refused (so the feed is what makes the
// benchmark pass, not a disabled check).
func TestQRFeed(t *testing.T) {
	w := world(1)
	const batch, n = 4, 10
	f := newQRFeed(t, w, batch, n)
	if len(f.vs) != 3 {
		t.Fatalf("%d Verifiers for %d verifications by %d, want 3", len(f.vs), n, batch)
	}
	for i := range n {
		v, text := f.at(i)
		if _, err := v.VerifyQR(text); err != nil {
			t.Fatalf("verification %d: %v", i, err)
		}
	}
	v, text := f.at(0)
	if _, err := v.VerifyQR(text); err == nil {
		t.Fatal("a replayed text was accepted")
	}
}
