#!/usr/bin/env bash
# Benchmark: reading the large demo's ten CSV tables (1M accounts, 12.6M transactions),
# `northstar validate` and `northstar build` against DuckDB's typed load of the same files, in
# one run, whole processes, same thread count. Makes bench/data/large and bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${THREADS:-$(nproc)}"
. bench/prepare.sh
prepare "import duckdb" duckdb
if [ ! -d bench/data/large/data ]; then
    "$target/northstar" demo --size large --out bench/data/large >/dev/null
fi
bench/.venv/bin/python bench/ingest.py "$target/northstar" bench/data/large/data "$threads"
