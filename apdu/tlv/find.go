package tlv

import "fmt"

// Find returns the value of the data object reached by path in b: the first
// object tagged path[0] among the data objects of b, then the first tagged
// path[1] among the data objects of its value, and so on. Every object but
// the last on the path must be constructed. For example
// Find(fci, 0x6F, 0xA5, 0x5F2D) returns the language preference from a
// SELECT answer. The value aliases b.
//
// Objects are read strictly (see String) up to the one found at each level;
// a malformed object before it yields an error wrapping ErrMalformed, and a
// missing one an error wrapping ErrNotFound. An empty path returns
// ErrNotFound.
func Find(b []byte, path ...Tag) ([]byte, error) {
	if len(path) == 0 {
		return nil, fmt.Errorf("tlv: find: empty path: %w", ErrNotFound)
	}
	s := String(b)
	for i, want := range path {
		if i > 0 && !path[i-1].Constructed() {
			return nil, fmt.Errorf("tlv: find %s: %s is primitive: %w", pathString(path[:i+1]), path[i-1], ErrNotFound)
		}
		found := false
		for !s.Empty() {
			var t Tag
			var v String
			if !s.ReadTLV(&t, &v) {
				return nil, fmt.Errorf("tlv: find %s: malformed data object in %s: %w", pathString(path[:i+1]), levelString(path[:i]), ErrMalformed)
			}
			if t == want {
				s, found = v, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("tlv: find %s: %w", pathString(path[:i+1]), ErrNotFound)
		}
	}
	return s, nil
}

func pathString(path []Tag) string {
	out := make([]byte, 0, 8*len(path))
	for i, t := range path {
		if i > 0 {
			out = append(out, '/')
		}
		out = append(out, t.String()...)
	}
	return string(out)
}

func levelString(path []Tag) string {
	if len(path) == 0 {
		return "top level"
	}
	return pathString(path)
}
