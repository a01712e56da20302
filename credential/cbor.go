package credential

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Size limits, checked before anything is allocated for the input.
const (
	MaxQRText       = 4096    // characters of a QR text, prefix included
	MaxCredential   = 8192    // bytes of an issuer-signed credential
	MaxPresentation = 65536   // bytes of an NFC device response
	MaxList         = 1 << 20 // bytes of a trust or revocation list
	maxItems        = 256     // elements of any CBOR array or map
	maxListItems    = 1 << 17 // entries of a trust or revocation list
)

var (
	encMode     cbor.EncMode
	decMode     cbor.DecMode // presentations, credentials, requests
	listDecMode cbor.DecMode // trust and revocation lists: more entries
)

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	opts := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   8,
		MaxArrayElements:  maxItems,
		MaxMapPairs:       maxItems,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		UTF8:              cbor.UTF8RejectInvalid,
	}
	if decMode, err = opts.DecMode(); err != nil {
		panic(err)
	}
	opts.MaxArrayElements, opts.MaxMapPairs = maxListItems, maxListItems
	if listDecMode, err = opts.DecMode(); err != nil {
		panic(err)
	}
}

// bstr is a byte string on the wire. fxamacker/cbor would also decode a CBOR
// array of small integers into a []byte; bstr refuses anything but major
// type 2. The input was checked canonical before, so the head is minimal.
type bstr []byte

func (b *bstr) UnmarshalCBOR(data []byte) error {
	major, n, rest, err := readHead(data)
	if err != nil || major != 2 || uint64(len(rest)) != n {
		return fmt.Errorf("not a byte string")
	}
	*b = append((*b)[:0], rest...)
	return nil
}

func marshal(v any) ([]byte, error) { return encMode.Marshal(v) }

// unmarshal decodes canonical CBOR into v. Non-canonical encodings (longer
// heads than needed, unsorted map keys), duplicate keys, indefinite lengths,
// tags, unknown fields and trailing bytes are all refused with ErrMalformed.
func unmarshal(what string, data []byte, v any) error {
	return unmarshalMode(decMode, maxItems, what, data, v)
}

func unmarshalMode(dm cbor.DecMode, items uint64, what string, data []byte, v any) error {
	if err := checkCanonical(data, items); err != nil {
		return fmt.Errorf("credential: %s: %w: %v", what, ErrMalformed, err)
	}
	if err := dm.Unmarshal(data, v); err != nil {
		return fmt.Errorf("credential: %s: %w: %v", what, ErrMalformed, err)
	}
	return nil
}

// checkCanonical walks one CBOR data item and refuses what the core
// deterministic encoding (RFC 8949 §4.2.1) forbids: non-shortest heads,
// indefinite lengths, map keys out of bytewise order, and trailing bytes.
// fxamacker/cbor decodes leniently in these respects, so we check first.
func checkCanonical(data []byte, items uint64) error {
	rest, err := walkCanonical(data, 0, items)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d trailing bytes", len(rest))
	}
	return nil
}

func readHead(b []byte) (major byte, arg uint64, rest []byte, err error) {
	if len(b) == 0 {
		return 0, 0, nil, fmt.Errorf("truncated")
	}
	major, info := b[0]>>5, b[0]&0x1f
	b = b[1:]
	var n int
	switch {
	case info < 24:
		return major, uint64(info), b, nil
	case info == 24:
		n = 1
	case info == 25:
		n = 2
	case info == 26:
		n = 4
	case info == 27:
		n = 8
	default:
		return 0, 0, nil, fmt.Errorf("indefinite or reserved length (info %d)", info)
	}
	if len(b) < n {
		return 0, 0, nil, fmt.Errorf("truncated head")
	}
	for i := 0; i < n; i++ {
		arg = arg<<8 | uint64(b[i])
	}
	if major == 7 {
		return 0, 0, nil, fmt.Errorf("floating-point and extended simple values not allowed")
	}
	var min uint64 // shortest-form rule for integers and lengths
	switch n {
	case 1:
		min = 24
	case 2:
		min = 1 << 8
	case 4:
		min = 1 << 16
	case 8:
		min = 1 << 32
	}
	if arg < min {
		return 0, 0, nil, fmt.Errorf("non-shortest head")
	}
	return major, arg, b[n:], nil
}

func walkCanonical(b []byte, depth int, items uint64) ([]byte, error) {
	if depth > 16 {
		return nil, fmt.Errorf("nested too deep")
	}
	major, arg, b, err := readHead(b)
	if err != nil {
		return nil, err
	}
	switch major {
	case 0, 1:
		return b, nil
	case 7:
		// Only false and true: the wire format has no null, undefined or
		// float, and fxamacker would decode null into an empty field.
		if arg != 20 && arg != 21 {
			return nil, fmt.Errorf("simple value %d not allowed", arg)
		}
		return b, nil
	case 2, 3:
		if arg > uint64(len(b)) {
			return nil, fmt.Errorf("string runs past the end")
		}
		return b[arg:], nil
	case 4:
		if arg > items {
			return nil, fmt.Errorf("array of %d items", arg)
		}
		for i := uint64(0); i < arg; i++ {
			if b, err = walkCanonical(b, depth+1, items); err != nil {
				return nil, err
			}
		}
		return b, nil
	case 5:
		if arg > items {
			return nil, fmt.Errorf("map of %d pairs", arg)
		}
		var prev []byte
		for i := uint64(0); i < arg; i++ {
			k := b
			if len(b) == 0 || b[0]>>5 > 1 {
				return nil, fmt.Errorf("map key is not an integer")
			}
			if b, err = walkCanonical(b, depth+1, items); err != nil {
				return nil, err
			}
			key := k[:len(k)-len(b)]
			if prev != nil && string(prev) >= string(key) {
				return nil, fmt.Errorf("map keys not in canonical order")
			}
			prev = key
			if b, err = walkCanonical(b, depth+1, items); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("tag (major type 6) not allowed")
}
