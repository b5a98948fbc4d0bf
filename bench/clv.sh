#!/usr/bin/env bash
# Benchmark: CLV (BG/NBD + Gamma-Gamma on a day-level summary) of 1M simulated customers, northstar
# against Python's lifetimes on the same CSV, and its read and summary against DuckDB's, in one
# run. Makes bench/data/clv and bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${CUSTOMERS:-1000000}"
. bench/prepare.sh
prepare "import lifetimes, duckdb" lifetimes==0.11.3 duckdb
data="bench/data/clv/transactions-$customers.csv"
if [ ! -f "$data" ]; then
    mkdir -p bench/data/clv
    "$target/clv_data" "$data" "$customers" 7
fi
bench/.venv/bin/python bench/clv.py "$target/northstar" "$data"
