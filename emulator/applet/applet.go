// Package applet is the emulated phone's HCE applet: the card side of the
// ApCV applet protocol (docs/PROTOCOL.md §4) behind the apdu.Transport
// interface, so that every carrier (in memory, vpcd into a real pcscd, the
// ISO 14443-4 link model) can put it in front of a reader.
//
//	a := applet.New(wallet, applet.Options{})
//	resp, err := a.Transmit(ctx, selectAPDU)
package applet

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"io"
	"sync"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/tlv"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

// Wallet is the phone app as the applet sees it.
type Wallet interface {
	// Present returns the credential and the device key when the app may
	// present. While the app is locked it returns an error wrapping
	// nfc.ErrAppLocked; when it cannot present at all (not activated,
	// revoked, blocked, deleted) any other error.
	Present() (*credential.Held, *ecdsa.PrivateKey, error)
	// AddReceipt stores a care-expense record in the app's Activités.
	AddReceipt(r credential.Receipt) error
}

// Options tune the applet. Zero values give the defaults.
type Options struct {
	// MaxResponseData is the most data bytes in one R-APDU (default 256,
	// what HCE phones do without extended length); longer answers are
	// chained with 61xx and GET RESPONSE.
	MaxResponseData int
	// Rand is the randomness for ephemeral keys and signatures; nil means crypto/rand.
	Rand io.Reader
}

type state uint8

const (
	stIdle state = iota
	stSelected
	stKeyed
)

// Applet is the HCE applet. It is safe for concurrent use, though a real
// field carries one exchange at a time.
type Applet struct {
	w    Wallet
	opts Options

	mu         sync.Mutex
	st         state
	sess       *credential.Session
	transcript []byte
	pending    []byte
}

var (
	_ apdu.Transport = (*Applet)(nil)
	_ apdu.Resetter  = (*Applet)(nil)
)

// New returns an applet serving w.
func New(w Wallet, opts Options) *Applet {
	if opts.MaxResponseData <= 0 || opts.MaxResponseData > 65536 {
		opts.MaxResponseData = 256
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	return &Applet{w: w, opts: opts}
}

// Reset ends the session, as a field power cycle does.
func (a *Applet) Reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st, a.sess, a.transcript, a.pending = stIdle, nil, nil, nil
}

func sw(code uint16) []byte { return []byte{byte(code >> 8), byte(code)} }

// Transmit processes one command APDU and returns the response APDU. Protocol
// errors are answered with status words, never returned as Go errors; only a
// done ctx yields an error.
func (a *Applet) Transmit(ctx context.Context, b []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	cmd, err := apdu.ParseCommand(b)
	if err != nil {
		return sw(wire.SWWrongLength), nil
	}
	if cmd.CLA == wire.ClaISO && cmd.INS == wire.InsGetResponse {
		return a.getResponse(cmd), nil
	}
	a.pending = nil
	if cmd.CLA&0x10 != 0 {
		return sw(wire.SWChainingUnsupported), nil
	}
	if cmd.CLA == wire.ClaProp && (cmd.INS == wire.InsKeyAgreement || cmd.INS == wire.InsGetData || cmd.INS == wire.InsPutReceipt) &&
		(cmd.P1 != 0 || cmd.P2 != 0) {
		return sw(wire.SWBadP1P2), nil // P1-P2 are 00 00; nothing else is attempted, the state stays
	}
	switch {
	case cmd.CLA == wire.ClaISO && cmd.INS == wire.InsSelect:
		return a.selectApp(cmd), nil
	case cmd.CLA == wire.ClaProp && cmd.INS == wire.InsKeyAgreement:
		return a.keyAgreement(cmd), nil
	case cmd.CLA == wire.ClaProp && cmd.INS == wire.InsGetData:
		return a.getData(cmd), nil
	case cmd.CLA == wire.ClaProp && cmd.INS == wire.InsPutReceipt:
		return a.putReceipt(cmd), nil
	case cmd.CLA != wire.ClaISO && cmd.CLA != wire.ClaProp:
		return sw(wire.SWUnknownCLA), nil
	}
	return sw(wire.SWUnknownINS), nil
}

func (a *Applet) selectApp(cmd apdu.Command) []byte {
	// Any SELECT ends the session; one that fails leaves no application
	// selected (ISO/IEC 7816-4): the reader must SELECT the applet again.
	a.st, a.sess, a.transcript = stIdle, nil, nil
	if cmd.P1 != 0x04 || cmd.P2 != 0x00 {
		return sw(wire.SWBadP1P2)
	}
	if string(cmd.Data) != string(wire.AID) {
		return sw(wire.SWUnknownAID)
	}
	a.st = stSelected
	var bld tlv.Builder
	bld.AddTLV(wire.TagFCI, func(b *tlv.Builder) {
		b.AddTLVBytes(wire.TagAID, wire.AID)
		b.AddTLV(wire.TagProprietary, func(b *tlv.Builder) {
			b.AddTLVBytes(wire.TagVersion, []byte{wire.ProtocolVersion})
			b.AddTLVBytes(wire.TagMaxCommand, []byte{0, 255})
			n := a.opts.MaxResponseData
			if n > 0xffff {
				n = 0xffff
			}
			b.AddTLVBytes(wire.TagMaxResponse, []byte{byte(n >> 8), byte(n)})
			b.AddTLVBytes(wire.TagCapabilities, []byte{wire.CapReceipts})
		})
	})
	fci, err := bld.Bytes()
	if err != nil {
		return sw(wire.SWInternal)
	}
	return a.respond(fci, cmd.Ne)
}

