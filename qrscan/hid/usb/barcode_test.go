package usb

import "testing"

// A HID POS report descriptor in the shape of the HID POS usage tables'
// example: Barcode Scanner application collection, Scanned Data Report.
var posDescriptor = []byte{
	0x05, 0x8C, // Usage Page (Barcode Scanner)
	0x09, 0x02, // Usage (Barcode Scanner)
	0xA1, 0x01, // Collection (Application)
	0x09, 0x12, //   Usage (Scanned Data Report)
	0xA1, 0x02, //   Collection (Logical)
	0x85, 0x02, //     Report ID (2)
	0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08, // logical 0..255, 8 bits
	0x95, 0x03, 0x09, 0xFB, 0x09, 0xFC, 0x09, 0xFD, 0x81, 0x02, // symbology identifiers
	0x95, 0x38, 0x09, 0xFE, 0x82, 0x02, 0x01, // 56 bytes decoded data, buffered bytes
	0x75, 0x01, 0x95, 0x01, 0x25, 0x01, 0x09, 0xFF, 0x81, 0x02, // decode data continued
	0x75, 0x07, 0x81, 0x03, // padding
	0xC0, 0xC0,
}

var keyboardDescriptor = []byte{
	0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01,
	0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x06, 0x75, 0x08,
	0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xC0,
}

var barcodePageTests = []struct {
	name string
	desc []byte
	want bool
}{
	{"hid pos", posDescriptor, true},
	{"boot keyboard", keyboardDescriptor, false},
	{"empty", nil, false},
	{"two-byte usage page", []byte{0x06, 0x8C, 0x00, 0x09, 0x02}, true},
	{"four-byte usage page", []byte{0x07, 0x8C, 0x00, 0x00, 0x00}, true},
	{"extended usage", []byte{0x0B, 0x02, 0x00, 0x8C, 0x00}, true},
	{"two-byte usage is not a page", []byte{0x0A, 0x8C, 0x00}, false},
	{"page 0x8C as data of another item", []byte{0x85, 0x8C}, false},
	{"long item skipped", []byte{0xFE, 0x02, 0x10, 0x05, 0x8C, 0x05, 0x8C}, true},
	{"long item hides the bytes", []byte{0xFE, 0x02, 0x10, 0x05, 0x8C}, false},
	{"truncated long item", []byte{0x05, 0x8C, 0xFE, 0x05, 0x10, 0x00}, false},
	{"truncated short item", []byte{0x05, 0x8C, 0x06, 0x8C}, false},
}

func TestUsesBarcodePage(t *testing.T) {
	for _, tt := range barcodePageTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UsesBarcodePage(tt.desc); got != tt.want {
				t.Errorf("UsesBarcodePage(% x) = %v, want %v", tt.desc, got, tt.want)
			}
		})
	}
}

func FuzzUsesBarcodePage(f *testing.F) {
	for _, tt := range barcodePageTests {
		f.Add(tt.desc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ends := parsesToEnd(b)
		if UsesBarcodePage(b) && !ends {
			t.Fatalf("% x: true for a truncated descriptor", b)
		}
		if ends && !UsesBarcodePage(append(append([]byte(nil), b...), 0x05, 0x8C)) {
			t.Fatalf("% x: appending Usage Page (Barcode Scanner) not seen", b)
		}
	})
}

// parsesToEnd reports whether the items of b end exactly at its end.
func parsesToEnd(b []byte) bool {
	for len(b) > 0 {
		if b[0] == 0xFE {
			if len(b) < 3 || len(b) < 3+int(b[1]) {
				return false
			}
			b = b[3+int(b[1]):]
			continue
		}
		n := int(b[0] & 3)
		if n == 3 {
			n = 4
		}
		if len(b) < 1+n {
			return false
		}
		b = b[1+n:]
	}
	return true
}
