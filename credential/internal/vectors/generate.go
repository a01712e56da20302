package vectors

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// Generate returns every vector. ES256 signatures are deterministic (RFC
// 6979) and the salts come from a fixed stream, so the output is the same
// on every run: TestVectorsReproduce compares it with the committed files.
func Generate() ([]Vector, error) {
	g, err := newGen()
	if err != nil {
		return nil, err
	}
	vs, err := g.all()
	if err != nil {
		return nil, err
	}
	chosen, err := g.chosenVectors()
	return append(vs, chosen...), err
}

// Encode returns the file content of v.
func Encode(v Vector) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

// saltStream is a deterministic byte stream: SHA-256("apcvkit vectors" ‖ counter) blocks.
type saltStream struct {
	ctr uint64
	buf []byte
}

func (s *saltStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(s.buf) == 0 {
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], s.ctr)
			s.ctr++
			sum := sha256.Sum256(append([]byte("apcvkit vectors"), c[:]...))
			s.buf = sum[:]
		}
		k := copy(p[n:], s.buf)
		s.buf = s.buf[k:]
		n += k
	}
	return n, nil
}

// highS replaces, in place, the 32-byte big-endian s of an ES256 signature
// by n − s.
func highS(s []byte) {
	new(big.Int).Sub(elliptic.P256().Params().N, new(big.Int).SetBytes(s)).FillBytes(s)
}

// Fixed parameters of every vector.
var (
	now       = Now
	window    = 3 * time.Minute
	skew      = 30 * time.Second
	cid       = [8]byte{0x43, 0x4e, 0x41, 0x4d, 0x00, 0x00, 0x00, 0x2a}                                                // "CNAM" 00 00 00 2a
	nonce     = []byte{0x6e, 0x6f, 0x6e, 0x63, 0x65, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39} // "nonce-0123456789"
	aid       = []byte{0xF0, 0x41, 0x50, 0x43, 0x56, 0x31}
	shownAgo  = 20 * time.Second
	issuedAgo = 30 * 24 * time.Hour
)

type gen struct {
	root, issuer, issuer2 credential.IssuerKey
	device, device2       *ecdsa.PrivateKey
	trust, rev            []byte
}

