"""Cost of the ledger: ``solve --ledger`` against ``solve``, ``record`` and ``bilan``.

1. On the bundled round (6,002 demands, 115 units), alternately ``solve`` and
   ``solve --ledger`` (``reporting.command.solve_territory`` / ``ledger.solve_with_ledger``,
   same options), each on a fresh SQLite ledger (the round is proposed each time) and on
   a ledger already holding a year of 1,400 attributions: wall time of each, and the time
   the ledger itself took (reading the state and the year's accounts, storing the round,
   its proposals and the 6,002 demand snapshots). Target: the ledger adds < 0.5 s.
2. A year of 1,400 attributions (generated territory of 6,002 demands and 1,400 units;
   1,400 commission attributions, 1,400 leases and 200 refusals recorded in one file):
   ``record`` of that file, then ``bilan`` (compute + write CSVs, xlsx, HTML).

    python benchmarks/bench_ledger.py --runs 3 [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, publish  # noqa: E402

OPTIONS = dict(time_limit=60.0, seed=0, workers=1, shortlists="auto", price_quotas="auto")


def year_ledger(tmp: Path, path: Path) -> tuple[float, float, float, int]:
    """A ledger holding a year of 1,400 attributions; returns (record s, bilan compute s,
    bilan write s, rows recorded)."""
    from attribution.ledger import open_ledger
    from attribution.ledger.bilan import compute_bilan, write_bilan
    from attribution.ledger.events import record
    from attribution.ledger.rounds import snapshot_territory
    from attribution.models.generator import write_territory
    from attribution.models.io.readers import load_territory

    folder = tmp / "year"
    write_territory(folder, 7, 6002, 1400, round_date=dt.date(2025, 6, 2), profile="carene")
    d = pd.read_csv(folder / "demands.csv", dtype=str, keep_default_na=False)
    u = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    d["demand_id"] = "Y" + d["demand_id"]          # not the bundled round's ids
    u["unit_id"] = "Y" + u["unit_id"]
    d.to_csv(folder / "demands.csv", index=False)
    u.to_csv(folder / "units.csv", index=False)
    t = load_territory(folder)
    rng = np.random.default_rng(1)
    flows = {}
    for f in t.policy.flows:
        flows.setdefault(f.landlord, []).append((f.reservataire, f.share))
    housed = rng.choice(len(d), 1400, replace=False)
    rows = []
    for k, (unit, landlord, named, outside) in enumerate(zip(
            u["unit_id"], u["landlord"], u["reservataire"], u["outside_flow"])):
        options = flows[landlord]
        res = named or ("" if outside.lower() == "true" else options[
            rng.choice(len(options), p=np.array([s for _, s in options]) / sum(
                s for _, s in options))][0])
        day = dt.date(2025, 1, 6) + dt.timedelta(days=int(k * 340 / 1400))
        demand = d["demand_id"][housed[k]]
        if k % 7 == 0:
            other = d["demand_id"][(housed[k] + 1) % len(d)]
            rows.append((unit, other, "offer_refused", day, "", str(k % 2 == 0).lower(),
                         ["trop loin", "étage", "loyer", ""][k % 4], ""))
        rows.append((unit, demand, "commission_attributed", day + dt.timedelta(days=2), 1,
                     "", "", res))
        rows.append((unit, demand, "lease_signed", day + dt.timedelta(days=12), "", "", "",
                     res))
    file = tmp / "year-decisions.csv"
    pd.DataFrame(rows, columns=["unit_id", "demand_id", "event", "date", "rank",
                                "justified", "reason", "reservataire"]).to_csv(file,
                                                                               index=False)
    ledger = open_ledger(path, "bench")
    with ledger.writing() as conn:
        snapshot_territory(conn, t, None)
        # The bilan reads the year's policy from its rounds: one stored round.
        from attribution.ledger import schema
        now = dt.datetime.now(dt.timezone.utc)
        conn.execute(schema.rounds.insert().values(
            territory=t.policy.territory.name, round_date=dt.date(2025, 6, 2), year=2025,
            status="closed", units=1400, demands=6002, units_let=0, excluded_units=0,
            excluded_demands=0, carry_mode="none",
            policy_toml=(folder / "policy.toml").read_text(), manifest="{}",
            created_at=now, created_by="bench", changed_at=now, changed_by="bench"))
    t0 = time.perf_counter()
    summary = record(ledger, file)
    t_record = time.perf_counter() - t0
    t0 = time.perf_counter()
    bilan = compute_bilan(ledger, 2025)
    t_compute = time.perf_counter() - t0
    t0 = time.perf_counter()
    write_bilan(bilan, tmp / "bilan", force=True)
    t_write = time.perf_counter() - t0
    ledger.close()
    assert bilan.summary["attributions"] == 1400, bilan.summary
    return t_record, t_compute, t_write, summary.new_events


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    from attribution.ledger import open_ledger
    from attribution.ledger.solve import solve_with_ledger
    from attribution.reporting.command import solve_territory

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        year_db = tmp / "year.db"
        t_record, t_compute, t_write, n_rows = year_ledger(tmp, year_db)
        plain, fresh, fresh_own, full, full_own = [], [], [], [], []
        fresh_cpu, full_cpu = [], []
        for run in range(args.runs):
            t0 = time.perf_counter()
            solve_territory(None, tmp / f"plain{run}", **OPTIONS)
            plain.append(time.perf_counter() - t0)
            led = open_ledger(tmp / f"fresh{run}.db", "bench")
            t0 = time.perf_counter()
            s = solve_with_ledger(led, None, tmp / f"fresh-out{run}", **OPTIONS)
            fresh.append(time.perf_counter() - t0)
            fresh_own.append(s.ledger_seconds)
            fresh_cpu.append(s.ledger_cpu_seconds)
            led.close()
            led = open_ledger(year_db, "bench")
            t0 = time.perf_counter()
            s = solve_with_ledger(led, None, tmp / f"year-out{run}", supersede=True, **OPTIONS)
            full.append(time.perf_counter() - t0)
            full_own.append(s.ledger_seconds)
            full_cpu.append(s.ledger_cpu_seconds)
            led.close()
    load_after = os.getloadavg()
    med = statistics.median
    m = machine(("numpy", "pandas", "sqlalchemy", "alembic"))
    section = f"""

