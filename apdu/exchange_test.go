package apdu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
)

// step is one scripted exchange: the command the card expects and what it
// answers (or the transport error it fails with).
type step struct {
	cmd   []byte
	reply []byte
	err   error
	// after runs once the reply is given (to cancel a context, say).
	after func()
}

// scriptedCard is a fake card for testing Exchange's mechanics: it checks
// each command against the script and answers as told.
type scriptedCard struct {
	t     testing.TB
	steps []step
	n     int
}

func newCard(t testing.TB, steps ...step) *scriptedCard {
	return &scriptedCard{t: t, steps: steps}
}

func (c *scriptedCard) Transport() Transport {
	return TransportFunc(func(ctx context.Context, apdu []byte) ([]byte, error) {
		c.t.Helper()
		if c.n >= len(c.steps) {
			c.t.Fatalf("unexpected command %X after the script's %d steps", apdu, len(c.steps))
		}
		s := c.steps[c.n]
		c.n++
		if !bytes.Equal(apdu, s.cmd) {
			c.t.Fatalf("step %d: command\n %X\nwant\n %X", c.n, apdu, s.cmd)
		}
		if s.after != nil {
			defer s.after()
		}
		if s.err != nil {
			return nil, s.err
		}
		return bytes.Clone(s.reply), nil
	})
}

// done fails the test if part of the script was left unused.
func (c *scriptedCard) done() {
	c.t.Helper()
	if c.n != len(c.steps) {
		c.t.Fatalf("card used %d of %d scripted steps", c.n, len(c.steps))
	}
}

var errPhoneRemovedLike = apcverr.New("phone-removed", "phone removed", "téléphone retiré")

