package conform

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/tlv"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

// Config tunes Phone. Zero values give the defaults.
type Config struct {
	// Verifier, when set, must verify the phone's DeviceResponse (it holds
	// the trust and revocation lists the phone's credential chains to).
	// Nil checks the answers' form only: they must decrypt in the session.
	Verifier *credential.Verifier
	// Reset cuts the field and presents the phone again (a power cycle),
	// for the tearing rules. Nil uses the transport's Reset when it
	// implements apdu.Resetter; without either, those rules are skipped.
	Reset func(ctx context.Context) error
	// NoReceipts leaves out the rules that write test receipts to the phone.
	NoReceipts bool
	// StepTimeout bounds each command (default 2 s).
	StepTimeout time.Duration
	// Rand is the randomness of the reader's keys and nonces; nil means crypto/rand.
	Rand io.Reader
	// Rules, when not empty, runs only the rules with these identifiers.
	Rules []string
}

// Rule describes one rule of the kit.
type Rule struct {
	ID      string
	Section string // docs/PROTOCOL.md section
	Title   string
	run     func(r *run) error
}

// errors a rule returns: a mismatch (fail) or a skip.
type mismatch struct{ step, expected, got string }

func (m *mismatch) Error() string {
	return fmt.Sprintf("%s: expected %s, got %s", m.step, m.expected, m.got)
}

type skipped struct{ why string }

func (s *skipped) Error() string { return "skipped: " + s.why }

func fail(step, expected, got string, args ...any) error {
	return &mismatch{step: step, expected: expected, got: fmt.Sprintf(got, args...)}
}

// run is the state of one rule against the phone.
type run struct {
	ctx context.Context
	t   apdu.Transport
	cfg Config
	fci nfc.PhoneInfo // the phone's FCI, read by nfc.ParseFCI
}

// send transmits one command APDU (no chaining, no GET RESPONSE) and
// parses the answer.
func (r *run) send(step string, c apdu.Command) (apdu.Response, error) {
	b, err := c.Bytes()
	if err != nil {
		return apdu.Response{}, fmt.Errorf("conform: %s: %w", step, err)
	}
	return r.sendRaw(step, b)
}

func (r *run) sendRaw(step string, b []byte) (apdu.Response, error) {
	ctx, cancel := context.WithTimeout(r.ctx, r.cfg.StepTimeout)
	defer cancel()
	raw, err := r.t.Transmit(ctx, b)
	if err != nil {
		if r.ctx.Err() != nil {
			return apdu.Response{}, r.ctx.Err()
		}
		got := "transport error"
		if c := apcverr.Code(err); c != "" {
			got += " (" + c + ")"
		}
		return apdu.Response{}, fail(step, "an answer", "%s: %v", got, err)
	}
	resp, err := apdu.ParseResponse(raw)
	if err != nil {
		return apdu.Response{}, fail(step, "an answer with a status word", "% X", raw)
	}
	return resp, nil
}

func swString(resp apdu.Response) string {
	if len(resp.Data) > 0 {
		return fmt.Sprintf("SW %04X with %d data bytes", resp.SW, len(resp.Data))
	}
	return fmt.Sprintf("SW %04X", resp.SW)
}

// expect sends c and requires the status word want (with no data unless
// want is 9000).
func (r *run) expect(step string, c apdu.Command, want uint16) (apdu.Response, error) {
	resp, err := r.send(step, c)
	if err != nil {
		return resp, err
	}
	if resp.SW != want || (want != apdu.SWSuccess && len(resp.Data) > 0) {
		return resp, fail(step, fmt.Sprintf("SW %04X", want), "%s", swString(resp))
	}
	return resp, nil
}

func (r *run) expectRaw(step string, b []byte, want uint16) error {
	resp, err := r.sendRaw(step, b)
	if err != nil {
		return err
	}
	if resp.SW != want {
		return fail(step, fmt.Sprintf("SW %04X", want), "%s", swString(resp))
	}
	return nil
}

