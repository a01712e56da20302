package apdu

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

type responseRow struct {
	name string
	raw  []byte
	want Response
	err  string
}

// responseRows is the decoding table; the fuzz target is seeded with it.
var responseRows = []responseRow{
	{name: "9000 alone", raw: h("90 00"), want: Response{SW: 0x9000}},
	{name: "data and 9000", raw: h("01 02 03 90 00"), want: Response{Data: h("010203"), SW: 0x9000}},
	{name: "6A82", raw: h("6A 82"), want: Response{SW: 0x6A82}},
	{name: "data and 6110", raw: cat(seq(256), h("61 10")), want: Response{Data: seq(256), SW: 0x6110}},
	{name: "empty", raw: nil, err: "0 bytes, status word needs 2"},
	{name: "one byte", raw: h("90"), err: "1 bytes, status word needs 2"},
}

func TestParseResponse(t *testing.T) {
	for _, tc := range responseRows {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseResponse(tc.raw)
			if tc.err != "" {
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseResponse error = %v, want ErrMalformed saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			if got.SW != tc.want.SW || !bytes.Equal(got.Data, tc.want.Data) {
				t.Fatalf("ParseResponse = %X %04X, want %X %04X", got.Data, got.SW, tc.want.Data, tc.want.SW)
			}
			if got.SW1() != byte(tc.want.SW>>8) || got.SW2() != byte(tc.want.SW) {
				t.Fatalf("SW1/SW2 = %02X %02X for %04X", got.SW1(), got.SW2(), got.SW)
			}
			if b := got.Bytes(); !bytes.Equal(b, tc.raw) {
				t.Fatalf("Bytes = %X, want %X", b, tc.raw)
			}
			if b := got.Append(h("EE")); !bytes.Equal(b, cat(h("EE"), tc.raw)) {
				t.Fatalf("Append = %X, want EE%X", b, tc.raw)
			}
		})
	}
}

func TestParseResponseDataCannotGrowIntoSW(t *testing.T) {
	raw := h("01 02 90 00")
	r, err := ParseResponse(raw)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(r.Data, 0xFF)
	if !bytes.Equal(raw, h("01 02 90 00")) {
		t.Fatalf("appending to Data overwrote the status word: %X", raw)
	}
}

var allSentinels = []error{
	ErrVerificationFailed, ErrWrongLength, ErrSecurityStatus, ErrAuthMethodBlocked,
	ErrConditionsNotSatisfied, ErrCommandNotAllowed, ErrIncorrectData, ErrFunctionNotSupported,
	ErrFileNotFound, ErrRecordNotFound, ErrNotEnoughMemory, ErrIncorrectP1P2,
	ErrReferencedDataNotFound, ErrWrongParameters, ErrWrongLe, ErrINSNotSupported,
	ErrCLANotSupported, ErrNoPreciseDiagnosis,
}

func TestResponseErr(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sw      uint16
		is      error // the one sentinel it must match; nil for none
		text    string
		retries int
	}{
		{"6A82 file not found", 0x6A82, ErrFileNotFound, "apdu: status 6A82: file or application not found", -1},
		{"6982 security status", 0x6982, ErrSecurityStatus, "apdu: status 6982: security status not satisfied", -1},
		{"6985 conditions", 0x6985, ErrConditionsNotSatisfied, "apdu: status 6985: conditions of use not satisfied", -1},
		{"6700 wrong length", 0x6700, ErrWrongLength, "apdu: status 6700: wrong length", -1},
		{"6D00 INS", 0x6D00, ErrINSNotSupported, "apdu: status 6D00: instruction not supported", -1},
		{"6E00 CLA", 0x6E00, ErrCLANotSupported, "apdu: status 6E00: class not supported", -1},
		{"6A80 incorrect data", 0x6A80, ErrIncorrectData, "apdu: status 6A80: incorrect data field", -1},
		{"6983 blocked", 0x6983, ErrAuthMethodBlocked, "apdu: status 6983: authentication method blocked", -1},
		{"6A86 P1-P2", 0x6A86, ErrIncorrectP1P2, "apdu: status 6A86: incorrect parameters P1-P2", -1},
		{"6B00 P1-P2", 0x6B00, ErrWrongParameters, "apdu: status 6B00: wrong parameters P1-P2", -1},
		{"63C2 two retries", 0x63C2, ErrVerificationFailed, "apdu: status 63C2: verification failed, 2 retries left", 2},
		{"63C1 one retry", 0x63C1, ErrVerificationFailed, "apdu: status 63C1: verification failed, 1 retry left", 1},
		{"63C0 no retry", 0x63C0, ErrVerificationFailed, "apdu: status 63C0: verification failed, 0 retries left", 0},
		{"6C10 wrong Le", 0x6C10, ErrWrongLe, "apdu: status 6C10: wrong Le field, 16 bytes available", -1},
		{"6C00 wrong Le 256", 0x6C00, ErrWrongLe, "apdu: status 6C00: wrong Le field, 256 bytes available", -1},
		{"6110 more data", 0x6110, nil, "apdu: status 6110: 16 response bytes still available", -1},
		{"6100 more data", 0x6100, nil, "apdu: status 6100: 256 or more response bytes still available", -1},
		{"6300 is not 63Cx", 0x6300, nil, "apdu: status 6300: warning: state of non-volatile memory changed", -1},
		{"6A8F unlisted in 6A group", 0x6A8F, nil, "apdu: status 6A8F: wrong parameters P1-P2", -1},
		{"9001 unknown", 0x9001, nil, "apdu: status 9001: unknown status", -1},
		{"1234 unknown", 0x1234, nil, "apdu: status 1234: unknown status", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Response{SW: tc.sw}.Err()
			if err == nil {
				t.Fatalf("Err() = nil for %04X", tc.sw)
			}
			if got := err.Error(); got != tc.text {
				t.Errorf("Error() = %q, want %q", got, tc.text)
			}
			for _, s := range allSentinels {
				if got := errors.Is(err, s); got != (s == tc.is) {
					t.Errorf("errors.Is(%04X, %v) = %v", tc.sw, s, got)
				}
			}
			var se *StatusError
			if !errors.As(err, &se) || se.SW != tc.sw {
				t.Fatalf("errors.As(*StatusError) failed or SW %v", se)
			}
			if got := se.RetriesLeft(); got != tc.retries {
				t.Errorf("RetriesLeft() = %d, want %d", got, tc.retries)
			}
			// Wrapped by a layer above, it is still recognised.
			wrapped := errorsJoinContext(err)
			if tc.is != nil && !errors.Is(wrapped, tc.is) {
				t.Errorf("wrapped error lost its sentinel")
			}
			if !errors.Is(wrapped, &StatusError{SW: tc.sw}) || errors.Is(wrapped, &StatusError{SW: tc.sw ^ 1}) {
				t.Errorf("errors.Is against *StatusError compares SW wrongly")
			}
		})
	}
	if err := (Response{SW: 0x9000, Data: h("01")}).Err(); err != nil {
		t.Fatalf("Err() on 9000 = %v", err)
	}
}

func errorsJoinContext(err error) error {
	return errors.Join(errors.New("nfc: read identity"), err)
}

func TestSentinelText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{ErrFileNotFound, "apdu: file or application not found (6A82)"},
		{ErrVerificationFailed, "apdu: verification failed (63Cx)"},
		{ErrWrongLe, "apdu: wrong Le field (6Cxx)"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	// Sentinels are distinct comparable values.
	seen := map[error]bool{}
	for _, s := range allSentinels {
		if seen[s] {
			t.Fatalf("duplicate sentinel %v", s)
		}
		seen[s] = true
	}
}
