// Command libapcv is the C library of apcvkit, built with
//
//	scripts/libapcv.sh [GOOS/GOARCH ...]   (go build -buildmode=c-shared ./libapcv)
//
// into libapcv.so, apcv.dll or libapcv.dylib. Its C interface is the
// hand-written apcv.h next to this file; docs/LIBAPCV.md documents it.
// Every function is a thin shell over internal/desk: handles are integers
// in a table (no Go pointer reaches C), strings cross as malloc'd UTF-8
// copies, errors as result codes (desk.ResultCode) and error JSON
// (desk.ErrorJSON).
//
// The ABI (the exported symbols, apcv.h, the result codes) is recorded in
// abi/ and checked by this package's tests: a change fails them until
// APCV_ABI_VERSION is bumped and the record updated
// (go test ./libapcv -run TestABI -update-abi).
package main

// abiVersion is APCV_ABI_VERSION of apcv.h (TestABI checks they agree).
const abiVersion = 6

func main() {} // required by -buildmode=c-shared; never runs