func TestExchange(t *testing.T) {
	selectAID := Command{INS: 0xA4, P1: 0x04, Data: h("A0000000010203"), Ne: 256}
	big := seq(600)
	for _, tc := range []struct {
		name    string
		cmd     Command
		opts    ExchangeOptions
		steps   []step
		want    Response
		wantErr error  // errors.Is target
		errText string // substring
	}{
		{
			name:  "single APDU 9000",
			cmd:   selectAID,
			steps: []step{{cmd: h("00 A4 04 00 07 A0000000010203 00"), reply: h("6F 00 90 00")}},
			want:  Response{Data: h("6F00"), SW: 0x9000},
		},
		{
			name:  "final error SW comes back in Response",
			cmd:   selectAID,
			steps: []step{{cmd: h("00 A4 04 00 07 A0000000010203 00"), reply: h("6A 82")}},
			want:  Response{SW: 0x6A82},
		},
		{
			name: "chaining 600 bytes short: 255+255+90",
			cmd:  Command{CLA: 0x80, INS: 0xDA, Data: big, Ne: 2},
			steps: []step{
				{cmd: cat(h("90 DA 00 00 FF"), big[:255]), reply: h("90 00")},
				{cmd: cat(h("90 DA 00 00 FF"), big[255:510]), reply: h("90 00")},
				{cmd: cat(h("80 DA 00 00 5A"), big[510:], h("02")), reply: h("AB CD 90 00")},
			},
			want: Response{Data: h("ABCD"), SW: 0x9000},
		},
		{
			name: "chaining with MaxCommandData 250 on an extended card",
			cmd:  Command{INS: 0xDA, Data: big, Ne: 300},
			opts: ExchangeOptions{Extended: true, MaxCommandData: 250},
			steps: []step{
				{cmd: cat(h("10 DA 00 00 FA"), big[:250]), reply: h("90 00")},
				{cmd: cat(h("10 DA 00 00 FA"), big[250:500]), reply: h("90 00")},
				{cmd: cat(h("00 DA 00 00 00 00 64"), big[500:], h("01 2C")), reply: h("90 00")},
			},
			want: Response{SW: 0x9000},
		},
		{
			name:  "extended card takes 600 bytes in one APDU",
			cmd:   Command{INS: 0xDA, Data: big},
			opts:  ExchangeOptions{Extended: true},
			steps: []step{{cmd: cat(h("00 DA 00 00 00 02 58"), big), reply: h("90 00")}},
			want:  Response{SW: 0x9000},
		},
		{
			name: "MaxCommandData above 255 is capped when not Extended",
			cmd:  Command{INS: 0xDA, Data: seq(300)},
			opts: ExchangeOptions{MaxCommandData: 1000},
			steps: []step{
				{cmd: cat(h("10 DA 00 00 FF"), seq(300)[:255]), reply: h("90 00")},
				{cmd: cat(h("00 DA 00 00 2D"), seq(300)[255:]), reply: h("90 00")},
			},
			want: Response{SW: 0x9000},
		},
		{
			name: "chain stops at an intermediate error",
			cmd:  Command{INS: 0xDA, Data: big},
			steps: []step{
				{cmd: cat(h("10 DA 00 00 FF"), big[:255]), reply: h("68 84")},
			},
			want: Response{SW: 0x6884},
		},
		{
			name: "61xx multi-round GET RESPONSE",
			cmd:  Command{INS: 0xB0, Ne: 256},
			steps: []step{
				{cmd: h("00 B0 00 00 00"), reply: cat(seq(4), h("61 10"))},
				{cmd: h("00 C0 00 00 10"), reply: cat(seq(16), h("61 00"))},
				{cmd: h("00 C0 00 00 00"), reply: cat(seq(256), h("61 03"))},
				{cmd: h("00 C0 00 00 03"), reply: h("AA BB CC 90 00")},
			},
			want: Response{Data: cat(seq(4), seq(16), seq(256), h("AABBCC")), SW: 0x9000},
		},
		{
			name: "GET RESPONSE ends on an error SW, data kept",
			cmd:  Command{INS: 0xB0, Ne: 256},
			steps: []step{
				{cmd: h("00 B0 00 00 00"), reply: h("61 02")},
				{cmd: h("00 C0 00 00 02"), reply: h("01 62 82")},
			},
			want: Response{Data: h("01"), SW: 0x6282},
		},
		{
			name: "GET RESPONSE keeps the logical channel",
			cmd:  Command{CLA: 0x0D, INS: 0xB0, Ne: 1},
			steps: []step{
				{cmd: h("0D B0 00 00 01"), reply: h("61 01")},
				{cmd: h("01 C0 00 00 01"), reply: h("01 90 00")},
			},
			want: Response{Data: h("01"), SW: 0x9000},
		},
		{
			name: "Ne above 256 on a short card is Le 00 then GET RESPONSE",
			cmd:  Command{INS: 0xB0, Ne: 1000},
			steps: []step{
				{cmd: h("00 B0 00 00 00"), reply: cat(seq(256), h("61 00"))},
				{cmd: h("00 C0 00 00 00"), reply: cat(seq(100), h("90 00"))},
			},
			want: Response{Data: cat(seq(256), seq(100)), SW: 0x9000},
		},
		{
			name: "6Cxx resends with Le = SW2",
			cmd:  Command{INS: 0xB0, Ne: 256},
			steps: []step{
				{cmd: h("00 B0 00 00 00"), reply: h("6C 12")},
				{cmd: h("00 B0 00 00 12"), reply: cat(seq(18), h("90 00"))},
			},
			want: Response{Data: seq(18), SW: 0x9000},
		},
		{
			name: "6C00 means 256",
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: []step{
				{cmd: h("00 B0 00 00 01"), reply: h("6C 00")},
				{cmd: h("00 B0 00 00 00"), reply: cat(seq(256), h("90 00"))},
			},
			want: Response{Data: seq(256), SW: 0x9000},
		},
		{
			name: "6Cxx is retried once only",
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: []step{
				{cmd: h("00 B0 00 00 01"), reply: h("6C 05")},
				{cmd: h("00 B0 00 00 05"), reply: h("6C 07")},
			},
			want: Response{SW: 0x6C07},
		},
		{
			name: "6Cxx then 61xx",
			cmd:  Command{INS: 0xCA, Ne: 1},
			steps: []step{
				{cmd: h("00 CA 00 00 01"), reply: h("6C 02")},
				{cmd: h("00 CA 00 00 02"), reply: h("01 02 61 01")},
				{cmd: h("00 C0 00 00 01"), reply: h("03 90 00")},
			},
			want: Response{Data: h("010203"), SW: 0x9000},
		},
		{
			name: "6Cxx on the last chunk of a chain resends that chunk",
			cmd:  Command{INS: 0xDA, Data: seq(256), Ne: 1},
			steps: []step{
				{cmd: cat(h("10 DA 00 00 FF"), seq(255)), reply: h("90 00")},
				{cmd: h("00 DA 00 00 01 FF 01"), reply: h("6C 02")},
				{cmd: h("00 DA 00 00 01 FF 02"), reply: h("01 02 90 00")},
			},
			want: Response{Data: h("0102"), SW: 0x9000},
		},
		{
			name: "6Cxx to GET RESPONSE corrects its Le",
			cmd:  Command{INS: 0xB0, Ne: 256},
			steps: []step{
				{cmd: h("00 B0 00 00 00"), reply: h("01 61 00")},
				{cmd: h("00 C0 00 00 00"), reply: h("6C 02")},
				{cmd: h("00 C0 00 00 02"), reply: h("02 03 90 00")},
			},
			want: Response{Data: h("010203"), SW: 0x9000},
		},
		{
			name: "MaxResponse overflow over GET RESPONSE",
			cmd:  Command{INS: 0xB0, Ne: 256},
			opts: ExchangeOptions{MaxResponse: 300},
			steps: []step{
				{cmd: h("00 B0 00 00 00"), reply: cat(seq(256), h("61 00"))},
				{cmd: h("00 C0 00 00 00"), reply: cat(seq(256), h("90 00"))},
			},
			wantErr: ErrResponseTooLarge,
			errText: "more than 300 response bytes",
		},
		{
			name: "MaxResponse exactly reached is fine",
			cmd:  Command{INS: 0xB0, Ne: 256},
			opts: ExchangeOptions{MaxResponse: 260},
			steps: []step{
				{cmd: h("00 B0 00 00 00"), reply: cat(seq(256), h("61 04"))},
				{cmd: h("00 C0 00 00 04"), reply: cat(seq(4), h("90 00"))},
			},
			want: Response{Data: cat(seq(256), seq(4)), SW: 0x9000},
		},
		{
			name:    "MaxResponse overflow in the first answer",
			cmd:     Command{INS: 0xB0, Ne: 256},
			opts:    ExchangeOptions{MaxResponse: 10},
			steps:   []step{{cmd: h("00 B0 00 00 00"), reply: cat(seq(11), h("90 00"))}},
			wantErr: ErrResponseTooLarge,
			errText: "11 response bytes, more than 10",
		},
		{
			name: "61xx without data to GET RESPONSE is a protocol violation",
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: []step{
				{cmd: h("00 B0 00 00 01"), reply: h("61 05")},
				{cmd: h("00 C0 00 00 05"), reply: h("61 05")},
			},
			wantErr: ErrProtocol,
			errText: "GET RESPONSE: answered 6105 without data",
		},
		{
			name:    "answer shorter than a status word",
			cmd:     Command{INS: 0xB0, Ne: 1},
			steps:   []step{{cmd: h("00 B0 00 00 01"), reply: h("90")}},
			wantErr: ErrProtocol,
			errText: "apdu: command: answer of 1 bytes, shorter than a status word",
		},
		{
			name:    "transport error is wrapped",
			cmd:     Command{INS: 0xB0, Ne: 1},
			steps:   []step{{cmd: h("00 B0 00 00 01"), err: fmt.Errorf("pcsc: transmit: %w", errPhoneRemovedLike)}},
			wantErr: errPhoneRemovedLike,
			errText: "apdu: command: pcsc: transmit: phone-removed",
		},
		{
			name: "transport error mid-chain names the chunk",
			cmd:  Command{INS: 0xDA, Data: big},
			steps: []step{
				{cmd: cat(h("10 DA 00 00 FF"), big[:255]), reply: h("90 00")},
				{cmd: cat(h("10 DA 00 00 FF"), big[255:510]), err: errPhoneRemovedLike},
			},
			wantErr: errPhoneRemovedLike,
			errText: "apdu: chained command: phone-removed (chunk 2)",
		},
		{
			name: "transport error during GET RESPONSE",
			cmd:  Command{INS: 0xB0, Ne: 1},
			steps: []step{
				{cmd: h("00 B0 00 00 01"), reply: h("61 05")},
				{cmd: h("00 C0 00 00 05"), err: errPhoneRemovedLike},
			},
			wantErr: errPhoneRemovedLike,
			errText: "apdu: GET RESPONSE: phone-removed",
		},
		{
			name:    "invalid Ne is refused before sending",
			cmd:     Command{INS: 0xB0, Ne: 70000},
			wantErr: ErrMalformed,
			errText: "Ne=70000 out of range",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card := newCard(t, tc.steps...)
			resp, err := Exchange(context.Background(), card.Transport(), tc.cmd, tc.opts)
			card.done()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Exchange error = %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("Exchange error %q does not say %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if resp.SW != tc.want.SW || !bytes.Equal(resp.Data, tc.want.Data) {
				t.Fatalf("Exchange = %X %04X, want %X %04X", resp.Data, resp.SW, tc.want.Data, tc.want.SW)
			}
		})
	}
}

