# apcvkit — the two commands a newcomer needs:
#   make demo   reads the emulated phone in both modes (no hardware)
#   make test   installs what the tests need and runs the whole suite
GO ?= go

.PHONY: demo test test-short bench vet fmt dist dist-check

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

bench:
	@scripts/deps.sh bench
	$(GO) run ./benchmarks/cmd/benchrun

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .

# The release: apcv for every target, SBOMs and SHA256SUMS in dist/
# (scripts/dist.sh says what and how). dist-check builds it twice and fails
# unless both builds are identical.
dist:
	scripts/dist.sh

dist-check:
	scripts/dist.sh --check
