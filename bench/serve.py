"""Reads the load run of bench/serve.sh and prints its figures: latency per stream, 5xx, data
leaked to requests without a token, requests lost, RSS, the reload, and wrk's closed loop."""
import json
import sys
from pathlib import Path

data, rate, seconds, rss_start, rss_end, wrk = sys.argv[1:7]
data = Path(data)


def stream(name):
    report = json.loads((data / f"{name}.json").read_text())
    summary, latency = report["summary"], report["latencyPercentiles"]
    statuses = {int(k): v for k, v in report.get("statusCodeDistribution", {}).items()}
    # Requests still in flight when the run's time is up are cut by oha, not lost by the server.
    errors = sum(v for k, v in report.get("errorDistribution", {}).items() if k != "aborted due to deadline")
    return summary, latency, statuses, errors


print(f"northstar serve: {int(rate):,} requests/s for {seconds} s on loopback "
      f"(server on core 0, oha on core 1; 80% valid, 10% malformed, 10% without a token)")
print(f"{'stream':<16}{'requests':>10}{'rate/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}  statuses")
total_5xx = leaked = lost = 0
expected = {"valid": 200, "malformed": 400, "unauthenticated": 401}
for name, status in expected.items():
    summary, latency, statuses, errors = stream(name)
    count = sum(statuses.values())
    ms = lambda p: latency[p] * 1000 if latency.get(p) is not None else float("nan")
    print(f"{name:<16}{count:>10,}{summary['requestsPerSec']:>9,.0f}{ms('p50'):>9.3f}{ms('p99'):>9.3f}"
          f"{ms('p99.9'):>10.3f}  {dict(sorted(statuses.items()))}")
    total_5xx += sum(v for k, v in statuses.items() if k >= 500)
    lost += errors + sum(v for k, v in statuses.items() if k != status)
    if name == "unauthenticated":
        leaked += sum(v for k, v in statuses.items() if 200 <= k < 300)
log = (data / "serve.log").read_text()
print(f"5xx answers: {total_5xx}; data to requests without a token: {leaked}; "
      f"requests lost or answered off their class: {lost}")
print(f"reload during the load: {'served the new build' if 'serving the new build' in log else 'NOT reloaded'}")
print(f"server RSS: {int(rss_start) / 1024:.1f} MiB at the start, {int(rss_end) / 1024:.1f} MiB at the end")
if wrk.strip():
    print("wrk, closed loop, 32 connections, 10 s (server core 0, wrk core 1):")
    print("\n".join("  " + line for line in wrk.strip().splitlines()))
