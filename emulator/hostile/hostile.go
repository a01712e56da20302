// Package hostile holds phones that break the ApCV applet protocol on
// purpose, at every step: empty, 1-byte, oversized or endlessly chained
// answers, data-less 61xx, 6Cxx loops, unexpected status words, malformed
// FCI, bad ephemeral keys, garbled or reflected ciphertext, tearing and
// hanging. Each wraps an honest applet and distorts its answers, so that
// tests (and conformance or soak runs) can check that a reader turns every
// one of them into a typed error with a desk message, never an identity.
//
//	for _, p := range hostile.Phones() {
//		card := p.Wrap(applet.New(wallet, applet.Options{}))
//		// tap card, read, check the error
//	}
package hostile

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/apcvkit/apcvkit/apdu"
)

// The instruction bytes of the applet protocol (docs/PROTOCOL.md §7.1),
// restated here so that the suite tests the wire, not a constant.
const (
	insSelect       = 0xA4
	insKeyAgreement = 0x10
	insGetData      = 0x20
	insGetResponse  = 0xC0
)

// Phone is one hostile behaviour.
type Phone struct {
	Name string // e.g. "get-data/empty answer"
	// Step is the command whose answer is distorted: "select",
	// "key-agreement" or "get-data".
	Step string
	wrap func(honest apdu.Transport) apdu.Transport
}

// Wrap returns a card that behaves as honest does except where p is
// hostile. The card forwards Reset (apdu.Resetter) to honest.
func (p Phone) Wrap(honest apdu.Transport) apdu.Transport { return p.wrap(honest) }

// answerFunc distorts the answer to the step's command: it gets the command
// and the honest answer (or the honest card's error) and returns what the
// phone sends.
type answerFunc func(ctx context.Context, cmd, honest []byte, err error) ([]byte, error)

// card is an honest card with one step's answers distorted. GET RESPONSE
// following a distorted answer goes to getResponse when set.
type card struct {
	honest      apdu.Transport
	ins         byte
	answer      answerFunc
	getResponse answerFunc

	mu      sync.Mutex
	chained bool // the last distorted answer asked for GET RESPONSE
}

func (c *card) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if len(cmd) >= 2 && cmd[1] == insGetResponse && c.getResponse != nil {
		c.mu.Lock()
		chained := c.chained
		c.mu.Unlock()
		if chained {
			return c.getResponse(ctx, cmd, nil, nil)
		}
	}
	resp, err := c.honest.Transmit(ctx, cmd)
	if len(cmd) < 2 || cmd[1] != c.ins {
		return resp, err
	}
	out, err := c.answer(ctx, cmd, resp, err)
	c.mu.Lock()
	c.chained = err == nil && len(out) >= 2 && out[len(out)-2] == 0x61
	c.mu.Unlock()
	return out, err
}

// Reset forwards a field reset to the honest card.
func (c *card) Reset() {
	c.mu.Lock()
	c.chained = false
	c.mu.Unlock()
	if r, ok := c.honest.(apdu.Resetter); ok {
		r.Reset()
	}
}

var _ apdu.Resetter = (*card)(nil)

func at(ins byte, answer, getResponse answerFunc) func(apdu.Transport) apdu.Transport {
	return func(h apdu.Transport) apdu.Transport {
		return &card{honest: h, ins: ins, answer: answer, getResponse: getResponse}
	}
}

// fixed answers b whatever was asked.
func fixed(b ...byte) answerFunc {
	return func(context.Context, []byte, []byte, error) ([]byte, error) { return bytes.Clone(b), nil }
}

// edit applies f to the honest answer's data (its status word kept).
func edit(f func(data []byte) []byte) answerFunc {
	return func(_ context.Context, _ []byte, honest []byte, err error) ([]byte, error) {
		if err != nil || len(honest) < 2 {
			return honest, err
		}
		data, sw := honest[:len(honest)-2], honest[len(honest)-2:]
		return append(f(bytes.Clone(data)), sw...), nil
	}
}

// withSW answers data and status word sw.
func withSW(data []byte, sw uint16) []byte { return append(bytes.Clone(data), byte(sw>>8), byte(sw)) }

// torn answers as a carrier does when the phone leaves the field: an error
// wrapping removed (given to Phones).
func torn(removed error) answerFunc {
	return func(context.Context, []byte, []byte, error) ([]byte, error) {
		return nil, fmt.Errorf("hostile: phone left the field: %w", removed)
	}
}

