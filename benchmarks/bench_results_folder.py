"""The results folder's own pieces, after the solve (issue 12, write12): CPU seconds of
each, this checkout against a baseline checkout, side by side in the same run.

On the bundled round, solved once per process: the outcome of every demand
(``classify``), the decisions table and its texts, the agenda (table and page), the
tables relabelled for people, the workbook, the CSV files, and the whole
``reporting.results.write``.
Shortlist pricing and quota prices are left out (``solve=None``: the tables are those of
``--shortlists bound``), they have their own benchmarks. Each figure is the minimum over
``--repeat`` calls of CPU time (``time.process_time``: less sensitive than wall time to a
busy machine), except the ``wall`` row (median of wall times).

Usage::

    python benchmarks/bench_results_folder.py [--repeat 5] [--baseline-src DIR] [--record]

``--baseline-src DIR``: ``DIR/attribution`` is another checkout (``git archive`` of the
commit before a change); its figures come from a fresh process with ``PYTHONPATH=DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from _common import machine, publish

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, shutil, statistics, sys, tempfile, time
from pathlib import Path
import numpy as np
from attribution import optimizer
from attribution.models.compatibility import build_problem
from attribution.models.generator import bundled_territory_path
from attribution.models.io.readers import load_territory
from attribution.optimizer.params import SolveParams
from attribution.reporting import results
from attribution.reporting.analysis.moves import MoveChecker
from attribution.reporting.analysis.outcomes import classify
from attribution.reporting.files.csv_safe import write_csv
from attribution.reporting.tables.agenda import agenda_table, render_agenda
from attribution.reporting.tables.decisions import decisions_table
from attribution.reporting.text.people import people_tables

repeat = int(sys.argv[1])
problem = build_problem(load_territory(bundled_territory_path()))
result = optimizer.solve(problem, SolveParams(), seed=0)
computed = results.compute(problem, result, solve=None, params=SolveParams(), seed=0)
arcs = np.sort(np.asarray(result.arcs, dtype=np.int64))
tmp = tempfile.mkdtemp()
out = {}

def cpu(name, fn):
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    out[name] = best

def wall(name, fn):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    out[name] = statistics.median(runs)

checker = MoveChecker(problem, arcs, problem.quotas)
cpu("classify", lambda: classify(problem, arcs, checker))
outcomes = classify(problem, arcs, checker)
cpu("decisions table and texts", lambda: decisions_table(problem, arcs, outcomes, True, None))
t = computed.tables
meta = {"territory": "t", "round_date": problem.territory.policy.territory.round_date,
        "source": "", "seed": 0, "version": "", "demands": 0, "units": 0, "inputs": {}}
cpu("agenda (table and page)", lambda: render_agenda(
    agenda_table(problem, t["shortlists"], t["decisions"], None), meta))
shown = {k: t[k] for k in results.XLSX_SHEETS if k in t}
cpu("tables relabelled for people", lambda: people_tables(shown))
cpu("results.xlsx (people tables included)",
    lambda: results.write_workbook(Path(tmp) / "r.xlsx", t))
cpu("CSV files", lambda: [write_csv(t[n], Path(tmp) / f"{n}.csv") for n in results.CSV_FILES])

def write():
    results.write(computed, Path(tmp) / "folder", problem=problem, seed=0,
                  params=SolveParams(), options={}, source_label="", force=True)

cpu("write()", write)
wall("write(), wall", write)
shutil.rmtree(tmp)
print(json.dumps(out))
"""


def measure(repeat: int, src: Path | None) -> dict[str, float]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    proc = subprocess.run([sys.executable, "-c", CHILD, str(repeat)], capture_output=True,
                          text=True, env=env, cwd="/" if src is not None else ROOT)
    if proc.returncode:
        raise SystemExit(f"the measuring process failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--record", action="store_true",
                        help="append the section to benchmarks/RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()
    base = measure(args.repeat, args.baseline_src) if args.baseline_src else None
    new = measure(args.repeat, None)
    load_after = os.getloadavg()
    info = machine(("numpy", "pandas", "xlsxwriter"))
    lines = ["\n### The results folder's pieces (bench_results_folder.py)\n",
             f"- Machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}, "
             f"numpy {info['numpy']}, pandas {info['pandas']}, XlsxWriter "
             f"{info['xlsxwriter']}. Load average {load_before[0]:.2f} before, "
             f"{load_after[0]:.2f} after.",
             f"- Bundled round, tables without pricing; CPU seconds, minimum of "
             f"{args.repeat} (the wall row: median wall seconds).\n"]
    if base is not None:
        lines += ["| piece | baseline | this checkout | ratio |", "|---|---|---|---|"]
        for key, value in new.items():
            b = base.get(key)
            lines.append(f"| {key} | {b:.3f} | {value:.3f} | {value / b:.2f}× |"
                         if b else f"| {key} | – | {value:.3f} | |")
    else:
        lines += ["| piece | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in new.items()]
    lines += ["", "Reproduce: `python benchmarks/bench_results_folder.py --repeat "
              f"{args.repeat}" + (f" --baseline-src {args.baseline_src}`"
                                  if args.baseline_src else "`"), ""]
    publish("\n".join(lines), args.record)


if __name__ == "__main__":
    main()
