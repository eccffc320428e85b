"""The results folder of one round: compute every table, then write them all atomically.

Files (``docs/outputs.md`` defines every column): assignments.csv, shortlists.csv,
decisions.csv, quotas.csv, quota_prices.csv, kpis.json, manifest.json, report.html,
results.xlsx (one sheet per table). The allocation is re-checked by the solver-independent
:func:`models.allocation.check_allocation` before anything is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from attribution.models.allocation import check_allocation, quota_attainment
from attribution.models.errors import AttributionError, NoSolutionInTime
from attribution.models.problem import AllocationProblem
from attribution.models.quotas import build_quotas
from attribution.models.readers import sha256 as sha256_file

from . import aggregates
from .atomic import atomic_folder, check_target
from .decisions import decisions_table
from .html import render_report
from .kpis import build_kpis, quota_rows_frame
from .labels import OUTCOMES
from .manifest import build_manifest, package_version
from .moves import MoveChecker
from .outcomes import classify
from .quota_price import binding_items, quota_prices
from .shortlists import ShortlistParams, build_shortlists
from .tables import assignments_table
from .variants import Solver
from .xlsx import write_xlsx

Progress = Callable[[str], None]
PRICE_MODES = ("auto", "always", "never")
CSV_FILES = ("assignments", "shortlists", "decisions", "quotas", "quota_prices")


class InvalidAllocation(AttributionError):
    """The optimizer returned an allocation that breaks the rules: a bug, never written."""


@dataclass(frozen=True)
class Computed:
    """Everything a results folder holds, before it is written."""

    tables: dict[str, pd.DataFrame]
    kpis: dict[str, Any]
    html: str


def _quiet(_: str) -> None:
    pass


def compute(problem: AllocationProblem, result: Any, *, solve: Solver | None, params: Any,
            seed: int, options: ShortlistParams = ShortlistParams(),
            price_quotas: str = "auto", price_seconds: float = 60.0, source_label: str = "",
            progress: Progress = _quiet,
            timing: dict[str, Any] | None = None) -> Computed:
    """Every table, the KPIs and the HTML page of a solved round.

    Parameters
    ----------
    problem, result
        The problem and the optimizer's result (``arcs``, ``status``, ``objective``,
        ``bound``, ``gap``, ``conflicts``).
    solve, params, seed
        The optimizer entry point and the arguments of the main solve, for the re-solves
        (shortlist pricing, quota prices); ``solve=None`` disables them.
    options
        Shortlist settings.
    price_quotas, price_seconds
        Re-solve without each binding quota: ``"always"``, ``"never"``, or ``"auto"`` =
        when (binding items × the main solve's seconds) ≤ ``price_seconds``. Only on a
        proven optimum.
    source_label, progress, timing
        The input's name for the report, a progress callback, the run's times.

    Raises
    ------
    InvalidAllocation
        The allocation fails :func:`models.allocation.check_allocation`.
    """
    if price_quotas not in PRICE_MODES:
        raise ValueError(f"The 'price_quotas' parameter of compute must be one of "
                         f"{PRICE_MODES}; got {price_quotas!r} instead.")
    arcs = np.sort(np.asarray(result.arcs, dtype=np.int64))
    quotas = build_quotas(problem)
    errors = check_allocation(problem, arcs, quotas)
    if errors:
        raise InvalidAllocation("The optimizer's allocation is invalid (a bug): "
                                + " ".join(errors))
    proven = str(getattr(result, "status", "")) == "OPTIMAL"
    progress("explaining every decision")
    checker = MoveChecker(problem, arcs, quotas)
    decisions = decisions_table(problem, arcs, classify(problem, arcs, checker), proven)
    # Costs and prices are differences with the optimum: only meaningful when it is proven.
    resolver = solve if proven else None
    sub_params = resolve_params(params, getattr(result, "solve_seconds", None))
    progress("building shortlists")
    seconds = getattr(result, "solve_seconds", None)
    shortlists, sl_summary = build_shortlists(problem, arcs, checker, resolver, sub_params,
                                              seed, options, progress, seconds)
    rows = quota_attainment(problem, arcs, quotas)
    n_items = len(binding_items(rows))
    priced = resolver is not None and (price_quotas == "always" or (
        price_quotas == "auto" and (seconds is None or n_items * seconds <= price_seconds)))
    prices = quota_prices(problem, arcs, rows if priced else [], resolver, sub_params, seed,
                          progress)
    assignments = assignments_table(problem, arcs)
    agg = {"by_commune": aggregates.by_commune(problem, assignments),
           "by_qpv": aggregates.by_qpv(problem, assignments),
           "by_reservataire": aggregates.by_reservataire(problem, assignments),
           "by_income_quartile": aggregates.by_income_quartile(problem, assignments),
           "outcomes": aggregates.outcome_counts(decisions, list(OUTCOMES)),
           "blocking": aggregates.blocking_rules(decisions)}
    quota_frame = quota_rows_frame(rows)
    kpis = build_kpis(problem, result, arcs, rows, prices, agg["outcomes"], sl_summary,
                      timing or {})
    kpis["quota_prices_computed"] = bool(priced)
    t = problem.territory
    scores = {"housed / logés": problem.scores[decisions["outcome"].eq("housed").to_numpy()],
              "compatible, not housed / compatibles non logés":
                  problem.scores[decisions["outcome"].isin(
                      ["outranked", "held_by_quota", "not_reached"]).to_numpy()],
              "all demands / toutes": problem.scores}
    meta = {"territory": t.policy.territory.name, "round_date": t.policy.territory.round_date,
            "source": source_label, "seed": seed, "version": package_version(),
            "demands": len(t.demands), "units": len(t.units),
            "inputs": dict(t.file_hashes or {})}
    html = render_report(meta=meta, kpis={**kpis["counts"], "status": kpis["status"],
                                          "gap": kpis["gap"],
                                          "bound": list((kpis["bound"] or {}).values())[:2],
                                          "conflicts": kpis["conflicts"]},
                         aggregates=agg, quotas=quota_frame,
                         prices=prices if priced else None, scores=scores,
                         shortlists=sl_summary)
    tables = {"assignments": assignments, "shortlists": shortlists, "decisions": decisions,
              "quotas": quota_frame.drop(columns=["target_low", "target_high"]),
              "quota_prices": prices, **{k: v for k, v in agg.items()}}
    return Computed(tables=tables, kpis=kpis, html=html)


def resolve_params(params: Any, solve_seconds: float | None) -> Any:
    """Parameters of the re-solves (shortlist pricing, quota prices): those of the main
    solve, without the conflict diagnosis, the search log file and the model export, and a time limit of at most three times the main
    solve's time (at least 2 s). On a time limit a re-solve's cost is reported as a bound."""
    if not dataclasses.is_dataclass(params):
        return params
    names = {f.name for f in dataclasses.fields(params)}
    change: dict[str, Any] = {}
    if "diagnose" in names:
        change["diagnose"] = False
    for name in ("log_file", "export_model"):   # --log/--export-model: the main solve's
        if name in names:
            change[name] = ""
    if "time_limit" in names and solve_seconds is not None:
        change["time_limit"] = min(params.time_limit, max(2.0, 3.0 * float(solve_seconds)))
    return dataclasses.replace(params, **change)


def _json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
                    encoding="utf-8")


def write(computed: Computed, out: Path | str, *, problem: AllocationProblem, seed: int,
          params: Any, options: dict[str, Any], source_label: str, force: bool = False,
          timing: dict[str, Any] | None = None) -> Path:
    """Write a results folder atomically (see :mod:`reporting.atomic`).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    with atomic_folder(out, force) as tmp:
        for name in CSV_FILES:
            computed.tables[name].to_csv(tmp / f"{name}.csv", index=False,
                                         lineterminator="\n")
        _json(tmp / "kpis.json", computed.kpis)
        (tmp / "report.html").write_text(computed.html, encoding="utf-8")
        write_xlsx(tmp / "results.xlsx", computed.tables)
        outputs = {p.name: sha256_file(p) for p in sorted(tmp.iterdir())
                   if p.name not in ("kpis.json",)}
        _json(tmp / "manifest.json", build_manifest(
            problem.territory, seed=seed, params=params, options=options, outputs=outputs,
            timing=timing or {}, source_label=source_label))
    return Path(out).absolute()


def now_iso() -> str:
    """The current UTC time, ISO 8601, to the second (for manifest.json only)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def run(problem: AllocationProblem, out: Path | str, *, params: Any, seed: int = 0,
        solve: Solver | None = None, force: bool = False,
        options: ShortlistParams = ShortlistParams(), price_quotas: str = "auto",
        source_label: str = "", progress: Progress = _quiet) -> tuple[Path, Any, Computed]:
    """Solve one round and write its results folder.

    The target is checked before solving (an existing folder without ``force`` fails at
    once) and again before the final rename.

    Returns
    -------
    tuple
        The folder written, the optimizer's result, the computed content.
    """
    check_target(out, force)
    if solve is None:
        from attribution.optimizer import solve as solve  # noqa: PLC0415 (the default entry point)
    started = now_iso()
    t0 = time.perf_counter()
    progress(f"solving {len(problem.territory.units)} units × "
             f"{len(problem.territory.demands)} demands ({len(problem.graph)} arcs)")
    result = solve(problem, params, seed=seed)
    solve_seconds = round(time.perf_counter() - t0, 3)
    status = str(getattr(result, "status", ""))
    if status == "NO_SOLUTION":
        raise NoSolutionInTime(f"No allocation was found within the time limit "
                               f"({solve_seconds:.1f} s); nothing was written. Raise "
                               "--time-limit.")
    progress(f"solved: {status} in {solve_seconds:.2f} s")
    timing = {"started_at": started, "solve_seconds": solve_seconds}
    computed = compute(problem, result, solve=solve, params=params, seed=seed,
                       options=options, price_quotas=price_quotas, source_label=source_label,
                       progress=progress, timing=timing)
    timing = {**timing, "finished_at": now_iso(),
              "total_seconds": round(time.perf_counter() - t0, 3)}
    computed.kpis["timing"] = timing
    progress("writing the results folder")
    folder = write(computed, out, problem=problem, seed=seed, params=params,
                   options={"shortlists": options, "price_quotas": price_quotas},
                   source_label=source_label, force=force, timing=timing)
    return folder, result, computed