func hang(ctx context.Context, _, _ []byte, _ error) ([]byte, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// Oversized is the data length of the "oversized answer" phones: more than
// any reader should gather for one APDU (the largest DeviceResponse is
// 65 536 bytes, sealed and wrapped).
const Oversized = 70000

// Phones returns the suite. removed is the error the carrier reports when
// the phone leaves the field (nfc.ErrPhoneRemoved for the reader of this
// module), used by the tearing phones.
func Phones(removed error) []Phone {
	var ps []Phone
	add := func(step, name string, wrap func(apdu.Transport) apdu.Transport) {
		ps = append(ps, Phone{Name: step + "/" + name, Step: step, wrap: wrap})
	}
	endless := func(context.Context, []byte, []byte, error) ([]byte, error) {
		return withSW(make([]byte, 256), 0x6100), nil
	}
	for _, s := range []struct {
		name string
		ins  byte
	}{{"select", insSelect}, {"key-agreement", insKeyAgreement}, {"get-data", insGetData}} {
		add(s.name, "empty answer", at(s.ins, fixed(), nil))
		add(s.name, "1-byte answer", at(s.ins, fixed(0x90), nil))
		add(s.name, "9000 without data", at(s.ins, fixed(0x90, 0x00), nil))
		add(s.name, "oversized answer", at(s.ins, fixed(withSW(make([]byte, Oversized), 0x9000)...), nil))
		add(s.name, "endless 61xx chain", at(s.ins, endless, endless))
		add(s.name, "data-less 61xx", at(s.ins, fixed(0x61, 0x10), fixed(0x61, 0x10)))
		add(s.name, "61xx then garbage", at(s.ins, fixed(0x61, 0x08), fixed(withSW([]byte("garbage!"), 0x9000)...)))
		add(s.name, "6Cxx loop", at(s.ins, fixed(0x6C, 0x10), nil))
		add(s.name, "garbage data", at(s.ins, fixed(withSW([]byte("\x01\x02\x03 not a TLV at all"), 0x9000)...), nil))
		for _, sw := range []uint16{0x6F00, 0x6A80, 0x6985, 0x6700, 0x6D00, 0x6E00, 0x6A86, 0x6400, 0x9001, 0x1234} {
			add(s.name, fmt.Sprintf("status %04X", sw), at(s.ins, fixed(byte(sw>>8), byte(sw)), nil))
		}
		add(s.name, "torn", at(s.ins, torn(removed), nil))
		add(s.name, "hung", at(s.ins, hang, nil))
	}

	// SELECT: FCI variants.
	fci := func(aid, prop []byte) []byte {
		inner := append([]byte{0x84, byte(len(aid))}, aid...)
		inner = append(inner, 0xA5, byte(len(prop)))
		inner = append(inner, prop...)
		return withSW(append([]byte{0x6F, byte(len(inner))}, inner...), 0x9000)
	}
	aid := []byte{0xF0, 0x41, 0x50, 0x43, 0x56, 0x31}
	okProp := []byte{0x80, 1, 1, 0x81, 2, 0, 0xFF, 0x82, 2, 1, 0, 0x83, 1, 1}
	add("select", "FCI of another AID", at(insSelect, fixed(fci([]byte{0xF0, 0x41, 0x50, 0x43, 0x56, 0x32}, okProp)...), nil))
	add("select", "FCI version 2", at(insSelect, fixed(fci(aid, []byte{0x80, 1, 2, 0x81, 2, 0, 0xFF, 0x82, 2, 1, 0, 0x83, 1, 1})...), nil))
	add("select", "FCI command size 32", at(insSelect, fixed(fci(aid, []byte{0x80, 1, 1, 0x81, 2, 0, 32, 0x82, 2, 1, 0, 0x83, 1, 1})...), nil))
	add("select", "FCI without capabilities", at(insSelect, fixed(fci(aid, okProp[:len(okProp)-3])...), nil))
	add("select", "FCI with trailing bytes", at(insSelect, edit(func(d []byte) []byte { return append(d, 0x00) }), nil))
	add("select", "FCI length beyond the data", at(insSelect, edit(func(d []byte) []byte { d[1] += 4; return d }), nil))
	add("select", "no applet (6A82)", at(insSelect, fixed(0x6A, 0x82), nil))

	// KEY AGREEMENT: the phone's ephemeral key.
	key := func(b []byte) answerFunc {
		return fixed(withSW(append([]byte{0x86, byte(len(b))}, b...), 0x9000)...)
	}
	notOnCurve := append([]byte{0x04}, bytes.Repeat([]byte{0x01}, 64)...)
	add("key-agreement", "key of 64 bytes", at(insKeyAgreement, key(notOnCurve[:64]), nil))
	add("key-agreement", "key not on the curve", at(insKeyAgreement, key(notOnCurve), nil))
	add("key-agreement", "compressed key", at(insKeyAgreement, key(append([]byte{0x02}, bytes.Repeat([]byte{0x01}, 32)...)), nil))
	add("key-agreement", "point at infinity", at(insKeyAgreement, key(append([]byte{0x04}, make([]byte, 64)...)), nil))
	add("key-agreement", "key under another tag", at(insKeyAgreement, edit(func(d []byte) []byte { d[0] = 0x87; return d }), nil))
	add("key-agreement", "key and trailing object", at(insKeyAgreement, edit(func(d []byte) []byte { return append(d, 0x87, 0x01, 0x00) }), nil))
	add("key-agreement", "app locked (6982)", at(insKeyAgreement, fixed(0x69, 0x82), nil))
	add("key-agreement", "app revoked (6283)", at(insKeyAgreement, fixed(0x62, 0x83), nil))

	// GET DATA: the sealed DeviceResponse.
	add("get-data", "ciphertext bit flipped", at(insGetData, edit(func(d []byte) []byte { d[len(d)-1] ^= 0x01; return d }), nil))
	add("get-data", "ciphertext truncated to its tag", at(insGetData, edit(func(d []byte) []byte {
		return []byte{0x88, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	}), nil))
	add("get-data", "answer under another tag", at(insGetData, edit(func(d []byte) []byte { d[0] = 0x86; return d }), nil))
	add("get-data", "request reflected", at(insGetData, func(_ context.Context, cmd, _ []byte, _ error) ([]byte, error) {
		// The reader's own sealed request sent back: it must not open.
		if len(cmd) < 6 {
			return []byte{0x6F, 0x00}, nil
		}
		data := cmd[5 : 5+int(cmd[4])]
		return withSW(data, 0x9000), nil
	}, nil))
	return ps
}
