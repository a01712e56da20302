package credential

// The NFC path's direct decoders (direct_nfc.go) against the reflective
// decoding they replace in VerifyNFC, as direct_internal_test.go does for
// the QR path: same values or the same error class on every input.
//
//	go test -run '^$' -fuzz=FuzzDirectDeviceResponse -fuzztime=60s ./credential/
//	go test -run '^$' -fuzz=FuzzDirectGroupItem -fuzztime=60s ./credential/

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

func checkDeviceResponse(t *testing.T, in []byte) {
	var d, r deviceResponse
	derr := decodeDeviceResponse(in, &d)
	rerr := unmarshalEnvelope("device response", in, &r)
	sameOutcome(t, "device response", in, d, r, derr, rerr)
}

// decodedItem is a group item and its group's data, decoded.
type decodedItem struct {
	Item groupItem
	Data wireGroups
}

// reflectGroupItem is VerifyNFC's decoding of a group item before the
// direct decoders: the item, then decodeGroup's decoding of its data.
func reflectGroupItem(item []byte) (decodedItem, error) {
	var d decodedItem
	if err := unmarshalKeepingMode(decMode, maxItems, "group item", item, &d.Item, nil, false); err != nil {
		return d, err
	}
	var err error
	switch Group(d.Item.Group) {
	case GroupAMO:
		err = unmarshal("AMO group", d.Item.Data, &d.Data.AMO)
	case GroupINS:
		err = unmarshal("INS group", d.Item.Data, &d.Data.INS)
	case GroupEtatCivil:
		d.Data.EtatCivil = &wireEtatCivil{}
		err = unmarshalKeeping("ETAT_CIVIL group", d.Item.Data, d.Data.EtatCivil, etatCivilExtensions)
	}
	return d, err
}

func checkGroupItem(t *testing.T, in []byte) {
	var d decodedItem
	var amo [8]wireBeneficiary
	derr := decodeGroupItem(in, &d.Item, &d.Data, amo[:])
	r, rerr := reflectGroupItem(in)
	sameOutcome(t, "group item", in, d, r, derr, rerr)
}

