# apcvkit — the two commands a newcomer needs:
#   make demo   reads the emulated phone in both modes (no hardware)
#   make test   installs what the tests need and runs the whole suite
GO ?= go

.PHONY: demo test test-short test-windows bench vet fmt

demo:
	@scripts/deps.sh demo
	$(GO) run ./cmd/apcv demo

# The whole suite under -race, through a real pcscd with the project's
# virtual readers (scripts/pcscd/with-pcscd.sh starts and stops it).
# APCV_REQUIRE_PCSC=1 and APCV_REQUIRE_PEERS=1: the PC/SC and QR-peer tests
# fail instead of skipping when their components are missing.
test:
	@scripts/deps.sh test
	$(GO) vet ./...
	APCV_REQUIRE_PCSC=1 APCV_REQUIRE_PEERS=1 scripts/pcscd/with-pcscd.sh $(GO) test -race -count=1 ./...
	APCV_REQUIRE_PCSC=1 scripts/pcscd/with-pcscd.sh --allow-restart $(GO) test -race -count=1 -p 1 -run 'Restart' ./nfc/pcsc/ ./emulator/vpcd/

# The Windows (amd64) test binaries of every package, run under Wine.
# Installs Wine (a few hundred MB) on first use, so it is not part of test.
test-windows:
	GO=$(GO) scripts/test-windows.sh

bench:
	@scripts/deps.sh bench
	$(GO) run ./benchmarks/cmd/benchrun

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .
