package desk

import (
	"github.com/apcvkit/apcvkit/apcverr"
)

// ResultCodeInfo is one row of libapcv's result-code table: the integer a C
// caller gets for an error kind, its stable code and its desk messages.
type ResultCodeInfo struct {
	Num  int    // the C result code; 0 is success
	Code string // the apcverr stable code, e.g. "app-locked"
	EN   string // desk message, in English
	FR   string // desk message, in French
}

// OK is the result code of success.
const OK = 0

// ResultCodes returns the result-code table, in order of Num (1, 2, …). It
// is generated from the error catalogue (every kind of every package, see
// internal/errcatalog) into zz_resultcodes.go and only ever appended to: a
// code keeps its number forever, new kinds get the next numbers, so a C
// program built against an older apcv.h keeps its meaning. libapcv's ABI
// test enforces it.
func ResultCodes() []ResultCodeInfo { return append([]ResultCodeInfo(nil), resultCodes...) }

var numByCode = func() map[string]int {
	m := make(map[string]int, len(resultCodes))
	for _, r := range resultCodes {
		m[r.Code] = r.Num
	}
	return m
}()

// ResultCode returns the result code of err: OK for nil, the number of its
// apcverr code, or that of "internal" for an error without one.
func ResultCode(err error) int {
	if err == nil {
		return OK
	}
	if n, ok := numByCode[apcverr.Code(err)]; ok {
		return n
	}
	return numByCode[apcverr.Generic.Code]
}

// ResultCodeOf returns the row of result code num, false when num is not in
// the table (OK included).
func ResultCodeOf(num int) (ResultCodeInfo, bool) {
	if num < 1 || num > len(resultCodes) {
		return ResultCodeInfo{}, false
	}
	return resultCodes[num-1], true
}
