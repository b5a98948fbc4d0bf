#!/usr/bin/env bash
# Installs what building and testing northstar needs on a fresh machine: a Rust toolchain with
# rustfmt and clippy, and Python 3 (for the output contract check run by the tests).
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
