# apcvkit — the two commands a newcomer needs:
#   make demo   reads the emulated phone in both modes (no hardware)
#   make test   installs what the tests need and runs the whole suite
GO ?= go

# staticcheck, pinned (go run fetches it once through the module proxy);
# v0.8.2 knows Go 1.26 and its deprecations.
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

# USB HID scanners through libusb (gousb, cgo) are built only with the "usb"
# build tag (see qrscan/hid/usb): a plain go build of the SDK on Windows and
# macOS must need no C library. On Linux, where scripts/deps.sh installs
# libusb-1.0-0-dev, everything here is built with it, so that make test's
# vet and tests cover the libusb path. Override with GOTAGS= (none) or
# GOTAGS=usb.
GOTAGS ?= $(if $(filter linux,$(shell $(GO) env GOOS)),usb)
TAGS = $(if $(GOTAGS),-tags $(GOTAGS))

.PHONY: demo test test-windows bench vet lint fmt cross dist dist-check libapcv

demo:
	@scripts/deps.sh demo
	$(GO) run $(TAGS) ./cmd/apcv demo

# The whole suite under -race, through a real pcscd with the project's
# virtual readers (scripts/pcscd/with-pcscd.sh starts and stops it).
# APCV_REQUIRE_PCSC=1 and APCV_REQUIRE_PEERS=1: the PC/SC and QR-peer tests
# fail instead of skipping when their components are missing. Then the
# tests the race detector would distort (TestBudgetHolds: the CPU time of
# a decode's steps), without it; then the cross-compilation matrix
# (scripts/cross.sh: build and vet for Linux, Windows and macOS).
test:
	@scripts/deps.sh test
	$(GO) vet $(TAGS) ./...
	$(STATICCHECK) $(TAGS) ./...
	APCV_REQUIRE_PCSC=1 APCV_REQUIRE_PEERS=1 scripts/pcscd/with-pcscd.sh $(GO) test $(TAGS) -race -count=1 ./...
	APCV_REQUIRE_PCSC=1 scripts/pcscd/with-pcscd.sh --allow-restart $(GO) test $(TAGS) -race -count=1 -p 1 -run 'Restart|PCSCAnyReader' ./nfc/pcsc/ ./emulator/vpcd/ ./agent/ ./reader/
	$(GO) test $(TAGS) -count=1 -run '^TestBudgetHolds$$' ./qrscan/camera/
	GO=$(GO) scripts/cross.sh

# Build and vet every package for linux/amd64, linux/arm64, windows/amd64,
# windows/386, darwin/arm64 and darwin/amd64 (see scripts/cross.sh).
cross:
	GO=$(GO) scripts/cross.sh

# The Windows (amd64) test binaries of every package, run under Wine.
# Installs Wine (a few hundred MB) on first use, so it is not part of test.
test-windows:
	GO=$(GO) scripts/test-windows.sh

bench:
	@scripts/deps.sh bench
	$(GO) run ./benchmarks/cmd/benchrun

vet:
	$(GO) vet $(TAGS) ./...

# go vet, then staticcheck (its default checks, no exceptions).
lint: vet
	$(STATICCHECK) $(TAGS) ./...

fmt:
	gofmt -l -w .

# libapcv, the C library (docs/LIBAPCV.md), into dist/libapcv/<os>_<arch>/
# with apcv.h: libapcv.so for this machine and, from Linux, apcv.dll for
# windows/amd64 and windows/386 (mingw-w64); libapcv.dylib only on a Mac
# (cgo needs Apple's toolchain). Its tests (go test ./libapcv, part of make
# test) build it too, drive it from C and Python, and check its ABI.
LIBAPCV_TARGETS ?= $(shell $(GO) env GOOS)/$(shell $(GO) env GOARCH) $(if $(filter linux,$(shell $(GO) env GOOS)),windows/amd64 windows/386)
libapcv:
	@scripts/deps.sh libapcv
	GO=$(GO) scripts/libapcv.sh $(LIBAPCV_TARGETS)

# The release: apcv for every target, SBOMs and SHA256SUMS in dist/
# (scripts/dist.sh says what and how). dist-check builds it twice and fails
# unless both builds are identical.
dist:
	scripts/dist.sh

dist-check:
	scripts/dist.sh --check