## Ledger: `solve --ledger` against `solve`, `record` and `bilan` (issue 13) — {dt.date.today()}

Machine: {m['nproc']} cores ({m['cpu']}), Python {m['python']}, SQLAlchemy {m['sqlalchemy']},
Alembic {m['alembic']}; SQLite ledger on local disk. Load average (1/5/15 min) before
{load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, after
{load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} (machine shared with other jobs:
wall times are noisy; the ledger's own time is measured inside the run).

Bundled round (6,002 demands, 115 units), default options, {args.runs} runs alternated,
median (all runs):

| run | wall s | of which the ledger, wall (read state + accounts, store round) | the ledger, CPU s |
|---|---|---|---|
| `solve` | {med(plain):.2f} ({', '.join(f'{x:.2f}' for x in plain)}) | – | – |
| `solve --ledger`, fresh ledger | {med(fresh):.2f} ({', '.join(f'{x:.2f}' for x in fresh)}) | **{med(fresh_own):.3f} s** ({', '.join(f'{x:.3f}' for x in fresh_own)}) | {med(fresh_cpu):.3f} ({', '.join(f'{x:.3f}' for x in fresh_cpu)}) |
| `solve --ledger`, ledger holding a year of 1,400 attributions | {med(full):.2f} ({', '.join(f'{x:.2f}' for x in full)}) | **{med(full_own):.3f} s** ({', '.join(f'{x:.3f}' for x in full_own)}) | {med(full_cpu):.3f} ({', '.join(f'{x:.3f}' for x in full_cpu)}) |

Target: the ledger adds < 0.5 s. (With a year in the ledger the round is solved under the
carried annual quotas, a different problem: compare the ledger's own time, not the walls.)

A year of 1,400 attributions (6,002 demands, 1,400 units; {n_rows:,} events in one file):
`record` {t_record:.2f} s (checks + one transaction); `bilan` {t_compute:.2f} s to compute
and {t_write:.2f} s to write (CSVs, bilan.xlsx, bilan.html).

Reproduce: `python benchmarks/bench_ledger.py --runs {args.runs}`
"""
    publish(section, args.record)


if __name__ == "__main__":
    main()
