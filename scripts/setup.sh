#!/usr/bin/env bash
# Installs what building and testing northstar needs on a fresh machine: a Rust toolchain with
# rustfmt and clippy, Python 3 (for the output contract check), and a Python environment in
# .venv with DuckDB, in which a test runs the exported SQL scorer.
set -euo pipefail
if ! command -v cargo >/dev/null; then
    echo "northstar needs a Rust toolchain (cargo); install it with rustup" >&2
    exit 1
fi
if command -v rustup >/dev/null; then
    rustup component add rustfmt clippy >/dev/null 2>&1 || true
fi
if ! command -v python3 >/dev/null; then
    if command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq python3 >/dev/null
    else
        echo "northstar's tests need python3" >&2
        exit 1
    fi
fi
# The SQL parity test runs `northstar sql` in DuckDB (tests find it at .venv/bin/python).
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -c "import duckdb" 2>/dev/null || .venv/bin/pip install --quiet "duckdb==2.0.0"
