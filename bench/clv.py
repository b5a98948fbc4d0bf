"""CLV benchmark: northstar and lifetimes on the same transactions file, in one run.

Usage: clv.py NORTHSTAR_BINARY TRANSACTIONS.csv

Both sides read the CSV, summarise purchases by day (lifetimes' conventions), fit BG/NBD and
Gamma-Gamma, and predict P(alive) and expected purchases for every customer over 365 days.
lifetimes keeps its predictions in memory; northstar is timed so (`clv --json`) and again
writing them to CSV (`--out`). Prints whole-process and fit-only times, both parameter sets and
the ratios; peak memory of each side is its process's maximum resident set size.

Then the read and the summary alone: northstar's time less its fit and predictions (its
`--json` timings) against a DuckDB process that reads the same CSV, its columns typed, and
computes the same day-level summary. Last, fits Pareto/NBD with northstar on the same file and
prints its fit time against BG/NBD's.
"""

import csv
import json
import resource
import sys
import time

from process import run

northstar, path = sys.argv[1], sys.argv[2]
PARAMS = ["r", "alpha", "a", "b"]
SPEND = ["p", "q", "gamma"]

# lifetimes' and northstar's conventions: a day with a purchase (not only refunds) counts once,
# at its net amount; the first day is left out of frequency and mean spend; age runs to the
# last transaction's day. Prints the customers and their repeat purchases.
DUCKDB_SUMMARY = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
row = con.execute(
    "WITH transactions AS ("
    "    SELECT * FROM read_csv(?, header = true, columns = "
    "        {'account_id': 'VARCHAR', 'date': 'DATE', 'amount': 'DOUBLE'})"
    "), days AS ("
    "    SELECT account_id, date, sum(amount) AS amount FROM transactions"
    "    GROUP BY account_id, date HAVING max(amount) >= 0"
    "), summary AS ("
    "    SELECT count(*) - 1 AS frequency, max(date) - min(date) AS recency,"
    "           (SELECT max(date) FROM transactions) - min(date) AS age,"
    "           (sum(amount) - arg_min(amount, date)) / nullif(count(*) - 1, 0) AS mean_spend"
    "    FROM days GROUP BY account_id"
    ") SELECT count(*), sum(frequency), sum(recency), sum(age), sum(mean_spend) FROM summary",
    [sys.argv[1]],
).fetchone()
print(row[0], row[1])
"""


def run_northstar(model="bgnbd", write=True):
    """`northstar clv` on the file, whole process: wall seconds, its report and peak MiB."""
    out = ["--out", f"{path}.northstar-{model}.csv"] if write else []
    wall, peak_mib, stdout = run(
        [northstar, "clv", path, "--model", model, "--time-unit", "day", "--json", *out]
    )
    return wall, json.loads(stdout), peak_mib


def repeat_purchases(predictions):
    """The customers and their repeat purchases in northstar's predictions file."""
    with open(predictions, newline="") as f:
        frequencies = [int(row["frequency"]) for row in csv.DictReader(f)]
    return len(frequencies), sum(frequencies)


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


ns_wall, report, ns_peak = run_northstar(write=False)
written_wall, _, written_peak = run_northstar()
duck_wall, _, duck_out = run([sys.executable, "-c", DUCKDB_SUMMARY, path])
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
print(f"  and writing every prediction to CSV: northstar {written_wall:.3f} s, "
      f"{lt_wall / written_wall:.1f}x faster than lifetimes, which keeps them in memory")
print(f"peak memory: northstar {ns_peak:.0f} MiB ({written_peak:.0f} MiB writing), lifetimes {lt_peak:.0f} MiB")
ours = repeat_purchases(f"{path}.northstar-bgnbd.csv")
theirs = tuple(int(v) for v in duck_out.split())
if ours != theirs:
    sys.exit(f"the summaries differ: northstar {ours}, DuckDB {theirs} (customers, repeat purchases)")
ns_summary = ns_wall - report["seconds"]["fit"] - report["seconds"]["predict"]
print(f"read, check and summarise ({ours[0]:,} customers, {ours[1]:,} repeat purchases on both sides): "
      f"northstar {ns_summary:.3f} s (its time less fit and predictions), DuckDB {duck_wall:.3f} s, "
      f"northstar {ns_summary / duck_wall:.2f}x DuckDB's time")
pareto_wall, pareto, _ = run_northstar("pareto")
pareto_fit = pareto["seconds"]["fit"]
print(f"Pareto/NBD (northstar): fit {pareto_fit:.3f} s, {pareto_fit / ns_fit:.1f}x BG/NBD's fit; "
      f"end to end {pareto_wall:.3f} s; parameters "
      + ", ".join(f"{k} {v:.6f}" for k, v in pareto["params"].items()))
