package reader_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/internal/testworld"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/reader"
)

// readOne scans text on a new reader and returns the identity.
func readOne(t *testing.T, w *testworld.World, text string) (*reader.Identity, error) {
	t.Helper()
	scan := make(chanScan, 1)
	cfg := baseConfig(w)
	cfg.QR = []qrscan.Source{scan}
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	scan <- text
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return r.Read(ctx)
}

// TestReadChosenBeneficiary: a chosen-beneficiary QR code is read through
// the facade into an identity whose Selected names the person seen, in
// the Go value and in its JSON; the whole family's code reads Selected -1.
func TestReadChosenBeneficiary(t *testing.T) {
	w := testworld.New(4)
	for i, want := range w.Family.Beneficiaires {
		text, err := w.Held.PresentQRFor(w.Device, w.Now, uint32(i+1), i, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := readOne(t, w, text)
		if err != nil {
			t.Fatalf("beneficiary %d: %v", i, err)
		}
		if id.Selected != min(i, 1) || id.Beneficiaires[id.Selected].NIR != want.NIR || id.OuvrantDroit().NIR != w.Family.Beneficiaires[0].NIR {
			t.Fatalf("beneficiary %d: selected %d of %d", i, id.Selected, len(id.Beneficiaires))
		}
		var j struct {
			Selected *int `json:"selected"`
		}
		b, _ := json.Marshal(id.JSON(true))
		if err := json.Unmarshal(b, &j); err != nil || j.Selected == nil || *j.Selected != id.Selected {
			t.Fatalf("beneficiary %d: JSON %s", i, b)
		}
	}
	text, err := w.Held.PresentQR(w.Device, w.Now, 10)
	if err != nil {
		t.Fatal(err)
	}
	id, err := readOne(t, w, text)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(id.JSON(false))
	if id.Selected != -1 || bytes.Contains(b, []byte(`"selected"`)) {
		t.Fatalf("whole family: selected %d, JSON %s", id.Selected, b)
	}
}

// TestReadChosenSelectedTampered: the person seen cannot be switched — a
// code whose selected was changed after the issuer signed it is refused
// (bad-signature) even though the device key signs the changed code.
func TestReadChosenSelectedTampered(t *testing.T) {
	w := testworld.New(3)
	var m struct {
		_           struct{} `cbor:",toarray"`
		Protected   []byte
		Unprotected map[int]any
		Payload     []byte
		Signature   []byte
	}
	if err := cbor.Unmarshal(w.Held.Chosen[2], &m); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(m.Payload, []byte{0x0a, 0x01, 0x0b, 0x02}) { // selected 1 and member 2, the last claims
		t.Fatalf("layout: …%x", m.Payload[len(m.Payload)-4:])
	}
	m.Payload[len(m.Payload)-3] = 0x00
	tampered, err := cbor.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	text, err := (&credential.Held{QRCredential: tampered}).PresentQR(w.Device, w.Now, 1)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := readOne(t, w, text); !errors.Is(err, credential.ErrBadSignature) || id != nil {
		t.Fatalf("tampered selected: %v, %v; want bad-signature", id, err)
	}
}

type sinkRecorder struct{ got []credential.Receipt }

func (s *sinkRecorder) PostReceipt(_ context.Context, _ [8]byte, r credential.Receipt) error {
	s.got = append(s.got, r)
	return nil
}

// TestReceiptChosenBeneficiary: a receipt names an entry of the identity's
// beneficiaires; for a chosen beneficiary's code the app gets the person
// seen's index in the family (3, not 1), the ouvrant droit's (0), and
// nothing for an index the identity does not hold.
func TestReceiptChosenBeneficiary(t *testing.T) {
	w := testworld.New(4)
	text, err := w.Held.PresentQRFor(w.Device, w.Now, 1, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	scan := make(chanScan, 1)
	sink := &sinkRecorder{}
	cfg := baseConfig(w)
	cfg.QR, cfg.Receipts = []qrscan.Source{scan}, sink
	r, err := reader.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	scan <- text
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := credential.Receipt{PSID: "10101010101", PSName: "Dr Martin", AmountCents: 3000, Date: uint64(w.Now.Unix())}
	for _, tc := range []struct{ in, want int }{{1, 3}, {0, 0}} {
		rec.Beneficiary = tc.in
		if err := r.PostReceipt(ctx, id, rec); err != nil {
			t.Fatal(err)
		}
		if got := sink.got[len(sink.got)-1].Beneficiary; got != tc.want {
			t.Errorf("receipt for beneficiaires[%d]: the app got member %d, want %d", tc.in, got, tc.want)
		}
	}
	rec.Beneficiary = 2
	if err := r.PostReceipt(ctx, id, rec); !errors.Is(err, credential.ErrInvalidField) || len(sink.got) != 2 {
		t.Fatalf("receipt for an index the identity does not hold: %v (%d sent)", err, len(sink.got))
	}
}
