#!/usr/bin/env bash
# Benchmark: `northstar serve` under constant-rate load on loopback, with a reload mid-run.
#
# oha sends single scores at a fixed rate (RATE, 10,000 a second by default, for SECONDS_RUN,
# 60 by default) with latency correction, so a slow answer cannot hold the next request back:
# 80% valid, 10% malformed JSON and 10% without a token, as three concurrent streams of
# CONNECTIONS keep-alive connections each (8 by default: at 10k/s and a third of a millisecond,
# about 3 are in flight; a request waiting for a free connection counts from when it was due). Halfway
# through, the served build is swapped for another (an atomic symlink swap), which the server
# reloads. Then wrk's closed loop runs for 10 s as a second view. The server is pinned to core 0
# and the load tools to core 1 with taskset; on a 2-core machine they share nothing else.
# Prints p50, p99 and p99.9 latency per stream, the 5xx count (must be 0), the requests without
# a token that got data (must be 0), requests lost, and the server's RSS at start and end.
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${RATE:-10000}"
seconds="${SECONDS_RUN:-60}"
connections="${CONNECTIONS:-8}"
tools="$PWD/bench/.tools"
if ! command -v oha >/dev/null && [ ! -x "$tools/bin/oha" ]; then
    cargo install --quiet --locked oha --version 1.16.0 --root "$tools"
fi
if ! command -v wrk >/dev/null && command -v apt-get >/dev/null; then
    apt-get install -y -qq wrk >/dev/null
fi
export PATH="$tools/bin:$PATH"
cargo build --release --workspace --bins
northstar="${CARGO_TARGET_DIR:-target}/release/northstar"
data=bench/data/serve
mkdir -p "$data"
for seed in 42 43; do
    [ -f "$data/demo-$seed/out/icp.json" ] || "$northstar" demo --out "$data/demo-$seed" --seed "$seed" >/dev/null
done
ln -sfn "$PWD/$data/demo-42/out" "$data/live"
rm -f "$data/tokens.json"
token=$("$northstar" token new --tokens "$data/tokens.json" --scope score 2>/dev/null)
port=18080
taskset -c 0 "$northstar" serve "$data/live" --tokens "$data/tokens.json" --addr "127.0.0.1:$port" \
    --threads 1 2>"$data/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
rss_start=$(rss)
url="http://127.0.0.1:$port/v1/score"
valid='{"account_id":"lead-1","industry":"Logistics","employees":850,"annual_revenue":420000000,"country":"US","technologies":["SAP","Kubernetes"],"fleet_size":300}'
load() { # name rate [oha options]
    local name=$1 qps=$2
    shift 2
    taskset -c 1 oha -z "${seconds}s" -q "$qps" --latency-correction -c "$connections" --no-tui --output-format json \
        -m POST -T application/json "$@" "$url" >"$data/$name.json"
}
load valid $((rate * 8 / 10)) -H "Authorization: Bearer $token" -d "$valid" &
loads=$!
load malformed $((rate / 10)) -H "Authorization: Bearer $token" -d '{"employees": ' &
loads="$loads $!"
load unauthenticated $((rate / 10)) -d "$valid" &
loads="$loads $!"
sleep $((seconds / 2))
ln -sfn "$PWD/$data/demo-43/out" "$data/live.next" && mv -T "$data/live.next" "$data/live"
# shellcheck disable=SC2086
wait $loads
rss_end=$(rss)
cat >"$data/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$valid'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
wrk_out=""
if command -v wrk >/dev/null; then
    wrk_out=$(taskset -c 1 wrk -t1 -c32 -d10s --latency -s "$data/post.lua" "$url")
fi
python3 bench/serve.py "$data" "$rate" "$seconds" "$rss_start" "$rss_end" "$wrk_out"
