package reader

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/nfc"
)

// Identity is a verified identity: every field comes from a presentation
// whose issuer signature, validity, device binding, freshness, revocation
// status and (QR) replay were checked.
type Identity struct {
	Mode          credential.Mode          // QR or NFC
	Source        string                   // the device it was read on, e.g. "nfc:pcsc:ACS ACR1252 PICC" or "serial:/dev/ttyACM0"
	Beneficiaires []credential.Beneficiary // [0] is the ouvrant droit
	// Selected is the index in Beneficiaires of the person being seen when
	// the patient chose one in the app (a chosen-beneficiary QR code,
	// docs/PROTOCOL.md §5.4), -1 when the code carries the whole family
	// (and for NFC). With Selected 1, Beneficiaires[0] is the ouvrant
	// droit reduced to what billing needs of him: NIR, Qualite and
	// Organisme, no names, dates or rank.
	Selected     int
	EtatCivil    *credential.EtatCivil // when the ETAT_CIVIL group was asked for (NFC)
	Groups       []credential.Group    // the groups received and verified
	Verification Verification

	link   *nfcLink     // NFC only: the session kept open for a receipt
	cid    [8]byte      // the credential id, for receipts by QR
	member int          // with Selected ≥ 0: the person seen's index in the family, for receipts
	rights *rightsFetch // the AMO rights fetched in the background (Rights)
}

// nfcLink is the NFC session and connection an identity keeps for a receipt.
type nfcLink struct {
	mu    sync.Mutex
	sess  *nfc.Session
	phone nfc.Phone
}

// putReceipt writes r over the session, then releases the connection.
func (l *nfcLink) putReceipt(ctx context.Context, r credential.Receipt) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.phone == nil {
		return fmt.Errorf("the phone connection was released: %w", ErrNoReceipts)
	}
	err := l.sess.PutReceipt(ctx, r)
	l.phone.Close()
	l.phone, l.sess = nil, nil
	return err
}

func (l *nfcLink) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.phone != nil {
		l.phone.Close()
		l.phone, l.sess = nil, nil
	}
}

// Release closes the NFC connection kept open for a receipt after an NFC
// read. PostReceipt calls it; the next Read and Close call it too, so a
// connection is never held past them. It is safe to call twice, and
// concurrently.
func (id *Identity) Release() {
	if id.link != nil {
		id.link.release()
	}
}

// Verification says how the identity was verified.
type Verification struct {
	Issuer       string    // e.g. "CNAM"
	IssuerKid    string    // hex of the issuer key identifier
	CredentialID string    // hex of the credential identifier (the revocation unit)
	IssuedAt     time.Time // when the credential was issued
	ValidUntil   time.Time
	PresentedAt  time.Time     // QR: the time the phone signed; NFC: the read time
	Freshness    time.Duration // how old the presentation was when verified
	Counter      uint32        // QR refresh counter
	ShortQR      bool          // a short QR code resolved online (protocol version 2)
	VerifiedAt   time.Time
}

func newIdentity(p *credential.Presentation, source string, now time.Time) *Identity {
	return &Identity{
		cid: p.CredentialID, member: p.Member,
		Mode: p.Mode, Source: source, Beneficiaires: p.Family.Beneficiaires, EtatCivil: p.Family.EtatCivil,
		Groups: p.Groups, Selected: selected(p),
		Verification: Verification{
			Issuer: p.Issuer, IssuerKid: hex.EncodeToString(p.Kid), CredentialID: hex.EncodeToString(p.CredentialID[:]),
			IssuedAt: p.IssuedAt, ValidUntil: p.ValidUntil, PresentedAt: p.PresentedAt,
			Freshness: now.Sub(p.PresentedAt), Counter: p.Counter, ShortQR: p.Short, VerifiedAt: now,
		},
	}
}

// familyIndex returns the index in the family (what a receipt names) of
// Beneficiaires[i]: i itself for a whole family; for a chosen beneficiary's
// code, 0 for the ouvrant droit and the person seen's index in the family.
func (id *Identity) familyIndex(i int) (int, error) {
	switch {
	case id.Selected < 0:
		return i, nil
	case i == id.Selected:
		return id.member, nil
	case i == 0:
		return 0, nil
	}
	return 0, fmt.Errorf("beneficiary %d of an identity of %d: %w", i, len(id.Beneficiaires), credential.ErrInvalidField)
}

// selected returns Identity.Selected for p.
func selected(p *credential.Presentation) int {
	if !p.Chosen {
		return -1
	}
	return p.Selected
}

// OuvrantDroit returns the insured person who opens the rights.
func (id *Identity) OuvrantDroit() *credential.Beneficiary {
	if len(id.Beneficiaires) == 0 {
		return nil
	}
	return &id.Beneficiaires[0]
}

// LogValue logs only masked, non-identifying facts.
func (id *Identity) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("mode", id.Mode.String()), slog.String("source", id.Source),
		slog.Int("beneficiaires", len(id.Beneficiaires))}
	if od := id.OuvrantDroit(); od != nil {
		attrs = append(attrs, slog.String("nir", od.NIR.Masked()))
	}
	return slog.GroupValue(attrs...)
}

// String returns a masked summary.
func (id *Identity) String() string {
	s := "identity via " + id.Mode.String()
	if od := id.OuvrantDroit(); od != nil {
		s += " " + od.NIR.Masked()
	}
	return s
}