// exchange sends c and follows 61xx with GET RESPONSE (Le = xx), checking
// §7.1: never 6Cxx, no chunk longer than min(Le, the FCI's response size),
// no data-less 61xx, each 61xx announcing the bytes left (00 for 256 or
// more). It returns the gathered data once the final status word is want.
func (r *run) exchange(step string, c apdu.Command, want uint16) ([]byte, error) {
	resp, err := r.send(step, c)
	if err != nil {
		return nil, err
	}
	var data []byte
	var chunks, announced []int
	le := c.Ne
	for {
		if resp.SW1() == 0x6C {
			return nil, fail(step, "no 6Cxx: a longer answer is chained with 61xx (§7.1)", "%s", swString(resp))
		}
		limit := r.fci.MaxResponseData
		if le > 0 && le < limit {
			limit = le
		}
		if len(resp.Data) > limit {
			return nil, fail(step, fmt.Sprintf("at most %d data bytes (min of Le %d and the FCI's response size %d)", limit, le, r.fci.MaxResponseData), "%d", len(resp.Data))
		}
		data = append(data, resp.Data...)
		chunks = append(chunks, len(resp.Data))
		if resp.SW1() != 0x61 {
			break
		}
		if len(resp.Data) == 0 {
			return nil, fail(step, "data before 61xx", "%s", swString(resp))
		}
		if len(chunks) > 1100 {
			return nil, fail(step, "an end to the 61xx chain", "more than 1100 chunks")
		}
		announced = append(announced, int(resp.SW2()))
		le = int(resp.SW2())
		if le == 0 {
			le = 256
		}
		if resp, err = r.send(step+" / GET RESPONSE", apdu.Command{CLA: wire.ClaISO, INS: wire.InsGetResponse, Ne: le}); err != nil {
			return nil, err
		}
	}
	if resp.SW != want {
		return nil, fail(step, fmt.Sprintf("SW %04X", want), "%s", swString(resp))
	}
	for i, a := range announced {
		rest := 0
		for _, n := range chunks[i+1:] {
			rest += n
		}
		if exp := rest; (exp >= 256 && a != 0) || (exp < 256 && a != exp) {
			return nil, fail(step, fmt.Sprintf("61%02X (bytes left after chunk %d)", min(exp, 256)&0xFF, i+1), "61%02X", a)
		}
	}
	return data, nil
}

var selectCmd = apdu.Command{CLA: wire.ClaISO, INS: wire.InsSelect, P1: 0x04, Data: wire.AID, Ne: 256}

// selectApplet selects the ApCV applet and checks its FCI.
func (r *run) selectApplet() error {
	data, err := r.exchange("SELECT", selectCmd, apdu.SWSuccess)
	if err != nil {
		return err
	}
	if r.fci, err = nfc.ParseFCI(data); err != nil {
		return fail("SELECT", "an FCI as §7.1 lists it (6F{84 AID, A5{80 01, 81 02, 82 02, 83 01}} in order, then well-formed extensions; version 1, command size ≥ 64, response size ≥ 1)", "% X (%v)", data, err)
	}
	return nil
}

// keyed is an open session with the phone.
type keyed struct {
	sess       *credential.Session
	transcript []byte
}

// keyAgreement runs KEY AGREEMENT and derives the session.
func (r *run) keyAgreement() (*keyed, error) {
	eph, err := credential.NewEphemeralKey(r.cfg.Rand)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, 16)
	if _, err := io.ReadFull(r.cfg.Rand, nonce); err != nil {
		return nil, err
	}
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEphemeralKey, eph.PublicKey().Bytes())
	b.AddTLVBytes(wire.TagReaderNonce, nonce)
	cmd, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	data, err := r.exchange("KEY AGREEMENT", apdu.Command{CLA: wire.ClaProp, INS: wire.InsKeyAgreement, Data: cmd, Ne: 256}, apdu.SWSuccess)
	if err != nil {
		return nil, err
	}
	var phoneKey tlv.String
	s := tlv.String(data)
	if !s.ReadTagged(wire.TagEphemeralKey, &phoneKey) || !s.Empty() || len(phoneKey) != 65 {
		return nil, fail("KEY AGREEMENT", "86 41 <65-byte key>", "% X", data)
	}
	transcript := credential.SessionTranscript(wire.AID, eph.PublicKey().Bytes(), phoneKey, nonce)
	sess, err := credential.DeriveSession(credential.RoleReader, eph, phoneKey, transcript)
	if err != nil {
		return nil, fail("KEY AGREEMENT", "a valid P-256 point", "%v", err)
	}
	return &keyed{sess: sess, transcript: transcript}, nil
}

// start selects the applet and agrees keys.
func (r *run) start() (*keyed, error) {
	if err := r.selectApplet(); err != nil {
		return nil, err
	}
	return r.keyAgreement()
}

func sealed(k *keyed, pt []byte) []byte {
	var b tlv.Builder
	b.AddTLVBytes(wire.TagEncrypted, k.sess.Seal(pt))
	data, _ := b.Bytes() // an 88 of at most 65 552 bytes always encodes
	return data
}

