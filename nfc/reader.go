package nfc

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/tlv"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

// Options tune a read. Zero values give the defaults.
type Options struct {
	// Groups are the data groups asked for; AMO (what billing needs, and
	// what the other groups attach to) is always asked for.
	Groups []credential.Group
	// APDUTimeout bounds each APDU exchanged with the phone, from the
	// command sent to the answer received (default DefaultAPDUTimeout). It
	// is the one time limit of the read: a phone that stops answering fails
	// it with ErrPhoneTimeout, and a transport that cannot stop a call
	// otherwise (nfc/pcsc) cuts its connection. To bound the whole read,
	// give ctx a deadline.
	APDUTimeout time.Duration
	// Rand is the randomness for the ephemeral key and nonce; nil means crypto/rand.
	Rand io.Reader
	// Logger receives protocol events, without personal data; nil discards.
	Logger *slog.Logger
}

// DefaultAPDUTimeout is Options.APDUTimeout's default. A phone's HCE applet
// answers each APDU in milliseconds, the key agreement and the signed
// presentation included; this leaves room for a slow phone without letting
// a hung one freeze the desk.
const DefaultAPDUTimeout = 2 * time.Second

// PhoneInfo is what the phone's SELECT answer says of it.
type PhoneInfo struct {
	Version         int
	MaxCommandData  int
	MaxResponseData int
	Receipts        bool // the phone accepts receipts
}

// Session is a completed read: the verified presentation and the open,
// encrypted session to the phone, for a receipt while it stays in the field.
type Session struct {
	Presentation *credential.Presentation
	Phone        PhoneInfo

	t    Transport
	sess *credential.Session
	opts Options
}

// Read runs the ApCV protocol over t (SELECT, KEY AGREEMENT, GET DATA),
// verifies the phone's answer with v and returns the verified session. It
// never returns an identity that was not fully verified. Every error it
// returns, but ctx's own, carries an apcverr code and desk message: a phone
// that breaks the transmission (apdu.ErrProtocol, apdu.ErrResponseTooLarge)
// is reported as ErrProtocol, which still wraps the apdu error.
func Read(ctx context.Context, t Transport, v *credential.Verifier, opts Options) (*Session, error) {
	// The other groups attach to the beneficiaries of AMO: it is always
	// asked; each group once, ascending (docs/PROTOCOL.md §7.3).
	opts.Groups = append([]credential.Group{credential.GroupAMO}, opts.Groups...)
	slices.Sort(opts.Groups)
	opts.Groups = slices.Compact(opts.Groups)
	if opts.APDUTimeout <= 0 {
		opts.APDUTimeout = DefaultAPDUTimeout
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	s := &Session{t: limited{t, opts.APDUTimeout}, opts: opts}

	// SELECT
	resp, err := s.step(ctx, "select", apdu.Command{CLA: wire.ClaISO, INS: wire.InsSelect, P1: 0x04, Data: wire.AID, Ne: 256})
	if err != nil {
		return nil, err
	}
	if s.Phone, err = ParseFCI(resp.Data); err != nil {
		return nil, err
	}

	// KEY AGREEMENT
	eph, err := credential.NewEphemeralKey(opts.Rand)
	if err != nil {
		return nil, fmt.Errorf("nfc: ephemeral key: %w", err)
	}
	nonce := make([]byte, 16)
	if _, err := io.ReadFull(opts.Rand, nonce); err != nil {
		return nil, fmt.Errorf("nfc: nonce: %w", err)
	}
	readerKey := eph.PublicKey().Bytes()
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEphemeralKey, readerKey)
	b.AddTLVBytes(wire.TagReaderNonce, nonce)
	data, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	resp, err = s.step(ctx, "key agreement", apdu.Command{CLA: wire.ClaProp, INS: wire.InsKeyAgreement, Data: data, Ne: 256})
	if err != nil {
		return nil, err
	}
	var phoneKey tlv.String
	rs := tlv.String(resp.Data)
	if !rs.ReadTagged(wire.TagEphemeralKey, &phoneKey) || !rs.Empty() || len(phoneKey) != 65 {
		return nil, fmt.Errorf("nfc: key agreement: answer is not one 65-byte key: %w", ErrProtocol)
	}
	transcript := credential.SessionTranscript(wire.AID, readerKey, phoneKey, nonce)
	if s.sess, err = credential.DeriveSession(credential.RoleReader, eph, phoneKey, transcript); err != nil {
		return nil, fmt.Errorf("nfc: key agreement: %w", err)
	}

	// GET DATA
	req, err := credential.EncodeDeviceRequest(opts.Groups)
	if err != nil {
		return nil, err
	}
	ct, err := s.encrypted(ctx, "get data", wire.InsGetData, req)
	if err != nil {
		return nil, err
	}
	pt, err := s.sess.Open(ct)
	if err != nil {
		return nil, fmt.Errorf("nfc: get data: %w", err)
	}
	if s.Presentation, err = v.VerifyNFC(pt, transcript, opts.Groups); err != nil {
		return nil, fmt.Errorf("nfc: verify: %w", err)
	}
	if opts.Logger != nil {
		opts.Logger.Debug("nfc: read verified", "groups", len(s.Presentation.Groups),
			"beneficiaires", len(s.Presentation.Family.Beneficiaires))
	}
	return s, nil
}

