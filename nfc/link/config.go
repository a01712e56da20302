package link

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/apcvkit/apcvkit/apcverr"
)

// ErrLinkFailure: the RF link kept failing (bad frames or silence) beyond
// the retry limit, or the phone broke the ISO/IEC 14443-4 rules. It is
// distinct from nfc.ErrPhoneRemoved, which the Link returns only when the
// phone left the field. After it the Link switches the field off; the next
// exchange activates the phone again (and resets its applet).
var ErrLinkFailure = apcverr.New("nfc-link-failure",
	"The contactless exchange with the phone kept failing. Ask the patient to present the phone again and hold it still.",
	"L'échange sans contact avec le téléphone a échoué à plusieurs reprises. Demandez au patient de présenter à nouveau son téléphone et de le maintenir immobile.")

// Errors of misuse, for the programmer rather than the desk.
var (
	// ErrAPDUSize: the command APDU is empty or longer than an extended
	// APDU can be (65544 bytes).
	ErrAPDUSize = errors.New("link: APDU size out of range")
	// ErrConfig: Config holds a value the model cannot honour.
	ErrConfig = errors.New("link: invalid configuration")
)

// Limits of ISO/IEC 7816-4 extended APDUs.
const (
	maxCommand  = 4 + 3 + 65535 + 2 // header, Lc, data, Le
	maxResponse = 65536 + 2         // data, SW1-SW2
)

// Config sets up a Link. The zero value is a 106 kbit/s link with 256-byte
// frames both ways, no CID, an FWT of about 38.7 ms (FWI 7, as Android HCE
// phones announce) and 3 retries, that only accounts time.
type Config struct {
	// BitRate is the rate asked for with PPS after activation (0: 106,
	// and no PPS). The phone model supports every rate.
	BitRate BitRate
	// FSD is the reader's maximum frame size in bytes (CRC_A included),
	// sent as FSDI in RATS; 0 means 256. It is rounded down to a size a
	// code can express (16, 24, 32, 40, 48, 64, 96, 128, 256, 512, 1024,
	// 2048, 4096).
	FSD int
	// FSC is the phone's maximum frame size, sent as FSCI in the ATS; 0
	// means 256; rounded down like FSD.
	FSC int
	// FWT is the phone's frame waiting time, sent as FWI in the ATS: the
	// smallest FWI whose FWT reaches it is used (0 means FWI 7).
	FWT time.Duration
	// UseCID makes the phone announce CID support so that every block
	// carries CID (0..14); otherwise blocks carry none.
	UseCID bool
	CID    uint8
	// WTXM is the multiplier the phone asks for in each S(WTX) (0 means 1;
	// at most 59).
	WTXM uint8
	// MaxRetries is how many times in a row either end may recover a
	// block (R(NAK), repeated R(ACK) or block) before Transmit gives up
	// with ErrLinkFailure; 0 means 3, a negative value means none.
	MaxRetries int
	// Realtime makes the Link wait so that each frame is delivered no
	// earlier than the model says; otherwise it only accounts time.
	Realtime bool
	// Clock measures the phone's processing and paces real-time mode;
	// nil means the system clock.
	Clock Clock
	// Faults to inject; SetFaults replaces them later.
	Faults Faults
	// Logger receives, at debug level, one record per recovered error, WTX
	// and removal (never APDU contents); nil discards them.
	Logger *slog.Logger
}

// Faults are errors injected on the air. Frame numbers count every frame
// put on the air since New, in both directions, from 1 (the first RATS):
// the next frame's number is Stats().Frames + 1.
type Faults struct {
	// BitErrors flip single bits of given frames.
	BitErrors []BitError
	// BER is the probability that any one bit on the air is flipped
	// (0 for none), drawn from a generator seeded with Seed.
	BER  float64
	Seed uint64
	// RemoveAtFrame makes the phone leave the field while frame number
	// RemoveAtFrame is on the air (0: never). The frame is lost, the
	// exchange fails with nfc.ErrPhoneRemoved, and so does every later one
	// until Activate presents the phone again. It fires once.
	RemoveAtFrame int
	// RemoveAfterBytes makes the phone leave during the frame that would
	// take the bytes put on the air since New past RemoveAfterBytes (0:
	// never). It fires once.
	RemoveAfterBytes int
	// SlowPhone is added to the phone's processing time of every command
	// APDU (in real-time mode it is really waited).
	SlowPhone time.Duration
}

// BitError flips one bit of one frame as received.
type BitError struct {
	Frame int // frame number, from 1
	Bit   int // bit index: byte Bit/8, bit Bit%8 (0 = least significant); taken modulo the frame's length
}

// Stats are counters of a Link since New.
type Stats struct {
	Frames          int           // frames put on the air, both directions
	Bytes           int           // bytes of those frames, CRC_A included
	Retransmissions int           // blocks sent again by either end to recover from an error
	NAKs            int           // R(NAK) blocks the reader sent
	Timeouts        int           // waiting times that ran out with no answer from the phone
	BadFrames       int           // frames the receiver rejected (CRC_A, format, protocol)
	WTX             int           // S(WTX) requests the phone sent
	Activations     int           // completed RATS/ATS activations
	Airtime         time.Duration // frames, frame delay times and timeouts, without the phone's processing
	Processing      time.Duration // time the phone took to answer its command APDUs
}

// settings is a Config checked and with its defaults applied.
type settings struct {
	rate       BitRate
	fsdi, fsci uint8
	fwi        uint8
	useCID     bool
	cid        uint8
	wtxm       uint8
	maxRetries int
	realtime   bool
}

func (c *Config) settings() (settings, error) {
	s := settings{rate: c.BitRate, useCID: c.UseCID, cid: c.CID, wtxm: c.WTXM,
		maxRetries: c.MaxRetries, realtime: c.Realtime, fwi: 7}
	if s.rate == 0 {
		s.rate = Rate106
	}
	if !s.rate.Valid() {
		return s, fmt.Errorf("%w: bit rate %d kbit/s", ErrConfig, int(c.BitRate))
	}
	s.fsdi, s.fsci = frameSizeCode(256), frameSizeCode(256)
	if c.FSD != 0 {
		s.fsdi = frameSizeCode(c.FSD)
	}
	if c.FSC != 0 {
		s.fsci = frameSizeCode(c.FSC)
	}
	if c.FWT != 0 {
		s.fwi = fwiFor(c.FWT)
	}
	if s.useCID && s.cid > 14 {
		return s, fmt.Errorf("%w: CID %d", ErrConfig, c.CID)
	}
	if !s.useCID {
		s.cid = 0
	}
	switch {
	case s.wtxm == 0:
		s.wtxm = 1
	case s.wtxm > 59:
		return s, fmt.Errorf("%w: WTXM %d", ErrConfig, c.WTXM)
	}
	switch {
	case s.maxRetries == 0:
		s.maxRetries = 3
	case s.maxRetries < 0:
		s.maxRetries = 0
	}
	if !(c.Faults.BER >= 0 && c.Faults.BER <= 1) {
		return s, fmt.Errorf("%w: BER %g", ErrConfig, c.Faults.BER)
	}
	return s, nil
}
