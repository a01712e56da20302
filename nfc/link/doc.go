// Package link models the ISO/IEC 14443-4 (T=CL) RF link between a
// contactless reader (PCD) and a phone (PICC) whose HCE applet is any
// apdu.Transport. A Link is itself an apdu.Transport, so the SDK, its tests
// and its benchmarks run over it unchanged:
//
//	l := link.New(phone.Applet(), link.Config{BitRate: link.Rate424})
//	resp, err := l.Transmit(ctx, command)
//
// # Protocol
//
// The two ends exchange only bytes. The reader encodes each block (I-blocks
// with block-number toggling and chaining, R(ACK), R(NAK), S(WTX),
// S(DESELECT), with or without CID) and its CRC_A; the frame may be corrupted
// on the air; the phone's end decodes and CRC-checks it and answers in the
// same way. Both ends follow the rules of ISO/IEC 14443-4 7.5.4: an end that
// receives an invalid frame stays silent (phone) or asks again (reader:
// R(NAK), or R(ACK) while the phone chains); the phone resends its last block
// on an R-block carrying its own block number; the reader resends its
// I-block when the phone acknowledges the other number. A block that still
// fails after Config.MaxRetries recoveries ends the exchange with
// ErrLinkFailure.
//
// Activation (RATS/ATS, then PPS when Config.BitRate is above 106 kbit/s)
// happens on first use or by Activate. FSDI in RATS and FSCI in the ATS set
// the frame sizes each end may send (16 to 4096 bytes); APDUs longer than a
// frame are chained both ways. The Type A layer below (REQA, anticollision,
// SELECT) is not modelled: the phone is taken as selected.
//
// # Time
//
// The Link keeps a timeline in carrier cycles (fc = 13.56 MHz):
//
//   - a frame of n bytes (CRC_A included) takes 9·n + 2 bit durations (Type A
//     framing: start bit, 8 data bits and a parity bit per byte, end bit); a
//     bit lasts 128/fc at 106 kbit/s and 64/fc, 32/fc, 16/fc at 212, 424 and
//     848. RATS, ATS and PPS always go at 106. Above 106 the real
//     PICC→PCD coding differs a little; the model keeps this framing.
//   - before the phone's answer: the minimum frame delay time of ISO/IEC
//     14443-3, (9·128 + 84)/fc or (9·128 + 20)/fc by the parity of the
//     reader's last byte (≈ 91 or 86 µs); before the reader's next frame:
//     1172/fc (≈ 86 µs). The model keeps these cycle counts at every rate.
//   - the phone's processing: the time the applet's Transmit really takes
//     (on Config.Clock) plus Faults.SlowPhone. Its answer starts at the later
//     of the end of processing and the minimum frame delay time.
//   - when the answer cannot start within the frame waiting time FWT =
//     (256·16/fc)·2^FWI announced in the ATS, the phone sends S(WTX) one
//     frame delay time before FWT runs out, the reader answers, and the
//     phone has FWT·WTXM more; Stats.WTX counts them.
//   - a reader waiting for a silent phone spends its FWT (a timeout).
//
// Stats.Airtime adds up frames, frame delay times and timeouts: the time the
// exchange needs on the air, without the phone's processing.
//
// With Config.Realtime the Link also waits: each frame is delivered no
// earlier than its end on the timeline, measured from a start instant
// (deadlines, not a sum of sleeps; the system clock sleeps then spins the
// last 50 µs). Time the caller spends between calls shifts the timeline, so
// a session's wall time is its airtime plus the phone's processing plus the
// caller's own work. Without Realtime the Link only accounts, for fast
// tests.
//
// # Faults
//
// Config.Faults (or SetFaults) injects bit errors in given frames or at a
// bit error rate, a phone removed during a given frame or after a number of
// bytes, and a slow phone. Removal makes Transmit fail with an error
// wrapping nfc.ErrPhoneRemoved, as every later call does until Activate
// presents the phone again; Remove does the same at once. Whenever the
// field was switched off (removal, ErrLinkFailure, an interrupted or failed
// exchange), the next activation calls Reset on a card that implements
// apdu.Resetter. Context cancellation stops waits at once; the applet gets
// the same ctx.
//
// The Link starts no goroutine; there is nothing to close.
package link
