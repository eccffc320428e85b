"""Benchmark: ``attribution compare`` on three scenarios × N seeds × M months.

Runs the real command line in a subprocess, ``--runs`` times on a Dask LocalCluster
(``--workers``, default one per core) and the same number of times serially without Dask
(``--workers 0``, the baseline; ``--baseline-runs`` times), and prints a Markdown block for ``benchmarks/RESULTS.md``:
machine, versions, instance, seeds, wall time (median and all runs) of both, their ratio,
and the peak resident memory of the whole process tree (client, scheduler and workers,
sampled every 0.2 s with psutil).

Usage::

    python benchmarks/bench_compare.py                      # 3 scenarios × 10 seeds × 12 months
    python benchmarks/bench_compare.py --seeds 2 --months 2 --runs 1   # a quick look

Nothing here is a unit test: timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import psutil

SCENARIOS = ("baseline", "priority-30", "plai-a-supply")


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def run_once(args: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS of the process tree (bytes) and exit code of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, _tree_rss(ps))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(err[-3000:])
    return seconds, peak, proc.returncode


def command(out: Path, seeds: int, months: int, workers: int | None) -> list[str]:
    args = [sys.executable, "-m", "attribution", "compare",
            *SCENARIOS, "--out", str(out), "--seeds", str(seeds), "--months", str(months),
            "--force"]
    if workers is not None:
        args += ["--workers", str(workers)]
    return args


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None,
                        help="Dask workers (default: one per core)")
    parser.add_argument("--baseline-runs", type=int, default=None,
                        help="serial (--workers 0) baseline runs [default: --runs; 0 = none]")
    parser.add_argument("--keep", type=Path, default=None,
                        help="copy the last Dask run's results folder here")
    opts = parser.parse_args()
    results = {}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        n_base = opts.runs if opts.baseline_runs is None else opts.baseline_runs
        modes = [("dask", opts.workers, opts.runs)] + ([("serial", 0, n_base)] if n_base else [])
        for name, workers, n_runs in modes:
            runs = []
            for i in range(n_runs):
                out = Path(tmp) / f"{name}-{i}"
                seconds, peak, code = run_once(command(out, opts.seeds, opts.months, workers))
                print(f"{name} run {i + 1}: {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MiB, "
                      f"exit {code}", file=sys.stderr)
                runs.append((seconds, peak, code))
            results[name] = runs
            if name == "dask" and opts.keep is not None:
                shutil.copytree(out, opts.keep, dirs_exist_ok=True)
    load_after = os.getloadavg()
    dask_runs = results["dask"]
    med = statistics.median(s for s, _, _ in dask_runs)
    lines = [
        f"### attribution compare — {dt.date.today().isoformat()}",
        "",
        f"- machine: `nproc` = {os.cpu_count()}, {cpu_model()}; Python "
        f"{platform.python_version()}; ortools {version('ortools')}, numpy {version('numpy')}, "
        f"pandas {version('pandas')}, dask {version('dask')}, distributed "
        f"{version('distributed')}; load average (1/5/15 min) before "
        f"{'/'.join(f'{x:.2f}' for x in load_before)}, after "
        f"{'/'.join(f'{x:.2f}' for x in load_after)} (the machine is shared)",
        f"- instance: bundled CARENE-like territory (6,002 demands, ~115 units freed a month), "
        f"scenarios {', '.join(SCENARIOS)}; {opts.seeds} seeds (0..{opts.seeds - 1}) × "
        f"{opts.months} months = {len(SCENARIOS) * opts.seeds} simulated years",
        f"- Dask LocalCluster ({'one worker per core' if opts.workers is None else opts.workers} "
        f"workers): median wall {med:.1f} s over {len(dask_runs)} runs "
        f"({', '.join(f'{s:.1f}' for s, _, _ in dask_runs)}); peak RSS of the process tree "
        f"{max(p for _, p, _ in dask_runs) / 2**20:.0f} MiB; exit codes "
        f"{sorted({c for _, _, c in dask_runs})}",
    ]
    if "serial" in results:
        ser = results["serial"]
        smed = statistics.median(s for s, _, _ in ser)
        lines.append(f"- baseline, same run, serial without Dask (`--workers 0`): median wall "
                     f"{smed:.1f} s over {len(ser)} runs ({', '.join(f'{s:.1f}' for s, _, _ in ser)})"
                     f"; peak RSS {max(p for _, p, _ in ser) / 2**20:.0f} MiB; ratio serial / "
                     f"Dask = {smed / med:.2f}")
    lines.append(f"- reproduce: `python benchmarks/bench_compare.py --seeds {opts.seeds} "
                 f"--months {opts.months} --runs {opts.runs}"
                 f"{'' if opts.workers is None else f' --workers {opts.workers}'}"
                 f"{'' if opts.baseline_runs is None else f' --baseline-runs {opts.baseline_runs}'}`")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
