package credential

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Resolutions signed by a trusted key that IssueResolution cannot make,
// built here field by field: each differs from the first row (accepted) in
// one respect and is refused with its error.
func TestVerifyResolutionHandBuilt(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	root, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tl, err := SignTrustList(IssuerKey{Kid: []byte("root"), Key: root}, TrustList{Seq: 1, IssuedAt: now.Add(-time.Hour),
		NextUpdate: now.Add(time.Hour), Keys: []TrustedKey{{Kid: []byte("k"), Issuer: "CNAM", Key: &iss.PublicKey,
			NotBefore: now.Add(-1e4 * time.Hour), NotAfter: now.Add(time.Minute)}}})
	if err != nil {
		t.Fatal(err)
	}
	rl, _ := SignRevocationList(IssuerKey{Kid: []byte("root"), Key: root}, RevocationList{Seq: 1, IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)})
	cid := [8]byte{9, 9, 9, 9, 9, 9, 9, 9}
	q := ShortQR{CID: cid, Time: now, Tag: shortQRTag(&[ShortQRKeyLen]byte{1}, cid, uint32(now.Unix()))}
	text := q.String()
	th := sha256.Sum256([]byte(text))
	ps := sha256.Sum256([]byte("ps"))
	amo := []any{map[int]any{1: "278057512345675", 2: "DUPONT", 4: "MARIE", 5: 19780523, 6: 1, 7: 0, 8: "012619850"}}
	base := func() map[int]any {
		return map[int]any{1: ResolutionVersion, 2: "CNAM", 3: cid[:], 4: uint64(now.Unix()), 5: uint64(now.Add(time.Hour).Unix()),
			6: th[:], 7: ps[:], 8: map[int]any{1: amo}, 9: uint64(now.Add(-time.Hour).Unix())}
	}
	for _, c := range []struct {
		name string
		edit func(m map[int]any)
		want error
	}{
		{"accepted", func(map[int]any) {}, nil},
		{"accepted with extensions", func(m map[int]any) { m[100] = "x"; m[8].(map[int]any)[-1] = 0 }, nil},
		{"no groups", func(m map[int]any) { delete(m, 8) }, ErrGroupMissing},
		{"empty groups", func(m map[int]any) { m[8] = map[int]any{} }, ErrGroupMissing},
		{"INS without AMO", func(m map[int]any) { m[8] = map[int]any{2: map[int]any{}} }, ErrGroupMissing},
		{"unknown group", func(m map[int]any) { m[8].(map[int]any)[4] = 1 }, ErrMalformed},
		{"unknown field", func(m map[int]any) { m[10] = 1 }, ErrMalformed},
		{"version 1", func(m map[int]any) { m[1] = 1 }, ErrUnsupportedVersion},
		{"no issuer name", func(m map[int]any) { delete(m, 2) }, ErrUnknownIssuer},
		{"another issuer name", func(m map[int]any) { m[2] = "MSA" }, ErrUnknownIssuer},
		{"cid of 7 bytes", func(m map[int]any) { m[3] = cid[:7] }, ErrMalformed},
		{"text hash of 31 bytes", func(m map[int]any) { m[6] = th[:31] }, ErrMalformed},
		{"ps hash absent", func(m map[int]any) { delete(m, 7) }, ErrMalformed},
		{"resolved after the key's notAfter", func(m map[int]any) { m[4] = uint64(now.Add(2 * time.Minute).Unix()) }, ErrUnknownIssuer},
		// The key bounds the resolution time, not the credential's issue
		// time: a credential issued under a key since rotated resolves.
		{"issued before the key's notBefore", func(m map[int]any) { m[9] = uint64(now.Add(-2e4 * time.Hour).Unix()) }, nil},
		{"issued after the resolution", func(m map[int]any) { m[9] = uint64(now.Add(time.Second).Unix()) }, ErrNotYetValid},
		{"issued in the future", func(m map[int]any) { m[9] = uint64(now.Add(31 * time.Second).Unix()) }, ErrNotYetValid},
		{"resolved after validUntil", func(m map[int]any) {
			m[4], m[5] = uint64(now.Add(2*time.Second).Unix()), uint64(now.Add(time.Second).Unix())
		}, ErrExpired},
		{"resolved time beyond int64", func(m map[int]any) { m[4] = uint64(1 << 63) }, ErrMalformed},
		{"invalid NIR", func(m map[int]any) {
			m[8] = map[int]any{1: []any{map[int]any{1: "278057512345676", 2: "DUPONT", 4: "MARIE", 5: 19780523, 6: 1, 7: 0, 8: "012619850"}}}
		}, ErrInvalidField},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := base()
			c.edit(m)
			payload, err := marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			ans, err := sign1(iss, []byte("k"), payload)
			if err != nil {
				t.Fatal(err)
			}
			v := NewVerifier(VerifierConfig{ListAuthority: &root.PublicKey, Now: func() time.Time { return now }})
			if err := v.SetTrustList(tl); err != nil {
				t.Fatal(err)
			}
			if err := v.SetRevocationList(rl); err != nil {
				t.Fatal(err)
			}
			p, err := v.VerifyResolution(text, ans, ps, []Group{GroupAMO, GroupINS})
			if c.want == nil {
				if err != nil || p.Family.Beneficiaires[0].NomFamille != "DUPONT" {
					t.Fatalf("%v %+v", err, p)
				}
				return
			}
			if p != nil || !errors.Is(err, c.want) {
				t.Fatalf("p=%v err=%v, want %v", p != nil, err, c.want)
			}
		})
	}
}

