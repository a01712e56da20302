// Package benchmarks measures the SDK's decode-verify path, from what a
// device delivers (a scanned QR text, a PNG, a webcam frame, a keyboard-wedge
// report stream, an NFC session in memory, over the ISO 14443-4 link model or
// through the real pcscd + vpcd) to a verified identity, beside the
// baselines each ratio of the README is read against (the signature
// verifications, the link's airtime, a bare APDU exchange). It holds only
// benchmarks and their tests; the peer comparison with zxing-cpp and zbar is
// the command benchmarks/cmd/peers.
//
//	scripts/pcscd/with-pcscd.sh go test -run XXX -bench . -benchtime=100x ./benchmarks/
//	go run ./benchmarks/cmd/peers
//
// The Verifier refuses a QR text it has already accepted (replay check:
// each credential's refresh counter must grow). The QR benchmarks therefore
// verify batches of texts with counters 1..K against one Verifier and take a
// fresh Verifier, built before the timer starts, for each batch; the image
// benchmarks, whose frame holds one text, take a fresh Verifier per
// iteration. The replay check itself runs on every iteration.
//
// benchmarks/budget.txt bounds allocs/op of the decode-verify benchmarks;
// .ci/bench runs a short pass and benchmarks/cmd/budget checks it. No test
// here asserts a time.
package benchmarks
