#!/usr/bin/env bash
# Benchmark: per-account aggregation of the large demo's transactions, northstar against DuckDB,
# on the same files and thread count, in one run. Makes bench/data and bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${THREADS:-$(nproc)}"
. bench/prepare.sh
prepare "import duckdb" duckdb
if [ ! -f bench/data/transactions.csv ]; then
    "$target/northstar" demo --size large --out bench/demo-large
    mkdir -p bench/data && cp bench/demo-large/data/transactions.csv bench/data/
fi
"$target/northstar-bench" bench/data bench/.venv/bin/python "$threads"
