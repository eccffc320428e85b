"""Cost of explaining a round: the results folder against the solve it explains.

For the bundled carene-round (and optionally a generated carene-year), measures in one
fresh process per run: the optimizer's solve (the baseline), ``reporting.compute`` with
the default pricing (shortlists by direct moves when exact re-solves are not affordable,
quota prices by re-solves) and ``reporting.write`` (CSV, JSON, HTML, XLSX, atomic rename).
Median of ``--runs`` runs; peak RSS of each run's process.

    python benchmarks/bench_reporting.py --runs 3 [--year] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(instance: str, seed: int) -> dict:
    """Time the three phases once (in this process)."""
    sys.path.insert(0, str(ROOT))
    from attribution.models.compatibility import build_problem
    from attribution.models.generator import bundled_territory_path, write_territory
    from attribution.models.io.readers import load_territory
    from attribution.optimizer import SolveParams, solve
    from attribution.reporting.results import compute, write

    with tempfile.TemporaryDirectory() as tmp:
        if instance == "carene-round":
            path = bundled_territory_path()
        else:
            path = write_territory(Path(tmp) / "t", seed, 6002, 1377)
        problem = build_problem(load_territory(path))
        params = SolveParams(time_limit=120)
        t0 = time.perf_counter()
        result = solve(problem, params, seed=0)
        t_solve = time.perf_counter() - t0
        t0 = time.perf_counter()
        computed = compute(problem, result, solve=solve, params=params, seed=0)
        t_compute = time.perf_counter() - t0
        t0 = time.perf_counter()
        write(computed, Path(tmp) / "results", problem=problem, seed=0, params=params,
              options={}, source_label=instance)
        t_write = time.perf_counter() - t0
    return {"solve": t_solve, "compute": t_compute, "write": t_write,
            "status": result.status, "arcs": len(problem.graph),
            "pricing": computed.kpis["shortlists"]["pricing"],
            "quota_prices": len(computed.tables["quota_prices"]),
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--year", action="store_true", help="also carene-year (6,002 × 1,377)")
    ap.add_argument("--record", action="store_true", help="append to RESULTS.md")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one_run(args.child, args.seed)))
        return
    rows = []
    for instance in ["carene-round"] + (["carene-year"] if args.year else []):
        runs = [json.loads(subprocess.run(
            [sys.executable, __file__, "--child", instance, "--seed", str(args.seed)],
            check=True, capture_output=True, text=True).stdout.splitlines()[-1])
            for _ in range(args.runs)]
        med = {k: statistics.median(r[k] for r in runs) for k in ("solve", "compute", "write",
                                                                   "rss_mib")}
        rows.append((instance, runs[0], med))
        print(instance, runs[0]["status"], {k: round(v, 3) for k, v in med.items()},
              runs[0]["pricing"], runs[0]["quota_prices"])
    if args.record:
        record(rows, args)


def record(rows, args) -> None:
    import numpy
    import ortools
    import pandas
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    lines = [f"\n## Results folder: cost of explaining a round (bench_reporting.py) — "
             f"{dt.date.today().isoformat()}\n",
             f"- Machine: {os.cpu_count()} cores (`nproc`), {cpu}; Python "
             f"{platform.python_version()}, ortools {ortools.__version__}, numpy "
             f"{numpy.__version__}, pandas {pandas.__version__}. Shared, noisy machine.",
             f"- Each run in a fresh process; median of {args.runs} runs. Baseline measured in "
             "the same run: the optimizer's `solve` on the same problem (seed 0, 1 worker). "
             "`compute` = outcomes, decisions, shortlists (default pricing), quota prices "
             "(re-solves), report; `write` = every file and the atomic rename.\n",
             "| instance | arcs | solve status | solve (s) | compute (s) | write (s) | "
             "(compute + write) / solve | shortlist pricing | quotas priced | peak RSS (MiB) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for instance, first, med in rows:
        ratio = (med["compute"] + med["write"]) / med["solve"]
        lines.append(f"| {instance} | {first['arcs']:,} | {first['status']} | "
                     f"{med['solve']:.2f} | {med['compute']:.2f} | {med['write']:.2f} | "
                     f"{ratio:.1f}× | {first['pricing']} | {first['quota_prices']} | "
                     f"{med['rss_mib']:.0f} |")
    lines.append(f"\nReproduce: `python benchmarks/bench_reporting.py --runs {args.runs}"
                 f"{' --year' if args.year else ''} --record`\n")
    with open(ROOT / "benchmarks" / "RESULTS.md", "a", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