// PutReceipt writes a care-expense record to the phone's Activités over
// the open session. The phone must still be in the field.
func (s *Session) PutReceipt(ctx context.Context, r credential.Receipt) error {
	if !s.Phone.Receipts {
		return fmt.Errorf("nfc: receipt: the phone does not accept receipts: %w", ErrProtocol)
	}
	pt, err := credential.EncodeReceipt(r)
	if err != nil {
		return fmt.Errorf("nfc: receipt: %w", err)
	}
	_, err = s.encrypted(ctx, "put receipt", wire.InsPutReceipt, pt)
	return err
}

// encrypted sends Seal(plaintext) in an 88 object and returns the 88 object
// of the answer (nil when the answer has no data).
func (s *Session) encrypted(ctx context.Context, name string, ins byte, plaintext []byte) ([]byte, error) {
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEncrypted, s.sess.Seal(plaintext))
	data, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	ne := 256
	if ins == wire.InsPutReceipt {
		ne = 0
	}
	resp, err := s.step(ctx, name, apdu.Command{CLA: wire.ClaProp, INS: ins, Data: data, Ne: ne})
	if err != nil || len(resp.Data) == 0 {
		return nil, err
	}
	var ct tlv.String
	rs := tlv.String(resp.Data)
	if !rs.ReadTagged(wire.TagEncrypted, &ct) || !rs.Empty() {
		return nil, fmt.Errorf("nfc: %s: answer is not one encrypted object: %w", name, ErrProtocol)
	}
	return ct, nil
}

// limited gives each APDU its own deadline: the transport's own bound when
// it has one (apdu.BoundedTransmitter), a context deadline otherwise.
type limited struct {
	t Transport
	d time.Duration
}

func (l limited) Transmit(ctx context.Context, b []byte) ([]byte, error) {
	if bt, ok := l.t.(apdu.BoundedTransmitter); ok {
		return bt.TransmitWithin(ctx, b, l.d)
	}
	ctx, cancel := context.WithTimeout(ctx, l.d)
	defer cancel()
	return l.t.Transmit(ctx, b)
}

