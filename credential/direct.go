package credential

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"
)

// Direct decoders of the fixed shapes on the QR path (docs/PROTOCOL.md §4,
// §6): the QR presentation, the COSE_Sign1 and its protected header, and
// the claims with their groups. They replace, for these shapes only, the
// walk (checkCanonicalExt), the copy without extension entries
// (stripExtensions) and the reflective decoding (fxamacker/cbor) that
// unmarshal does, in one pass and without allocating beyond the decoded
// text (one copy of the claims for all their strings) and what does not fit
// the caller's scratch space.
//
// They accept exactly what unmarshal accepts into the same Go types and
// decode it to the same values: canonical CBOR only (shortest heads,
// definite lengths, map keys integers in bytewise order and unique, no
// tags, floats or simple values other than false and true, at most maxItems
// elements per array or map, at most maxDepth levels, no trailing bytes),
// critical map keys (0..99) that the type does not define refused,
// extension keys (≥ 100 or negative) skipped after the same canonical walk,
// integers within their Go type, text strings valid UTF-8, byte strings of
// major type 2 only. Every error wraps ErrMalformed, as unmarshal's do. The
// differential tests and fuzz targets (direct_internal_test.go) hold them
// to it against unmarshal.

// cursor reads canonical CBOR from b, whose copy s (made on the first text
// string) backs the strings decoded. With keepEC, the ETAT_CIVIL group's
// extension keys this package knows (etatCivilExtensions) are decoded, as
// decodeGroup does; without, they are skipped, as unmarshal does.
type cursor struct {
	b      []byte
	off    int
	s      string
	keepEC bool
	noExt  bool // extension keys are refused, as unmarshalEnvelope does
}

