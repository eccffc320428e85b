"""Benchmark: time limit and memory at scale (issue 10), over both generator profiles.

For every row of the grid, in a fresh process (its own peak RSS): generate the territory
(``write_territory``, cached, not timed), read it, estimate its size
(``models.size.check_memory`` with the default budget, 80 % of the memory available), and
either record the refusal or build the graph and run ``optimizer.solve`` with the row's
``time_limit``. Recorded: the time to the first valid allocation and to the final answer
(both from the start of ``solve``), status and certified gap, whether the limit held
(final ≤ limit × 1.05), graph time, estimated and actual arcs, estimated and peak memory.

Usage::

    python benchmarks/bench_scale.py [--only carene-20k] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _common import machine, publish

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: name, profile, demands, units, time limit (s)
GRID = [("carene-6k-115", "carene", 6_002, 115, 10.0),
        ("carene-6k-1.4k", "carene", 6_002, 1_377, 20.0),
        ("carene-20k-2k", "carene", 20_000, 2_000, 30.0),
        ("carene-100k-3k", "carene", 100_000, 3_000, 60.0),
        ("carene-300k-3k", "carene", 300_000, 3_000, 60.0),
        ("metro-6k-100", "metro", 6_000, 100, 10.0),
        ("metro-30k-6k", "metro", 30_000, 6_000, 30.0),
        ("metro-60k-13k", "metro", 60_000, 13_000, 60.0),
        ("metro-100k-3k", "metro", 100_000, 3_000, 60.0),
        ("metro-300k-3k", "metro", 300_000, 3_000, 60.0)]

MEASURE = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from attribution.models.generator import write_territory
from attribution.models.io.readers import load_territory
from attribution.models.size import RoundTooLarge, check_memory, default_budget, estimate_size
profile, nd, nu, limit, folder = sys.argv[1:6]
folder = Path(folder)
if not folder.exists():
    write_territory(folder, 2025, int(nd), int(nu), profile=profile)
out = {{}}
t = time.perf_counter()
territory = load_territory(folder)
out["read"] = time.perf_counter() - t
t = time.perf_counter()
budget = default_budget()
est = estimate_size(territory)
out.update(estimate=time.perf_counter() - t, est_arcs=est.arcs, est_gib=est.bytes / 2**30,
           budget_gib=budget / 2**30)
if est.bytes > budget:
    out["refused"] = True
else:
    from attribution.models.compatibility import build_problem
    from attribution.optimizer import SolveParams, solve
    t = time.perf_counter()
    problem = build_problem(territory)
    out.update(graph=time.perf_counter() - t, arcs=len(problem.graph))
    del territory
    t = time.perf_counter()
    r = solve(problem, SolveParams(time_limit=float(limit)), seed=0)
    out.update(final=time.perf_counter() - t, status=r.status, gap=r.gap,
               objective=list(r.objective), first=r.stats.get("first_allocation"),
               timings={{k: round(v, 2) for k, v in r.stats["timings"].items()}})
out["rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps(out))
"""


def measure(row: tuple, folder: Path) -> dict:
    _, profile, nd, nu, limit = row
    args = [sys.executable, "-c", MEASURE.format(root=str(ROOT)), profile, str(nd), str(nu),
            str(limit), str(folder)]
    start = time.perf_counter()
    try:
        done = subprocess.run(args, check=True, capture_output=True, text=True,
                              timeout=limit + 1200)
    except subprocess.TimeoutExpired:
        return {"failed": "timeout"}
    except subprocess.CalledProcessError as exc:
        tail = (exc.stderr or "").strip().splitlines()[-1:] or ["?"]
        return {"failed": tail[0][:160]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process"] = time.perf_counter() - start
    return out


def _count(n: float) -> str:
    return f"{n / 1e6:.1f} M" if n >= 1e6 else f"{n / 1e3:.0f} k"


def _cells(row: tuple, r: dict) -> str:
    name, profile, nd, nu, limit = row
    head = f"| {name} | {nd:,} × {nu:,} | {limit:.0f} |"
    if "failed" in r:
        return head + f" failed: {r['failed']} | | | | | | | |"
    est = f"{_count(r['est_arcs'])} / {r['est_gib']:.1f} GiB"
    if r.get("refused"):
        return (head + f" refused by the memory guard (budget {r['budget_gib']:.1f} GiB, "
                f"estimate in {r['estimate']:.1f} s) | — | — | — | — | {est} | — | "
                f"{r['rss_gib']:.2f} |")
    held = "yes" if r["final"] <= 1.05 * limit else f"**no** ({r['final'] / limit:.2f}×)"
    first = "—" if r["first"] is None else f"{r['first']:.1f}"
    return (head + f" {r['status']}, gap {100 * r['gap']:.3f} % | {first} "
            f"| {r['final']:.1f} | {held} | {r['graph']:.1f} | {est} "
            f"| {_count(r['arcs'])} | {r['rss_gib']:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", default=None)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench_scale"))
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()
    rows, raw = [], {}
    for row in GRID:
        if args.only and row[0] not in args.only:
            continue
        r = measure(row, args.work / f"{row[0]}-2025")
        raw[row[0]] = r
        rows.append(_cells(row, r))
        print(rows[-1], json.dumps(r), file=sys.stderr, flush=True)
    m = machine(("ortools", "numpy", "scipy", "psutil"))
    end = os.getloadavg()
    section = f"""
## Time limit and memory at scale (bench_scale.py) — {dt.date.today().isoformat()}

- Machine: {m['nproc']} cores (`nproc`), {m['cpu']}; Python {m['python']}, OR-Tools
  {m['ortools']}, numpy {m['numpy']}, scipy {m['scipy']}. Shared, noisy machine (load
  average {load[0]:.2f} before, {end[0]:.2f} after).
- Territories: `write_territory(seed=2025, profile=...)`; each row a fresh process:
  read, size estimate (`models.size`, default budget = 80 % of the memory available),
  then the graph and `optimizer.solve(SolveParams(time_limit=limit), seed=0)`, 1 worker.
- *first* = seconds from the start of `solve` to the first valid allocation; *final* =
  `solve`'s wall time; *held* = final ≤ 1.05 × limit. The graph is built before `solve`
  and timed apart (the `--time-limit` contract, docs/model.md). Peak RSS of the process.

| row | demands × units | limit (s) | answer | first (s) | final (s) | held | graph (s) | estimate (arcs / memory) | arcs | peak RSS (GiB) |
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Reproduce: `python benchmarks/bench_scale.py --record`
"""
    publish(section, args.record)


if __name__ == "__main__":
    main()
