package vectors

import (
	"bytes"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/apcvkit/apcvkit/credential"
)

// chosenVectors returns the vectors of chosen-beneficiary codes
// (docs/PROTOCOL.md §5.4), for the family of six: the ouvrant droit chosen
// (selected 0), beneficiary 3 chosen (the reduced ouvrant droit and the
// person seen, selected 1), and the refusal of a code whose selected was
// changed after the issuer signed it.
func (g *gen) chosenVectors() ([]Vector, error) {
	f := Family(6)
	h, err := g.issue(g.issuer, IssuerName, f)
	if err != nil {
		return nil, err
	}
	amo := []credential.Group{credential.GroupAMO}
	var vs []Vector
	for _, i := range []int{0, 3} {
		v := g.base(fmt.Sprintf("qr-accept-chosen-6-%d", i),
			fmt.Sprintf("QR presentation of the chosen-beneficiary credential of beneficiary %d of a family of 6 (held.chosen[%d]), shown %v before verification", i, i, shownAgo), "qr", h)
		v.Held.Chosen = chosenHex(h)
		if v.QR, err = g.qrOf(h.Chosen[i], now.Add(-shownAgo), uint32(200+i)); err != nil {
			return nil, err
		}
		sel := min(i, 1)
		v.Expect = Expect{Issuer: IssuerName, CredentialID: cid[:], Counter: uint32(200 + i), Groups: GroupNames(amo),
			Family: FamilyOf(ChosenFamily(f, i), amo), Selected: &sel}
		vs = append(vs, v)
	}

	// selected 1 → 0 in the signed payload (the last claims are selected
	// and member: 0a 01 0b 03), the issuer signature kept, the device
	// signing the changed credential.
	var m struct {
		_           struct{} `cbor:",toarray"`
		Protected   []byte
		Unprotected map[int]any
		Payload     []byte
		Signature   []byte
	}
	if err := cbor.Unmarshal(h.Chosen[3], &m); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(m.Payload, []byte{0x0a, 0x01, 0x0b, 0x03}) {
		return nil, fmt.Errorf("chosen credential: selected and member are not the last claims")
	}
	m.Payload = bytes.Clone(m.Payload)
	m.Payload[len(m.Payload)-3] = 0x00
	tampered, err := cbor.Marshal(m)
	if err != nil {
		return nil, err
	}
	v := g.base("qr-reject-chosen-selected", "QR presentation of held.chosen[3] whose selected (claims key 10) was changed from 1 to 0 after the issuer signed it; the device signs the changed credential", "qr", h)
	v.Held.Chosen = chosenHex(h)
	if v.QR, err = g.qrOf(tampered, now.Add(-shownAgo), 203); err != nil {
		return nil, err
	}
	v.Expect = Expect{Error: "bad-signature"}
	return append(vs, v), nil
}

// qrOf is the QR presentation of the compact credential cred.
func (g *gen) qrOf(cred []byte, at time.Time, ctr uint32) (*QRJSON, error) {
	return g.qr(&credential.Held{QRCredential: cred}, g.device, at, ctr)
}

func chosenHex(h *credential.Held) []Hex {
	out := make([]Hex, len(h.Chosen))
	for i, c := range h.Chosen {
		out[i] = c
	}
	return out
}

// ChosenFamily is what the chosen-beneficiary credential of beneficiary i
// of f carries (§5.4): the ouvrant droit alone for 0, else the ouvrant droit
// reduced to NIR, qualité and organisme, and beneficiary i.
func ChosenFamily(f credential.Family, i int) credential.Family {
	od := f.Beneficiaires[0]
	if i == 0 {
		return credential.Family{Beneficiaires: []credential.Beneficiary{od}}
	}
	return credential.Family{Beneficiaires: []credential.Beneficiary{
		{NIR: od.NIR, Qualite: od.Qualite, Organisme: od.Organisme}, f.Beneficiaires[i]}}
}