func getData(data []byte, ne int) apdu.Command {
	return apdu.Command{CLA: wire.ClaProp, INS: wire.InsGetData, Data: data, Ne: ne}
}

// Raw DeviceRequests (§7.3), built by hand so that the kit can send the
// ones EncodeDeviceRequest refuses.
var (
	reqAMO        = []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x01}
	reqAll        = []byte{0xa2, 0x01, 0x01, 0x02, 0x83, 0x01, 0x02, 0x03}
	reqUnordered  = []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x02, 0x01}
	reqNoAMO      = []byte{0xa2, 0x01, 0x01, 0x02, 0x81, 0x02}
	reqDuplicate  = []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x01, 0x01}
	reqDuplicate2 = []byte{0xa2, 0x01, 0x01, 0x02, 0x82, 0x03, 0x01, 0x03}
)

// getDataOK sends the request req in session k and checks the answer: one
// 88 object that opens in the session and, with a Verifier, verifies for
// the groups asked.
func (r *run) getDataOK(step string, k *keyed, req []byte, groups []credential.Group, ne int) error {
	data, err := r.exchange(step, getData(sealed(k, req), ne), apdu.SWSuccess)
	if err != nil {
		return err
	}
	var ct tlv.String
	s := tlv.String(data)
	if !s.ReadTagged(wire.TagEncrypted, &ct) || !s.Empty() {
		return fail(step, "one 88 object", "%d bytes not so", len(data))
	}
	pt, err := k.sess.Open(ct)
	if err != nil {
		return fail(step, "a DeviceResponse sealed with SKDevice, counter 1 (§8)", "a message that does not open")
	}
	if r.cfg.Verifier != nil {
		if _, err := r.cfg.Verifier.VerifyNFC(pt, k.transcript, groups); err != nil {
			return fail(step, "a DeviceResponse that verifies (§10.3)", "refused: %s (%v)", apcverr.Code(err), err)
		}
	} else if len(pt) == 0 || pt[0]&0xE0 != 0xA0 {
		return fail(step, "a CBOR map (DeviceResponse, §7.4)", "% .8X…", pt)
	}
	return nil
}

// reset cuts the field, or reports the rule as skipped.
func (r *run) reset() error {
	switch {
	case r.cfg.Reset != nil:
		if err := r.cfg.Reset(r.ctx); err != nil {
			return fmt.Errorf("conform: reset: %w", err)
		}
		return nil
	default:
		if rs, ok := r.t.(apdu.Resetter); ok {
			rs.Reset()
			return nil
		}
	}
	return &skipped{why: "no way to cut the field (Config.Reset, apdu.Resetter)"}
}

// Phone runs the rules against the phone behind t and returns the report.
// It fails only when ctx ends or cfg names unknown rules; a phone that
// breaks the protocol, the transport included, makes rules fail.
func Phone(ctx context.Context, t apdu.Transport, cfg Config) (*Report, error) {
	if cfg.StepTimeout <= 0 {
		cfg.StepTimeout = 2 * time.Second
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	rules, err := selectRules(cfg.Rules)
	if err != nil {
		return nil, err
	}
	rep := &Report{Subject: "phone"}
	for _, rule := range rules {
		r := &run{ctx: ctx, t: t, cfg: cfg, fci: nfc.PhoneInfo{MaxResponseData: 256}}
		err := rule.run(r)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		res := Result{Rule: rule.ID, Section: rule.Section, Title: rule.Title}
		var m *mismatch
		var s *skipped
		switch {
		case err == nil:
			res.Outcome = Pass
		case errors.As(err, &s):
			res.Outcome, res.Got = Skip, s.why
		case errors.As(err, &m):
			res.Outcome, res.Step, res.Expected, res.Got = Fail, m.step, m.expected, m.got
		default:
			res.Outcome, res.Got = Fail, err.Error()
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// PhoneRules lists the rules Phone runs, in order.
func PhoneRules() []Rule {
	out := make([]Rule, len(phoneRules))
	copy(out, phoneRules)
	return out
}

func selectRules(ids []string) ([]Rule, error) {
	if len(ids) == 0 {
		return phoneRules, nil
	}
	var out []Rule
	for _, id := range ids {
		found := false
		for _, r := range phoneRules {
			if r.ID == id {
				out, found = append(out, r), true
			}
		}
		if !found {
			return nil, fmt.Errorf("conform: no rule %q", id)
		}
	}
	return out, nil
}
