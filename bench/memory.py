"""Memory benchmark: `northstar clv` and `northstar build` on a Parquet file of 100 million
transactions, whole processes with their peak resident memory, beside DuckDB's per-customer
summary of the same file.

Usage: memory.py NORTHSTAR_BINARY TRANSACTIONS.parquet THREADS

The file is the only table of a folder made beside it (`build` derives the accounts from the
transactions). The limit to meet is a peak under 4 GiB for each northstar command.
"""

import os
import sys
from pathlib import Path

from process import run

northstar, path, threads = sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3]
LIMIT_MIB = 4096

DUCKDB_SUMMARY = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET threads = {threads}")
con.execute("SET enable_progress_bar = false")
rows = con.execute(
    "SELECT count(*), sum(days) FROM (SELECT account_id, count(DISTINCT date) AS days, "
    "min(date), max(date), sum(amount), sum(cost) FROM read_parquet(?) GROUP BY account_id)",
    [sys.argv[1]],
).fetchone()
print(rows[0], rows[1])
"""

folder = path.parent / f"{path.stem}-folder"
folder.mkdir(exist_ok=True)
table = folder / "transactions.parquet"
if not table.exists():
    os.link(path, table)

duck_wall, duck_peak, duck_out = run(
    [sys.executable, "-c", DUCKDB_SUMMARY.format(threads=threads), str(path)]
)
customers, days = (int(v) for v in duck_out.split())
clv_wall, clv_peak, _ = run(
    [northstar, "clv", str(path), "--threads", threads, "--json",
     "--out", str(path.parent / f"{path.stem}.clv.csv")]
)
build_wall, build_peak, _ = run(
    [northstar, "build", str(folder), "--out", str(path.parent / f"{path.stem}-out"),
     "--threads", threads]
)

print(f"Memory on {path.name}: {customers:,} customers, {days:,} purchase days (DuckDB), "
      f"{threads} threads; whole processes")
print(f"{'':>30} {'seconds':>9} {'peak MiB':>9} {'under 4 GiB':>12}")
print(f"{'DuckDB per-customer summary':>30} {duck_wall:>9.2f} {duck_peak:>9,.0f} {'':>12}")
for name, wall, peak in [("northstar clv", clv_wall, clv_peak), ("northstar build", build_wall, build_peak)]:
    print(f"{name:>30} {wall:>9.2f} {peak:>9,.0f} {'yes' if peak < LIMIT_MIB else 'NO':>12}")
