package agent

// parseReadRequest decodes the usual bodies of POST /v1/read without
// encoding/json's reflection (a read's request costs ~7 allocations and
// 1–2 µs less): an object of "timeout_ms" (an integer), "masked" and
// "rights" (true or false), each at most once, in any order, with JSON's
// white space. ok is false for anything else — another key (encoding/json
// matches keys without regard to case), escapes, null, a number with a
// fraction or an exponent, a duplicate — which the caller then decodes
// with encoding/json, for the same answer or its error. FuzzReadRequest
// checks that both agree.
func parseReadRequest(b []byte) (req ReadRequest, ok bool) {
	p := readReqParser{b: b}
	if !p.byte('{') {
		return ReadRequest{}, false
	}
	var seen [3]bool
	if !p.byte('}') {
		for {
			k := p.key()
			if k < 0 || seen[k] || !p.byte(':') {
				return ReadRequest{}, false
			}
			seen[k] = true
			switch k {
			case 0:
				if req.TimeoutMS, ok = p.integer(); !ok {
					return ReadRequest{}, false
				}
			case 1:
				if req.Masked, ok = p.boolean(); !ok {
					return ReadRequest{}, false
				}
			case 2:
				if req.Rights, ok = p.boolean(); !ok {
					return ReadRequest{}, false
				}
			}
			if p.byte('}') {
				break
			}
			if !p.byte(',') {
				return ReadRequest{}, false
			}
		}
	}
	if p.space(); p.i != len(p.b) {
		return ReadRequest{}, false
	}
	return req, true
}

// readReqParser is parseReadRequest's cursor: each method skips white
// space, then reads its token if it is there.
type readReqParser struct {
	b []byte
	i int
}

func (p *readReqParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte reads c.
func (p *readReqParser) byte(c byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// lit reads s.
func (p *readReqParser) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// key reads a key: 0 timeout_ms, 1 masked, 2 rights, -1 anything else.
func (p *readReqParser) key() int {
	p.space()
	for k, s := range [...]string{`"timeout_ms"`, `"masked"`, `"rights"`} {
		if p.lit(s) {
			return k
		}
	}
	return -1
}

func (p *readReqParser) boolean() (v, ok bool) {
	p.space()
	if p.lit("true") {
		return true, true
	}
	return false, p.lit("false")
}

// integer reads -?(0|[1-9][0-9]*) of at most 18 digits (no overflow),
// not followed by a fraction or an exponent.
func (p *readReqParser) integer() (int64, bool) {
	p.space()
	neg := p.lit("-")
	start := p.i
	var n int64
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		n = n*10 + int64(p.b[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 18 || (digits > 1 && p.b[start] == '0') {
		return 0, false
	}
	if p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}
