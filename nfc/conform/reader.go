package conform

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/apcvkit/apcvkit/apdu"
	"github.com/apcvkit/apcvkit/apdu/tlv"
	"github.com/apcvkit/apcvkit/nfc/wire"
)

// ReaderCheck plays the phone for a reader under test: it forwards every
// command to phone (the emulator's applet, say) and records the command, the
// answer and their times. Serve it to the reader in memory, over the link
// model or through vpcd into a real pcscd; then Report checks what the
// reader sent. It is safe for concurrent use.
type ReaderCheck struct {
	phone apdu.Transport
	now   func() time.Time

	mu        sync.Mutex
	log       []exchange
	completed int
	changed   chan struct{}
}

type exchange struct {
	reset     bool // a field reset or power cycle, no command
	cmd, resp []byte
	sent, got time.Time // when the command came, when the answer left
}

var (
	_ apdu.Transport = (*ReaderCheck)(nil)
	_ apdu.Resetter  = (*ReaderCheck)(nil)
)

// NewReaderCheck returns a check in front of phone.
func NewReaderCheck(phone apdu.Transport) *ReaderCheck {
	return &ReaderCheck{phone: phone, now: time.Now, changed: make(chan struct{})}
}

// Transmit records cmd, forwards it to the phone and records the answer.
func (c *ReaderCheck) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	sent := c.now()
	resp, err := c.phone.Transmit(ctx, cmd)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.log = append(c.log, exchange{cmd: slices.Clone(cmd), resp: slices.Clone(resp), sent: sent, got: c.now()})
	if len(cmd) > 1 && cmd[1] == wire.InsGetData || len(cmd) > 1 && cmd[1] == wire.InsGetResponse {
		if r, err := apdu.ParseResponse(resp); err == nil && r.SW == apdu.SWSuccess {
			c.completed++
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return resp, nil
}

// Reset records a field reset and passes it on to the phone.
func (c *ReaderCheck) Reset() {
	c.mu.Lock()
	c.log = append(c.log, exchange{reset: true, sent: c.now()})
	c.mu.Unlock()
	if r, ok := c.phone.(apdu.Resetter); ok {
		r.Reset()
	}
}

// Completed returns how many reads reached the end of GET DATA (9000).
func (c *ReaderCheck) Completed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.completed
}

