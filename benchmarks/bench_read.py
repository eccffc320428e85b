"""Benchmark: reading and validating a territory of 100,000 demands from CSV.

Target (issue 2): ``load_territory`` on 100,000 demands well under 2 s. Baseline measured
in the same run: a plain ``pandas.read_csv`` of the same demands file with default type
inference and no validation at all (what any reader must pay at least to parse the text).

Every measurement runs in a fresh subprocess so that its peak RSS is its own. Usage::

    python benchmarks/bench_read.py [--demands 100000] [--units 1000] [--seed 7] [--runs 5]
                                    [--record]

``--record`` appends the Markdown section to ``benchmarks/RESULTS.md``.
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
from pathlib import Path

from _common import machine, publish

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
what, folder = sys.argv[1], sys.argv[2]
if what == "load":
    from attribution.models.io.readers import load_territory
    t = time.perf_counter(); territory = load_territory(folder); wall = time.perf_counter() - t
    n = len(territory.demands)
else:
    import pandas as pd
    t = time.perf_counter(); df = pd.read_csv(folder + "/demands.csv"); wall = time.perf_counter() - t
    n = len(df)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"wall": wall, "rss_mib": rss, "rows": n}}))
"""


def measure(what: str, folder: Path) -> dict:
    code = MEASURE.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, what, str(folder)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--demands", type=int, default=100_000)
    ap.add_argument("--units", type=int, default=1_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from attribution.models.generator import write_territory

    with tempfile.TemporaryDirectory() as tmp:
        folder = write_territory(Path(tmp) / "territory", seed=args.seed,
                                 n_demands=args.demands, n_units=args.units)
        size_mb = (folder / "demands.csv").stat().st_size / 1e6
        ncols = len((folder / "demands.csv").open(encoding="utf-8").readline().split(","))
        runs = {"load": [], "baseline": []}
        for _ in range(args.runs):  # interleaved, so that machine noise hits both alike
            for what in runs:
                runs[what].append(measure(what, folder))
    load = os.getloadavg()
    med = {w: statistics.median(r["wall"] for r in rs) for w, rs in runs.items()}
    rss = {w: max(r["rss_mib"] for r in rs) for w, rs in runs.items()}
    m = machine(("numpy", "pandas", "pyarrow"))
    cmd = (f"python benchmarks/bench_read.py --demands {args.demands} --units {args.units} "
           f"--seed {args.seed} --runs {args.runs}")
    section = f"""
## Reading and validating demands from CSV (bench_read.py) — {dt.date.today().isoformat()}

- Machine: {m['nproc']} cores (`nproc`), {m['cpu']}; Python {m['python']}, numpy {m['numpy']},
  pandas {m['pandas']}, pyarrow {m['pyarrow']}. Shared, noisy machine (load average
  {load[0]:.2f} / {load[1]:.2f} over 1 / 5 min at the end of the runs).
- Instance: `models.generator.write_territory(seed={args.seed}, n_demands={args.demands:,},
  n_units={args.units:,})`: demands.csv {size_mb:.1f} MB, {ncols} columns.
- Measured: `models.io.readers.load_territory(folder)` — reading demands.csv, units.csv and
  policy.toml, validating every cell and rule, building the frozen arrays, hashing the
  files. Baseline in the same run: `pandas.read_csv(demands.csv)` with type inference and
  no validation. Each run is a fresh process; {args.runs} runs each, interleaved.

| what | median wall (s) | runs (s) | peak RSS (MiB) |
|---|---|---|---|
| load_territory (read + validate) | {med['load']:.3f} | {', '.join(f"{r['wall']:.3f}" for r in runs['load'])} | {rss['load']:.0f} |
| baseline: pandas.read_csv | {med['baseline']:.3f} | {', '.join(f"{r['wall']:.3f}" for r in runs['baseline'])} | {rss['baseline']:.0f} |

Ratio load_territory / baseline: **{med['load'] / med['baseline']:.2f}×**. Target: well
under 2 s → {'met' if med['load'] < 2 else 'NOT met'} ({med['load']:.2f} s).

Reproduce: `{cmd}`
"""
    publish(section, args.record)


if __name__ == "__main__":
    main()
