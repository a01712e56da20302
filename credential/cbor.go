package credential

import (
	"fmt"
	"slices"

	"github.com/fxamacker/cbor/v2"
)

// Size limits, checked before anything is allocated for the input.
const (
	MaxCredential   = 8192    // bytes of an issuer-signed credential
	MaxPresentation = 65536   // bytes of an NFC device response
	MaxList         = 1 << 20 // bytes of a trust or revocation list
	maxItems        = 256     // elements of any CBOR array or map
	maxListItems    = 1 << 17 // entries of a trust or revocation list
	maxDepth        = 8       // nesting levels of CBOR items (the deepest structure uses 5)
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
		MaxNestedLevels:   maxDepth,
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
//
// A decoded bstr aliases the input (no copy): whatever outlives the
// decoding call — a key id kept in a trust list — must be cloned.
type bstr []byte

func (b *bstr) UnmarshalCBOR(data []byte) error {
	major, n, rest, err := readHead(data)
	if err != nil || major != 2 || uint64(len(rest)) != n {
		return fmt.Errorf("not a byte string")
	}
	*b = bstr(rest[:n:n])
	return nil
}

func marshal(v any) ([]byte, error) { return encMode.Marshal(v) }

// unmarshal decodes canonical CBOR into v. Non-canonical encodings (longer
// heads than needed, unsorted map keys), duplicate keys, indefinite lengths,
// tags, unknown fields and trailing bytes are all refused with ErrMalformed.
func unmarshal(what string, data []byte, v any) error {
	return unmarshalMode(decMode, maxItems, what, data, v)
}

// unmarshalEnvelope is unmarshal for structures no signature covers as a
// whole (the NFC DeviceResponse): there, an extension key could be added by
// anyone on the way, so none is accepted.
func unmarshalEnvelope(what string, data []byte, v any) error {
	ext, err := checkCanonicalExt(data, maxItems)
	if err == nil && ext {
		err = fmt.Errorf("extension key in an unsigned envelope")
	}
	if err != nil {
		return fmt.Errorf("credential: %s: %w: %v", what, ErrMalformed, err)
	}
	return unmarshalMode(decMode, maxItems, what, data, v)
}

func unmarshalMode(dm cbor.DecMode, items uint64, what string, data []byte, v any) error {
	return unmarshalKeepingMode(dm, items, what, data, v, nil, true)
}

// unmarshalKeeping is unmarshal for a map whose own extension keys listed
// in known are decoded into v (a later minor version's fields this package
// knows); other extension keys, and extensions of nested maps, are ignored
// as usual.
func unmarshalKeeping(what string, data []byte, v any, known []uint64) error {
	return unmarshalKeepingMode(decMode, maxItems, what, data, v, known, true)
}

// unmarshalKeepingMode checks data and decodes it into v; with strip,
// extension keys are removed first, but those of the outermost map listed
// in known.
func unmarshalKeepingMode(dm cbor.DecMode, items uint64, what string, data []byte, v any, known []uint64, strip bool) error {
	ext, err := checkCanonicalExt(data, items)
	if err != nil {
		return fmt.Errorf("credential: %s: %w: %v", what, ErrMalformed, err)
	}
	if ext && strip {
		data = stripExtensionsExcept(data, known)
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
	_, err := checkCanonicalExt(data, items)
	return err
}

// checkCanonicalExt is checkCanonical that also reports whether a map holds
// an extension key (see isExtensionKey).
func checkCanonicalExt(data []byte, items uint64) (ext bool, err error) {
	w := walker{items: items}
	rest, err := w.walk(data, 0)
	if err != nil {
		return false, err
	}
	if len(rest) != 0 {
		return false, fmt.Errorf("%d trailing bytes", len(rest))
	}
	return w.ext, nil
}

// Map keys 0..99 are defined by docs/PROTOCOL.md and critical: a key a
// reader does not know in that range is refused. Keys from 100 up, and
// negative keys, are extensions: a reader ignores those it does not know,
// so that a later minor version may add them.
const firstExtensionKey = 100

// isExtensionKey reports whether the encoded map key k (an integer) is an
// extension key.
func isExtensionKey(k []byte) bool {
	major, arg, _, err := readHead(k)
	return err == nil && (major == 1 || arg >= firstExtensionKey)
}

// stripExtensions returns a copy of the canonical item data without the map
// entries whose key is an extension key. Order is kept, so the copy is
// canonical too. data must have passed checkCanonicalExt.
func stripExtensions(data []byte) []byte {
	return stripExtensionsExcept(data, nil)
}

// stripExtensionsExcept is stripExtensions that keeps, in the outermost
// map only, the extension keys listed in known.
func stripExtensionsExcept(data []byte, known []uint64) []byte {
	out, _ := appendStrippedKeep(make([]byte, 0, len(data)), data, known)
	return out
}

func appendHead(dst []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(dst, major<<5|byte(n))
	case n <= 0xff:
		return append(dst, major<<5|24, byte(n))
	case n <= 0xffff:
		return append(dst, major<<5|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(dst, major<<5|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, major<<5|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32), byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendStripped copies one item of b to dst, without extension entries,
// and returns the rest of b.
func appendStripped(dst, b []byte) ([]byte, []byte) {
	return appendStrippedKeep(dst, b, nil)
}

// appendStrippedKeep is appendStripped keeping the extension keys of b's
// own map (not of nested ones) that are listed in keep.
func appendStrippedKeep(dst, b []byte, keep []uint64) ([]byte, []byte) {
	start := b
	major, arg, b, _ := readHead(b)
	switch major {
	case 2, 3:
		return append(dst, start[:len(start)-len(b)+int(arg)]...), b[arg:]
	case 4:
		dst = append(dst, start[:len(start)-len(b)]...)
		for i := uint64(0); i < arg; i++ {
			dst, b = appendStripped(dst, b)
		}
		return dst, b
	case 5:
		var body []byte
		var kept uint64
		for i := uint64(0); i < arg; i++ {
			k := b
			_, _, after, _ := readHead(b)
			key := k[:len(k)-len(after)]
			if isExtensionKey(key) && !keptKey(key, keep) {
				_, b = appendStripped(nil, after) // skip the value
				continue
			}
			body = append(body, key...)
			body, b = appendStripped(body, after)
			kept++
		}
		return append(appendHead(dst, 5, kept), body...), b
	}
	return append(dst, start[:len(start)-len(b)]...), b
}

// keptKey reports whether the encoded unsigned map key k is in keep.
func keptKey(k []byte, keep []uint64) bool {
	major, arg, _, err := readHead(k)
	return err == nil && major == 0 && slices.Contains(keep, arg)
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

// walker walks canonical CBOR, noting extension keys.
type walker struct {
	items uint64 // most elements of an array or map
	ext   bool   // an extension key was seen
}

func (w *walker) walk(b []byte, depth int) ([]byte, error) {
	if depth >= maxDepth {
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
		if arg > w.items {
			return nil, fmt.Errorf("array of %d items", arg)
		}
		for i := uint64(0); i < arg; i++ {
			if b, err = w.walk(b, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case 5:
		if arg > w.items {
			return nil, fmt.Errorf("map of %d pairs", arg)
		}
		var prev []byte
		for i := uint64(0); i < arg; i++ {
			k := b
			if len(b) == 0 || b[0]>>5 > 1 {
				return nil, fmt.Errorf("map key is not an integer")
			}
			if b, err = w.walk(b, depth+1); err != nil {
				return nil, err
			}
			key := k[:len(k)-len(b)]
			if isExtensionKey(key) {
				w.ext = true
			}
			if prev != nil && string(prev) >= string(key) {
				return nil, fmt.Errorf("map keys not in canonical order")
			}
			prev = key
			if b, err = w.walk(b, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("tag (major type 6) not allowed")
}
