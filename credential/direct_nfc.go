package credential

import "math"

// Direct decoders of the NFC path's fixed shapes (docs/PROTOCOL.md §7.3):
// the device response, which no signature covers, and each released group
// item with its group's data. They follow the rules of direct.go's
// decoders and are held to them the same way (direct_internal_test.go,
// FuzzDirectDeviceResponse, FuzzDirectGroupItem), replacing for VerifyNFC
// the reflective decodes of unmarshalEnvelope, unmarshalKeepingMode and
// decodeGroup.

// decodeDeviceResponse is unmarshalEnvelope("device response", data, dr):
// besides the canonical rules, an extension key anywhere is refused.
func decodeDeviceResponse(data []byte, dr *deviceResponse) error {
	return named("device response", "", decodeDeviceResponse1(data, dr))
}

func decodeDeviceResponse1(data []byte, dr *deviceResponse) error {
	c := cursor{b: data, noExt: true}
	err := c.mapFields(0, "device response", func(key uint64) (bool, error) {
		var err error
		switch key {
		case 1:
			var v uint64
			v, err = c.uint(math.MaxUint8, "version")
			dr.Version = uint8(v)
		case 2:
			dr.Credential, err = c.bytes("credential")
		case 3:
			if dr.Groups == nil {
				dr.Groups = map[uint8]bstr{}
			}
			err = c.mapFields(1, "groups", func(key uint64) (bool, error) {
				item, err := c.bytes("group item")
				dr.Groups[uint8(key)] = item
				return true, err
			})
		case 4:
			dr.Signature, err = c.bytes("signature")
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

// decodeGroupItem is unmarshalKeepingMode(decMode, maxItems, "group item",
// item, gi, nil, false) followed, for a group this package knows
// (gi.Group), by decodeGroup's decoding of gi.Data into that group's field
// of w: the AMO group into amo when it fits, ETAT_CIVIL keeping the
// extension keys it knows. The data is decoded where it lies, one level
// down: the walk of the whole item bounds its depth so in the reflective
// path too.
func decodeGroupItem(item []byte, gi *groupItem, w *wireGroups, amo []wireBeneficiary) error {
	return named("group item", "", decodeGroupItem1(item, gi, w, amo))
}

func decodeGroupItem1(item []byte, gi *groupItem, w *wireGroups, amo []wireBeneficiary) error {
	c := cursor{b: item, keepEC: true}
	n, err := c.container(4, 0, "group item")
	if err != nil {
		return err
	}
	if n != 3 {
		return c.fail("group item: array of %d items", n)
	}
	if gi.Salt, err = c.bytes("salt"); err != nil {
		return err
	}
	g, err := c.uint(math.MaxUint8, "group")
	if err != nil {
		return err
	}
	gi.Group = uint8(g)
	start := c.off
	switch Group(g) {
	case GroupAMO:
		err = c.amo(1, w, amo)
	case GroupINS:
		err = c.ins(1, w)
	case GroupEtatCivil:
		if w.EtatCivil == nil {
			w.EtatCivil = &wireEtatCivil{}
		}
		err = c.etatCivil(1, w.EtatCivil)
	default:
		err = c.skip(1)
	}
	if err != nil {
		return err
	}
	gi.Data = item[start:c.off:c.off]
	return c.end()
}
