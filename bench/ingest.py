"""Ingest benchmark: reading a data folder, northstar against DuckDB, in one run.

Usage: ingest.py NORTHSTAR_BINARY DATA_FOLDER THREADS

Times, whole process and with each process's peak resident memory:
- DuckDB's typed load of every CSV in the folder: `read_csv` with type inference and the rejects
  captured into tables (`store_rejects`), each file into a table of an in-memory database;
- `northstar validate DATA_FOLDER`: what a user runs to read and check a folder (mapping, every
  contract check, every reject with its file and line, the accepted rows staged as Parquet);
- `northstar build DATA_FOLDER`: the whole build on the same folder.
Prints the ratios of northstar's times to DuckDB's load.
"""

import os
import sys
from pathlib import Path

from process import run

northstar, data, threads = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])

DUCKDB_LOAD = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET threads = {threads}")
con.execute("SET enable_progress_bar = false")
rows = 0
for i, path in enumerate(sys.argv[1:]):
    con.execute(
        f"CREATE TABLE t{{i}} AS FROM read_csv('{{path}}', store_rejects = true, "
        f"rejects_table = 'rejects{{i}}', rejects_scan = 'scan{{i}}')"
    )
    rows += con.execute(f"SELECT count(*) FROM t{{i}}").fetchone()[0]
print(rows)
"""

files = sorted(str(p) for p in data.glob("*.csv"))
size = sum(os.path.getsize(f) for f in files) / 1e9
duck_wall, duck_peak, duck_rows = run(
    [sys.executable, "-c", DUCKDB_LOAD.format(threads=threads), *files]
)
validate_wall, validate_peak, _ = run(
    [northstar, "validate", str(data), "--threads", str(threads)]
)
out = data.parent / "bench-out"
build_wall, build_peak, _ = run(
    [northstar, "build", str(data), "--out", str(out), "--threads", str(threads)]
)

print(f"Ingest of {data}: {len(files)} CSV files, {size:.2f} GB, "
      f"{int(duck_rows):,} rows (DuckDB), {threads} threads; whole processes")
print(f"{'':>28} {'seconds':>9} {'peak MiB':>9} {'x DuckDB load':>14}")
for name, wall, peak in [
    ("DuckDB read_csv, typed", duck_wall, duck_peak),
    ("northstar validate", validate_wall, validate_peak),
    ("northstar build", build_wall, build_peak),
]:
    print(f"{name:>28} {wall:>9.2f} {peak:>9,.0f} {wall / duck_wall:>14.2f}")
