#!/usr/bin/env bash
# Benchmark: per-account aggregation of the large demo's transactions, northstar against DuckDB,
# on the same files and thread count, in one run. Makes bench/data and bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${THREADS:-$(nproc)}"
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
bench/.venv/bin/python -c "import duckdb" 2>/dev/null || bench/.venv/bin/pip install --quiet duckdb
# Built one package at a time: together, cargo unifies features differently and rebuilds DataFusion.
cargo build --release --workspace --bins
if [ ! -f bench/data/transactions.csv ]; then
    "${CARGO_TARGET_DIR:-target}/release/northstar" demo --size large --out bench/demo-large
    mkdir -p bench/data && cp bench/demo-large/data/transactions.csv bench/data/
fi
"${CARGO_TARGET_DIR:-target}/release/northstar-bench" bench/data bench/.venv/bin/python "$threads"
