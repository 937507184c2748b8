#!/usr/bin/env bash
# Runs the benchmarks and prints one table: package, benchmark, and the
# figures each reports in its own units (b.ReportMetric). Raw output is kept
# in bin/bench.txt for benchstat.
#
# Benchmarks whose figures are statistics over many iterations name their
# iteration count here; the rest run for BENCHTIME (default 1s).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
out=bin/bench.txt
: > "$out"

# "onecore" runs the benchmark pinned to one CPU with GOMAXPROCS=1 (the
# test binary is built first, so the build is not pinned).
fixed=(
  # package            benchmark                    iterations  how
  "./wiegand           ^BenchmarkTransmitterTiming$  1000x"
  "./osdp              ^BenchmarkPDReplyLatency$     1000x"
  "./cmd/devcloud      ^BenchmarkActivation$         50x"
  "./cmd/devcloud      ^BenchmarkOutboxDrain$        5x"
  "./cmd/devcloud      ^BenchmarkActivationFromCamera$ 100x"
  "./biometric/palm    ^BenchmarkFrameToDecision10k$ 200x         onecore"
  "./biometric/recognize ^BenchmarkPresentation(Cohort)?10k$ 100x onecore"
  "./firmware/appliance ^BenchmarkFrameToWire$       50x         onecore"
  "./firmware/appliance ^BenchmarkDecisionToRelay$   20x"
  "./firmware/appliance ^BenchmarkIdleCPU$           1x"
)
for row in "${fixed[@]}"; do
  read -r pkg bench n how <<<"$row"
  echo "bench: $pkg $bench ($n)" >&2
  if [ "${how:-}" = onecore ] && command -v taskset >/dev/null; then
    go test -c -o bin/onecore.test "$pkg"
    (cd "$pkg" && taskset -c 0 "$OLDPWD/bin/onecore.test" -test.run '^$' -test.bench "$bench" -test.benchtime "$n" -test.cpu 1) >>"$out"
    continue
  fi
  go test "$pkg" -run '^$' -bench "$bench" -benchtime "$n" -count 1 >>"$out"
done
skip=$(printf '%s\n' "${fixed[@]}" | awk '{print $2}' | paste -sd'|')
for pkg in $(go list ./...); do
  echo "bench: $pkg" >&2
  go test "$pkg" -run '^$' -bench . -skip "$skip" -benchtime "${BENCHTIME:-1s}" -count 1 >>"$out"
done
echo "bench: OSDP soak, 100,000 polls over a noisy line" >&2
soak=$(OSDP_SOAK_POLLS=100000 go test ./osdp -run '^TestSoak$' -count 1 -v 2>&1 | grep -o '[0-9]* polls, [0-9]* cards exactly once.*' | head -1 || true)
echo "bench: power cuts of palmd (kill -9) during entries" >&2
power=$(PALMD_POWER_CUTS=${POWER_CUTS:-40} go test ./cmd/palmd -run '^TestPowerCuts$' -count 1 -v 2>&1 | grep -o '[0-9]* power cuts:.*' || echo "power cuts: FAILED, see go test -run TestPowerCuts -v ./cmd/palmd")
echo "bench: broken releases rolled back (publish to Rolled Back reported)" >&2
rollback=$(PALMD_ROLLBACK_RUNS=${ROLLBACK_RUNS:-20} go test ./cmd/palmd -run '^TestRollbackTime$' -count 1 -v 2>&1 | grep -o 'rollback: .*' || echo "rollback: FAILED, see PALMD_ROLLBACK_RUNS=3 go test -run TestRollbackTime -v ./cmd/palmd")
echo "bench: power cuts (kill -9) of a reader booting, installing, confirming, rejecting on its A/B slots" >&2
slotcuts=$(PALMD_SLOT_CUTS=${SLOT_CUTS:-200} go test ./firmware/update -run '^TestPowerCutsLeaveABootableReader$' -count 1 -v 2>&1 | grep -o '[0-9]* power cuts (during.*' || echo "slot power cuts: FAILED, see go test -run TestPowerCutsLeaveABootableReader -v ./firmware/update")
awk '
  /^pkg:/ { pkg = $2; sub(/^github.com\/palmd\/palmd\//, "", pkg) }
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    line = ""
    for (i = 3; i < NF; i += 2) line = line sprintf("%s %s  ", $i, $(i+1))
    printf "%-20s %-46s %s\n", pkg, name, line
  }
' "$out"
echo "cmd/palmd            TestPowerCuts                                  $power"
echo "osdp                 TestSoak                                       ${soak:-see go test -run TestSoak -v ./osdp}"
echo "cmd/palmd            TestRollbackTime                               $rollback"
echo "firmware/update      TestPowerCutsLeaveABootableReader              $slotcuts"
