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

fixed=(
  # package            benchmark                    iterations
  "./wiegand           ^BenchmarkTransmitterTiming$  1000x"
  "./osdp              ^BenchmarkPDReplyLatency$     1000x"
  "./cmd/devcloud      ^BenchmarkActivation$         50x"
  "./cmd/devcloud      ^BenchmarkOutboxDrain$        5x"
  "./cmd/devcloud      ^BenchmarkActivationFromCamera$ 100x"
  "./biometric/palm    ^BenchmarkFrameToDecision10k$ 200x"
  "./biometric/recognize ^BenchmarkPresentation10k$  100x"
)
for row in "${fixed[@]}"; do
  read -r pkg bench n <<<"$row"
  go test "$pkg" -run '^$' -bench "$bench" -benchtime "$n" -count 1 >>"$out"
done
skip=$(printf '%s\n' "${fixed[@]}" | awk '{print $2}' | paste -sd'|')
for pkg in $(go list ./...); do
  go test "$pkg" -run '^$' -bench . -skip "$skip" -benchtime "${BENCHTIME:-1s}" -count 1 >>"$out"
done
awk '
  /^pkg:/ { pkg = $2; sub(/^github.com\/palmd\/palmd\//, "", pkg) }
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    line = ""
    for (i = 3; i < NF; i += 2) line = line sprintf("%s %s  ", $i, $(i+1))
    printf "%-20s %-46s %s\n", pkg, name, line
  }
' "$out"
