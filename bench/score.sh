#!/usr/bin/env bash
# Benchmark: scoring a list of 10 million prospects, northstar against scikit-learn's
# LogisticRegression on the same one-hot data, in one run. Makes the small demo (its ICP and its
# customers, which train the regression), the Parquet list and bench/.venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${ROWS:-10000000}"
. bench/prepare.sh
prepare "import sklearn, pandas, pyarrow" "scikit-learn==1.9.1" "pandas==3.1.1" "pyarrow==26.0.1"
data=bench/data/score
mkdir -p "$data"
if [ ! -f "$data/demo/out/icp.json" ]; then
    "$target/northstar" demo --out "$data/demo" >/dev/null
fi
if [ ! -f "$data/prospects-$rows.parquet" ]; then
    "$target/score_data" "$data/prospects-$rows.parquet" "$rows" 7
fi
bench/.venv/bin/python bench/score.py "$target" "$data/demo" "$data/prospects-$rows.parquet"
