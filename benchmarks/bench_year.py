"""Benchmark: one simulated year (12 monthly rounds) of a shipped scenario, solver time.

Each run is a fresh process: ``prepare(load_scenario(NAME).with_simulation(months=12))``
then ``simulate_year(prepared, seed)`` (no Dask, nothing written). Records the wall time of
the year, the solver time (the sum of the rounds' ``solve_seconds``: every pass's problem
building and solve), the number of passes, and a hash of the year's decisions (the
attributions and rounds' offers), so that a baseline checkout given with
``--baseline-src DIR`` (``DIR/attribution``) is compared side by side, interleaved, on the
same decisions. Issue 12's target: ≤ 3 s of solver time for the bundled baseline year.

Usage::

    python benchmarks/bench_year.py [--scenario baseline] [--seed 0] [--runs 3]
                                    [--baseline-src DIR] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from _common import interleaved, machine, publish, run_script, side_by_side

SCRIPT = r"""
import hashlib, json, sys, time
from attribution.scenarios.simulation import prepare, simulate_year
from attribution.scenarios.spec import load_scenario

name, seed = sys.argv[1], int(sys.argv[2])
prepared = prepare(load_scenario(name).with_simulation(months=12))
start = time.perf_counter()
year = simulate_year(prepared, seed)
wall = time.perf_counter() - start
frames = {k: v for k, v in vars(year).items() if hasattr(v, "to_csv")}
solver = float(frames["rounds"]["solve_seconds"].sum()) if "rounds" in frames else float("nan")
passes = int(frames["rounds"]["passes"].sum()) if "rounds" in frames else -1
decided = {k: v.drop(columns=[c for c in ("solve_seconds", "statuses", "clock_bound")
                              if c in v.columns]).to_csv(index=False)
           for k, v in sorted(frames.items())}
print(json.dumps({"wall": wall, "solver": solver, "passes": passes,
                  "decisions": hashlib.sha256(json.dumps(decided).encode()).hexdigest()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    runs = interleaved(lambda src: run_script(SCRIPT, [args.scenario, str(args.seed)], src),
                       args.runs, args.baseline_src)
    load_after = os.getloadavg()
    info = machine(("numpy", "pandas", "scipy", "ortools"))
    lines = [f"\n## A simulated year, solver time (bench_year.py) — {dt.date.today()}\n",
             f"- Machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}, "
             f"ortools {info['ortools']}, scipy {info['scipy']}; load average "
             f"{load_before[0]:.2f} before, {load_after[0]:.2f} after.",
             f"- Scenario `{args.scenario}`, seed {args.seed}, 12 monthly rounds; "
             f"{args.runs} fresh processes each, interleaved.\n",
             "| code | passes | solver time (s), runs | median solver | median wall |",
             "|---|---|---|---|---|"]
    rows, med = side_by_side(runs, "solver", "passes")
    lines += rows
    if "baseline" in runs:
        same = {r["decisions"] for r in runs["baseline"] + runs["this code"]}
        lines += ["", f"Solver time this code / baseline: "
                  f"**{med['this code'] / med['baseline']:.2f}×**; the same decisions in "
                  f"every run: {len(same) == 1}."]
    target = "met" if med["this code"] <= 3.0 else "not met"
    lines += [f"Target ≤ 3 s of solver time: {target}.", "",
              f"Reproduce: `python benchmarks/bench_year.py --scenario {args.scenario} "
              f"--seed {args.seed} --runs {args.runs}"
              + (" --baseline-src DIR" if args.baseline_src else "") + "`", ""]
    publish("\n".join(lines), args.record)


if __name__ == "__main__":
    main()
