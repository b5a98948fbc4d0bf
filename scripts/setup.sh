#!/usr/bin/env bash
# Installs what building and testing northstar needs on a fresh machine: a Rust toolchain with
# rustfmt and clippy, Python 3 (for the output contract check), a Python environment in .venv
# with DuckDB, in which a test runs the exported SQL scorer, and schemathesis, which tests the
# service against its OpenAPI document, Debian's PostgreSQL server, in which the same test runs the
# scorer's PostgreSQL dialect, and Debian's Chromium with playwright-core
# (tests/browser), which the report's and the dashboard's browser tests drive.
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
# The SQL parity test also starts a PostgreSQL server of its own, in a temporary folder.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
# The service's contract test runs schemathesis against a live `northstar serve`.
[ -x .venv/bin/schemathesis ] || .venv/bin/pip install --quiet "schemathesis==4.32.5"
# The report's browser test drives Debian's Chromium with playwright-core (no browser download).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ] && command -v npm >/dev/null; then
    (cd tests/browser && npm ci --silent --no-audit --no-fund)
fi
