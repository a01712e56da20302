// Package apdu implements the ISO/IEC 7816-4 layer of apcvkit: command and
// response APDUs in short and extended form, status words as typed errors,
// and Exchange, the transmit helper that does command chaining, GET RESPONSE
// (61xx) and Le correction (6Cxx) over any Transport.
//
// The two-line use:
//
//	resp, err := apdu.Exchange(ctx, t, apdu.Command{CLA: 0x00, INS: 0xA4, P1: 0x04, Data: aid, Ne: 256}, apdu.ExchangeOptions{})
//	if err == nil { err = resp.Err() } // nil on 9000; errors.Is(err, apdu.ErrFileNotFound) on 6A82
//
// Parsers (ParseCommand, ParseResponse) never panic; every malformed input
// yields an error wrapping ErrMalformed that names what is wrong. BER-TLV
// data objects are parsed and built by the sibling package apdu/tlv.
//
// The package does no I/O of its own: a Transport (PC/SC, the emulator, a
// link model) carries the bytes. For tests, package apdu/apdutest records
// the exchanges of a Transport (Record) and plays them back without a card
// (Playback).
package apdu
