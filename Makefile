# palmd: `make run` starts the appliance in simulation, `make test` runs every
# test. Both install what is missing first (scripts/deps.sh, a no-op when all
# is present).

GO      ?= go
# amd64 builds (development, CI, the amd64 package) target x86-64-v2:
# Intel's CPUs since Nehalem (2008), AMD's since Bulldozer (2011). At Go's
# default, v1, each popcount first checks the CPU for the instruction, and
# a search's coarse pass, popcounts mostly, took about 1.4 times as long
# (README, "Under 60 ms since session 42"). arm64, the reader's, has no
# such check and ignores this.
export GOAMD64 ?= v2
BIN     := bin
CONFIG  ?= configs/simulator.toml
# The race detector doubles build time; CI keeps it on for the packages whose
# concurrency matters most and runs the rest plainly.
RACE_PKGS := ./cmd/... ./drivers/... ./wiegand/... ./osdp/... ./firmware/...

.PHONY: all deps build run test bench fuzz vet clean package

all: build

deps:
	@bash scripts/deps.sh

build: deps
	$(GO) build -o $(BIN)/ ./cmd/...

# READERS=2 adds an enrollment desk beside the door, in the same site.
run: build
	READERS=$(or $(READERS),1) bash scripts/run.sh $(CONFIG)

vet: deps
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...

test: vet
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race -short $(RACE_PKGS)
	$(GO) test -count=1 -tags matprofile -run NoMatLeft ./drivers/camera ./biometric/... ./firmware/qr/...

bench: build
	bash scripts/bench.sh

# Runs every fuzz target for FUZZTIME each (default 20s).
fuzz: deps
	bash scripts/fuzz.sh $(or $(FUZZTIME),20s)

# Debian packages of palmd and palmctl for amd64 and arm64 in dist/, then
# checked (lintian, arm64 under qemu, amd64 started from the unpacked
# package). Slow, so not part of test. VERSION=1.2.0 sets the version.
package:
	bash scripts/package.sh

clean:
	rm -rf $(BIN) dist
