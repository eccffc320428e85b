"""Benchmark: the main job as a user runs it (issue 12).

``attribution solve --out DIR --force`` on the bundled territory — a fresh process, every
file written, quota prices and shortlist costs exact — against ``attribution validate``
on the same folder, measured in the same run, interleaved (median of ``--runs``). Each
command is a separate ``python -m attribution`` process; its wall time and peak RSS
(``wait4``) are recorded.

Then one more fresh process runs the same command in-process with timers around each
phase (no profiler overhead): import, read, score, graph, solve, explain, warm start of
the re-optimisations, shortlists, quota prices, the rest of the tables (KPIs, aggregates,
HTML), and the writing of the folder with the workbook's share.

Usage::

    python benchmarks/bench_main.py [--runs 3] [--record] [--baseline-src DIR]

``--baseline-src DIR``: ``DIR/attribution`` is another checkout (e.g. ``git archive`` of
the commit before a change); its ``solve`` is timed in the same run, interleaved.

Targets (issue 12): solve ≤ 2 s wall and ≤ 4 × validate.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, publish

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

PHASES = """
import json, resource, sys, time
t_start = time.perf_counter()
from attribution import cli
import attribution.optimizer as opt
from attribution.models import compatibility
from attribution.reporting import command, results
t_import = time.perf_counter() - t_start
spent = {}

def timed(module, name, key):
    inner = getattr(module, name)
    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return inner(*a, **k)
        finally:
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - t
    setattr(module, name, wrapper)

timed(command, "load_territory", "read")
timed(compatibility, "score", "score")
timed(compatibility, "build_graph", "graph")
timed(opt, "solve", "solve")
for name in ("MoveChecker", "classify", "decisions_table"):
    timed(results, name, "explain")
timed(results, "warm_reoptimizer", "warm start")
# shortlists: the start (direct moves, reduced-cost pricing, the fork when a core is idle)
# plus the finish (this process's share of the re-optimisations, waiting for the forked
# one's, the table); explanations and quota prices run in between
from attribution.reporting.analysis import shortlists as shortlists_module
timed(results, "start_shortlists", "shortlists")
timed(shortlists_module.PendingShortlists, "finish", "shortlists")
_processes = shortlists_module._processes
def counted(*a, **k):
    n = _processes(*a, **k)
    spent["pricing processes"] = n
    return n
shortlists_module._processes = counted
timed(results, "quota_prices", "quota prices")
timed(results, "compute", "compute")
timed(results, "write_xlsx", "workbook")
timed(results, "write", "write")
t = time.perf_counter()
try:
    cli.main(["solve", "--out", sys.argv[1], "--force", "-q"], standalone_mode=False)
except SystemExit:
    pass
