"""CLV benchmark: northstar and lifetimes on the same transactions file, in one run.

Usage: clv.py NORTHSTAR_BINARY TRANSACTIONS.csv

Both sides read the CSV, summarise purchases by day (lifetimes' conventions), fit BG/NBD and
Gamma-Gamma, and predict P(alive) and expected purchases for every customer over 365 days.
Prints whole-process and fit-only times, both parameter sets and the ratios; peak memory of
each side is its process's maximum resident set size. Then fits Pareto/NBD with northstar on the
same file and prints its fit time against BG/NBD's.
"""

import json
import resource
import subprocess
import sys
import time

northstar, path = sys.argv[1], sys.argv[2]
PARAMS = ["r", "alpha", "a", "b"]
SPEND = ["p", "q", "gamma"]


def run_northstar(model="bgnbd"):
    started = time.perf_counter()
    out = subprocess.run(
        [northstar, "clv", path, "--model", model, "--time-unit", "day", "--json",
         "--out", f"{path}.northstar-{model}.csv"],
        check=True, capture_output=True, text=True,
    )
    wall = time.perf_counter() - started
    report = json.loads(out.stdout)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, report, peak_mib


def run_lifetimes():
    started = time.perf_counter()
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    tx = pd.read_csv(path, dtype={"account_id": str})
    summary = summary_data_from_transaction_data(
        tx, "account_id", "date", monetary_value_col="amount", freq="D"
    )
    fit_started = time.perf_counter()
    bg = BetaGeoFitter(penalizer_coef=0.0)
    bg.fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[summary["frequency"] > 0]
    gg = GammaGammaFitter(penalizer_coef=0.0)
    gg.fit(repeat["frequency"], repeat["monetary_value"])
    fit_seconds = time.perf_counter() - fit_started
    bg.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"])
    bg.conditional_expected_number_of_purchases_up_to_time(
        365, summary["frequency"], summary["recency"], summary["T"]
    )
    gg.conditional_expected_average_profit(repeat["frequency"], repeat["monetary_value"])
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return wall, fit_seconds, bg, gg, len(summary), peak_mib


ns_wall, report, ns_peak = run_northstar()
lt_wall, lt_fit, bg, gg, lt_customers, lt_peak = run_lifetimes()
ns_fit = report["seconds"]["fit"]

print(f"CLV on {path}: {report['customers']:,} customers (lifetimes: {lt_customers:,}), time unit day")
print(f"{'':>10} {'northstar':>14} {'lifetimes':>14} {'relative':>12}")
worst = 0.0
for name in PARAMS:
    ours, theirs = report["params"][name], bg.params_[name]
    worst = max(worst, abs(ours - theirs) / abs(theirs))
    print(f"{name:>10} {ours:>14.6f} {theirs:>14.6f} {abs(ours - theirs) / abs(theirs):>12.2e}")
for name in SPEND:
    ours, theirs = report["spend"][name], gg.params_["v" if name == "gamma" else name]
    worst = max(worst, abs(ours - theirs) / abs(theirs))
    print(f"{name:>10} {ours:>14.6f} {theirs:>14.6f} {abs(ours - theirs) / abs(theirs):>12.2e}")
print(f"northstar BG/NBD log-likelihood {report['log_likelihood']:.3f}")
print(f"largest relative parameter difference: {worst:.2e}")
print(f"fit (BG/NBD + Gamma-Gamma): northstar {ns_fit:.3f} s, lifetimes {lt_fit:.3f} s, "
      f"northstar {lt_fit / ns_fit:.0f}x faster")
print(f"end to end (read, summarise, fit, predict): northstar {ns_wall:.3f} s, lifetimes {lt_wall:.3f} s, "
      f"northstar {lt_wall / ns_wall:.1f}x faster")
print(f"peak memory: northstar {ns_peak:.0f} MiB, lifetimes {lt_peak:.0f} MiB")
pareto_wall, pareto, _ = run_northstar("pareto")
pareto_fit = pareto["seconds"]["fit"]
print(f"Pareto/NBD (northstar): fit {pareto_fit:.3f} s, {pareto_fit / ns_fit:.1f}x BG/NBD's fit; "
      f"end to end {pareto_wall:.3f} s; parameters "
      + ", ".join(f"{k} {v:.6f}" for k, v in pareto["params"].items()))
