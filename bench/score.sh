#!/usr/bin/env bash
# Benchmark: scoring a list of 10 million prospects, northstar against scikit-learn's
# LogisticRegression on the same one-hot data, in one run. Makes the small demo (its ICP and its
# customers, which train the regression), the Parquet list and bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${ROWS:-10000000}"
if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
bench/.venv/bin/python -c "import sklearn, pandas, pyarrow" 2>/dev/null \
    || bench/.venv/bin/pip install --quiet "scikit-learn==1.9.1" "pandas==3.1.1" "pyarrow==26.0.1"
# Built one package at a time: together, cargo unifies features differently and rebuilds DataFusion.
cargo build --release --workspace --bins
target="${CARGO_TARGET_DIR:-target}/release"
data=bench/data/score
mkdir -p "$data"
if [ ! -f "$data/demo/out/icp.json" ]; then
    "$target/northstar" demo --out "$data/demo" >/dev/null
fi
if [ ! -f "$data/prospects-$rows.parquet" ]; then
    "$target/score_data" "$data/prospects-$rows.parquet" "$rows" 7
fi
bench/.venv/bin/python bench/score.py "$target" "$data/demo" "$data/prospects-$rows.parquet"
