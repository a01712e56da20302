package credential_test

import (
	"testing"

	"github.com/apcvkit/apcvkit/credential"
)

// TestTrustListWithoutKeys: a list authority that withdraws every issuer key
// signs a trust list with an empty key array; readers take it, and then
// trust no credential.
func TestTrustListWithoutKeys(t *testing.T) {
	w := newWorld(t, 1)
	raw := w.signTrust(t, 2)
	tl, err := credential.ParseTrustList(raw, &w.root.Key.PublicKey)
	if err != nil || len(tl.Keys) != 0 {
		t.Fatalf("empty trust list: %+v, %v", tl, err)
	}
	v := w.verifier(t)
	if err := v.SetTrustList(raw); err != nil {
		t.Fatal(err)
	}
	p, err := v.VerifyQR(w.qr(t, 0, 1))
	mustErr(t, p, err, credential.ErrUnknownIssuer)
}
