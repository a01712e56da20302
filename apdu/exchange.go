package apdu

import (
	"context"
	"errors"
	"fmt"
)

// Errors returned by Exchange besides the transport's own.
var (
	// ErrProtocol is wrapped when the card breaks the transmission
	// protocol: a response shorter than a status word, or a 61xx answer to
	// GET RESPONSE that carries no data (which would loop forever).
	ErrProtocol = errors.New("apdu: card protocol violation")

	// ErrResponseTooLarge is wrapped when the response data gathered over
	// GET RESPONSE rounds would exceed ExchangeOptions.MaxResponse.
	ErrResponseTooLarge = errors.New("apdu: response larger than allowed")
)

// DefaultMaxResponse is the bound on gathered response data when
// ExchangeOptions.MaxResponse is 0.
const DefaultMaxResponse = 65536

// ExchangeOptions tells Exchange what the card accepts. The zero value suits
// a card that knows short APDUs only.
type ExchangeOptions struct {
	// MaxCommandData is the most data bytes sent in one APDU; longer Data is
	// sent as a chain of APDUs with the chaining bit (CLA|0x10) set on all
	// but the last. 0 means 255, or 65535 if Extended. It is capped at 255
	// when Extended is false.
	MaxCommandData int

	// Extended says the card accepts extended-length APDUs. When false, an
	// Ne above 256 is sent as 256 (Le 00) and the rest is fetched with
	// GET RESPONSE.
	Extended bool

	// MaxResponse bounds the total response data gathered; 0 means 65536.
	// A card that offers more makes Exchange fail with ErrResponseTooLarge
	// rather than truncate.
	MaxResponse int
}

