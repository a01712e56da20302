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

// A resolution signed by a trusted key but without the AMO group, or with
// no groups at all, is refused with ErrGroupMissing: IssueResolution cannot
// make one, so the payload is built here.
func TestVerifyResolutionAMOMissing(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	root, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	iss, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dev, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tl, err := SignTrustList(IssuerKey{Kid: []byte("root"), Key: root}, TrustList{Seq: 1, IssuedAt: now.Add(-time.Hour),
		NextUpdate: now.Add(time.Hour), Keys: []TrustedKey{{Kid: []byte("k"), Issuer: "CNAM", Key: &iss.PublicKey,
			NotBefore: now.Add(-1e4 * time.Hour), NotAfter: now.Add(1e4 * time.Hour)}}})
	if err != nil {
		t.Fatal(err)
	}
	rl, _ := SignRevocationList(IssuerKey{Kid: []byte("root"), Key: root}, RevocationList{Seq: 1, IssuedAt: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)})
	cid := [8]byte{9, 9, 9, 9, 9, 9, 9, 9}
	d := deviceAuthShortQR(cid, uint32(now.Unix()))
	sig, _ := signES256(dev, d[:])
	q := ShortQR{CID: cid, Time: now}
	copy(q.Signature[:], sig)
	text := q.String()
	th := sha256.Sum256([]byte(text))
	ps := sha256.Sum256([]byte("ps"))
	for _, g := range []any{nil, map[int]any{}} {
		w := map[int]any{1: ResolutionVersion, 2: "CNAM", 3: cid[:], 4: uint64(now.Unix()),
			5: uint64(now.Add(time.Hour).Unix()), 6: th[:], 7: ps[:], 9: uint64(now.Add(-time.Hour).Unix())}
		if g != nil {
			w[8] = g
		}
		payload, err := marshal(w)
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
		if _, err := v.VerifyResolution(text, ans, ps, []Group{GroupAMO}); !errors.Is(err, ErrGroupMissing) {
			t.Fatalf("groups %v: %v, want group-missing", g, err)
		}
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
// keys 0..99; extension entries are dropped.
func rawFields(data []byte) (map[uint64]cbor.RawMessage, error) {
	var m map[int64]cbor.RawMessage
	if err := decMode.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	out := make(map[uint64]cbor.RawMessage, len(m))
	for k, v := range m {
		if k >= 0 && k < firstExtensionKey {
			out[uint64(k)] = v
		}
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
