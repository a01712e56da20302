package portal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/lists"
)

var _ reader.ListSource = (*lists.Fetcher)(nil)

// scanQueue is a QR source fed by the test: the text a scanner would type
// (no hardware scanner exists here; the bytes are the phone's real QR text).
type scanQueue chan string

func (q scanQueue) Next(ctx context.Context) (qrscan.Scan, error) {
	select {
	case s := <-q:
		return qrscan.Scan{Text: s, Source: "test:queue", At: time.Now()}, nil
	case <-ctx.Done():
		return qrscan.Scan{}, ctx.Err()
	}
}

func (q scanQueue) Name() string { return "test:queue" }

func (q scanQueue) Close() error { return nil }

// TestFacadeRefusesRevokedPhone: the SDK facade, with the list fetcher as
// its ListSource, reads the emulated phone's QR; after an agent's
// revocation over the portal and the publish delay, RefreshLists brings the
// revocation and the next read of the same phone is refused.
func TestFacadeRefusesRevokedPhone(t *testing.T) {
	w := newWorld(t)
	if err := w.ph.Unlock(secretCode); err != nil {
		t.Fatal(err)
	}
	f, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: w.srv.URL, CacheDir: t.TempDir(),
		Authority: w.iss.ListAuthority(), Now: w.fc.Now})
	if err != nil {
		t.Fatal(err)
	}
	q := make(scanQueue, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := reader.Open(ctx, reader.Config{Enabled: true, ListAuthority: w.iss.ListAuthority(), Lists: f,
		QR: []qrscan.Source{q}, Now: w.fc.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	held, dev, err := w.ph.Wallet()
	if err != nil {
		t.Fatal(err)
	}
	read := func(ctr uint32) error {
		qr, err := held.PresentQR(dev, w.fc.Now(), ctr)
		if err != nil {
			t.Fatal(err)
		}
		q <- qr
		_, err = r.Read(ctx)
		return err
	}
	if err := read(1); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	if a := w.do("POST", "/v1/person/revoke-app", w.habilite, jsonBody(w.nir, "device-stolen")); a.status != 200 {
		t.Fatalf("revoke: %d", a.status)
	}
	w.fc.Advance(w.delay)
	if err := r.RefreshLists(ctx); err != nil {
		t.Fatal(err)
	}
	err = read(2)
	if !errors.Is(err, credential.ErrRevoked) {
		t.Fatalf("after revocation: %v, want ErrRevoked", err)
	}
	if msg := reader.Message(err, "fr"); msg != credential.ErrRevoked.FR {
		t.Errorf("desk message %q", msg)
	}
}