// reflectResolution is decodeResolution on the reflective decoding: the
// whole payload walked (canonical, depth, sizes), its map and the groups
// map split into raw entries, each entry decoded by unmarshal, and the
// groups by what VerifyNFC decodes them with (decodeGroup's unmarshal
// calls, the ETAT_CIVIL group's known extension keys kept).
func reflectResolution(data []byte, w *wireResolution) error {
	if _, err := checkCanonicalExt(data, maxItems); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	top, err := rawFields(data)
	if err != nil {
		return err
	}
	for k, raw := range top {
		var err error
		switch k {
		case 1:
			err = unmarshal("version", raw, &w.Version)
		case 2:
			err = unmarshal("issuer", raw, &w.Issuer)
		case 3:
			err = unmarshal("cid", raw, &w.CID)
		case 4:
			err = unmarshal("resolved at", raw, &w.ResolvedAt)
		case 5:
			err = unmarshal("valid until", raw, &w.ValidUntil)
		case 6:
			err = unmarshal("text hash", raw, &w.TextHash)
		case 7:
			err = unmarshal("ps hash", raw, &w.PSHash)
		case 9:
			err = unmarshal("issued at", raw, &w.IssuedAt)
		case 8:
			w.Groups = &wireGroups{}
			groups, gerr := rawFields(raw)
			if gerr != nil {
				return gerr
			}
			for g, graw := range groups {
				switch g {
				case 1:
					err = unmarshal("AMO group", graw, &w.Groups.AMO)
				case 2:
					err = unmarshal("INS group", graw, &w.Groups.INS)
				case 3:
					w.Groups.EtatCivil = &wireEtatCivil{}
					err = unmarshalKeeping("ETAT_CIVIL group", graw, w.Groups.EtatCivil, etatCivilExtensions)
				default:
					err = ErrMalformed
				}
				if err != nil {
					return err
				}
			}
		default:
			err = ErrMalformed
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// rawFields splits a canonical map (already walked) into its entries of
// keys 0..99; extension entries (keys from 100 up, negative keys: §3,
// whatever their size) are dropped.
func rawFields(data []byte) (map[uint64]cbor.RawMessage, error) {
	major, n, b, err := readHead(data)
	if err != nil || major != 5 {
		return nil, fmt.Errorf("not a map: %w", ErrMalformed)
	}
	out := make(map[uint64]cbor.RawMessage, n)
	for range n {
		km, key, val, err := readHead(b)
		if err != nil || km > 1 {
			return nil, fmt.Errorf("map key: %w", ErrMalformed)
		}
		_, rest := appendStripped(nil, val) // only to find where the value ends
		if km == 0 && key < firstExtensionKey {
			out[key] = cbor.RawMessage(val[:len(val)-len(rest)])
		}
		b = rest
	}
	return out, nil
}

func checkResolution(t *testing.T, in []byte) {
	var d, r wireResolution
	var s claimsScratch
	derr := decodeResolution(in, &d, &s)
	rerr := reflectResolution(in, &r)
	if derr == nil && d.Groups != nil { // the scratch's AMO array and the reference's slice compare by content
		g := *d.Groups
		d.Groups = &g
	}
	sameOutcome(t, "resolution", in, d, r, derr, rerr)
}

// resolutionSeeds returns resolution payloads: real ones (AMO; every
// group; one beneficiary and 32) and hand-made ones with extension entries
// at every level and the ETAT_CIVIL group's known extension keys.
func resolutionSeeds(tb testing.TB) [][]byte {
	w := newInternalWorld(tb)
	_, _, h := w.validClaims(tb)
	var seeds [][]byte
	_ = h
	fam := Family{Beneficiaires: []Beneficiary{{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie",
		DateNaissance: Date{1978, 5, 23}, RangNaissance: 1, Organisme: Organisme{"01", "261", "9850"},
		INS: &INS{Matricule: "278057512345675", OID: OIDInsNIR, NomsNaissance: "DUPONT", PrenomsActe: "Marie Louise",
			Sexe: SexFemale, DateNaissance: Date{1978, 5, 23}, LieuNaissance: "75056"}}},
		EtatCivil: &EtatCivil{NomNaissance: "DUPONT", Prenoms: "Marie Louise", DateNaissance: Date{1978, 5, 23},
			PaysNaissance: "99100", CommuneNaissance: "75056", TypeDocument: "CNI", Sexe: SexFemale, DateAcquisition: Date{2024, 1, 2}}}
	th, ps := sha256.Sum256([]byte("text")), sha256.Sum256([]byte("ps"))
	for _, groups := range [][]Group{{GroupAMO}, AllGroups} {
		raw, err := IssueResolution(w.issuer, Resolution{Issuer: "CNAM", CID: [8]byte{1}, ResolvedAt: w.now, IssuedAt: w.now.Add(-time.Hour),
			ValidUntil: w.now.Add(time.Hour), TextHash: th, PSHash: ps, Family: fam, Groups: groups}, nil)
		if err != nil {
			tb.Fatal(err)
		}
		sm, err := parseSign1("resolution", raw)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, sm.payload)
	}
	ext := func(m map[int]any) map[int]any { m[100] = "x"; m[-1] = []any{1, map[int]any{5: 6}}; return m }
	ec := ext(map[int]any{1: "DUPONT", 2: "MARIE", 3: 19780523, 4: "99100", 5: "75056", 6: "CNI", 101: 20240102})
	ec[100] = 2
	ben := ext(map[int]any{1: "278057512345675", 2: "DUPONT", 4: "MARIE", 5: 19780523, 6: 1, 7: 0, 8: "011234567", 9: 20240101})
	ins := ext(map[int]any{1: "278057512345675", 2: "1.2.250.1.213.1.4.8", 3: "DUPONT", 4: "MARIE", 5: 2, 6: 19780523, 7: "75056"})
	for _, p := range []map[int]any{
		ext(map[int]any{1: 2, 2: "CNAM", 3: make([]byte, 8), 4: 1, 5: 2, 6: make([]byte, 32), 7: make([]byte, 32), 9: 0,
			8: ext(map[int]any{1: []any{ben}, 2: map[int]any{0: ins}, 3: ec})}),
		{1: 3, 8: map[int]any{3: map[int]any{100: 300}}},
		{1: 2, 8: map[int]any{3: map[int]any{101: -1}}},
		{8: map[int]any{4: 1}},
		{10: 1},
		{1: 2, 2: []byte("CNAM")},
	} {
		b, err := marshal(p)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

func TestResolutionDirect(t *testing.T) {
	seeds := resolutionSeeds(t)
	for i, b := range seeds[:3] {
		var d wireResolution
		var s claimsScratch
		if err := decodeResolution(b, &d, &s); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
	}
	var d wireResolution
	var s claimsScratch
	if err := decodeResolution(seeds[2], &d, &s); err != nil || d.Groups.EtatCivil.Sexe != 2 || d.Groups.EtatCivil.DateAcquisition != 20240102 {
		t.Fatalf("ETAT_CIVIL extension keys not kept: %v %+v", err, d.Groups)
	}
	n := 0
	for _, seed := range seeds {
		checkResolution(t, seed)
		for _, b := range mutations(seed) {
			checkResolution(t, b)
			n++
		}
	}
	t.Logf("%d inputs, same outcome for each", n)
}

func FuzzDirectResolution(f *testing.F) {
	for _, b := range resolutionSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(checkResolution)
}

// TestVerifyResolutionAllocations bounds what VerifyResolution allocates
// beyond its one ECDSA verification (the issuer's): the presentation, its
// groups, its family, one copy of the payload for all its strings, the
// replay cache's entry. The payload is decoded by the direct decoders into
// pooled scratch space, and the text hashed from the stack.
func TestVerifyResolutionAllocations(t *testing.T) {
	w := newInternalWorld(t)
	_, _, h := w.validClaims(t)
	v := w.v()
	cid, err := h.CredentialID()
	if err != nil {
		t.Fatal(err)
	}
	fam := Family{Beneficiaires: []Beneficiary{{NIR: "278057512345675", NomFamille: "DUPONT", Prenoms: "Marie",
		DateNaissance: Date{1978, 0, 0}, RangNaissance: 1, Organisme: Organisme{"01", "261", "9850"}}}}
	ps := sha256.Sum256([]byte("ps"))
	texts, answers := make([]string, 200), make([][]byte, 200)
	for i := range texts {
		if texts[i], err = h.PresentShortQR(w.now.Add(time.Duration(i-179) * time.Second)); err != nil {
			t.Fatal(err)
		}
		if answers[i], err = IssueResolution(w.issuer, Resolution{Issuer: "CNAM", CID: cid, ResolvedAt: w.now, IssuedAt: w.now.Add(-time.Hour),
			ValidUntil: w.now.Add(time.Hour), TextHash: sha256.Sum256([]byte(texts[i])), PSHash: ps, Family: fam, Groups: []Group{GroupAMO}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	amo := []Group{GroupAMO}
	i := 0
	got := testing.AllocsPerRun(100, func() {
		if _, err := v.VerifyResolution(texts[i], answers[i], ps, amo); err != nil {
			t.Fatal(err)
		}
		i++
	})
	m, err := parseSign1("x", answers[0])
	if err != nil {
		t.Fatal(err)
	}
	d := sigStructureDigest(m.protected, m.payload)
	floor := testing.AllocsPerRun(100, func() {
		if !verifyES256(&w.issuer.Key.PublicKey, d[:], m.signature) {
			t.Fatal("verification")
		}
	})
	const result = 5
	t.Logf("VerifyResolution %.0f allocs, crypto floor %.0f", got, floor)
	if got > floor+result {
		t.Errorf("VerifyResolution allocates %.0f times, the crypto floor %.0f: more than %d for the result", got, floor, result)
	}
}