// step runs one command (chained APDUs included, each with its deadline)
// and maps the status word.
func (s *Session) step(ctx context.Context, name string, cmd apdu.Command) (apdu.Response, error) {
	maxCmd := s.Phone.MaxCommandData
	if maxCmd == 0 {
		maxCmd = apdu.MaxShortData
	}
	resp, err := apdu.Exchange(ctx, s.t, cmd, apdu.ExchangeOptions{MaxCommandData: maxCmd,
		MaxResponse: credential.MaxPresentation + 64})
	if err != nil {
		switch {
		case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
			return resp, fmt.Errorf("nfc: %s: %w", name, ctx.Err())
		case errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrPhoneTimeout):
			return resp, fmt.Errorf("nfc: %s: %w (%w)", name, ErrPhoneTimeout, err)
		case !hasCode(err):
			// The phone broke the transmission (an answer shorter than a
			// status word, a data-less 61xx, more data than allowed) or the
			// transport failed without saying how: the desk needs a code
			// and a message, never "internal".
			return resp, fmt.Errorf("nfc: %s: %w: %w", name, ErrProtocol, err)
		}
		return resp, fmt.Errorf("nfc: %s: %w", name, err)
	}
	if s.opts.Logger != nil {
		s.opts.Logger.Debug("nfc: step", "step", name, "sw", fmt.Sprintf("%04X", resp.SW), "bytes", len(resp.Data))
	}
	switch resp.SW {
	case apdu.SWSuccess:
		return resp, nil
	case wire.SWAppLocked:
		return resp, fmt.Errorf("nfc: %s: %w", name, ErrAppLocked)
	case wire.SWAppRevoked:
		return resp, fmt.Errorf("nfc: %s: %w", name, ErrAppRevoked)
	case wire.SWUnknownAID:
		if cmd.INS == wire.InsSelect {
			return resp, fmt.Errorf("nfc: %s: %w", name, ErrNoApplet)
		}
	}
	return resp, fmt.Errorf("nfc: %s: %w: %w", name, ErrProtocol, resp.Err())
}

// hasCode reports whether err's chain holds an error with a desk code.
func hasCode(err error) bool {
	var e *apcverr.Error
	return errors.As(err, &e)
}

// ParseFCI reads the FCI a phone answers to SELECT (docs/PROTOCOL.md §7.1):
// 6F{84 AID, A5{80 version, 81 max command data, 82 max response data,
// 83 capabilities}}, each listed object once and in that order, then only
// well-formed extension objects, nothing after 6F. It is the one parser of
// the FCI: nfc.Read and the conformance kit (nfc/conform) both use it. A
// malformed FCI fails with ErrProtocol, another protocol version with
// credential.ErrUnsupportedVersion.
func ParseFCI(b []byte) (PhoneInfo, error) {
	var fci, aid, prop, ver, maxC, maxR, caps tlv.String
	s := tlv.String(b)
	if !s.ReadTagged(wire.TagFCI, &fci) || !s.Empty() ||
		!fci.ReadTagged(wire.TagAID, &aid) || !fci.ReadTagged(wire.TagProprietary, &prop) ||
		!prop.ReadTagged(wire.TagVersion, &ver) || !prop.ReadTagged(wire.TagMaxCommand, &maxC) ||
		!prop.ReadTagged(wire.TagMaxResponse, &maxR) || !prop.ReadTagged(wire.TagCapabilities, &caps) ||
		len(ver) != 1 || len(maxC) != 2 || len(maxR) != 2 || len(caps) != 1 || string(aid) != string(wire.AID) {
		return PhoneInfo{}, fmt.Errorf("nfc: select: FCI malformed: %w", ErrProtocol)
	}
	for !fci.Empty() || !prop.Empty() { // extensions: any well-formed objects
		if !fci.SkipTLV() && !fci.Empty() || !prop.SkipTLV() && !prop.Empty() {
			return PhoneInfo{}, fmt.Errorf("nfc: select: FCI extension malformed: %w", ErrProtocol)
		}
	}
	info := PhoneInfo{Version: int(ver[0]), MaxCommandData: int(maxC[0])<<8 | int(maxC[1]),
		MaxResponseData: int(maxR[0])<<8 | int(maxR[1]), Receipts: caps[0]&wire.CapReceipts != 0}
	if info.Version != wire.ProtocolVersion {
		return info, fmt.Errorf("nfc: select: applet protocol version %d: %w", info.Version, credential.ErrUnsupportedVersion)
	}
	if info.MaxCommandData < 64 {
		return info, fmt.Errorf("nfc: select: max command data %d too small: %w", info.MaxCommandData, ErrProtocol)
	}
	if info.MaxResponseData == 0 {
		return info, fmt.Errorf("nfc: select: max response data 0: %w", ErrProtocol)
	}
	return info, nil
}