func newGen() (*gen, error) {
	g := &gen{
		root:    credential.IssuerKey{Kid: []byte(RootKid), Key: Key(RootScalar)},
		issuer:  credential.IssuerKey{Kid: []byte(IssuerKid), Key: Key(IssuerScalar)},
		issuer2: credential.IssuerKey{Kid: []byte("msa-1"), Key: Key(Issuer2Scalar)},
		device:  Key(DeviceScalar),
		device2: Key(Device2Scalar),
	}
	var err error
	g.trust, err = credential.SignTrustList(g.root, credential.TrustList{Seq: 12, IssuedAt: now.Add(-6 * time.Hour), NextUpdate: now.Add(18 * time.Hour),
		Keys: []credential.TrustedKey{{Kid: g.issuer.Kid, Issuer: IssuerName, Key: &g.issuer.Key.PublicKey,
			NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	if err != nil {
		return nil, err
	}
	g.rev, err = g.revocationList(nil)
	return g, err
}

// trustListBounded is the trust list with the issuer key valid from
// notBefore to notAfter (and seq 13: another list than the usual one).
func (g *gen) trustListBounded(notBefore, notAfter time.Time) ([]byte, error) {
	return credential.SignTrustList(g.root, credential.TrustList{Seq: 13, IssuedAt: now.Add(-6 * time.Hour), NextUpdate: now.Add(18 * time.Hour),
		Keys: []credential.TrustedKey{{Kid: g.issuer.Kid, Issuer: IssuerName, Key: &g.issuer.Key.PublicKey, NotBefore: notBefore, NotAfter: notAfter}}})
}

func (g *gen) revocationList(revoked [][8]byte) ([]byte, error) {
	return credential.SignRevocationList(g.root, credential.RevocationList{Seq: 340, IssuedAt: now.Add(-2 * time.Hour), NextUpdate: now.Add(22 * time.Hour),
		Revoked: append([][8]byte{{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1}}, revoked...)})
}

func (g *gen) issue(k credential.IssuerKey, issuer string, f credential.Family) (*credential.Held, error) {
	return credential.Issue(k, credential.Claims{Issuer: issuer, CredentialID: cid, IssuedAt: now.Add(-issuedAgo),
		ValidUntil: now.Add(365*24*time.Hour - issuedAgo), DevicePublicKey: &g.device.PublicKey, Family: f}, &saltStream{})
}

func (g *gen) base(name, desc, mode string, h *credential.Held) Vector {
	v := Vector{Name: name, Description: desc, Mode: mode, VerifyAt: now,
		QRWindowSeconds: int(window / time.Second), ClockSkewSeconds: int(skew / time.Second),
		ListAuthority: KeyOf(RootKid, RootScalar),
		Issuer:        KeyOf(IssuerKid, IssuerScalar),
		Device:        KeyOf("", DeviceScalar),
		TrustList:     g.trust, RevocationList: g.rev,
		Held: HeldJSON{Credential: h.Credential, QRCredential: h.QRCredential, Groups: map[string]Hex{}},
	}
	for gr, b := range h.Groups {
		v.Held.Groups[gr.String()] = b
	}
	return v
}

func (g *gen) qr(h *credential.Held, dev *ecdsa.PrivateKey, at time.Time, ctr uint32) (*QRJSON, error) {
	s, err := h.PresentQR(dev, at, ctr)
	if err != nil {
		return nil, err
	}
	raw, err := credential.AppendBase45Decode(nil, s[len(credential.QRPrefix):])
	return &QRJSON{Text: s, Time: at, Counter: ctr, Bytes: raw}, err
}

func (g *gen) nfc(h *credential.Held, requested []credential.Group) (*NFCJSON, error) {
	return g.nfcEdited(h, requested, nil)
}

// nfcEdited is nfc with the DeviceResponse changed by edit (when not nil)
// before it is sealed.
func (g *gen) nfcEdited(h *credential.Held, requested []credential.Group, edit func([]byte) []byte) (*NFCJSON, error) {
	rk, dk := ECDHKey(ReaderEphScalar), ECDHKey(DeviceEphScalar)
	tr := credential.SessionTranscript(aid, rk.PublicKey().Bytes(), dk.PublicKey().Bytes(), nonce)
	reader, err := credential.DeriveSession(credential.RoleReader, rk, dk.PublicKey().Bytes(), tr)
	if err != nil {
		return nil, err
	}
	phone, err := credential.DeriveSession(credential.RoleDevice, dk, rk.PublicKey().Bytes(), tr)
	if err != nil {
		return nil, err
	}
	req, err := credential.EncodeDeviceRequest(requested)
	if err != nil {
		return nil, err
	}
	sealedReq := reader.Seal(req)
	if got, err := phone.Open(sealedReq); err != nil || !bytes.Equal(got, req) {
		return nil, fmt.Errorf("request does not open: %v", err)
	}
	resp, err := h.PresentNFC(g.device, tr, requested, nil)
	if err != nil {
		return nil, err
	}
	if edit != nil {
		resp = edit(resp)
	}
	return &NFCJSON{AID: aid, ReaderEphemeral: KeyOf("", ReaderEphScalar), DeviceEphemeral: KeyOf("", DeviceEphScalar),
		ReaderNonce: nonce, Transcript: tr, Requested: GroupNames(requested), DeviceRequest: req, SealedRequest: sealedReq,
		DeviceResponse: resp, SealedResponse: phone.Seal(resp)}, nil
}

func expectOK(f credential.Family, groups []credential.Group, ctr uint32) Expect {
	return Expect{Issuer: IssuerName, CredentialID: cid[:], Counter: ctr, Groups: GroupNames(groups),
		Family: FamilyOf(f, groups)}
}

func (g *gen) all() ([]Vector, error) {
	var vs []Vector
	amo := []credential.Group{credential.GroupAMO}
	for _, n := range []int{1, 4, 6} {
		f := Family(n)
		h, err := g.issue(g.issuer, IssuerName, f)
		if err != nil {
			return nil, err
		}
		v := g.base(fmt.Sprintf("qr-accept-%d", n), fmt.Sprintf("QR presentation of a family of %d, shown %v before verification", n, shownAgo), "qr", h)
		if v.QR, err = g.qr(h, g.device, now.Add(-shownAgo), uint32(100+n)); err != nil {
			return nil, err
		}
		v.Expect = expectOK(f, amo, uint32(100+n))
		vs = append(vs, v)

		for _, req := range [][]credential.Group{amo, credential.AllGroups} {
			name := fmt.Sprintf("nfc-accept-%d-amo", n)
			if len(req) == 3 {
				name = fmt.Sprintf("nfc-accept-%d-all", n)
			}
			v := g.base(name, fmt.Sprintf("NFC session for a family of %d, groups %v requested", n, GroupNames(req)), "nfc", h)
			if v.NFC, err = g.nfc(h, req); err != nil {
				return nil, err
			}
			v.Expect = expectOK(f, req, 0)
			vs = append(vs, v)
		}
	}

	// An état civil without the keys of minor version 2 (sexe, date
	// d'acquisition), as a credential of version 1 has it: read as unknown.
	{
		f := Family(1)
		ec := *f.EtatCivil
		ec.Sexe, ec.DateAcquisition = 0, credential.Date{}
		f.EtatCivil = &ec
		h, err := g.issue(g.issuer, IssuerName, f)
		if err != nil {
			return nil, err
		}
		v := g.base("nfc-accept-1-all-etat-civil-v1", "NFC session, all groups, the ETAT_CIVIL group without keys 100 and 101 (as in a credential of version 1)", "nfc", h)
		if v.NFC, err = g.nfc(h, credential.AllGroups); err != nil {
			return nil, err
		}
		v.Expect = expectOK(f, credential.AllGroups, 0)
		vs = append(vs, v)
	}

	// Rejections.
	f := Family(1)
	h, err := g.issue(g.issuer, IssuerName, f)
	if err != nil {
		return nil, err
	}

	// The key's validity includes its bounds: a key valid from the issue
	// time to the issue time exactly verifies the credential.
	v := g.base("qr-accept-key-bounds", "QR presentation of a credential issued exactly at its key's notBefore and notAfter (bounds included)", "qr", h)
	iat := now.Add(-issuedAgo)
	if v.TrustList, err = g.trustListBounded(iat, iat); err != nil {
		return nil, err
	}
	if v.QR, err = g.qr(h, g.device, now.Add(-shownAgo), 1); err != nil {
		return nil, err
	}
	v.Expect = expectOK(f, amo, 1)
	vs = append(vs, v)

	reject := func(name, desc, mode, code string, edit func(v *Vector) error) error {
		v := g.base(name, desc, mode, h)
		var err error
		if mode == "qr" {
			v.QR, err = g.qr(h, g.device, now.Add(-shownAgo), 1)
		} else {
			v.NFC, err = g.nfc(h, amo)
		}
		if err != nil {
			return err
		}
		if edit != nil {
			if err := edit(&v); err != nil {
				return err
			}
		}
		v.Expect = Expect{Error: code}
		vs = append(vs, v)
		return nil
	}
	for _, r := range []struct {
		name, desc, mode, code string
		edit                   func(v *Vector) error
	}{
		{"qr-reject-tampered", "QR presentation with one bit of the issuer signature flipped (last byte of the credential's signature)", "qr", "bad-signature",
			func(v *Vector) error {
				cred := bytes.Clone(h.QRCredential)
				i := bytes.Index(v.QR.Bytes, cred)
				if i < 0 {
					return fmt.Errorf("credential not found in the presentation")
				}
				v.QR.Bytes[i+len(cred)-1] ^= 0x01
				v.QR.Text = string(credential.AppendBase45([]byte(credential.QRPrefix), v.QR.Bytes))
				return nil
			}},
		{"qr-reject-high-s", "QR presentation whose issuer signature (r, s) is replaced by (r, n-s): valid under plain ECDSA, refused because s > n/2", "qr", "bad-signature",
			func(v *Vector) error {
				i := bytes.Index(v.QR.Bytes, h.QRCredential)
				if i < 0 {
					return fmt.Errorf("credential not found in the presentation")
				}
				highS(v.QR.Bytes[i+len(h.QRCredential)-32 : i+len(h.QRCredential)])
				v.QR.Text = string(credential.AppendBase45([]byte(credential.QRPrefix), v.QR.Bytes))
				return nil
			}},
		{"qr-reject-expired", "QR presentation verified one QR window and one second after it was shown", "qr", "qr-expired",
			func(v *Vector) error { v.VerifyAt = v.QR.Time.Add(window + time.Second); return nil }},
		{"qr-reject-revoked", "QR presentation of a credential on the revocation list", "qr", "revoked",
			func(v *Vector) error {
				var err error
				v.RevocationList, err = g.revocationList([][8]byte{cid})
				return err
			}},
		{"qr-reject-device", "QR presentation signed by another device key than the credential's", "qr", "device-binding",
			func(v *Vector) error {
				var err error
				v.QR, err = g.qr(h, g.device2, now.Add(-shownAgo), 1)
				return err
			}},
		{"qr-reject-unknown-issuer", "QR presentation of a credential issued by a key absent from the trust list", "qr", "unknown-issuer",
			func(v *Vector) error {
				h2, err := g.issue(g.issuer2, "MSA", f)
				if err != nil {
					return err
				}
				v.Held.QRCredential, v.Held.Credential = h2.QRCredential, h2.Credential
				rogue := KeyOf("msa-1", Issuer2Scalar)
				v.RogueIssuer = &rogue
				v.QR, err = g.qr(h2, g.device, now.Add(-shownAgo), 1)
				return err
			}},
		{"qr-reject-key-not-after", "QR presentation of a credential issued one second after its key's notAfter (the key's validity bounds the issue time, bounds included)", "qr", "unknown-issuer",
			func(v *Vector) error {
				var err error
				iat := now.Add(-issuedAgo)
				v.TrustList, err = g.trustListBounded(iat.Add(-24*time.Hour), iat.Add(-time.Second))
				return err
			}},
		{"nfc-reject-transcript", "NFC response verified against the transcript of another session (another reader nonce)", "nfc", "device-binding",
			func(v *Vector) error {
				rk, dk := ECDHKey(ReaderEphScalar), ECDHKey(DeviceEphScalar)
				v.NFC.VerifierTranscript = credential.SessionTranscript(aid, rk.PublicKey().Bytes(), dk.PublicKey().Bytes(), bytes.Repeat([]byte{0}, 16))
				return nil
			}},
		{"nfc-reject-high-s", "NFC response whose device signature (r, s) is replaced by (r, n-s): valid under plain ECDSA, refused because s > n/2", "nfc", "device-binding",
			func(v *Vector) error {
				var err error
				v.NFC, err = g.nfcEdited(h, amo, func(resp []byte) []byte {
					highS(resp[len(resp)-32:]) // the signature is the DeviceResponse's last value (key 4)
					return resp
				})
				return err
			}},
		{"nfc-reject-revoked", "NFC response of a credential on the revocation list", "nfc", "revoked",
			func(v *Vector) error {
				var err error
				v.RevocationList, err = g.revocationList([][8]byte{cid})
				return err
			}},
	} {
		if err := reject(r.name, r.desc, r.mode, r.code, r.edit); err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
	}
	short, err := g.shortVectors()
	if err != nil {
		return nil, err
	}
	return append(vs, short...), nil
}

// Parameters of the short QR vectors.
var (
	resolvedAgo = time.Second // the service answered one second before the reader checks
	psHash      = sha256.Sum256([]byte("apcvkit vectors: DER of the professional's client certificate"))
)

// shortQR is the short QR drawn at `at` for h, with its bytes, h's short
// QR key and the message its tag authenticates.
func (g *gen) shortQR(h *credential.Held, at time.Time) (*ShortJSON, error) {
	s, err := h.PresentShortQR(at)
	if err != nil {
		return nil, err
	}
	raw, err := credential.AppendBase45Decode(nil, s[len(credential.ShortQRPrefix):])
	if err != nil {
		return nil, err
	}
	// "ApCVShortQR" ‖ cid ‖ time: written out here rather than taken from
	// the package, so that the vectors check its encoding.
	msg := append([]byte("ApCVShortQR"), raw[:12]...)
	return &ShortJSON{Text: s, Time: at, Bytes: raw, ShortQRKey: h.ShortQRKey[:], TagMessage: msg, PSHash: psHash[:]}, nil
}

// resolve is the service's answer to sj for the groups requested (those of
// f the holder has), signed by k; edit, when not nil, changes the
// resolution before it is signed.
func (g *gen) resolve(sj *ShortJSON, k credential.IssuerKey, issuer string, f credential.Family, requested []credential.Group, edit func(*credential.Resolution)) error {
	_, err := g.resolveGroups(sj, k, issuer, f, requested, edit)
	return err
}

// resolveGroups is resolve that also returns the groups of the answer.
func (g *gen) resolveGroups(sj *ShortJSON, k credential.IssuerKey, issuer string, f credential.Family, requested []credential.Group, edit func(*credential.Resolution)) ([]credential.Group, error) {
	var groups []credential.Group
	for _, gr := range requested {
		if gr == credential.GroupAMO || gr == credential.GroupINS && f.Beneficiaires[0].INS != nil || gr == credential.GroupEtatCivil && f.EtatCivil != nil {
			groups = append(groups, gr)
		}
	}
	r := credential.Resolution{Issuer: issuer, CID: cid, ResolvedAt: now.Add(-resolvedAgo), IssuedAt: now.Add(-issuedAgo),
		ValidUntil: now.Add(365*24*time.Hour - issuedAgo), TextHash: sha256.Sum256([]byte(sj.Text)), PSHash: [32]byte(sj.PSHash),
		Family: f, Groups: groups}
	if edit != nil {
		edit(&r)
	}
	ans, err := credential.IssueResolution(k, r, nil)
	if err != nil {
		return nil, err
	}
	payload, err := coseSign1Payload(ans)
	if err != nil {
		return nil, err
	}
	sj.Requested, sj.ResolvedAt, sj.Answer, sj.ResolutionPayload = GroupNames(requested), r.ResolvedAt, ans, payload
	return groups, nil
}

// coseSign1Payload returns the payload of an untagged COSE_Sign1 whose
// protected header and payload are shorter than 64 KiB (byte strings with
// heads of 1 to 3 bytes), with an empty unprotected map.
func coseSign1Payload(b []byte) ([]byte, error) {
	bstr := func(b []byte) (val, rest []byte, err error) {
		if len(b) == 0 || b[0]>>5 != 2 {
			return nil, nil, fmt.Errorf("not a byte string")
		}
		n, h := int(b[0]&0x1f), 1
		switch {
		case n == 24 && len(b) > 1:
			n, h = int(b[1]), 2
		case n == 25 && len(b) > 2:
			n, h = int(b[1])<<8|int(b[2]), 3
		case n > 23:
			return nil, nil, fmt.Errorf("unexpected length")
		}
		if len(b) < h+n {
			return nil, nil, fmt.Errorf("truncated")
		}
		return b[h : h+n], b[h+n:], nil
	}
	if len(b) < 1 || b[0] != 0x84 {
		return nil, fmt.Errorf("not a COSE_Sign1")
	}
	_, rest, err := bstr(b[1:])
	if err != nil || len(rest) == 0 || rest[0] != 0xa0 {
		return nil, fmt.Errorf("COSE_Sign1 header: %v", err)
	}
	payload, _, err := bstr(rest[1:])
	return payload, err
}

// shortVectors returns the vectors of protocol version 2.
func (g *gen) shortVectors() ([]Vector, error) {
	var vs []Vector
	amo := []credential.Group{credential.GroupAMO}
	accept := func(name, desc string, f credential.Family, requested []credential.Group) error {
		h, err := g.issue(g.issuer, IssuerName, f)
		if err != nil {
			return err
		}
		v := g.base(name, desc, "short", h)
		if v.Short, err = g.shortQR(h, now.Add(-shownAgo)); err != nil {
			return err
		}
		got, err := g.resolveGroups(v.Short, g.issuer, IssuerName, f, requested, nil)
		if err != nil {
			return err
		}
		v.Expect = expectOK(f, got, 0)
		vs = append(vs, v)
		return nil
	}
	if err := accept("short-accept-1", fmt.Sprintf("short QR of a family of 1 drawn %v before verification, resolved %v before it, groups AMO, INS and ETAT_CIVIL requested", shownAgo, resolvedAgo),
		Family(1), credential.AllGroups); err != nil {
		return nil, err
	}
	if err := accept("short-accept-6", fmt.Sprintf("short QR of a family of 6 drawn %v before verification, group AMO requested", shownAgo),
		Family(6), amo); err != nil {
		return nil, err
	}

	f := Family(1)
	h, err := g.issue(g.issuer, IssuerName, f)
	if err != nil {
		return nil, err
	}
	for _, r := range []struct {
		name, desc, code string
		edit             func(v *Vector) error
	}{
		{"short-reject-expired", "short QR verified one QR window and one second after it was drawn", "qr-expired",
			func(v *Vector) error { v.VerifyAt = v.Short.Time.Add(window + time.Second); return nil }},
		{"short-reject-future", "short QR drawn one clock skew and one second after the verification time", "qr-expired",
			func(v *Vector) error {
				var err error
				if v.Short, err = g.shortQR(h, now.Add(skew+time.Second)); err != nil {
					return err
				}
				return g.resolve(v.Short, g.issuer, IssuerName, f, amo, nil)
			}},
		{"short-reject-mismatch-hash", "answer bound to another short QR text of the same credential (drawn one second earlier)", "resolution-mismatch",
			func(v *Vector) error {
				other, err := g.shortQR(h, now.Add(-shownAgo-time.Second))
				if err != nil {
					return err
				}
				return g.resolve(v.Short, g.issuer, IssuerName, f, amo, func(r *credential.Resolution) { r.TextHash = sha256.Sum256([]byte(other.Text)) })
			}},
		{"short-reject-mismatch-ps", "answer bound to another professional's certificate than the reader's (verifier_ps_hash)", "resolution-mismatch",
			func(v *Vector) error {
				other := sha256.Sum256([]byte("apcvkit vectors: another professional's certificate"))
				v.Short.VerifierPSHash = other[:]
				return nil
			}},
		{"short-reject-mismatch-cid", "answer for another credential id than the short QR's", "resolution-mismatch",
			func(v *Vector) error {
				return g.resolve(v.Short, g.issuer, IssuerName, f, amo, func(r *credential.Resolution) { r.CID[7]++ })
			}},
		{"short-reject-unrequested-group", "answer holding the INS group when only AMO was requested", "malformed",
			func(v *Vector) error {
				if err := g.resolve(v.Short, g.issuer, IssuerName, f, []credential.Group{credential.GroupAMO, credential.GroupINS}, nil); err != nil {
					return err
				}
				v.Short.Requested = GroupNames(amo)
				return nil
			}},
		{"short-reject-wrong-kid", "answer signed by a key whose kid (msa-1) is not in the trust list", "unknown-issuer",
			func(v *Vector) error {
				rogue := KeyOf("msa-1", Issuer2Scalar)
				v.RogueIssuer = &rogue
				return g.resolve(v.Short, g.issuer2, "MSA", f, amo, nil)
			}},
		{"short-reject-bad-signature", "answer with one bit of its issuer signature flipped (last byte)", "bad-signature",
			func(v *Vector) error { v.Short.Answer[len(v.Short.Answer)-1] ^= 0x01; return nil }},
		{"short-reject-skew", "answer whose resolution time is one clock skew and one second before the reader's time", "service-clock-skew",
			func(v *Vector) error {
				return g.resolve(v.Short, g.issuer, IssuerName, f, amo, func(r *credential.Resolution) { r.ResolvedAt = now.Add(-skew - time.Second) })
			}},
		{"short-reject-revoked", "short QR of a credential on the revocation list", "revoked",
			func(v *Vector) error {
				var err error
				v.RevocationList, err = g.revocationList([][8]byte{cid})
				return err
			}},
	} {
		v := g.base(r.name, r.desc, "short", h)
		if v.Short, err = g.shortQR(h, now.Add(-shownAgo)); err != nil {
			return nil, err
		}
		if err := g.resolve(v.Short, g.issuer, IssuerName, f, amo, nil); err != nil {
			return nil, err
		}
		if err := r.edit(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		v.Expect = Expect{Error: r.code}
		vs = append(vs, v)
	}
	return vs, nil
}
