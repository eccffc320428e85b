"""Write the results folder of ``attribution simulate`` / ``attribution compare``, atomically.

Files (every CSV UTF-8, comma-separated, header row):

==================  =========================================================================
kpis.csv            summary over seeds: scenario, period, kpi, group, n, mean, std, ci_low,
                    ci_high, min, max, method, flag (95 % interval kept in the KPI's
                    possible range; period "all" = the horizon, "1".."N" = each year)
kpis_by_seed.csv    scenario, seed, period, kpi, group, value
differences.csv     (compare) every scenario minus the first, paired by seed
                    (scenarios.differences)
rounds.csv          one row per scenario × seed × round (arrivals, lapses, units, offers,
                    refusals, let, left empty, passes and carry mode, year-to-date shares)
targets.csv         annual check of every quota row per scenario × seed (met, margin, and
                    for a missed row the reason: scenarios.shortfalls)
attributions.csv    (simulate only) one row per attribution: round, unit, pseudonymous
                    demand id, landlord, commune, réservataire, flags, score, wait
failures.csv        scenario, seed, error of every task that failed
report.html         the same for people, with charts
manifest.json       scenario files and their hashes, seeds, versions, timings
==================  =========================================================================

The folder is written by :func:`reporting.files.atomic.atomic_folder`: all of it or nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from attribution.models.i18n import _
from attribution.models.io.readers import sha256 as sha256_file
from attribution.reporting.files.atomic import atomic_folder
from attribution.reporting.files.csv_safe import write_csv
from attribution.reporting.files.manifest import package_version, to_jsonable

from .batch import BatchResult
from .differences import differences
from .year_kpis import HORIZON, summarise
from .page import render_page
from .shortfalls import explain
from .simulation import Prepared


def write_results(out: Path | str, prepared: list[Prepared], batch: BatchResult,
                  seeds: list[int], title: str, force: bool = False,
                  with_attributions: bool = False, sources: dict[str, Path] | None = None,
                  precision_note: str = "", extra: dict[str, str] | None = None) -> Path:
    """Write every file of the results folder ``out`` (see the module docstring).

    ``extra`` (file name → text) adds files of the caller's (``sweep`` writes sweep.csv
    and sweep.html) to the same atomic folder.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    summary = summarise(batch.kpis)
    order = [p.scenario.name for p in prepared]
    diffs = differences(batch.kpis, order) if len(prepared) > 1 else None
    rounds = _stack(batch, "rounds")
    targets = _stack(batch, "targets")
    targets["reason"] = explain(targets, rounds) if len(targets) else pd.Series(dtype=object)
    scenarios = [{"name": p.scenario.name, "description": p.scenario.description,
                  "territory": p.scenario.territory.label,
                  "months": p.scenario.simulation.rounds,
                  "horizon": p.scenario.simulation.horizon, "seeds": len(seeds)}
                 for p in prepared]
    note = (_("{done} simulated years finished, {failed} failed; {workers} Dask workers; "
              "wall time {seconds} s.").format(done=len(batch.years),
                                               failed=len(batch.failures),
                                               workers=batch.workers or 0,
                                               seconds=f"{batch.seconds:.0f}")
            + (f" {precision_note}" if precision_note else ""))
    horizon = summary[summary["period"] == HORIZON]
    by_year = summary[summary["period"] != HORIZON]
    html = render_page(title, scenarios, horizon, targets, batch.failures, note,
                       differences=diffs, by_year=by_year if len(by_year) else None)
    with atomic_folder(out, force=force) as tmp:
        write_csv(summary, tmp / "kpis.csv")  # csv_safe: no cell read as a formula
        write_csv(batch.kpis, tmp / "kpis_by_seed.csv")
        if diffs is not None:
            write_csv(diffs, tmp / "differences.csv")
        write_csv(rounds, tmp / "rounds.csv")
        write_csv(targets, tmp / "targets.csv")
        if with_attributions:
            write_csv(_stack(batch, "attributions"), tmp / "attributions.csv")
        write_csv(batch.failures[["scenario", "seed", "error"]], tmp / "failures.csv")
        (tmp / "report.html").write_text(html, encoding="utf-8")
        for name, text in (extra or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        outputs = {f.name: sha256_file(f) for f in sorted(tmp.iterdir())}
        manifest = {
            "tool": "attribution", "version": package_version(), "command": title,
            "scenarios": [{"name": p.scenario.name, "file": p.scenario.file,
                           "sha256": (sha256_file(sources[p.scenario.name])
                                      if sources and p.scenario.name in sources else None),
                           "territory": p.scenario.territory.label,
                           "territory_files": dict(sorted(
                               (p.territory.file_hashes or {}).items())),
                           "scenario": to_jsonable(p.scenario)} for p in prepared],
            "seeds": list(seeds),
            "versions": {lib: package_version(lib) for lib in
                         ("ortools", "numpy", "pandas", "scipy", "dask", "distributed")},
            "outputs": outputs,
            "timing": {"wall_seconds": round(batch.seconds, 3), "workers": batch.workers},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                           encoding="utf-8")
    return Path(out)


def _stack(batch: BatchResult, name: str) -> pd.DataFrame:
    frames = []
    for year in batch.years:
        frame = getattr(year, name).copy()
        frame.insert(0, "seed", year.seed)
        frame.insert(0, "scenario", year.scenario)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["scenario", "seed"])
