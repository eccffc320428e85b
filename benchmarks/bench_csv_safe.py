"""Cost of the reliability guards of issue 10 against the work they guard.

1. People-facing CSVs are neutralised (``reporting.files.csv_safe.write_csv``) before
   ``DataFrame.to_csv``: measured against ``to_csv`` alone on a decisions-like table
   (8 text columns of ids and names, 4 numeric), one row in 50 beginning with ``=``.
2. ``--force`` checks every file of the old results folder against the manifest's
   SHA-256 (``models.io.folders.check_target``): measured on a folder of the same CSVs,
   against reading those bytes once (the I/O floor).

Usage: ``python benchmarks/bench_csv_safe.py [--rows 60000 300000] [--runs 3] [--record]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import machine, publish
from attribution.models.io import folders
from attribution.reporting.files.csv_safe import write_csv


def table(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.array([f"D{i:07d}" for i in range(rows)], dtype=object)
    ids[::50] = [f"=D{i:07d}" for i in range(0, rows, 50)]
    names = np.array(["Saint-Nazaire", "Pornichet", "-Trignac", "Donges"], dtype=object)
    frame = {f"text{k}": (ids if k == 0 else names[rng.integers(0, 4, rows)])
             for k in range(8)}
    frame.update({f"num{k}": rng.integers(-100, 10_000, rows) for k in range(4)})
    return pd.DataFrame(frame)


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[60_000, 300_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            df = table(rows)
            plain, safe = [], []
            for _ in range(args.runs):  # interleaved
                plain.append(_time(lambda df=df: df.to_csv(Path(tmp) / "plain.csv",
                                                           index=False, lineterminator="\n")))
                safe.append(_time(lambda df=df: write_csv(df, Path(tmp) / "safe.csv")))
            folder = Path(tmp) / f"results-{rows}"
            folder.mkdir()
            outputs = {}
            for k in range(5):
                write_csv(df, folder / f"t{k}.csv")
                outputs[f"t{k}.csv"] = folders.sha256_file(folder / f"t{k}.csv")
            (folder / "manifest.json").write_text(json.dumps(
                {"tool": "attribution", "version": "bench", "kind": "results",
                 "outputs": outputs}))
            size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
            check, floor = [], []
            for _ in range(args.runs):
                check.append(_time(lambda f=folder: folders.check_target(
                    f, force=True, kinds=folders.RESULTS_KINDS)))
                floor.append(_time(lambda f=folder: [hashlib.sha1(p.read_bytes()) for p in
                                                     f.iterdir()]))
            p, s = statistics.median(plain), statistics.median(safe)
            c, f = statistics.median(check), statistics.median(floor)
            lines.append(f"| {rows:,} × 12 | {p:.3f} | {s:.3f} | {s / p:.2f}× | "
                         f"{size:.0f} MiB | {c:.3f} | {f:.3f} | {c / f:.2f}× |")
    m = machine(("numpy", "pandas", "pyarrow"))
    section = (
        f"\n## Reliability guards: CSV neutralisation and the --force check (bench_csv_safe.py)"
        f" — {dt.date.today().isoformat()}\n\n"
        f"- Machine: {m['nproc']} cores, {m['cpu']}; Python {m['python']}, numpy "
        f"{m['numpy']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}. Shared, noisy machine: "
        f"1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
        "compare the ratios, measured side by side in the same run.\n"
        f"- Median of {args.runs} interleaved runs. Table: 8 text columns (ids, names; one "
        "row in 50 begins with `=`, a quarter of the names with `-`), 4 integer columns.\n\n"
        "| table | to_csv (s) | write_csv, neutralised (s) | ratio | results folder (5 such "
        "CSVs) | --force check (s) | read + SHA-1 floor (s) | ratio |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n\n"
        f"Reproduce: `python benchmarks/bench_csv_safe.py --runs {args.runs}`\n")
    publish(section, args.record)


if __name__ == "__main__":
    main()
