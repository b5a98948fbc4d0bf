#!/usr/bin/env bash
# Coverage-guided fuzzing of northstar's readers (CSV, TSV, JSON Lines, XLSX, Parquet), the
# tables' configuration, the ICP file (icp.json) and the value parsers, with cargo fuzz
# (libFuzzer) on the nightly toolchain. Not part of CI.
#
#   scripts/fuzz.sh SECONDS [JOBS]   # each target for SECONDS (default 60), JOBS at a time (1)
#
# FUZZ_TARGETS="csv xlsx" runs only those targets; FUZZ_SANITIZER=none runs without
# AddressSanitizer (the default is address), about twice as many executions a second, which still
# finds every panic.
#
# Installs cargo-fuzz into fuzz/.tools when it is missing, writes the starting corpora
# (fuzz/corpus/<target>, kept between runs), then prints each target's executions and the
# crashes found (a crash's input is kept in fuzz/artifacts/<target>/ and the run fails).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
jobs="${2:-1}"
tools="$PWD/fuzz/.tools"
export PATH="$tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
    cargo install --quiet --locked cargo-fuzz --root "$tools"
fi
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/fuzz/target}"
cargo run --quiet --manifest-path fuzz/Cargo.toml --example seeds
read -r -a targets <<<"${FUZZ_TARGETS:-csv tsv jsonl xlsx parquet config icp values}"
sanitizer="${FUZZ_SANITIZER:-address}"
cargo +nightly fuzz build --fuzz-dir fuzz --sanitizer "$sanitizer"
# One target for SECONDS; its status goes to fuzz/.tools/<target>.status.
run_target() {
    local target="$1" status=0
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    cargo +nightly fuzz run --fuzz-dir fuzz --sanitizer "$sanitizer" "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        >"fuzz/.tools/$target.log" 2>&1 || status=$?
    echo "$status" >"fuzz/.tools/$target.status"
}
for target in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    run_target "$target" &
done
wait
total=0
crashes=0
printf '%-10s %14s %10s\n' target executions crashes
for target in "${targets[@]}"; do
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "fuzz/.tools/$target.log" | grep -oE '[0-9]+$' | tail -1)
    runs=${runs:-0}
    found=0
    if [ "$(cat "fuzz/.tools/$target.status")" -ne 0 ]; then found=1; fi
    printf '%-10s %14s %10s\n' "$target" "$runs" "$found"
    total=$((total + runs))
    crashes=$((crashes + found))
done
printf '%-10s %14s %10s\n' all "$total" "$crashes"
if [ "$crashes" -ne 0 ]; then
    echo "crashes found: see fuzz/artifacts/ and fuzz/.tools/<target>.log" >&2
    exit 1
fi
