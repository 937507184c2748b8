#!/usr/bin/env bash
# Runs every benchmark once and prints one table: package, benchmark, and the
# figures each reports in its own units (b.ReportMetric). Raw output is kept
# in bin/bench.txt for benchstat.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bin
out=bin/bench.txt
go test -run '^$' -bench . -benchtime "${BENCHTIME:-1x}" -count 1 ./... | tee "$out" >/dev/null
awk '
  /^pkg:/ { pkg = $2; sub(/^github.com\/palmd\/palmd\//, "", pkg) }
  /^Benchmark/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    line = ""
    for (i = 3; i < NF; i += 2) line = line sprintf("%s %s  ", $i, $(i+1))
    printf "%-22s %-44s %s\n", pkg, name, line
  }
' "$out"
