package credential_test

import (
	"testing"
	"time"
)

func TestQuickRoundTrip(t *testing.T) {
	for _, n := range []int{1, 4, 6} {
		w := newWorld(t, n)
		v := w.verifier(t)
		txt, err := w.held.PresentQR(w.device, w.now.Add(-10*time.Second), 7)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("n=%d QR len=%d cred=%d nfccred=%d", n, len(txt), len(w.held.QRCredential), len(w.held.Credential))
		p, err := v.VerifyQR(txt)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Family.Beneficiaires) != n {
			t.Fatalf("got %d", len(p.Family.Beneficiaires))
		}
	}
}
