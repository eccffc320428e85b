"""Benchmark: exact shortlist pricing of the bundled round, this code against a baseline.

Each run is a fresh process that solves the bundled round, then times the warm
re-optimiser's set-up and ``build_shortlists`` with exact pricing in one process (the
forked share disabled, so that the figure is the work itself, not how it is shared). With
``--baseline-src DIR`` (``DIR/attribution`` another checkout, e.g. ``git archive`` of the
commit before a change), the same is run on it, interleaved. Prints CPU and wall time,
the number of alternatives that needed a re-optimisation (LP and CP-SAT), and whether
the two shortlist tables are identical.

Usage::

    python benchmarks/bench_pricing.py [--runs 3] [--baseline-src DIR] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from _common import interleaved, machine, publish, run_script, side_by_side

SCRIPT = r"""
import hashlib, json, time
import numpy as np
from attribution import optimizer
from attribution.models.compatibility import build_problem
from attribution.models.generator import bundled_territory_path
from attribution.models.io.readers import load_territory
from attribution.optimizer import SolveParams
from attribution.optimizer.reoptimize import Reoptimizer
from attribution.reporting.analysis import shortlists
from attribution.reporting.analysis.moves import MoveChecker

shortlists._processes = lambda n, params: 1      # the work itself, in this process
problem = build_problem(load_territory(bundled_territory_path()))
result = optimizer.solve(problem, SolveParams(), seed=0)
arcs = np.sort(np.asarray(result.arcs))
cpu, wall = time.process_time(), time.perf_counter()
reopt = Reoptimizer(problem, arcs, SolveParams(), 0, time_limit=5.0)
table, summary = shortlists.build_shortlists(
    problem, arcs, MoveChecker(problem, arcs, problem.quotas), optimizer.solve,
    SolveParams(), 0, shortlists.ShortlistParams(), reopt=reopt)
print(json.dumps({
    "cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
    "solved": reopt.stats["lp"] + reopt.stats["cpsat"] + reopt.stats["not_proven"],
    "pricing": summary["pricing"],
    "table": hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    runs = interleaved(lambda src: run_script(SCRIPT, [], src), args.runs,
                       args.baseline_src)
    load_after = os.getloadavg()
    info = machine(("numpy", "scipy", "ortools"))
    lines = [f"\n## Exact shortlist pricing of the bundled round (bench_pricing.py) — "
             f"{dt.date.today()}\n",
             f"- Machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}, "
             f"numpy {info['numpy']}, scipy {info['scipy']}, ortools {info['ortools']}; "
             f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after.",
             "- Measured: the warm re-optimiser's set-up and `build_shortlists` (exact "
             f"pricing, one process), {args.runs} fresh processes each, interleaved.\n",
             "| code | re-optimised alternatives | CPU (s) | median CPU | median wall |",
             "|---|---|---|---|---|"]
    rows, med = side_by_side(runs, "cpu", "solved")
    lines += rows
    if "baseline" in runs:
        same = {r["table"] for r in runs["baseline"] + runs["this code"]}
        lines += ["", f"CPU ratio this code / baseline: **{med['this code'] / med['baseline']:.2f}×**; "
                  f"shortlist tables identical across all runs: {len(same) == 1}."]
    lines += ["", "Reproduce: `python benchmarks/bench_pricing.py --runs 3 --baseline-src DIR`", ""]
    publish("\n".join(lines), args.record)


if __name__ == "__main__":
    main()
