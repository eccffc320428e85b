"""Benchmark: generating and writing synthetic territories (carene-round, carene-year, metro-year).

Target (issue 2 / performance.md): 60,000 demands × 13,000 units generate in a few
seconds. Measured, each in a fresh subprocess (its own peak RSS):

- ``generate``: :func:`models.generator.generate_territory` (in memory);
- ``write``: :func:`models.generator.write_territory` (generation + CSV/TOML + atomic rename);
- baseline, same run: ``DataFrame.to_csv`` of the same two frames into a temporary folder,
  without any generation — the I/O floor any writer pays.

Usage::

    python benchmarks/bench_generator.py [--runs 3] [--seed 2025] [--record]

``--record`` appends the Markdown section to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
from pathlib import Path

from _common import machine, publish

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INSTANCES = [("carene-round", "carene", 6002, 115), ("carene-year", "carene", 6002, 1377),
             ("metro-year", "metro", 60000, 13000)]

MEASURE = """
import json, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {root!r})
from attribution.models.generator import generate_territory, write_territory
what, profile, nd, nu, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
with tempfile.TemporaryDirectory() as tmp:
    if what == "generate":
        t = time.perf_counter(); generate_territory(seed, nd, nu, profile=profile)
        wall = time.perf_counter() - t
    elif what == "write":
        t = time.perf_counter(); write_territory(Path(tmp) / "t", seed, nd, nu, profile=profile)
        wall = time.perf_counter() - t
    else:
        d, u, _ = generate_territory(seed, nd, nu, profile=profile)
        t = time.perf_counter()
        d.to_csv(Path(tmp) / "demands.csv", index=False); u.to_csv(Path(tmp) / "units.csv", index=False)
        wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"wall": wall, "rss_mib": rss}}))
"""
WHATS = ("generate", "write", "baseline")


def measure(what: str, profile: str, nd: int, nu: int, seed: int) -> dict:
    code = MEASURE.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, what, profile, str(nd), str(nu), str(seed)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    rows = []
    for name, profile, nd, nu in INSTANCES:
        runs = {w: [] for w in WHATS}
        for _ in range(args.runs):  # interleaved, so that machine noise hits all alike
            for what in WHATS:
                runs[what].append(measure(what, profile, nd, nu, args.seed))
        med = {w: statistics.median(r["wall"] for r in rs) for w, rs in runs.items()}
        rss = {w: max(r["rss_mib"] for r in rs) for w, rs in runs.items()}
        rows.append(f"| {name} ({nd:,} × {nu:,}) | {med['generate']:.3f} | {med['write']:.3f} "
                    f"| {med['baseline']:.3f} | {med['write'] / med['baseline']:.2f}× "
                    f"| {rss['generate']:.0f} / {rss['write']:.0f} |")
    m = machine(("numpy", "pandas"))
    section = f"""
## Generating synthetic territories (bench_generator.py) — {dt.date.today().isoformat()}

- Machine: {m['nproc']} cores (`nproc`), {m['cpu']}; Python {m['python']}, numpy {m['numpy']},
  pandas {m['pandas']}. Shared, noisy machine.
- Instances: `models.generator` with seed {args.seed}, default round date 2025-03-01.
- Measured: `generate_territory` (in memory) and `write_territory` (generation, CSV and
  TOML, atomic rename). Baseline in the same run: `DataFrame.to_csv` of the same two frames
  with no generation (the I/O floor). Each run a fresh process; {args.runs} runs, interleaved;
  medians.

| instance | generate (s) | write (s) | baseline to_csv (s) | write / baseline | peak RSS generate / write (MiB) |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Target: metro-year generated in a few seconds.

Reproduce: `python benchmarks/bench_generator.py --runs {args.runs} --seed {args.seed}`
"""
    publish(section, args.record)


if __name__ == "__main__":
    main()
