package link

import (
	"fmt"
	"math/bits"
	"time"
)

// CarrierHz is the carrier frequency fc of ISO/IEC 14443: 13.56 MHz.
// The link model counts time in carrier cycles (1/fc ≈ 73.75 ns), exactly.
const CarrierHz = 13_560_000

// BitRate is an ISO/IEC 14443 bit rate in kbit/s (fc/128, fc/64, fc/32, fc/16).
// The zero value means 106.
type BitRate int

// Bit rates of ISO/IEC 14443-2.
const (
	Rate106 BitRate = 106 // fc/128, bit duration 128/fc ≈ 9.44 µs
	Rate212 BitRate = 212 // fc/64
	Rate424 BitRate = 424 // fc/32
	Rate848 BitRate = 848 // fc/16
)

// divisor returns the ISO/IEC 14443-4 divisor D (1, 2, 4, 8) and its code
// (DSI/DRI 0..3), or 0, 0 for an unsupported rate.
func (r BitRate) divisor() (d int64, code uint8) {
	switch r {
	case Rate106:
		return 1, 0
	case Rate212:
		return 2, 1
	case Rate424:
		return 4, 2
	case Rate848:
		return 8, 3
	}
	return 0, 0
}

// Valid reports whether r is one of 106, 212, 424, 848.
func (r BitRate) Valid() bool { d, _ := r.divisor(); return d != 0 }

// String returns "424 kbit/s".
func (r BitRate) String() string { return fmt.Sprintf("%d kbit/s", int(r)) }

// rateFromCode returns the bit rate of a DSI/DRI code.
func rateFromCode(code uint8) BitRate {
	return [...]BitRate{Rate106, Rate212, Rate424, Rate848}[code&3]
}

// Timing constants of ISO/IEC 14443-3 and -4, in carrier cycles.
const (
	// fdtPICCLast1 and fdtPICCLast0: minimum frame delay time PCD→PICC,
	// (n·128 + 84)/fc and (n·128 + 20)/fc with n = 9, chosen by the logic
	// value of the last bit the PCD sent (≈ 91.15 µs and ≈ 86.43 µs).
	fdtPICCLast1 = 9*128 + 84
	fdtPICCLast0 = 9*128 + 20
	// fdtPCD: minimum frame delay time PICC→PCD, 1172/fc (≈ 86.43 µs).
	fdtPCD = 1172
	// fwtActivation: the PCD's waiting time for the ATS and the PPS
	// response, 71680/fc (≈ 5.29 ms), and for S(DESELECT) (FWT_DESELECT is
	// 65536/fc; the model uses the longer one for both).
	fwtActivation = 71680
	// fwtUnit: FWT = fwtUnit·2^FWI (256·16/fc ≈ 302 µs at FWI 0).
	fwtUnit = 256 * 16
	// fwiMax is the largest FWI (FWT ≈ 4949 ms); also FWT_max for S(WTX).
	fwiMax = 14
)

// frameCycles returns the air time of an n-byte frame (CRC_A included) at
// rate r, in carrier cycles.
//
// Model: ISO/IEC 14443-3 Type A standard frame: a start of communication
// (1 bit), each byte as 8 data bits plus an odd parity bit, an end of
// communication (1 bit): 9·n + 2 bit durations. The bit duration is 128/fc at
// 106 kbit/s and 128/(D·fc) above it (64/fc, 32/fc, 16/fc). Above 106 kbit/s
// the real PICC→PCD coding (BPSK) has a longer start and end; the model keeps
// the Type A framing in both directions, which undercounts each frame by a
// few bit durations.
func frameCycles(r BitRate, n int) int64 {
	d, _ := r.divisor()
	if d == 0 {
		d = 1
	}
	return (9*int64(n) + 2) * 128 / d
}

// FrameAirtime returns the time an n-byte frame (CRC_A included) takes on
// the air at rate r (see the package documentation for the model), rounded
// to the nanosecond. At 106 kbit/s a 3-byte R(ACK) takes 29·128/fc ≈ 273.75 µs.
func FrameAirtime(r BitRate, n int) time.Duration { return cyclesToDuration(frameCycles(r, n)) }

// fdtPICC returns the minimum frame delay time before the PICC's answer to
// a PCD frame ending with last: its last bit on the air is the odd-parity bit
// of last, which is 1 when last has an even number of ones.
func fdtPICC(last byte) int64 {
	if bits.OnesCount8(last)%2 == 0 {
		return fdtPICCLast1
	}
	return fdtPICCLast0
}

// fwtCycles returns the frame waiting time of FWI fwi, in carrier cycles.
func fwtCycles(fwi uint8) int64 {
	if fwi > fwiMax {
		fwi = 4 // ISO/IEC 14443-4: FWI 15 is RFU and read as the default 4
	}
	return fwtUnit << fwi
}

// FWT returns the frame waiting time of FWI fwi: (256·16/fc)·2^fwi.
func FWT(fwi uint8) time.Duration { return cyclesToDuration(fwtCycles(fwi)) }

// fwiFor returns the smallest FWI whose FWT is at least d (14 at most).
func fwiFor(d time.Duration) uint8 {
	c := durationToCycles(d)
	for fwi := uint8(0); fwi < fwiMax; fwi++ {
		if fwtCycles(fwi) >= c {
			return fwi
		}
	}
	return fwiMax
}

// cyclesToDuration converts carrier cycles to a duration, rounded to the
// nearest nanosecond (1 cycle = 100000/1356 ns).
func cyclesToDuration(c int64) time.Duration {
	q, r := c/1356, c%1356 // split so that long totals do not overflow
	return time.Duration(q*100_000 + (r*100_000+678)/1356)
}

// durationToCycles converts a duration to carrier cycles, rounded up.
func durationToCycles(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	q, r := int64(d)/100_000, int64(d)%100_000
	return q*1356 + (r*1356+99_999)/100_000
}