// Wait waits until n reads are complete and the reader has then been quiet
// for quiet (so that a receipt is seen), or ctx ends.
func (c *ReaderCheck) Wait(ctx context.Context, n int, quiet time.Duration) error {
	for {
		c.mu.Lock()
		done, ch := c.completed >= n, c.changed
		c.mu.Unlock()
		if done {
			select {
			case <-ch:
				continue
			case <-time.After(quiet):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ReaderOptions are the limits Report applies. Zero values give the defaults.
type ReaderOptions struct {
	// MaxGap is the longest a reader may take between the phone's answer
	// and its next command within a read (default 500 ms): a phone's HCE
	// session does not wait for ever.
	MaxGap time.Duration
	// MaxSession bounds a read from SELECT to the end of GET DATA (default
	// 5 s, the SDK's own bound).
	MaxSession time.Duration
}

// a session is the commands from one SELECT of the ApCV AID to the next
// (or to a reset).
type session struct {
	n  int // 1-based
	ex []exchange
}

func (c *ReaderCheck) sessions() ([]session, []exchange) {
	c.mu.Lock()
	log := slices.Clone(c.log)
	c.mu.Unlock()
	var out []session
	var cur *session
	for _, e := range log {
		switch {
		case e.reset:
			cur = nil
		case isSelectApCV(e.cmd) || cur == nil:
			out = append(out, session{n: len(out) + 1})
			cur = &out[len(out)-1]
			cur.ex = append(cur.ex, e)
		default:
			cur.ex = append(cur.ex, e)
		}
	}
	return out, log
}

func isSelectApCV(cmd []byte) bool {
	c, err := apdu.ParseCommand(cmd)
	return err == nil && c.CLA == wire.ClaISO && c.INS == wire.InsSelect && bytes.Equal(c.Data, wire.AID)
}

type readerRule struct {
	id, section, title, expected string
	check                        func(ss []session, o ReaderOptions) (violation string)
}

func where(s session, i int) string {
	return fmt.Sprintf("read %d, command %d (% X)", s.n, i+1, head(s.ex[i].cmd))
}

func head(b []byte) []byte {
	if len(b) > 8 {
		return b[:8]
	}
	return b
}

func sw(b []byte) uint16 {
	if len(b) < 2 {
		return 0
	}
	return uint16(b[len(b)-2])<<8 | uint16(b[len(b)-1])
}

var readerRules = []readerRule{
	{"r-read-complete", "7.1", "the reader completes at least one read (SELECT, KEY AGREEMENT, GET DATA to 9000)", "a completed read",
		func(ss []session, _ ReaderOptions) string {
			for _, s := range ss {
				for _, e := range s.ex {
					if c, err := apdu.ParseCommand(e.cmd); err == nil && (c.INS == wire.InsGetData || c.INS == wire.InsGetResponse) && sw(e.resp) == apdu.SWSuccess {
						return ""
					}
				}
			}
			return fmt.Sprintf("%d reads, none complete", len(ss))
		}},
	{"r-select-first", "7.1", "every read starts with SELECT 00 A4 04 00 06 <ApCV AID> 00", "SELECT of the ApCV AID with Le 00 first",
		func(ss []session, _ ReaderOptions) string {
			for _, s := range ss {
				c, err := apdu.ParseCommand(s.ex[0].cmd)
				if err != nil || !isSelectApCV(s.ex[0].cmd) || c.P1 != 0x04 || c.P2 != 0 || c.Ne != 256 {
					return where(s, 0)
				}
			}
			return ""
		}},
	{"r-short-apdus", "7.1", "commands are well-formed short APDUs, without command chaining", "short APDUs, CLA 00 or 80",
		func(ss []session, _ ReaderOptions) string {
			for _, s := range ss {
				for i, e := range s.ex {
					c, err := apdu.ParseCommand(e.cmd)
					if err != nil || c.Extended() || (c.CLA != wire.ClaISO && c.CLA != wire.ClaProp) {
						return where(s, i)
					}
				}
			}
			return ""
		}},
	{"r-order", "7.1", "SELECT, KEY AGREEMENT, GET DATA, then PUT RECEIPT only after a complete GET DATA; GET RESPONSE only after 61xx", "the order of §7.1",
		func(ss []session, _ ReaderOptions) string {
			for _, s := range ss {
				stage, pending, readDone := 0, false, false
				for i, e := range s.ex {
					c, err := apdu.ParseCommand(e.cmd)
					if err != nil {
						continue
					}
					ok := true
					switch {
					case c.INS == wire.InsSelect:
						stage = 1
					case c.INS == wire.InsGetResponse:
						ok = pending
					case c.INS == wire.InsKeyAgreement:
						ok, stage = stage >= 1 && !pending, 2
					case c.INS == wire.InsGetData:
						ok, stage = stage == 2 && !pending && !readDone, 3
					case c.INS == wire.InsPutReceipt:
						ok = readDone && !pending
					}
					if !ok {
						return where(s, i)
					}
					pending = len(e.resp) >= 2 && e.resp[len(e.resp)-2] == 0x61
					if (c.INS == wire.InsGetData || c.INS == wire.InsGetResponse) && sw(e.resp) == apdu.SWSuccess && stage == 3 {
						readDone = true
					}
				}
				if pending {
					return fmt.Sprintf("read %d: a 61xx chain left unfetched", s.n)
				}
			}
			return ""
		}},
	{"r-p1p2", "7.1", "P1-P2 are 04 00 for SELECT and 00 00 for every other command", "04 00 / 00 00",
		func(ss []session, _ ReaderOptions) string {
			for _, s := range ss {
				for i, e := range s.ex {
					c, err := apdu.ParseCommand(e.cmd)
					if err != nil {
						continue
					}
					want := [2]byte{0, 0}
					if c.INS == wire.InsSelect {
						want = [2]byte{4, 0}
					}
					if [2]byte{c.P1, c.P2} != want {
						return where(s, i)
					}
				}
			}
			return ""
		}},
	{"r-le", "7.1", "Le 00 on SELECT, KEY AGREEMENT and GET DATA; none on PUT RECEIPT; GET RESPONSE's Le is the xx of the 61xx before it (00 for 256)", "the Le of §7.1",
		func(ss []session, _ ReaderOptions) string {
			for _, s := range ss {
				prev := -1
				for i, e := range s.ex {
					c, err := apdu.ParseCommand(e.cmd)
					if err != nil {
						continue
					}
					want := 256
					switch c.INS {
					case wire.InsPutReceipt:
						want = 0
					case wire.InsGetResponse:
						if prev >= 0 {
							want = prev
						}
					}
					if c.Ne != want {
						return fmt.Sprintf("%s: Ne %d, want %d", where(s, i), c.Ne, want)
					}
					prev = -1
					if w := sw(e.resp); w>>8 == 0x61 {
						prev = int(w & 0xFF)
						if prev == 0 {
							prev = 256
						}
					}
				}
			}
			return ""
		}},
	{"r-key-agreement-data", "7.1", "KEY AGREEMENT carries exactly 86 41 <key> 87 10 <nonce>, with a fresh key and nonce each read", "86 41 key 87 10 nonce, never reused",
		func(ss []session, _ ReaderOptions) string {
			seen := map[string]bool{}
			for _, s := range ss {
				for i, e := range s.ex {
					c, err := apdu.ParseCommand(e.cmd)
					if err != nil || c.INS != wire.InsKeyAgreement {
						continue
					}
					var key, nonce tlv.String
					d := tlv.String(c.Data)
					if !d.ReadTagged(wire.TagEphemeralKey, &key) || !d.ReadTagged(wire.TagReaderNonce, &nonce) || !d.Empty() ||
						len(key) != 65 || key[0] != 4 || len(nonce) != 16 {
						return where(s, i)
					}
					if seen[string(key)] || seen[string(nonce)] || bytes.Equal(nonce, make([]byte, 16)) {
						return where(s, i) + ": key or nonce reused"
					}
					seen[string(key)], seen[string(nonce)] = true, true
				}
			}
			return ""
		}},
	{"r-no-refusal", "7.1", "the phone refuses none of the reader's commands (6700, 6884, 6985, 6A80, 6A86, 6D00, 6E00)", "no refused command",
		func(ss []session, _ ReaderOptions) string {
			for _, s := range ss {
				for i, e := range s.ex {
					switch w := sw(e.resp); w {
					case 0x6700, 0x6884, wire.SWSequence, 0x6A80, 0x6A86, 0x6D00, 0x6E00:
						return fmt.Sprintf("%s answered %04X", where(s, i), w)
					}
				}
			}
			return ""
		}},
	{"r-timing", "7.1", "timing (the kit's limits, not a protocol rule): the next command within MaxGap of the answer, a read within MaxSession", "gaps ≤ MaxGap, reads ≤ MaxSession",
		func(ss []session, o ReaderOptions) string {
			for _, s := range ss {
				for i := 1; i < len(s.ex); i++ {
					if gap := s.ex[i].sent.Sub(s.ex[i-1].got); gap > o.MaxGap {
						return fmt.Sprintf("%s came %v after the answer before it (max %v)", where(s, i), gap.Round(time.Millisecond), o.MaxGap)
					}
				}
				if d := s.ex[len(s.ex)-1].got.Sub(s.ex[0].sent); d > o.MaxSession {
					return fmt.Sprintf("read %d took %v (max %v)", s.n, d.Round(time.Millisecond), o.MaxSession)
				}
			}
			return ""
		}},
}

// Report checks what the reader sent so far against the reader rules.
func (c *ReaderCheck) Report(o ReaderOptions) *Report {
	if o.MaxGap <= 0 {
		o.MaxGap = 500 * time.Millisecond
	}
	if o.MaxSession <= 0 {
		o.MaxSession = 5 * time.Second
	}
	ss, _ := c.sessions()
	rep := &Report{Subject: "reader"}
	for _, r := range readerRules {
		res := Result{Rule: r.id, Section: r.section, Title: r.title, Outcome: Pass}
		if v := r.check(ss, o); v != "" {
			res.Outcome, res.Expected, res.Got = Fail, r.expected, v
		}
		rep.Results = append(rep.Results, res)
	}
	return rep
}

// Timings returns, per read, the time from SELECT to the last answer.
func (c *ReaderCheck) Timings() []time.Duration {
	ss, _ := c.sessions()
	var out []time.Duration
	for _, s := range ss {
		out = append(out, s.ex[len(s.ex)-1].got.Sub(s.ex[0].sent))
	}
	return out
}
