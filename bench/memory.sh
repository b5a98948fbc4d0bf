#!/usr/bin/env bash
# Benchmark: peak memory of `northstar clv` and `northstar build` on a Parquet file of about 100
# million transactions from 5 million customers (account_id, date, amount, cost), beside DuckDB's
# per-customer summary of it. Makes bench/data/big and bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${THREADS:-$(nproc)}"
customers="${CUSTOMERS:-5000000}"
. bench/prepare.sh
prepare "import duckdb" duckdb
data="bench/data/big/transactions-$customers.parquet"
if [ ! -f "$data" ]; then
    mkdir -p bench/data/big
    "$target/clv_data" "$data" "$customers" 7 heavy
fi
bench/.venv/bin/python bench/memory.py "$target/northstar" "$data" "$threads"