// Exchange sends cmd to the card over t and returns the card's final
// response, handling the ISO/IEC 7816-4 transmission mechanics:
//
//   - command chaining: Data longer than opts.MaxCommandData is split; each
//     chunk but the last is sent with CLA|0x10 and no Le, and must be
//     answered 9000 (any other answer is returned as the Response);
//   - 6Cxx (wrong Le): the command (its last chunk when chained) is sent
//     again, once, with Ne = xx (00 meaning 256);
//   - 61xx (more data): GET RESPONSE (CLA 00 C0 00 00 xx, on the command's
//     logical channel) is sent until the status word is no longer 61xx; the
//     data of every answer is concatenated, up to opts.MaxResponse bytes.
//     A 6Cxx answer to GET RESPONSE is handled as above, once per round.
//
// The returned error is only for a failure to exchange: a transport error
// (wrapped with %w, so nfc.ErrPhoneRemoved and the like pass through), ctx
// ending between two APDUs, an invalid cmd (ErrMalformed), ErrProtocol or
// ErrResponseTooLarge. A final status word other than 9000 is not an error
// here: call resp.Err().
//
// The returned Data may alias a slice returned by t.
func Exchange(ctx context.Context, t Transport, cmd Command, opts ExchangeOptions) (Response, error) {
	if cmd.Ne < 0 || cmd.Ne > MaxExtendedNe {
		return Response{}, fmt.Errorf("apdu: exchange: Ne=%d out of range 0..%d: %w", cmd.Ne, MaxExtendedNe, ErrMalformed)
	}
	limit := MaxShortData
	if opts.Extended {
		limit = MaxExtendedData
	}
	maxData := opts.MaxCommandData
	if maxData <= 0 || maxData > limit {
		maxData = limit
	}
	ne := cmd.Ne
	if !opts.Extended && ne > MaxShortNe {
		ne = MaxShortNe
	}
	maxResp := opts.MaxResponse
	if maxResp <= 0 {
		maxResp = DefaultMaxResponse
	}

	x := exchanger{t: t, buf: make([]byte, 0, 4+3+min(len(cmd.Data), maxData)+2)}
	data := cmd.Data
	for i := 1; len(data) > maxData; i++ {
		chunk := Command{CLA: cmd.CLA | 0x10, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Data: data[:maxData]}
		resp, err := x.transmit(ctx, chunk, "chained command")
		if err != nil {
			return Response{}, fmt.Errorf("%w (chunk %d)", err, i)
		}
		if resp.SW != SWSuccess {
			return resp, nil
		}
		data = data[maxData:]
	}

	last := Command{CLA: cmd.CLA, INS: cmd.INS, P1: cmd.P1, P2: cmd.P2, Data: data, Ne: ne}
	resp, err := x.transmit(ctx, last, "command")
	if err != nil {
		return Response{}, err
	}
	if resp.SW1() == 0x6C {
		last.Ne = swLength(resp.SW2())
		if resp, err = x.transmit(ctx, last, "command with corrected Le"); err != nil {
			return Response{}, err
		}
	}
	if len(resp.Data) > maxResp {
		return Response{}, fmt.Errorf("apdu: exchange: %d response bytes, more than %d: %w", len(resp.Data), maxResp, ErrResponseTooLarge)
	}
	if resp.SW1() != 0x61 {
		return resp, nil
	}

	acc := make([]byte, 0, min(len(resp.Data)+swLength(resp.SW2()), maxResp))
	acc = append(acc, resp.Data...)
	get := Command{CLA: getResponseCLA(cmd.CLA), INS: 0xC0}
	for resp.SW1() == 0x61 {
		get.Ne = swLength(resp.SW2())
		if resp, err = x.transmit(ctx, get, "GET RESPONSE"); err != nil {
			return Response{}, err
		}
		if resp.SW1() == 0x6C { // the card wants another Le: once per round
			get.Ne = swLength(resp.SW2())
			if resp, err = x.transmit(ctx, get, "GET RESPONSE with corrected Le"); err != nil {
				return Response{}, err
			}
		}
		if len(acc)+len(resp.Data) > maxResp {
			return Response{}, fmt.Errorf("apdu: exchange: more than %d response bytes: %w", maxResp, ErrResponseTooLarge)
		}
		if resp.SW1() == 0x61 && len(resp.Data) == 0 {
			return Response{}, fmt.Errorf("apdu: GET RESPONSE: answered %04X without data: %w", resp.SW, ErrProtocol)
		}
		acc = append(acc, resp.Data...)
	}
	if len(acc) == 0 {
		acc = nil
	}
	return Response{Data: acc, SW: resp.SW}, nil
}

// swLength decodes the length in SW2 of 61xx and 6Cxx, where 00 means 256.
func swLength(sw2 byte) int {
	if sw2 == 0 {
		return 256
	}
	return int(sw2)
}

// getResponseCLA returns the class byte for GET RESPONSE following a
// command of class cla: interindustry, on the same logical channel, without
// secure messaging or chaining. Proprietary classes get 00.
func getResponseCLA(cla byte) byte {
	switch {
	case cla&0xE0 == 0x00: // first interindustry values: channel in b1-b2
		return cla & 0x03
	case cla&0xC0 == 0x40: // further interindustry values: channel 4+b1-b4
		return 0x40 | cla&0x0F
	}
	return 0x00
}

// exchanger holds the command buffer reused for every APDU of one
// exchange (Transport.Transmit does not retain it).
type exchanger struct {
	t   Transport
	buf []byte
}

func (x *exchanger) transmit(ctx context.Context, c Command, step string) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, fmt.Errorf("apdu: %s: %w", step, err)
	}
	b, err := c.Append(x.buf[:0])
	if err != nil {
		return Response{}, err
	}
	x.buf = b
	raw, err := x.t.Transmit(ctx, b)
	if err != nil {
		return Response{}, fmt.Errorf("apdu: %s: %w", step, err)
	}
	if len(raw) < 2 {
		return Response{}, fmt.Errorf("apdu: %s: answer of %d bytes, shorter than a status word: %w", step, len(raw), ErrProtocol)
	}
	resp, _ := ParseResponse(raw) // cannot fail with 2 bytes or more
	return resp, nil
}
