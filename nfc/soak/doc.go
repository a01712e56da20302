// Package soak holds the NFC soak test: many complete reads (nfc.Read and a
// receipt) of emulated phones with injected faults, over the ISO 14443-4
// link model and through the real pcscd and vpcd, checking that no read
// returns a wrong identity, that every failure carries a stable desk code,
// and that goroutines, file descriptors and memory stay flat. It has no code
// of its own.
//
//	go test ./nfc/soak/                                   # short: 1 000 + 100 reads
//	APCV_SOAK=full scripts/pcscd/with-pcscd.sh go test -v -timeout 60m ./nfc/soak/   # 10 000 + 1 000
package soak