spent["command"] = time.perf_counter() - t
spent["import"] = t_import
spent["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kpis = json.load(open(sys.argv[1] + "/kpis.json"))
spent["pricing"] = kpis["shortlists"]["pricing"]
spent["quota_prices_computed"] = kpis["quota_prices_computed"]
spent["status"] = kpis["status"]
print(json.dumps(spent))
"""


def _timed(args: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit code of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=ROOT if env is None else "/", env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--record", action="store_true",
                        help="append the section to benchmarks/RESULTS.md")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="a folder holding another checkout as 'attribution/' (e.g. "
                             "the commit before a change): its solve is timed in the same "
                             "run, interleaved (PYTHONPATH)")
    args = parser.parse_args()
    py = [sys.executable, "-m", "attribution"]
    # Bytecode compiled first, as a regular install has it: an environment with
    # PYTHONDONTWRITEBYTECODE and an editable install would otherwise recompile every
    # source at every start (≈ 0.24 s of `solve`, less of `validate`).
    import attribution
    trees = [Path(attribution.__file__).resolve().parent]
    if args.baseline_src is not None:
        trees.append(args.baseline_src.resolve() / "attribution")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for tree in trees:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree)], check=True,
                       env=clean, stdout=subprocess.DEVNULL)
    load_before = os.getloadavg()
    rows = {"solve": [], "validate": []}
    if args.baseline_src is not None:
        rows["baseline solve"] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "results")
        for _ in range(args.runs):
            todo = [("validate", py + ["validate"], None),
                    ("solve", py + ["solve", "--out", out, "--force", "-q"], None)]
            if args.baseline_src is not None:
                env = {**os.environ, "PYTHONPATH": str(args.baseline_src.resolve())}
                todo.append(("baseline solve", py + ["solve", "--out", out + "-base",
                                                     "--force", "-q"], env))
            for name, cmd, env in todo:
                wall, rss, code = _timed(cmd, env)
                if code != 0:
                    raise SystemExit(f"{' '.join(cmd)} exited with {code}")
                rows[name].append((wall, rss))
        proc = subprocess.run([sys.executable, "-c", PHASES, out], capture_output=True,
                              text=True, cwd=ROOT, check=True)
        phases = json.loads(proc.stdout.strip().splitlines()[-1])
        kpis = json.loads((Path(out) / "kpis.json").read_text())
    load_after = os.getloadavg()
    med = {k: statistics.median(w for w, _ in v) for k, v in rows.items()}
    rss = {k: max(r for _, r in v) for k, v in rows.items()}
    ratio = med["solve"] / med["validate"]
    info = machine(("numpy", "pandas", "scipy", "ortools", "openpyxl"))
    p = phases
    explained = ("read", "score", "graph", "solve", "explain", "warm start", "shortlists",
                 "quota prices")
    other = p["compute"] - sum(p.get(k, 0.0) for k in ("explain", "warm start",
                                                        "shortlists", "quota prices"))
    lines = [f"\n## The main job as a user runs it (bench_main.py) — {dt.date.today()}\n",
             f"- Machine: {info['nproc']} cores (`nproc`), {info['cpu']}; Python "
             f"{info['python']}, numpy {info['numpy']}, pandas {info['pandas']}, scipy "
             f"{info['scipy']}, ortools {info['ortools']}, openpyxl {info['openpyxl']}. "
             f"Shared, noisy machine: load average {load_before[0]:.2f} before, "
             f"{load_after[0]:.2f} after.",
             "- Instance: the bundled territory (6,002 demands × 115 units, 266,649 arcs since issue 9).",
             f"- Result: {kpis['status']}, shortlist pricing `{kpis['shortlists']['pricing']}`"
             f", quota prices computed: {kpis['quota_prices_computed']}.",
             f"- Each command a fresh `python -m attribution` process, {args.runs} runs "
             "interleaved; wall time and peak RSS of the process.\n",
             "| command | median wall (s) | runs (s) | peak RSS (MiB) |", "|---|---|---|---|"]
    labels = [("solve", "`attribution solve --out DIR --force`"),
              ("validate", "`attribution validate`")]
    if args.baseline_src is not None:
        labels.append(("baseline solve", f"baseline: the same solve from "
                                          f"`{args.baseline_src}`"))
    for name, cmd in labels:
        runs = ", ".join(f"{w:.2f}" for w, _ in rows[name])
        lines.append(f"| {cmd} | {med[name]:.2f} | {runs} | {rss[name]:.0f} |")
    target = "met" if med["solve"] <= 2.0 and ratio <= 4.0 else "not met"
    lines += ["", f"Ratio solve / validate: **{ratio:.2f}×** (target ≤ 4×, ≤ 2 s: "
              f"{target})."]
    if args.baseline_src is not None:
        base = med["baseline solve"]
        lines += [f"Baseline solve / validate: {base / med['validate']:.2f}×; this solve / "
                  f"baseline solve: **{med['solve'] / base:.2f}×**."]
    lines += ["",
              "Phases of one more fresh process (in-process timers, no profiler; "
              f"command {p['command']:.2f} s + imports {p['import']:.2f} s, peak RSS "
              f"{p['rss_mib']:.0f} MiB; shortlist re-optimisations shared by "
              f"{p.get('pricing processes', 1)} process(es): a second one is forked only "
              "when a core is idle, and then works while the explanations and quota "
              "prices are computed):", "",
              "| phase | seconds | share of the command |", "|---|---|---|"]
    for key in ("import",) + explained:
        v = p.get(key, 0.0)
        lines.append(f"| {key} | {v:.3f} | {v / p['command']:.0%} |")
    lines.append(f"| other tables (KPIs, aggregates, HTML) | {other:.3f} | "
                 f"{other / p['command']:.0%} |")
    lines.append(f"| write (all files) | {p['write']:.3f} | {p['write'] / p['command']:.0%} |")
    lines.append(f"| … of which results.xlsx | {p['workbook']:.3f} | "
                 f"{p['workbook'] / p['command']:.0%} |")
    lines += ["", "Reproduce: `python benchmarks/bench_main.py --runs 3`", ""]
    publish("\n".join(lines), args.record)


if __name__ == "__main__":
    main()
