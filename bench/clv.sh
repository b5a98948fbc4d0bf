#!/usr/bin/env bash
# Benchmark: CLV (BG/NBD + Gamma-Gamma on a day-level summary) of 1M simulated customers, northstar
# against Python's lifetimes on the same CSV, in one run. Makes bench/data/clv and bench/.venv on
# first use.
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${CUSTOMERS:-1000000}"
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
bench/.venv/bin/python -c "import lifetimes" 2>/dev/null || bench/.venv/bin/pip install --quiet lifetimes==0.11.3
cargo build --release --workspace --bins
# The generator is quick in a debug build, which shares the test build's dependencies.
cargo build --workspace --bins
target="${CARGO_TARGET_DIR:-target}"
data="bench/data/clv/transactions-$customers.csv"
if [ ! -f "$data" ]; then
    mkdir -p bench/data/clv
    "$target/debug/clv_data" "$data" "$customers" 7
fi
bench/.venv/bin/python bench/clv.py "$target/release/northstar" "$data"
