package credential

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// TestExtensionKeys: keys 0..99 unknown to this reader are refused
// (critical); keys from 100 up and negative keys are ignored (extensions);
// a later minor version is accepted.
func TestExtensionKeys(t *testing.T) {
	for _, tc := range []struct {
		name, hex string
		ok        bool
	}{
		{"plain", "a2010102820102", true},
		{"minor version 2", "a2010202820102", true},
		{"version 0", "a2010002820102", false},
		{"extension key 100", "a3010102820102186463657874", true},
		{"extension key 100 holding a map with a critical key", "a3010102820102186 4a1183200", true},
		{"negative extension key", "a3010102820102206378797a", true},
		{"unknown critical key 50", "a30101028201021832f5", false},
		{"unknown critical key 3", "a3010102820102030a", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := hex.DecodeString(strings.ReplaceAll(tc.hex, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			r, err := DecodeDeviceRequest(b)
			if (err == nil) != tc.ok {
				t.Fatalf("DecodeDeviceRequest(%s) = %+v, %v; want ok=%v", tc.hex, r, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("error %v is not typed", err)
			}
			if err == nil && (len(r.Groups) == 0 || r.Groups[0] != GroupAMO) {
				t.Fatalf("groups %v", r.Groups)
			}
		})
	}
}

func TestStripExtensionsCanonical(t *testing.T) {
	in, _ := hex.DecodeString("a4010102820102186463657874206378797a")
	out := stripExtensions(in)
	if hex.EncodeToString(out) != "a2010102820102" {
		t.Fatalf("stripped %x", out)
	}
	if err := checkCanonical(out, maxItems); err != nil {
		t.Fatal(err)
	}
}