// nfcSeeds returns real device responses and group items, and hand-made
// ones with every group and field, extension entries and edge cases.
func nfcSeeds(tb testing.TB) (responses, items [][]byte) {
	w := newInternalWorld(tb)
	_, _, h := w.validClaims(tb)
	tr := SessionTranscript([]byte{0xA0, 0, 0, 0}, make([]byte, 65), make([]byte, 65), make([]byte, 16))
	for _, req := range [][]Group{{GroupAMO}, AllGroups, nil} {
		r, err := h.PresentNFC(w.device, tr, req, rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		responses = append(responses, r)
	}
	for _, g := range AllGroups {
		if it, ok := h.Groups[g]; ok {
			items = append(items, it)
		}
	}
	mk := func(v any) []byte {
		b, err := marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	salt := make(bstr, 16)
	item := func(g uint8, data any) []byte {
		return mk(groupItem{Salt: salt, Group: g, Data: cbor.RawMessage(mk(data))})
	}
	full := wireBeneficiary{NIR: "278057512345675", NomFamille: "DUPONT", NomUsage: "MARTIN", Prenoms: "Marie Élodie",
		DateNaissance: 19780500, Rang: 1, Qualite: 0, Organisme: "012619850", DateMiseAJour: 20260101}
	nine := make([]wireBeneficiary, 9) // more than the scratch space
	for i := range nine {
		nine[i] = full
	}
	items = append(items,
		item(1, []wireBeneficiary{full, {NIR: "x"}}),
		item(1, nine),
		item(1, []wireBeneficiary{}),
		item(2, map[uint8]*wireINS{0: {Matricule: "278057512345675", OID: OIDInsNIR, NomsNaissance: "DUPONT",
			PrenomsActe: "Marie", Sexe: 2, DateNaissance: 19780500, LieuNaissance: "75056"}, 3: {}}),
		item(3, wireEtatCivil{NomNaissance: "DUPONT", Prenoms: "Marie", DateNaissance: 19780500, PaysNaissance: "99100",
			CommuneNaissance: "2A004", TypeDocument: "CNI", Sexe: 2, DateAcquisition: 20200101}),
		item(9, map[int]any{1: []any{1, "a", true}}), // a group this package does not know: walked only
		item(1, "not an array"),
		// Extension entries: skipped in AMO and INS, kept (100, 101) or
		// skipped (102, -1) in ÉTAT CIVIL.
		item(1, []map[int]any{{1: "278057512345675", 100: map[int]any{1: []any{1, 2}}, 200: "x"}}),
		item(2, map[int]any{0: map[int]any{1: "m", 150: []any{}}, 120: map[int]any{1: "ext"}}),
		item(3, map[int]any{1: "DUPONT", 100: 1, 101: 20200101, 102: "later", -1: 0}),
	)
	// Hand-written items: a group item of 2 and of 4 elements, a nested
	// extension value at the deepest level the whole item allows, and one
	// level deeper.
	for _, h := range []string{
		"8250" + hexZeros(16) + "01",
		"8450" + hexZeros(16) + "0180f5",
		"8350" + hexZeros(16) + "0181a118648181818101",
		"8350" + hexZeros(16) + "0181a11864818181818101",
	} {
		b, err := hex.DecodeString(h)
		if err != nil {
			tb.Fatal(err)
		}
		items = append(items, b)
	}
	cred := bstr(h.Credential)
	responses = append(responses,
		mk(deviceResponse{Version: 1, Credential: cred, Groups: map[uint8]bstr{}, Signature: make(bstr, 64)}),
		mk(map[int]any{1: 1, 2: []byte{}, 3: map[int]any{1: []byte{1}, 99: []byte{}}, 4: []byte{}}),
		mk(map[int]any{1: 1}),
		mk(map[int]any{1: 1, 5: 0}),                                     // an unknown critical key
		mk(map[int]any{1: 1, 100: 0}),                                   // an extension key in the envelope
		mk(map[int]any{1: 1, 3: map[int]any{100: []byte{}}}),            // in its groups
		mk(map[int]any{1: 1, 3: map[int]any{-1: []byte{}}}),             // negative
		mk(map[int]any{1: 256}),                                         // version out of range
		mk(map[int]any{1: 1, 3: map[int]any{1: "text"}}),                // a text item
		mk(map[int]any{1: 1, 2: "text", 3: map[int]any{}, 4: []byte{}}), // a text credential
	)
	return responses, items
}

func TestDirectNFCSeeds(t *testing.T) {
	rs, is := nfcSeeds(t)
	for _, b := range rs {
		checkDeviceResponse(t, b)
	}
	for _, b := range is {
		checkGroupItem(t, b)
	}
}

// TestDirectNFCAccepts checks that the seeds exercise both outcomes.
func TestDirectNFCAccepts(t *testing.T) {
	rs, is := nfcSeeds(t)
	var ok, refused int
	for _, b := range rs {
		var dr deviceResponse
		if decodeDeviceResponse(b, &dr) == nil {
			ok++
		} else {
			refused++
		}
	}
	for _, b := range is {
		var gi groupItem
		var gw wireGroups
		if decodeGroupItem(b, &gi, &gw, nil) == nil {
			ok++
		} else {
			refused++
		}
	}
	var dr deviceResponse
	if err := decodeDeviceResponse(rs[1], &dr); err != nil || len(dr.Groups) == 0 || len(dr.Signature) != 64 {
		t.Fatalf("a real device response: %v, %+v", err, dr)
	}
	if ok < 15 || refused < 8 {
		t.Fatalf("%d seeds accepted, %d refused: the differential compares too few of one kind", ok, refused)
	}
}

// TestDirectNFCMutations is the differential over every mutation of every seed.
func TestDirectNFCMutations(t *testing.T) {
	rs, is := nfcSeeds(t)
	n := 0
	for _, s := range rs {
		for _, b := range mutations(s) {
			checkDeviceResponse(t, b)
			n++
		}
	}
	for _, s := range is {
		for _, b := range mutations(s) {
			checkGroupItem(t, b)
			n++
		}
	}
	t.Logf("%d inputs, same outcome for each", n)
}

func FuzzDirectDeviceResponse(f *testing.F) {
	rs, _ := nfcSeeds(f)
	for _, b := range rs {
		f.Add(b)
	}
	f.Fuzz(checkDeviceResponse)
}

func FuzzDirectGroupItem(f *testing.F) {
	_, is := nfcSeeds(f)
	for _, b := range is {
		f.Add(b)
	}
	f.Fuzz(checkGroupItem)
}

// TestSessionTranscriptDirect compares SessionTranscript with the
// reflective encoding it replaced, for lengths on each side of every head
// size, empty and nil slices.
func TestSessionTranscriptDirect(t *testing.T) {
	var parts [][]byte
	for _, n := range []int{0, 1, 16, 23, 24, 65, 255, 256, 65535, 65536} {
		parts = append(parts, bytes.Repeat([]byte{byte(n)}, n))
	}
	parts = append(parts, nil)
	for i, a := range parts {
		for j, b := range parts {
			c, d := parts[(i+j)%len(parts)], parts[(i*3+j)%len(parts)]
			want, err := marshal([]any{"ApCV-NFC-1", a, b, c, d})
			if err != nil {
				t.Fatal(err)
			}
			if got := SessionTranscript(a, b, c, d); !bytes.Equal(got, want) {
				t.Fatalf("lengths %d %d %d %d (nil: %v %v %v %v): got %x…, want %x…", len(a), len(b), len(c), len(d),
					a == nil, b == nil, c == nil, d == nil, got[:min(len(got), 40)], want[:min(len(want), 40)])
			}
		}
	}
}

// TestEncodeDeviceRequestDirect compares EncodeDeviceRequest with the
// reflective encoding of wireDeviceRequest it replaced, for every request
// it accepts (each subset of the groups holding AMO, in every order).
func TestEncodeDeviceRequestDirect(t *testing.T) {
	n := 0
	var perm func(prefix, rest []Group)
	perm = func(prefix, rest []Group) {
		if len(prefix) > 0 {
			got, err := EncodeDeviceRequest(prefix)
			if checkRequestGroups(prefix) != nil {
				if err == nil {
					t.Fatalf("%v: accepted", prefix)
				}
			} else {
				w := wireDeviceRequest{Version: Version}
				for _, g := range prefix {
					w.Groups = append(w.Groups, uint16(g))
				}
				want, werr := marshal(w)
				if err != nil || werr != nil || !bytes.Equal(got, want) {
					t.Fatalf("%v: got %x (%v), want %x (%v)", prefix, got, err, want, werr)
				}
				n++
			}
		}
		for i, g := range rest {
			r := append(append([]Group(nil), rest[:i]...), rest[i+1:]...)
			perm(append(append([]Group(nil), prefix...), g), r)
		}
	}
	perm(nil, AllGroups)
	if n < 5 {
		t.Fatalf("only %d requests compared", n)
	}
}
