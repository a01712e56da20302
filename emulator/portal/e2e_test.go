package portal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/reader/lists"
)

// TestReaderRefusesRevokedDevice is the whole revocation path: a phone
// presents a QR accepted by a reader whose Verifier is fed by the list
// fetcher; an habilité agent revokes the app over the portal's HTTP API;
// within the publish delay the reader still holds the old list; once the
// delay has passed its next refresh brings the revocation and the same
// phone's credential is refused with credential.ErrRevoked.
func TestReaderRefusesRevokedDevice(t *testing.T) {
	w := newWorld(t)
	if err := w.ph.Unlock(secretCode); err != nil {
		t.Fatal(err)
	}
	held, dev, err := w.ph.Wallet()
	if err != nil {
		t.Fatal(err)
	}
	f, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: w.srv.URL, CacheDir: t.TempDir(),
		Authority: w.iss.ListAuthority(), Now: w.fc.Now})
	if err != nil {
		t.Fatal(err)
	}
	v := credential.NewVerifier(credential.VerifierConfig{ListAuthority: w.iss.ListAuthority(), Now: w.fc.Now})
	refresh := func() uint64 {
		t.Helper()
		ctx := context.Background()
		tl, err := f.TrustList(ctx)
		if err == nil {
			err = v.SetTrustList(tl)
		}
		if err != nil {
			t.Fatalf("trust list: %v", err)
		}
		rl, err := f.RevocationList(ctx)
		if err == nil {
			err = v.SetRevocationList(rl)
		}
		if err != nil {
			t.Fatalf("revocation list: %v", err)
		}
		_, r := v.Lists()
		return r.Seq
	}
	var ctr uint32
	verify := func() error {
		ctr++
		qr, err := held.PresentQR(dev, w.fc.Now(), ctr)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.VerifyQR(qr)
		return err
	}

	seq0 := refresh()
	if err := verify(); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	a := w.do("POST", "/v1/person/revoke-app", w.habilite, jsonBody(w.nir, "device-stolen"))
	if a.status != 200 {
		t.Fatalf("revoke: %d %s", a.status, a.body)
	}
	by := *a.person(t).InListsBy

	// Within the publish delay the list served is the old one (304).
	w.fc.Advance(w.delay - time.Second)
	if seq := refresh(); seq != seq0 {
		t.Errorf("list changed within the delay: seq %d -> %d", seq0, seq)
	}
	if err := verify(); err != nil {
		t.Errorf("within the publish delay: %v (the bound is documented as PublishDelay)", err)
	}
	// Once the delay has passed, the next refresh brings the revocation.
	w.fc.Set(by)
	if seq := refresh(); seq <= seq0 {
		t.Errorf("no new list after the delay: seq %d", seq)
	}
	if err := verify(); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("after revocation and refresh: %v, want ErrRevoked", err)
	}
	// The portal then goes away: the reader keeps the cached list, which
	// still refuses the phone.
	w.stopPortal()
	if seq := refresh(); seq <= seq0 {
		t.Errorf("offline refresh lost the list: seq %d", seq)
	}
	if err := verify(); !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("offline: %v, want ErrRevoked", err)
	}
}
