package conform

import (
	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/tlv"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

var (
	amo    = []credential.Group{credential.GroupAMO}
	amoINS = []credential.Group{credential.GroupAMO, credential.GroupINS}
	all    = []credential.Group{credential.GroupAMO, credential.GroupINS, credential.GroupEtatCivil}
)

const (
	swSeq   = wire.SWSequence
	swData  = 0x6A80
	swP1P2  = 0x6A86
	swNoAID = 0x6A82
)

var otherAID = []byte{0xA0, 0x00, 0x00, 0x00, 0x03, 0x10, 0x10}

func ka(data []byte, p1, p2 byte) apdu.Command {
	return apdu.Command{CLA: wire.ClaProp, INS: wire.InsKeyAgreement, P1: p1, P2: p2, Data: data, Ne: 256}
}

func kaData(key, nonce []byte) []byte {
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEphemeralKey, key)
	b.AddTLVBytes(wire.TagReaderNonce, nonce)
	d, _ := b.Bytes()
	return d
}

// validKAData is a well-formed KEY AGREEMENT body with a fresh key.
func (r *run) validKAData() []byte {
	eph, err := credential.NewEphemeralKey(r.cfg.Rand)
	if err != nil {
		return nil
	}
	return kaData(eph.PublicKey().Bytes(), make([]byte, 16))
}

// notOnCurve is a 65-byte "uncompressed point" that is not on P-256.
var notOnCurve = append([]byte{0x04}, make([]byte, 64)...)

func getResponse(p1, p2 byte, ne int) apdu.Command {
	return apdu.Command{CLA: wire.ClaISO, INS: wire.InsGetResponse, P1: p1, P2: p2, Ne: ne}
}

func putReceipt(data []byte, p1, p2 byte) apdu.Command {
	return apdu.Command{CLA: wire.ClaProp, INS: wire.InsPutReceipt, P1: p1, P2: p2, Data: data}
}

// idle leaves no application selected: a field reset when there is one,
// else a SELECT of another AID (which must deselect, rule select-failed-deselects).
func (r *run) idle() error {
	if err := r.reset(); err == nil {
		return nil
	}
	_, err := r.expect("SELECT other AID", apdu.Command{CLA: wire.ClaISO, INS: wire.InsSelect, P1: 4, Data: otherAID, Ne: 256}, swNoAID)
	return err
}

// read runs a whole verified read (AMO) and returns its session.
func (r *run) read() (*keyed, error) {
	k, err := r.start()
	if err != nil {
		return nil, err
	}
	return k, r.getDataOK("GET DATA", k, reqAMO, amo, 256)
}

func testReceipt() credential.Receipt {
	return credential.Receipt{Beneficiary: 0, PSID: "10000000000", PSName: "Conformance kit", AmountCents: 100, Date: 1767225600}
}

func (r *run) receiptsAllowed() error {
	if r.cfg.NoReceipts {
		return &skipped{why: "receipts turned off (Config.NoReceipts)"}
	}
	if !r.fci.Receipts {
		return &skipped{why: "the phone's FCI does not announce receipts"}
	}
	return nil
}

