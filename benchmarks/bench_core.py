"""Benchmark: scoring 1,000,000 demands and the compatibility graph of a métropole.

Targets (issue 3): ``models.score`` on 1,000,000 demands ≤ 0.3 s; ``models.build_graph``
on 60,000 demands × 13,000 units (generator profile ``metro``) ≥ 20 M pair checks per
second per core, where pair checks = n_demands × n_units / wall seconds / cores used.

Baselines measured in the same run:

- scoring: a plain-Python loop over demands applying the same grid (on the first
  ``--baseline-demands`` demands, compared per demand; it is also checked equal to the
  vectorised scores);
- compatibility: the same rules evaluated densely with numpy on every (demand, unit) pair,
  in blocks of demands (no grouping), counting the allowed pairs; its count of distinct
  (demand, unit) pairs must equal the graph's.

Each task runs in a fresh subprocess (its peak RSS is its own); inside it the territory is
loaded once, then the measured call is repeated ``--runs`` times (median reported). "Cores
used" is the process CPU time / wall time of the measured call, rounded up (numpy's
element-wise code is single-threaded; the figure is printed, not assumed). Usage::

    python benchmarks/bench_core.py [--seed 11] [--runs 3] [--record]

``--record`` appends the Markdown section to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import machine, publish

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = r"""
import json, math, sys, time
import numpy as np
sys.path.insert(0, {root!r})
from attribution.models import load_territory
task, folder, runs, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def status_mib(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024

t = load_territory(folder)
d, p, u = t.demands, t.policy, t.units
rss_loaded = status_mib("VmRSS")
# Reset the high-water mark so that the peak below belongs to the measured calls
# (ru_maxrss is inherited from the parent across fork/exec on Linux, so it is not used).
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")

def timed(fn):
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0

res = {{"n_demands": len(d), "n_units": len(u), "rss_loaded_mib": rss_loaded, "runs": []}}
if task == "score":
    from attribution.models import score
    from attribution.models.household import months_between
    for _ in range(runs):
        out, wall, cpu = timed(lambda: score(d, p))
        res["runs"].append({{"wall": wall, "cpu": cpu}})
    res["rss_peak_mib"] = status_mib("VmHWM")   # before the baseline's Python lists
    months = months_between(d.registered_on, p.territory.round_date).tolist()
    # Columns as Python lists once, so the loop measures the per-demand work only.
    cols = {{c: d.column(c).tolist() for c in list(p.cotation.bonus) + [c for r in p.cotation.rubrics for c in r.points]}}
    refusals = d.refusals.tolist()
    def loop():
        g, outl = p.cotation, []
        for i in range(extra):
            s = g.points_per_month * months[i] + (g.overdue_bonus if months[i] >= g.overdue_months else 0)
            for col, pts in g.bonus.items():
                x = pts * cols[col][i]
                s += int(math.copysign(math.floor(abs(x) + 0.5), x))
            for r in g.rubrics:
                true = [pts for col, pts in r.points.items() if cols[col][i] != 0]
                s += max(true) if true else 0
            outl.append(s - g.refusal_malus * refusals[i])
        return outl
    base_runs = []
    for _ in range(runs):
        ref, wall, cpu = timed(loop)
        base_runs.append({{"wall": wall, "cpu": cpu}})
    res["baseline"] = {{"n": extra, "runs": base_runs,
                       "equal": bool(np.array_equal(np.array(ref), out[:extra]))}}
elif task == "graph":
    from attribution.models import build_graph
    peak = 0.0
    for i in range(runs):
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        g, wall, cpu = timed(lambda: build_graph(t))
        peak = max(peak, status_mib("VmHWM"))   # the build alone, result included
        res["runs"].append({{"wall": wall, "cpu": cpu, "arcs": len(g)}})
        if i == 0:   # distinct (demand, unit) pairs, to compare with the dense baseline
            res["pairs"] = int(np.unique(g.demand.astype(np.int64) * len(u) + g.unit).size)
        del g
    res["rss_peak_mib"] = peak
elif task == "dense":
    from attribution.models.pair_rules import demand_side, rent_ok, unit_slots
    def dense():
        ds, us = demand_side(t), unit_slots(t).astype(np.uint8)
        mr = p.eligibility.max_rent_burden
        count = 0
        for lo in range(0, len(d), 256):
            sl = slice(lo, lo + 256)
            ok = ds["income_ok"][sl][:, u.financing]
            ok &= (ds["typology_ok"][sl] & ds["wished_typology_ok"][sl])[:, u.typology]
            ok &= ds["commune_ok"][sl][:, u.commune]
            ok &= rent_ok(u.rent[None, :], ds["allowance"][sl][:, None], ds["monthly"][sl][:, None], mr)
            ok &= u.pmr[None, :] | ~ds["pmr_need"][sl][:, None]
            ok &= (ds["slots"][sl].astype(np.uint8) @ us.T) > 0
            count += int(ok.sum())
        return count
    for _ in range(runs):
        count, wall, cpu = timed(dense)
        res["runs"].append({{"wall": wall, "cpu": cpu, "pairs": count}})
res.setdefault("rss_peak_mib", status_mib("VmHWM"))
print(json.dumps(res))
"""


def run_child(task: str, folder: Path, runs: int, extra: int = 0) -> dict:
    code = CHILD.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, task, str(folder), str(runs), str(extra)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def median(runs: list[dict], key: str = "wall") -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--score-demands", type=int, default=1_000_000)
    ap.add_argument("--baseline-demands", type=int, default=50_000)
    ap.add_argument("--demands", type=int, default=60_000)
    ap.add_argument("--units", type=int, default=13_000)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from attribution.models.generator import write_territory

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        big, metro = Path(tmp) / "score", Path(tmp) / "metro"
        write_territory(big, args.seed, args.score_demands, 10, profile="metro")
        write_territory(metro, args.seed, args.demands, args.units, profile="metro")
        s = run_child("score", big, args.runs, args.baseline_demands)
        g = run_child("graph", metro, args.runs)
        b = run_child("dense", metro, args.runs)

    score_wall = median(s["runs"])
    base_per = median(s["baseline"]["runs"]) / s["baseline"]["n"]
    graph_wall, dense_wall = median(g["runs"]), median(b["runs"])
    cores = max(1, math.ceil(median(g["runs"], "cpu") / graph_wall - 0.05))
    checks = g["n_demands"] * g["n_units"]
    m = machine(("numpy", "pandas"))
    section = f"""
## Core: scoring and compatibility (issue 3) — {dt.date.today().isoformat()}

Machine: `nproc` = {m['nproc']}, {m['cpu']}; Python {m['python']}, numpy {m['numpy']}, \
pandas {m['pandas']}. Instances from `models.generator.write_territory(..., profile="metro")`, \
seed {args.seed}, loaded with `load_territory` (loading not timed). Median of {args.runs} runs, \
each task in its own process. Machine shared with other work: 1-minute load average \
{load_before:.1f} before, {os.getloadavg()[0]:.1f} after.

| measure | instance | median wall | per unit of work | target | RSS after load → peak during the calls |
|---|---|---|---|---|---|
| `score` | {s['n_demands']:,} demands | {score_wall:.3f} s | {s['n_demands'] / score_wall / 1e6:.1f} M demands/s | ≤ 0.3 s | {s['rss_loaded_mib']:.0f} → {s['rss_peak_mib']:.0f} MiB |
| baseline: plain-Python loop, same grid | first {s['baseline']['n']:,} demands (equal scores: {s['baseline']['equal']}) | {median(s['baseline']['runs']):.3f} s | {1 / base_per / 1e6:.3f} M demands/s | | |
| `build_graph` | {g['n_demands']:,} × {g['n_units']:,} ({g['runs'][0]['arcs']:,} arcs, {g['pairs']:,} pairs) | {graph_wall:.2f} s | {checks / graph_wall / cores / 1e6:.0f} M pair checks/s/core ({cores} core) | ≥ 20 M/s/core | {g['rss_loaded_mib']:.0f} → {g['rss_peak_mib']:.0f} MiB |
| baseline: dense numpy over all pairs, blocks of 256 demands | same ({b['runs'][0]['pairs']:,} pairs) | {dense_wall:.2f} s | {checks / dense_wall / 1e6:.0f} M pair checks/s | | {b['rss_loaded_mib']:.0f} → {b['rss_peak_mib']:.0f} MiB |

Ratios: scoring {base_per * s['n_demands'] / score_wall:.0f}× faster per demand than the Python \
loop; the graph {dense_wall / graph_wall:.1f}× faster than the dense numpy check (same pair \
count: {g['pairs'] == b['runs'][0]['pairs']}).

Reproduce: `python benchmarks/bench_core.py {" ".join(a for a in sys.argv[1:] if a != "--record")}`
"""
    publish(section, args.record)


if __name__ == "__main__":
    main()