// presentable maps the wallet's state to a status word (0 when it may present).
func (a *Applet) presentable() (*credential.Held, *ecdsa.PrivateKey, uint16) {
	held, dev, err := a.w.Present()
	switch {
	case err == nil:
		return held, dev, 0
	case errors.Is(err, nfc.ErrAppLocked):
		return nil, nil, wire.SWAppLocked
	default:
		return nil, nil, wire.SWAppRevoked
	}
}

func (a *Applet) keyAgreement(cmd apdu.Command) []byte {
	if a.st == stIdle {
		return sw(wire.SWSequence)
	}
	// A KEY AGREEMENT ends the current session whatever its outcome: a
	// refused one (locked, bad data) leaves the applet selected, no keys.
	a.st, a.sess, a.transcript = stSelected, nil, nil
	if _, _, code := a.presentable(); code != 0 {
		return sw(code)
	}
	var readerKey, nonce tlv.String
	s := tlv.String(cmd.Data)
	if !s.ReadTagged(wire.TagEphemeralKey, &readerKey) || !s.ReadTagged(wire.TagReaderNonce, &nonce) || !s.Empty() ||
		len(readerKey) != 65 || len(nonce) != 16 {
		return sw(wire.SWBadData)
	}
	eph, err := credential.NewEphemeralKey(a.opts.Rand)
	if err != nil {
		return sw(wire.SWInternal)
	}
	own := eph.PublicKey().Bytes()
	transcript := credential.SessionTranscript(wire.AID, readerKey, own, nonce)
	sess, err := credential.DeriveSession(credential.RoleDevice, eph, readerKey, transcript)
	if err != nil {
		return sw(wire.SWBadData)
	}
	a.st, a.sess, a.transcript = stKeyed, sess, transcript
	var bld tlv.Builder
	bld.AddTLVBytes(wire.TagEphemeralKey, own)
	out, err := bld.Bytes()
	if err != nil {
		return sw(wire.SWInternal)
	}
	return a.respond(out, cmd.Ne)
}

// openEncrypted reads the 88 object of cmd and opens it in the session.
func (a *Applet) openEncrypted(cmd apdu.Command) ([]byte, uint16) {
	if a.st != stKeyed {
		return nil, wire.SWSequence
	}
	if _, _, code := a.presentable(); code != 0 {
		return nil, code // checked before the data: a refused message does not use up a counter
	}
	var ct tlv.String
	s := tlv.String(cmd.Data)
	if !s.ReadTagged(wire.TagEncrypted, &ct) || !s.Empty() {
		return nil, wire.SWBadData
	}
	pt, err := a.sess.Open(ct)
	if err != nil {
		// A message that does not authenticate ends the session.
		a.st, a.sess = stSelected, nil
		return nil, wire.SWBadData
	}
	return pt, 0
}

func (a *Applet) getData(cmd apdu.Command) []byte {
	pt, code := a.openEncrypted(cmd)
	if code != 0 {
		return sw(code)
	}
	req, err := credential.DecodeDeviceRequest(pt)
	if err != nil {
		return sw(wire.SWBadData)
	}
	held, dev, code := a.presentable()
	if code != 0 {
		return sw(code)
	}
	resp, err := held.PresentNFC(dev, a.transcript, req.Groups, a.opts.Rand)
	if err != nil {
		return sw(wire.SWInternal)
	}
	var bld tlv.Builder
	bld.AddTLVBytes(wire.TagEncrypted, a.sess.Seal(resp))
	out, err := bld.Bytes()
	if err != nil {
		return sw(wire.SWInternal)
	}
	return a.respond(out, cmd.Ne)
}

func (a *Applet) putReceipt(cmd apdu.Command) []byte {
	pt, code := a.openEncrypted(cmd)
	if code != 0 {
		return sw(code)
	}
	r, err := credential.DecodeReceipt(pt)
	if err != nil {
		return sw(wire.SWBadData)
	}
	if _, _, code := a.presentable(); code != 0 {
		return sw(code)
	}
	if err := a.w.AddReceipt(*r); err != nil {
		return sw(wire.SWBadData)
	}
	return sw(wire.SWSuccess)
}

// respond answers data, in chunks of at most min(Ne, MaxResponseData)
// bytes: the first now, the rest on GET RESPONSE, announced with 61xx.
func (a *Applet) respond(data []byte, ne int) []byte {
	a.pending = data
	return a.nextChunk(ne)
}

func (a *Applet) nextChunk(ne int) []byte {
	n := a.opts.MaxResponseData
	if ne > 0 && ne < n {
		n = ne
	}
	if n > len(a.pending) {
		n = len(a.pending)
	}
	out := make([]byte, 0, n+2)
	out = append(out, a.pending[:n]...)
	a.pending = a.pending[n:]
	switch rest := len(a.pending); {
	case rest == 0:
		a.pending = nil
		return append(out, 0x90, 0x00)
	case rest >= 256:
		return append(out, 0x61, 0x00)
	default:
		return append(out, 0x61, byte(rest))
	}
}

func (a *Applet) getResponse(cmd apdu.Command) []byte {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return sw(wire.SWBadP1P2)
	}
	if a.pending == nil {
		return sw(wire.SWSequence)
	}
	return a.nextChunk(cmd.Ne)
}
