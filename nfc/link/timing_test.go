package link

import (
	"context"
	"testing"
	"time"
)

func TestFrameAirtime(t *testing.T) {
	tests := []struct {
		name  string
		rate  BitRate
		bytes int
		want  time.Duration
	}{
		// R(ACK) = 3 bytes: (9·3 + 2) bits · 128/fc = 3712/13.56 MHz = 273.746 µs.
		{"R(ACK) at 106", Rate106, 3, 273746 * time.Nanosecond},
		// same bits at 32/fc: 928 cycles = 68.437 µs.
		{"R(ACK) at 424", Rate424, 3, 68437 * time.Nanosecond},
		// 256-byte frame: 2306 bits; 106: 295168 cycles = 21.767 ms.
		{"256 bytes at 106", Rate106, 256, 21767552 * time.Nanosecond},
		// 848: 36896 cycles = 2.720944 ms.
		{"256 bytes at 848", Rate848, 256, 2720944 * time.Nanosecond},
		{"212 is half of 106", Rate212, 3, 136873 * time.Nanosecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FrameAirtime(tt.rate, tt.bytes); got != tt.want {
				t.Errorf("FrameAirtime(%v, %d) = %v, want %v", tt.rate, tt.bytes, got, tt.want)
			}
		})
	}
}

func TestFDT(t *testing.T) {
	// The PCD's last bit is the odd-parity bit of its last byte.
	tests := []struct {
		last byte
		want int64
	}{
		{0x00, 1236}, // no ones: parity 1: (9·128+84)/fc ≈ 91.15 µs
		{0x73, 1172}, // five ones: parity 0: (9·128+20)/fc ≈ 86.43 µs
		{0x09, 1236},
		{0xFF, 1236},
	}
	for _, tt := range tests {
		if got := fdtPICC(tt.last); got != tt.want {
			t.Errorf("fdtPICC(%#02x) = %d, want %d", tt.last, got, tt.want)
		}
	}
	if got, want := cyclesToDuration(fdtPCD), 86431*time.Nanosecond; got != want {
		t.Errorf("FDT PICC→PCD = %v, want %v", got, want)
	}
}

func TestFWT(t *testing.T) {
	tests := []struct {
		fwi  uint8
		want time.Duration
	}{
		{0, 302065 * time.Nanosecond},
		{4, 4833038 * time.Nanosecond},
		{7, 38664307 * time.Nanosecond},
		{14, 4949031268 * time.Nanosecond},
		{15, 4833038 * time.Nanosecond}, // RFU, read as 4
	}
	for _, tt := range tests {
		if got := FWT(tt.fwi); got != tt.want {
			t.Errorf("FWT(%d) = %v, want %v", tt.fwi, got, tt.want)
		}
	}
	for _, tt := range []struct {
		d    time.Duration
		want uint8
	}{{time.Nanosecond, 0}, {302 * time.Microsecond, 0}, {303 * time.Microsecond, 1}, {38 * time.Millisecond, 7}, {time.Hour, 14}} {
		if got := fwiFor(tt.d); got != tt.want {
			t.Errorf("fwiFor(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestCycleConversions(t *testing.T) {
	for _, c := range []int64{0, 1, 1172, 1356, 13_560_000, 1 << 50} {
		d := cyclesToDuration(c)
		if back := durationToCycles(d); back < c-1 || back > c+1 {
			t.Errorf("cycles %d → %v → %d", c, d, back)
		}
	}
	if got := cyclesToDuration(13_560_000); got != time.Second {
		t.Errorf("fc cycles = %v, want 1s", got)
	}
	// A year of air time does not overflow.
	year := int64(365*24*3600) * CarrierHz
	if got := cyclesToDuration(year); got != 365*24*time.Hour {
		t.Errorf("a year of cycles = %v", got)
	}
	if got := durationToCycles(-time.Second); got != 0 {
		t.Errorf("durationToCycles(-1s) = %d", got)
	}
}

// TestSessionAirtime checks the accounting of a whole session against a
// value computed by hand (see the frames below) at 106 and 424 kbit/s.
func TestSessionAirtime(t *testing.T) {
	tests := []struct {
		rate   BitRate
		cycles int64
		bytes  int
		frames int
	}{
		// RATS  E0 80 31 73          4 B: 38·128 = 4864
		// FDT   last 73 (5 ones)          1172
		// ATS   05 78 77 70 00 86 65 7 B: 65·128 = 8320
		// FDT   PCD                       1172
		// I     02 00 A4 04 00 00 55 8C 8 B: 74·128 = 9472
		// FDT   last 8C (3 ones)          1172
		// I     02 90 00 F1 09        5 B: 47·128 = 6016
		// total 32188 cycles = 2.373746 ms
		{Rate106, 32188, 24, 4},
		// at 424, RATS, ATS as above (14356) then
		// FDT 1172 + PPS D0 11 0A 08 09 5 B at 106: 47·128 = 6016
		// FDT last 09 (2 ones) 1236 + PPS response D0 73 87 3 B: 29·128 = 3712
		// FDT 1172 + I 8 B at 32/fc: 74·32 = 2368, FDT 1172 + I 5 B: 47·32 = 1504
		// total 32708 cycles = 2.412094 ms
		{Rate424, 32708, 32, 6},
	}
	for _, tt := range tests {
		t.Run(tt.rate.String(), func(t *testing.T) {
			l := New(apduEcho(0), Config{BitRate: tt.rate})
			resp, err := l.Transmit(context.Background(), unhex(t, "00 A4 04 00 00"))
			if err != nil || len(resp) != 2 {
				t.Fatalf("Transmit = % X, %v", resp, err)
			}
			s := l.Stats()
			if want := cyclesToDuration(tt.cycles); s.Airtime != want || l.Airtime() != want {
				t.Errorf("Airtime = %v, want %v", s.Airtime, want)
			}
			if s.Bytes != tt.bytes || s.Frames != tt.frames {
				t.Errorf("Frames, Bytes = %d, %d, want %d, %d", s.Frames, s.Bytes, tt.frames, tt.bytes)
			}
		})
	}
}