// fail returns an error wrapping ErrMalformed; the decoders name the
// structure (named). It reads nothing of c, so that the input does not
// escape through the error (the decoders then allocate nothing for it).
func (*cursor) fail(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// named prefixes err with the structure's name, as unmarshal does.
func named(what, sub string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("credential: %s%s: %w", what, sub, err)
}

// head reads one head at the current offset.
func (c *cursor) head() (major byte, arg uint64, err error) {
	major, arg, rest, err := readHead(c.b[c.off:])
	if err != nil {
		return 0, 0, c.fail("%v", err)
	}
	c.off = len(c.b) - len(rest)
	return major, arg, nil
}

// skip walks one item at depth as checkCanonicalExt does and steps over it:
// the value of an extension key.
func (c *cursor) skip(depth int) error {
	w := walker{items: maxItems}
	rest, err := w.walk(c.b[c.off:], depth)
	if err != nil {
		return c.fail("%v", err)
	}
	c.off = len(c.b) - len(rest)
	return nil
}

// end refuses trailing bytes.
func (c *cursor) end() error {
	if c.off != len(c.b) {
		return c.fail("%d trailing bytes", len(c.b)-c.off)
	}
	return nil
}

// container reads the head of an array (major 4) or map (5) at depth and
// checks its size.
func (c *cursor) container(major byte, depth int, what string) (uint64, error) {
	if depth >= maxDepth {
		return 0, c.fail("nested too deep")
	}
	m, n, err := c.head()
	if err != nil {
		return 0, err
	}
	if m != major {
		return 0, c.fail("%s: major type %d", what, m)
	}
	if n > maxItems {
		return 0, c.fail("%s of %d items", what, n)
	}
	return n, nil
}

// uint reads an unsigned integer of at most max.
func (c *cursor) uint(max uint64, what string) (uint64, error) {
	m, n, err := c.head()
	if err != nil {
		return 0, err
	}
	if m != 0 || n > max {
		return 0, c.fail("%s: not an unsigned integer up to %d", what, max)
	}
	return n, nil
}

// int reads an integer that fits an int64.
func (c *cursor) int(what string) (int64, error) {
	m, n, err := c.head()
	if err != nil {
		return 0, err
	}
	switch {
	case m == 0 && n <= math.MaxInt64:
		return int64(n), nil
	case m == 1 && n <= math.MaxInt64:
		return -1 - int64(n), nil
	}
	return 0, c.fail("%s: not an integer", what)
}

// bytes reads a byte string, aliasing b (as bstr does).
func (c *cursor) bytes(what string) ([]byte, error) {
	m, n, err := c.head()
	if err != nil {
		return nil, err
	}
	if m != 2 || n > uint64(len(c.b)-c.off) {
		return nil, c.fail("%s: not a byte string", what)
	}
	start := c.off
	c.off += int(n)
	return c.b[start:c.off:c.off], nil
}

// text reads a UTF-8 text string, a substring of the copy of b.
func (c *cursor) text(what string) (string, error) {
	m, n, err := c.head()
	if err != nil {
		return "", err
	}
	if m != 3 || n > uint64(len(c.b)-c.off) {
		return "", c.fail("%s: not a text string", what)
	}
	start := c.off
	c.off += int(n)
	if !utf8.Valid(c.b[start:c.off]) {
		return "", c.fail("%s: invalid UTF-8", what)
	}
	if n == 0 {
		return "", nil
	}
	if c.s == "" {
		c.s = string(c.b)
	}
	return c.s[start:c.off], nil
}

// mapFields reads a map at depth whose keys 0..99 are the fields field
// decodes (field returns false for a key the type does not define); the
// values of extension keys are walked and skipped. Keys must be integers in
// canonical order.
func (c *cursor) mapFields(depth int, what string, field func(key uint64) (bool, error)) error {
	return c.mapFieldsKeep(depth, what, nil, field)
}

// mapFieldsKeep is mapFields that also hands field the extension keys
// listed in keep (a later minor version's fields this package knows, as
// unmarshalKeeping does).
func (c *cursor) mapFieldsKeep(depth int, what string, keep []uint64, field func(key uint64) (bool, error)) error {
	n, err := c.container(5, depth, what)
	if err != nil {
		return err
	}
	var prev []byte
	for range n {
		k := c.off
		m, arg, err := c.head()
		if err != nil {
			return err
		}
		if m > 1 {
			return c.fail("%s: map key is not an integer", what)
		}
		key := c.b[k:c.off]
		if prev != nil && string(prev) >= string(key) {
			return c.fail("%s: map keys not in canonical order", what)
		}
		prev = key
		if m == 1 || arg >= firstExtensionKey && !slices.Contains(keep, arg) {
			if c.noExt {
				return c.fail("%s: extension key in an unsigned envelope", what)
			}
			if err := c.skip(depth + 1); err != nil {
				return err
			}
			continue
		}
		ok, err := field(arg)
		if err != nil {
			return err
		}
		if !ok {
			return c.fail("%s: unknown field %d", what, arg)
		}
	}
	return nil
}

// decodeQRPresentation is unmarshal("QR presentation", data, &qp).
func decodeQRPresentation(data []byte, qp *qrPresentation) error {
	return named("QR presentation", "", decodeQRPresentation1(data, qp))
}

func decodeQRPresentation1(data []byte, qp *qrPresentation) error {
	c := cursor{b: data}
	n, err := c.container(4, 0, "presentation")
	if err != nil {
		return err
	}
	if n != 4 {
		return c.fail("array of %d elements, want 4", n)
	}
	if qp.Credential, err = c.bytes("credential"); err != nil {
		return err
	}
	if qp.Time, err = c.uint(math.MaxUint64, "time"); err != nil {
		return err
	}
	ctr, err := c.uint(math.MaxUint32, "counter")
	if err != nil {
		return err
	}
	qp.Counter = uint32(ctr)
	if qp.Signature, err = c.bytes("signature"); err != nil {
		return err
	}
	return c.end()
}

// decodeSign1 is unmarshal(what, data, &m) for a coseSign1, Unprotected
// reduced to its number of entries.
func decodeSign1(what string, data []byte) (protected, payload, signature []byte, unprotected int, err error) {
	protected, payload, signature, unprotected, err = decodeSign1Bare(data)
	return protected, payload, signature, unprotected, named(what, "", err)
}

func decodeSign1Bare(data []byte) (protected, payload, signature []byte, unprotected int, err error) {
	c := cursor{b: data}
	n, err := c.container(4, 0, "COSE_Sign1")
	if err != nil {
		return nil, nil, nil, 0, err
	}
	if n != 4 {
		return nil, nil, nil, 0, c.fail("array of %d elements, want 4", n)
	}
	if protected, err = c.bytes("protected header"); err != nil {
		return nil, nil, nil, 0, err
	}
	// map[int]struct{}: every critical key would be an entry (whatever
	// its value, as it is refused then anyway).
	err = c.mapFields(1, "unprotected header", func(uint64) (bool, error) {
		unprotected++
		return true, c.skip(2)
	})
	if err != nil {
		return nil, nil, nil, 0, err
	}
	if payload, err = c.bytes("payload"); err != nil {
		return nil, nil, nil, 0, err
	}
	if signature, err = c.bytes("signature"); err != nil {
		return nil, nil, nil, 0, err
	}
	return protected, payload, signature, unprotected, c.end()
}

// decodeProtectedHeader is unmarshal(what+" protected header", data, &h).
func decodeProtectedHeader(what string, data []byte, h *protectedHeader) error {
	return named(what, " protected header", decodeProtectedHeader1(data, h))
}

func decodeProtectedHeader1(data []byte, h *protectedHeader) error {
	c := cursor{b: data}
	err := c.mapFields(0, "protected header", func(key uint64) (bool, error) {
		var err error
		switch key {
		case 1:
			var a int64
			a, err = c.int("alg")
			h.Alg = int(a)
		case 4:
			h.Kid, err = c.bytes("kid")
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return err
	}
	return c.end()
}

// claimsScratch is where decodeClaims puts the groups and the beneficiaries
// of a family that fits, so that they need no allocation when the caller's
// scratch does not escape.
type claimsScratch struct {
	groups   wireGroups
	amo      [8]wireBeneficiary
	selected uint8
	member   uint8
}

// decodeClaims is unmarshal("credential claims", data, c), the AMO group in
// s when it fits.
func decodeClaims(data []byte, cl *wireClaims, s *claimsScratch) error {
	return named("credential claims", "", decodeClaims1(data, cl, s))
}

func decodeClaims1(data []byte, cl *wireClaims, s *claimsScratch) error {
	c := cursor{b: data}
	err := c.mapFields(0, "claims", func(key uint64) (bool, error) {
		var err error
		var v uint64
		switch key {
		case 1:
			v, err = c.uint(math.MaxUint8, "version")
			cl.Version = uint8(v)
		case 2:
			cl.Issuer, err = c.text("issuer")
		case 3:
			cl.CID, err = c.bytes("credential id")
		case 4:
			cl.IssuedAt, err = c.uint(math.MaxUint64, "issued at")
		case 5:
			cl.ValidUntil, err = c.uint(math.MaxUint64, "valid until")
		case 6:
			cl.DeviceKey, err = c.bytes("device key")
		case 7:
			err = c.digests(cl)
		case 8:
			s.groups = wireGroups{}
			cl.Groups = &s.groups
			err = c.groups(cl.Groups, s)
		case 10:
			v, err = c.uint(math.MaxUint8, "selected")
			s.selected = uint8(v)
			cl.Selected = &s.selected
		case 11:
			v, err = c.uint(math.MaxUint8, "member")
			s.member = uint8(v)
			cl.Member = &s.member
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return err
	}
	return c.end()
}

// digests decodes claims key 7, a map[uint8]bstr at depth 1.
func (c *cursor) digests(cl *wireClaims) error {
	if cl.Digests == nil {
		cl.Digests = map[uint8]bstr{}
	}
	return c.mapFields(1, "digests", func(key uint64) (bool, error) {
		d, err := c.bytes("digest")
		cl.Digests[uint8(key)] = d
		return true, err
	})
}

// groups decodes claims key 8, the wireGroups map at depth 1.
func (c *cursor) groups(g *wireGroups, s *claimsScratch) error {
	return c.mapFields(1, "groups", func(key uint64) (bool, error) {
		switch key {
		case 1:
			return true, c.amo(2, g, s.amo[:])
		case 2:
			return true, c.ins(2, g)
		case 3:
			if g.EtatCivil == nil {
				g.EtatCivil = &wireEtatCivil{}
			}
			return true, c.etatCivil(2, g.EtatCivil)
		}
		return false, nil
	})
}

// amo decodes the AMO group, an array of beneficiaries at depth (2 in
// the claims), into scratch when it fits.
func (c *cursor) amo(depth int, g *wireGroups, scratch []wireBeneficiary) error {
	n, err := c.container(4, depth, "AMO group")
	if err != nil {
		return err
	}
	if n <= uint64(len(scratch)) {
		g.AMO = scratch[:n:n]
		clear(g.AMO)
	} else {
		g.AMO = make([]wireBeneficiary, n)
	}
	for i := range g.AMO {
		if err := c.beneficiary(depth+1, &g.AMO[i]); err != nil {
			return err
		}
	}
	return nil
}

// beneficiary decodes one wireBeneficiary map at depth.
func (c *cursor) beneficiary(depth int, b *wireBeneficiary) error {
	return c.mapFields(depth, "beneficiary", func(key uint64) (bool, error) {
		var err error
		var v uint64
		switch key {
		case 1:
			b.NIR, err = c.text("NIR")
		case 2:
			b.NomFamille, err = c.text("nomFamille")
		case 3:
			b.NomUsage, err = c.text("nomUsage")
		case 4:
			b.Prenoms, err = c.text("prenoms")
		case 5:
			v, err = c.uint(math.MaxUint32, "dateNaissance")
			b.DateNaissance = uint32(v)
		case 6:
			v, err = c.uint(math.MaxUint8, "rang")
			b.Rang = uint8(v)
		case 7:
			v, err = c.uint(math.MaxUint8, "qualite")
			b.Qualite = uint8(v)
		case 8:
			b.Organisme, err = c.text("organisme")
		case 9:
			v, err = c.uint(math.MaxUint32, "dateMiseAJour")
			b.DateMiseAJour = uint32(v)
		default:
			return false, nil
		}
		return true, err
	})
}

// ins decodes the INS group, a map[uint8]*wireINS at depth (2 in the
// claims).
func (c *cursor) ins(depth int, g *wireGroups) error {
	if g.INS == nil {
		g.INS = map[uint8]*wireINS{}
	}
	return c.mapFields(depth, "INS group", func(key uint64) (bool, error) {
		wi := g.INS[uint8(key)]
		if wi == nil {
			wi = &wireINS{}
			g.INS[uint8(key)] = wi
		}
		return true, c.mapFields(depth+1, "INS", func(key uint64) (bool, error) {
			var err error
			var v uint64
			switch key {
			case 1:
				wi.Matricule, err = c.text("matricule")
			case 2:
				wi.OID, err = c.text("oid")
			case 3:
				wi.NomsNaissance, err = c.text("nomsNaissance")
			case 4:
				wi.PrenomsActe, err = c.text("prenomsActe")
			case 5:
				v, err = c.uint(math.MaxUint8, "sexe")
				wi.Sexe = uint8(v)
			case 6:
				v, err = c.uint(math.MaxUint32, "dateNaissance")
				wi.DateNaissance = uint32(v)
			case 7:
				wi.LieuNaissance, err = c.text("lieuNaissance")
			default:
				return false, nil
			}
			return true, err
		})
	})
}

// etatCivil decodes the ETAT_CIVIL group, a map at depth (2 in the
// claims).
func (c *cursor) etatCivil(depth int, e *wireEtatCivil) error {
	var keep []uint64
	if c.keepEC {
		keep = etatCivilExtensions
	}
	return c.mapFieldsKeep(depth, "ETAT_CIVIL group", keep, func(key uint64) (bool, error) {
		var err error
		var v uint64
		switch key {
		case 1:
			e.NomNaissance, err = c.text("nomNaissance")
		case 2:
			e.Prenoms, err = c.text("prenoms")
		case 3:
			v, err = c.uint(math.MaxUint32, "dateNaissance")
			e.DateNaissance = uint32(v)
		case 4:
			e.PaysNaissance, err = c.text("paysNaissance")
		case 5:
			e.CommuneNaissance, err = c.text("communeNaissance")
		case 6:
			e.TypeDocument, err = c.text("typeDocument")
		case 100: // extension keys: only with keepEC
			v, err = c.uint(math.MaxUint8, "sexe")
			e.Sexe = uint8(v)
		case 101:
			v, err = c.uint(math.MaxUint32, "dateAcquisition")
			e.DateAcquisition = uint32(v)
		default:
			return false, nil
		}
		return true, err
	})
}