func TestExchangeContext(t *testing.T) {
	big := seq(600)
	t.Run("cancel mid-chain stops before the next chunk", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		card := newCard(t,
			step{cmd: cat(h("10 DA 00 00 FF"), big[:255]), reply: h("90 00"), after: cancel},
		)
		_, err := Exchange(ctx, card.Transport(), Command{INS: 0xDA, Data: big}, ExchangeOptions{})
		card.done()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Exchange error = %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "chained command") {
			t.Fatalf("error %q does not name the step", err)
		}
	})
	t.Run("deadline passed mid GET RESPONSE", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		card := newCard(t,
			step{cmd: h("00 B0 00 00 00"), reply: cat(seq(10), h("61 10")), after: cancel},
		)
		_, err := Exchange(ctx, card.Transport(), Command{INS: 0xB0, Ne: 256}, ExchangeOptions{})
		card.done()
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "GET RESPONSE") {
			t.Fatalf("Exchange error = %v, want context.Canceled at GET RESPONSE", err)
		}
	})
	t.Run("done before the first APDU sends nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		card := newCard(t)
		_, err := Exchange(ctx, card.Transport(), Command{INS: 0xB0, Ne: 1}, ExchangeOptions{})
		card.done()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Exchange error = %v, want context.Canceled", err)
		}
	})
	t.Run("ctx is passed to the transport", func(t *testing.T) {
		type key struct{}
		ctx := context.WithValue(context.Background(), key{}, "v")
		var saw any
		tr := TransportFunc(func(ctx context.Context, apdu []byte) ([]byte, error) {
			saw = ctx.Value(key{})
			return h("90 00"), nil
		})
		if _, err := Exchange(ctx, tr, Command{INS: 0xB0}, ExchangeOptions{}); err != nil {
			t.Fatal(err)
		}
		if saw != "v" {
			t.Fatalf("transport saw ctx value %v", saw)
		}
	})
}

func TestGetResponseCLA(t *testing.T) {
	for _, tc := range []struct{ cla, want byte }{
		{0x00, 0x00}, {0x03, 0x03}, {0x0C, 0x00}, {0x1F, 0x03}, // first interindustry: channel b1-b2
		{0x40, 0x40}, {0x4F, 0x4F}, {0x7A, 0x4A}, // further interindustry: channel b1-b4
		{0x80, 0x00}, {0x90, 0x00}, {0xA0, 0x00}, // proprietary
	} {
		if got := getResponseCLA(tc.cla); got != tc.want {
			t.Errorf("getResponseCLA(%02X) = %02X, want %02X", tc.cla, got, tc.want)
		}
	}
}
