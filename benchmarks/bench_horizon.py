"""Benchmark: a multi-year horizon and a policy sweep on Dask (issue 16).

Runs the real command lines in subprocesses, one after the other, each on a Dask
LocalCluster (one worker per core by default):

- ``attribution simulate baseline --years Y --seeds S``: Y consecutive simulated years;
- ``attribution sweep baseline --set quotas.priority_min=0.25:0.45:0.05 --seeds S
  --months M``: five values of the priority floor;

and prints a Markdown block for ``benchmarks/RESULTS.md``: machine, versions, load average
before and after each run, wall time, peak resident memory of the process tree (psutil,
every 0.2 s) and exit code. ``--keep DIR`` keeps the results folders (the calibration
table of docs/scenarios.md is read from the horizon run's kpis).

Usage::

    python benchmarks/bench_horizon.py --years 6 --seeds 2 --sweep-months 12 --keep /tmp/h
    python benchmarks/bench_horizon.py --years 2 --seeds 1 --sweep-months 1   # a quick look

Nothing here is a unit test: timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from _common import machine, publish
from bench_compare import run_once

SWEEP = "quotas.priority_min=0.25:0.45:0.05"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--sweep-months", type=int, default=12)
    parser.add_argument("--sweep-seeds", type=int, default=None)
    parser.add_argument("--skip", choices=["horizon", "sweep"], default=None)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="Seconds per solve (raise it on a loaded machine: a solve "
                             "stopped before it finds anything lets nothing).")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--record", action="store_true", help="Append to RESULTS.md.")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-horizon-"))
    root.mkdir(parents=True, exist_ok=True)
    py = [sys.executable, "-m", "attribution"]
    runs = []
    tl = ["--time-limit", f"{args.time_limit:g}"] if args.time_limit else []
    tl_text = f" --time-limit {args.time_limit:g}" if args.time_limit else ""
    if args.skip != "horizon":
        runs.append((f"simulate baseline --years {args.years} --seeds {args.seeds}{tl_text}"
                     " --task-time-limit 20000",
                     py + ["simulate", "baseline", "--years", str(args.years), "--seeds",
                           str(args.seeds), "--out", str(root / "horizon"), "--force",
                           "--task-time-limit", "20000"] + tl))
    if args.skip != "sweep":
        seeds = args.sweep_seeds or args.seeds
        runs.append((f"sweep baseline --set {SWEEP} --seeds {seeds} --months "
                     f"{args.sweep_months}{tl_text}",
                     py + ["sweep", "baseline", "--set", SWEEP, "--seeds", str(seeds),
                           "--months", str(args.sweep_months), "--out", str(root / "sweep"),
                           "--force"] + tl))
    m = machine(("numpy", "pandas", "ortools", "dask", "distributed"))
    lines = [f"\n## Multi-year horizon and policy sweep on Dask (issue 16) — "
             f"{dt.date.today().isoformat()}\n\n",
             f"Machine: {m['nproc']} cores ({m['cpu']}), Python {m['python']}, OR-Tools "
             f"{m['ortools']}, dask {m['dask']}, distributed {m['distributed']}; shared with "
             f"other jobs (load averages below). Default Dask LocalCluster (one worker per "
             f"core, one thread each).\n\n",
             "| command (`attribution …`) | wall | peak RSS (tree) | exit | load 1/5/15 min "
             "before → after |\n|---|---|---|---|---|\n"]
    for label, command in runs:
        before = os.getloadavg()
        seconds, peak, code = run_once(command)
        after = os.getloadavg()
        lines.append(f"| `{label}` | {seconds:,.0f} s | {peak / 2**20:,.0f} MiB | {code} | "
                     f"{before[0]:.2f}/{before[1]:.2f}/{before[2]:.2f} → "
                     f"{after[0]:.2f}/{after[1]:.2f}/{after[2]:.2f} |\n")
        print(lines[-1], end="", flush=True)
    lines.append(f"\nReproduce: `python benchmarks/bench_horizon.py --years {args.years} "
                 f"--seeds {args.seeds} --sweep-months {args.sweep_months}{tl_text} "
                 f"--record`\n")
    publish("".join(lines), args.record)


if __name__ == "__main__":
    main()