var phoneRules = []Rule{
	{"select", "7.1", "SELECT of the ApCV AID answers 9000 and the FCI (objects in order, version 1, command size ≥ 64)",
		func(r *run) error { return r.selectApplet() }},
	{"select-le", "7.1", "SELECT with Le = 00 of a short answer: the FCI within 256 bytes, no 6Cxx",
		func(r *run) error {
			_, err := r.exchange("SELECT", selectCmd, apdu.SWSuccess)
			return err
		}},
	{"select-unknown-aid", "7.1", "SELECT of another AID answers 6A82",
		func(r *run) error {
			_, err := r.expect("SELECT other AID", apdu.Command{CLA: wire.ClaISO, INS: wire.InsSelect, P1: 4, Data: otherAID, Ne: 256}, swNoAID)
			return err
		}},
	{"select-p1p2", "7.1", "SELECT with P1-P2 other than 04 00 answers 6A86",
		func(r *run) error {
			for _, p := range [][2]byte{{0x04, 0x0C}, {0x00, 0x00}, {0x04, 0x02}} {
				c := selectCmd
				c.P1, c.P2 = p[0], p[1]
				if _, err := r.expect("SELECT P1-P2 "+hex2(p[0], p[1]), c, swP1P2); err != nil {
					return err
				}
			}
			return nil
		}},
	{"select-failed-deselects", "7.1", "a failed SELECT (6A82 or 6A86) leaves no application selected: KEY AGREEMENT then answers 6985",
		func(r *run) error {
			for _, c := range []apdu.Command{
				{CLA: wire.ClaISO, INS: wire.InsSelect, P1: 4, Data: otherAID, Ne: 256},
				{CLA: wire.ClaISO, INS: wire.InsSelect, P1: 4, P2: 0x0C, Data: wire.AID, Ne: 256},
			} {
				if err := r.selectApplet(); err != nil {
					return err
				}
				resp, err := r.send("failed SELECT", c)
				if err != nil {
					return err
				}
				if resp.SW == apdu.SWSuccess {
					return fail("failed SELECT", "6A82 or 6A86", "%s", swString(resp))
				}
				if _, err := r.expect("KEY AGREEMENT after a failed SELECT", ka(r.validKAData(), 0, 0), swSeq); err != nil {
					return err
				}
			}
			return nil
		}},
	{"select-ends-session", "7.1", "a SELECT of the ApCV AID restarts at selected: the earlier session's GET DATA answers 6985",
		keyedRule(func(r *run, k *keyed) error {
			if err := r.selectApplet(); err != nil {
				return err
			}
			_, err := r.expect("GET DATA of the ended session", getData(sealed(k, reqAMO), 256), swSeq)
			return err
		})},
	{"ka-before-select", "7.1", "KEY AGREEMENT with no application selected answers 6985",
		func(r *run) error {
			if err := r.idle(); err != nil {
				return err
			}
			_, err := r.expect("KEY AGREEMENT in idle", ka(r.validKAData(), 0, 0), swSeq)
			return err
		}},
	{"key-agreement", "7.1, 7.2, 8", "KEY AGREEMENT answers 86 41 with a valid P-256 key; the session keys derive",
		func(r *run) error { _, err := r.start(); return err }},
	{"ka-p1p2", "7.1", "KEY AGREEMENT with P1-P2 other than 00 00 answers 6A86 and changes nothing: the session goes on",
		keyedRule(func(r *run, k *keyed) error {
			for _, p := range [][2]byte{{1, 0}, {0, 1}} {
				if _, err := r.expect("KEY AGREEMENT P1-P2 "+hex2(p[0], p[1]), ka(r.validKAData(), p[0], p[1]), swP1P2); err != nil {
					return err
				}
			}
			return r.getDataOK("GET DATA in the session", k, reqAMO, amo, 256)
		})},
	{"ka-p1p2-before-state", "7.1", "the order of the checks: KEY AGREEMENT with P1=01 in idle answers 6A86, not 6985",
		func(r *run) error {
			if err := r.idle(); err != nil {
				return err
			}
			_, err := r.expect("KEY AGREEMENT P1=01 in idle", ka(r.validKAData(), 1, 0), swP1P2)
			return err
		}},
	{"ka-bad-data", "7.1, 8", "KEY AGREEMENT with a short nonce, a key off the curve, no nonce or extra data answers 6A80",
		func(r *run) error {
			good := r.validKAData()
			for _, c := range []struct {
				name string
				data []byte
			}{
				{"a 15-byte nonce", kaData(good[2:67], make([]byte, 15))},
				{"a key off the curve", kaData(notOnCurve, make([]byte, 16))},
				{"no nonce", good[:67]},
				{"trailing data", append(append([]byte{}, good...), 0x90, 0x00)},
			} {
				if err := r.selectApplet(); err != nil {
					return err
				}
				if _, err := r.expect("KEY AGREEMENT with "+c.name, ka(c.data, 0, 0), swData); err != nil {
					return err
				}
			}
			return nil
		}},
	{"ka-garbled-ends-session", "7.1", "a garbled KEY AGREEMENT in a keyed session answers 6A80 and ends the session: its GET DATA answers 6985",
		keyedRule(func(r *run, k *keyed) error {
			if _, err := r.expect("garbled KEY AGREEMENT", ka(kaData(notOnCurve, make([]byte, 16)), 0, 0), swData); err != nil {
				return err
			}
			_, err := r.expect("GET DATA of the ended session", getData(sealed(k, reqAMO), 256), swSeq)
			return err
		})},
	{"get-data", "7.1, 7.4", "GET DATA for AMO answers one 88 object, sealed with SKDevice, that verifies",
		func(r *run) error { _, err := r.read(); return err }},
	{"get-data-all-groups", "7.3, 7.4", "GET DATA for AMO, INS and ETAT_CIVIL answers a DeviceResponse that verifies",
		keyedRule(func(r *run, k *keyed) error {
			return r.getDataOK("GET DATA (1, 2, 3)", k, reqAll, all, 256)
		})},
	{"get-data-order-free", "7.3", "the groups' order carries no meaning: [2, 1] is served",
		keyedRule(func(r *run, k *keyed) error {
			return r.getDataOK("GET DATA (2, 1)", k, reqUnordered, amoINS, 256)
		})},
	{"get-data-before-ka", "7.1", "GET DATA in selected (no KEY AGREEMENT) answers 6985",
		func(r *run) error {
			if err := r.selectApplet(); err != nil {
				return err
			}
			_, err := r.expect("GET DATA before KEY AGREEMENT", getData(append([]byte{0x88, 0x10}, make([]byte, 16)...), 256), swSeq)
			return err
		}},
	{"get-data-p1p2", "7.1", "GET DATA with P1-P2 other than 00 00 answers 6A86 and changes nothing",
		keyedRule(func(r *run, k *keyed) error {
			for _, p := range [][2]byte{{1, 0}, {0, 1}} {
				c := getData(append([]byte{0x88, 0x10}, make([]byte, 16)...), 256)
				c.P1, c.P2 = p[0], p[1]
				if _, err := r.expect("GET DATA P1-P2 "+hex2(p[0], p[1]), c, swP1P2); err != nil {
					return err
				}
			}
			return r.getDataOK("GET DATA in the session", k, reqAMO, amo, 256)
		})},
	{"get-data-amo-required", "2.1, 7.3", "a request without AMO is refused with 6A80",
		keyedRule(func(r *run, k *keyed) error {
			_, err := r.expect("GET DATA (2)", getData(sealed(k, reqNoAMO), 256), swData)
			return err
		})},
	{"get-data-duplicates", "7.3", "a request with a group twice ([1, 1], [3, 1, 3]) is refused with 6A80",
		func(r *run) error {
			for _, req := range [][]byte{reqDuplicate, reqDuplicate2} {
				k, err := r.start()
				if err != nil {
					return err
				}
				if _, err := r.expect("GET DATA with a group twice", getData(sealed(k, req), 256), swData); err != nil {
					return err
				}
			}
			return nil
		}},
	{"get-data-not-authentic", "7.1, 8", "a request that does not authenticate answers 6A80 and ends the session (then 6985)",
		keyedRule(func(r *run, k *keyed) error {
			data := sealed(k, reqAMO)
			data[len(data)-1] ^= 0x01
			if _, err := r.expect("GET DATA, tag altered", getData(data, 256), swData); err != nil {
				return err
			}
			_, err := r.expect("GET DATA after the refused message", getData(sealed(k, reqAMO), 256), swSeq)
			return err
		})},
	{"get-data-replayed", "8", "the same sealed request sent twice: the second answers 6A80",
		keyedRule(func(r *run, k *keyed) error {
			data := sealed(k, reqAMO)
			if _, err := r.exchange("GET DATA", getData(data, 256), apdu.SWSuccess); err != nil {
				return err
			}
			_, err := r.expect("GET DATA replayed", getData(data, 256), swData)
			return err
		})},
	{"chaining-small-le", "7.1", "GET DATA with Le = 16: chunks of at most 16 bytes chained with 61xx (never 6Cxx), GET RESPONSE with Le = xx",
		keyedRule(func(r *run, k *keyed) error {
			return r.getDataOK("GET DATA Le=16", k, reqAll, all, 16)
		})},
	{"get-response-p1p2", "7.1", "GET RESPONSE with P1-P2 other than 00 00 answers 6A86 and keeps the pending answer",
		keyedRule(func(r *run, k *keyed) error {
			resp, err := r.send("GET DATA Le=16", getData(sealed(k, reqAMO), 16))
			if err != nil {
				return err
			}
			if resp.SW1() != 0x61 {
				return fail("GET DATA Le=16", "61xx", "%s", swString(resp))
			}
			if _, err := r.expect("GET RESPONSE P1-P2 01 00", getResponse(1, 0, 16), swP1P2); err != nil {
				return err
			}
			_, err = r.exchange("GET RESPONSE", getResponse(0, 0, 16), apdu.SWSuccess)
			return err
		})},
	{"get-response-nothing-pending", "7.1", "GET RESPONSE with nothing pending answers 6985; with P1-P2 01 00, 6A86 (P1-P2 checked first)",
		func(r *run) error {
			if err := r.selectApplet(); err != nil {
				return err
			}
			if _, err := r.expect("GET RESPONSE P1-P2 01 00", getResponse(1, 0, 256), swP1P2); err != nil {
				return err
			}
			_, err := r.expect("GET RESPONSE", getResponse(0, 0, 256), swSeq)
			return err
		}},
	{"pending-discarded", "7.1", "any other command discards a pending answer: GET RESPONSE then answers 6985",
		keyedRule(func(r *run, k *keyed) error {
			resp, err := r.send("GET DATA Le=16", getData(sealed(k, reqAMO), 16))
			if err != nil {
				return err
			}
			if resp.SW1() != 0x61 {
				return fail("GET DATA Le=16", "61xx", "%s", swString(resp))
			}
			if err := r.selectApplet(); err != nil {
				return err
			}
			_, err = r.expect("GET RESPONSE after SELECT", getResponse(0, 0, 16), swSeq)
			return err
		})},
	{"cla-chaining", "7.1", "command chaining (CLA bit 10) answers 6884",
		func(r *run) error {
			if _, err := r.start(); err != nil {
				return err
			}
			_, err := r.expect("CLA 90 GET DATA", apdu.Command{CLA: 0x90, INS: wire.InsGetData, Data: []byte{0x88, 0x01, 0x00}, Ne: 256}, 0x6884)
			return err
		}},
	{"cla-unknown", "7.1", "an unknown CLA answers 6E00",
		func(r *run) error {
			_, err := r.expect("CLA A0", apdu.Command{CLA: 0xA0, INS: wire.InsGetData, Ne: 256}, 0x6E00)
			return err
		}},
	{"ins-unknown", "7.1", "an unknown INS answers 6D00 (80 50, 00 B0)",
		func(r *run) error {
			if err := r.selectApplet(); err != nil {
				return err
			}
			if _, err := r.expect("INS 50", apdu.Command{CLA: wire.ClaProp, INS: 0x50, Ne: 256}, 0x6D00); err != nil {
				return err
			}
			_, err := r.expect("INS B0", apdu.Command{CLA: wire.ClaISO, INS: 0xB0, Ne: 256}, 0x6D00)
			return err
		}},
	{"apdu-malformed", "7.1", "an unparsable APDU (3 bytes, Lc beyond the data) answers 6700",
		func(r *run) error {
			if err := r.expectRaw("3-byte APDU", []byte{0x80, 0x10, 0x00}, 0x6700); err != nil {
				return err
			}
			return r.expectRaw("Lc 05 with 2 bytes", []byte{0x80, 0x10, 0x00, 0x00, 0x05, 0x01, 0x02}, 0x6700)
		}},
	{"receipt", "7.5", "PUT RECEIPT after a verified read answers 9000 (if the FCI announces receipts)",
		func(r *run) error {
			k, err := r.read()
			if err != nil {
				return err
			}
			if err := r.receiptsAllowed(); err != nil {
				return err
			}
			pt, err := credential.EncodeReceipt(testReceipt())
			if err != nil {
				return err
			}
			_, err = r.expect("PUT RECEIPT", putReceipt(sealed(k, pt), 0, 0), apdu.SWSuccess)
			return err
		}},
	{"receipt-refused", "7.1, 7.5", "PUT RECEIPT: P1-P2 01 00 → 6A86 (the session goes on), a body that is no receipt → 6A80, before KEY AGREEMENT → 6985",
		func(r *run) error {
			k, err := r.read()
			if err != nil {
				return err
			}
			if err := r.receiptsAllowed(); err != nil {
				return err
			}
			if _, err := r.expect("PUT RECEIPT P1-P2 01 00", putReceipt([]byte{0x88, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1, 0), swP1P2); err != nil {
				return err
			}
			// Receipt index 32 is out of range (§2.7: 0..31).
			bad := []byte{0xa5, 0x01, 0x18, 0x20, 0x02, 0x61, 0x31, 0x03, 0x61, 0x58, 0x04, 0x01, 0x05, 0x01}
			if _, err := r.expect("PUT RECEIPT of beneficiary 32", putReceipt(sealed(k, bad), 0, 0), swData); err != nil {
				return err
			}
			if err := r.selectApplet(); err != nil {
				return err
			}
			_, err = r.expect("PUT RECEIPT before KEY AGREEMENT", putReceipt(sealed(k, bad), 0, 0), swSeq)
			return err
		}},
	{"tearing-after-select", "7.1", "a field reset after SELECT: KEY AGREEMENT answers 6985, a new read succeeds",
		func(r *run) error { return r.tearing(1) }},
	{"tearing-after-key-agreement", "7.1", "a field reset after KEY AGREEMENT: the session's GET DATA answers 6985, a new read succeeds",
		func(r *run) error { return r.tearing(2) }},
	{"tearing-in-chain", "7.1", "a field reset between 61xx and GET RESPONSE: GET RESPONSE answers 6985, a new read succeeds",
		func(r *run) error { return r.tearing(3) }},
	{"tearing-after-get-data", "7.1", "a field reset after GET DATA: the session's PUT RECEIPT answers 6985, a new read succeeds",
		func(r *run) error { return r.tearing(4) }},
}

// tearing runs a session up to step (1 SELECT, 2 KEY AGREEMENT, 3 first
// chunk of GET DATA, 4 GET DATA), cuts the field, checks that the old
// session's next command answers 6985, and that a new read succeeds.
func (r *run) tearing(step int) error {
	if r.cfg.Reset == nil {
		if _, ok := r.t.(apdu.Resetter); !ok {
			return &skipped{why: "no way to cut the field (Config.Reset, apdu.Resetter)"}
		}
	}
	if err := r.selectApplet(); err != nil {
		return err
	}
	var k *keyed
	var err error
	if step >= 2 {
		if k, err = r.keyAgreement(); err != nil {
			return err
		}
	}
	switch step {
	case 3:
		resp, err := r.send("GET DATA Le=16", getData(sealed(k, reqAMO), 16))
		if err != nil {
			return err
		}
		if resp.SW1() != 0x61 {
			return fail("GET DATA Le=16", "61xx", "%s", swString(resp))
		}
	case 4:
		if err := r.getDataOK("GET DATA", k, reqAMO, amo, 256); err != nil {
			return err
		}
	}
	if err := r.reset(); err != nil {
		return err
	}
	switch step {
	case 1:
		_, err = r.expect("KEY AGREEMENT after the reset", ka(r.validKAData(), 0, 0), swSeq)
	case 2:
		_, err = r.expect("GET DATA after the reset", getData(sealed(k, reqAMO), 256), swSeq)
	case 3:
		_, err = r.expect("GET RESPONSE after the reset", getResponse(0, 0, 16), swSeq)
	case 4:
		pt, _ := credential.EncodeReceipt(testReceipt())
		_, err = r.expect("PUT RECEIPT after the reset", putReceipt(sealed(k, pt), 0, 0), swSeq)
	}
	if err != nil {
		return err
	}
	_, err = r.read()
	return err
}

func hex2(a, b byte) string {
	const h = "0123456789ABCDEF"
	return string([]byte{h[a>>4], h[a&15], ' ', h[b>>4], h[b&15]})
}

// keyedRule is a rule that starts from an open session (SELECT and KEY
// AGREEMENT done): f runs only once they succeeded.
func keyedRule(f func(r *run, k *keyed) error) func(*run) error {
	return func(r *run) error {
		k, err := r.start()
		if err != nil {
			return err
		}
		return f(r, k)
	}
}
