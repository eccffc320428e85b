"""results.xlsx: the XlsxWriter writer (constant_memory, typed cells, French labels)
against the previous writer (pandas + openpyxl, one sheet per raw table), on the tables of
one solved round. Same tables, same process, runs interleaved.

    python benchmarks/bench_xlsx.py [--demands 6002] [--units 115] [--runs 3] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from _common import machine, publish


def openpyxl_writer(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """The writer results.xlsx had before issue 14 (pandas → openpyxl, widths measured)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            for column in sheet.columns:
                width = max((len(str(c.value)) for c in column[:200] if c.value is not None),
                            default=8)
                sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 60)
    path.write_bytes(buffer.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demands", type=int, default=6002)
    ap.add_argument("--units", type=int, default=115)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    from attribution.models.compatibility import build_problem
    from attribution.models.generator import generate_territory, write_territory
    from attribution.models.io.readers import load_territory
    from attribution.optimizer import SolveParams, solve
    from attribution.reporting.results import compute, write_workbook

    del generate_territory
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "t"
        write_territory(folder, 2025, a.demands, a.units)
        problem = build_problem(load_territory(folder))
        result = solve(problem, SolveParams(time_limit=60), seed=0)
        computed = compute(problem, result, solve=None, params=None, seed=0)
        tables = computed.tables
        raw = {k: v for k, v in tables.items() if k != "agenda"}
        cells = sum(t.size for t in tables.values())
        times = {"new": [], "old": []}
        for _ in range(a.runs):
            t0 = time.perf_counter()
            write_workbook(Path(tmp) / "new.xlsx", tables)
            times["new"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            openpyxl_writer(Path(tmp) / "old.xlsx", raw)
            times["old"].append(time.perf_counter() - t0)
        new, old = statistics.median(times["new"]), statistics.median(times["old"])
        size_new = (Path(tmp) / "new.xlsx").stat().st_size
        size_old = (Path(tmp) / "old.xlsx").stat().st_size
    load = os.getloadavg()
    m = machine(("numpy", "pandas", "openpyxl", "xlsxwriter"))
    section = (
        f"\n\n## results.xlsx writer: XlsxWriter vs openpyxl (issue 14) — {dt.date.today()}\n\n"
        f"Tables of one solved round ({a.demands:,} demands, {a.units} units; {cells:,} "
        f"cells in the new workbook, which adds the agenda sheet and French labels). "
        f"Median of {a.runs} interleaved runs; load average {load[0]:.2f}/{load[1]:.2f}/"
        f"{load[2]:.2f}; {m['nproc']} cores, {m['cpu']}, Python {m['python']}, openpyxl "
        f"{m['openpyxl']}, XlsxWriter {m['xlsxwriter']}.\n\n"
        "| writer | runs (s) | median | file size |\n|---|---|---|---|\n"
        f"| XlsxWriter, constant_memory (new) | {', '.join(f'{t:.2f}' for t in times['new'])}"
        f" | **{new:.2f} s** | {size_new / 1024:,.0f} KiB |\n"
        f"| pandas + openpyxl (before) | {', '.join(f'{t:.2f}' for t in times['old'])} | "
        f"{old:.2f} s | {size_old / 1024:,.0f} KiB |\n\n"
        f"Ratio before / new = {old / new:.1f}.\n\n"
        f"Reproduce: `python benchmarks/bench_xlsx.py --demands {a.demands} --units "
        f"{a.units} --runs {a.runs} --record`\n")
    publish(section, a.record)


if __name__ == "__main__":
    main()
