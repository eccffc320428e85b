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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from attribution.interrupt import pause_point
from attribution.models.allocation import check_allocation, quota_attainment
from attribution.models.errors import InvalidAllocation, NoSolutionInTime
from attribution.models.i18n import _, num
from attribution.models.problem import AllocationProblem
from attribution.models.io.readers import sha256 as sha256_file
from attribution.optimizer.params import SolveParams

from .tables import aggregates
from .files.atomic import atomic_folder, check_target
from .files.csv_safe import write_csv
from .tables.decisions import decisions_table
from .pages.html import render_report
from .tables.round_kpis import build_kpis, quota_rows_frame
from .text.labels import OUTCOMES
from .files.manifest import build_manifest, package_version
from .analysis.moves import MoveChecker
from .analysis.outcomes import classify
from .analysis.quota_price import binding_items, quota_prices
from .analysis.shortlists import ShortlistParams, build_shortlists
from .tables.assignments import assignments_table
from .analysis.variants import SolvedRound, Solver
from .tables.agenda import agenda_table, header as agenda_header, render_agenda
from .text.people import people_tables
from .files.xlsx import write_xlsx

if TYPE_CHECKING:
    from attribution.optimizer.reoptimize import Reoptimizer

Progress = Callable[[str], None]
PRICE_MODES = ("auto", "always", "never")
CSV_FILES = ("assignments", "shortlists", "decisions", "quotas", "quota_prices")
#: ``--csv-dialect`` choices: the contract's (UTF-8, ``,``, ``.``) or French Excel's
#: (UTF-8 with a byte-order mark, ``;``, decimal comma).
#: Sheets of results.xlsx, in order (the agenda first: the commission's working sheet).
XLSX_SHEETS = ("agenda", "assignments", "shortlists", "decisions", "quotas", "quota_prices",
               "by_landlord", "by_reservataire", "by_commune", "by_qpv",
               "by_income_quartile", "outcomes", "blocking")


@dataclass(frozen=True)
class Computed:
    """Everything a results folder holds, before it is written."""

    tables: dict[str, pd.DataFrame]
    kpis: dict[str, Any]
    html: str
    agenda_html: str = ""


def _quiet(_: str) -> None:
    pass


def compute(problem: AllocationProblem, result: SolvedRound, *, solve: Solver | None,
            params: SolveParams | None,
            seed: int, options: ShortlistParams = ShortlistParams(),
            price_quotas: str = "auto", price_seconds: float = 60.0, source_label: str = "",
            progress: Progress = _quiet,
            timing: dict[str, Any] | None = None,
            names: dict[str, str] | None = None,
            observed_waits: pd.DataFrame | None = None) -> Computed:
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
    names
        Demand id → applicant's name, shown in the agenda only (``--with-names``).
    observed_waits
        Observed waits of housed households per segment, from a ledger
        (:func:`reporting.tables.decisions.observed_wait_columns`); None = no history.

    Raises
    ------
    InvalidAllocation
        The allocation fails :func:`models.allocation.check_allocation`.
    """
    if price_quotas not in PRICE_MODES:
        raise ValueError(f"The 'price_quotas' parameter of compute must be one of "
                         f"{PRICE_MODES}; got {price_quotas!r} instead.")
    arcs = np.sort(np.asarray(result.arcs, dtype=np.int64))
    quotas = problem.quotas
    errors = check_allocation(problem, arcs, quotas)
    if errors:
        raise InvalidAllocation(errors)
    proven = str(getattr(result, "status", "")) == "OPTIMAL"
    progress(_("explaining every decision"))
    checker = MoveChecker(problem, arcs, quotas)
    decisions = decisions_table(problem, arcs, classify(problem, arcs, checker), proven,
                                observed_waits)
    # Costs and prices are differences with the optimum: only meaningful when it is proven.
    resolver = solve if proven else None
    sub_params = resolve_params(params, getattr(result, "solve_seconds", None))
    seconds = getattr(result, "solve_seconds", None)
    reopt = warm_reoptimizer(problem, arcs, resolver, sub_params, seed, progress)
    progress(_("building shortlists"))
    shortlists, sl_summary = build_shortlists(problem, arcs, checker, resolver, sub_params,
                                              seed, options, progress, seconds, reopt=reopt)
    if sl_summary.get("pricing_reason"):  # developer detail: the log, not the report
        progress(_("shortlist pricing {mode}: {reason}").format(
            mode=sl_summary.get("pricing"), reason=sl_summary["pricing_reason"]))
    rows = quota_attainment(problem, arcs, quotas)
    n_items = len(binding_items(rows))
    priced = resolver is not None and (price_quotas == "always" or (
        price_quotas == "auto" and (reopt is not None or seconds is None
                                    or n_items * seconds <= price_seconds)))
    prices = quota_prices(problem, arcs, rows if priced else [], resolver, sub_params, seed,
                          progress, reopt=reopt)
    assignments = assignments_table(problem, arcs)
    agg = {"by_commune": aggregates.by_commune(problem, assignments),
           "by_qpv": aggregates.by_qpv(problem, assignments),
           "by_reservataire": aggregates.by_reservataire(problem, assignments),
           "by_landlord": aggregates.by_landlord(problem, assignments),
           "by_income_quartile": aggregates.by_income_quartile(problem, assignments),
           "outcomes": aggregates.outcome_counts(decisions, list(OUTCOMES)),
           "blocking": aggregates.blocking_rules(decisions)}
    quota_frame = quota_rows_frame(rows)
    kpis = build_kpis(problem, result, arcs, rows, prices, agg["outcomes"], sl_summary,
                      timing or {})
    kpis["quota_prices_computed"] = bool(priced)
    t = problem.territory
    scores = {_("housed"): problem.scores[decisions["outcome"].eq("housed").to_numpy()],
              _("compatible, not housed"):
                  problem.scores[decisions["outcome"].isin(
                      ["outranked", "held_by_quota", "not_reached"]).to_numpy()],
              _("all demands"): problem.scores}
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
                         shortlists=sl_summary, observed=observed_waits)
    agenda = agenda_table(problem, shortlists, decisions, names)
    tables = {"assignments": assignments, "shortlists": shortlists, "decisions": decisions,
              "quotas": quota_frame.drop(columns=["target_low", "target_high"]),
              "quota_prices": prices, **{k: v for k, v in agg.items()}, "agenda": agenda}
    return Computed(tables=tables, kpis=kpis, html=html,
                    agenda_html=render_agenda(agenda, meta))


def warm_reoptimizer(problem: AllocationProblem, arcs: np.ndarray, solve: Solver | None,
                     params: SolveParams | None, seed: int, progress: Progress = _quiet
                     ) -> Reoptimizer | None:
    """The warm-started re-optimiser of the solved round
    (:class:`optimizer.reoptimize.Reoptimizer`), when the re-solves use the optimizer's own
    ``solve`` (an injected solver is used as is, from scratch) and the route applies;
    otherwise ``None``."""
    from attribution import optimizer  # noqa: PLC0415 (only when re-solves are made)
    if solve is None or solve is not optimizer.solve:
        return None
    from attribution.optimizer.reoptimize import Reoptimizer  # noqa: PLC0415
    progress(_("preparing warm-started re-optimisations"))
    time_limit = getattr(params, "time_limit", 5.0)
    reopt = Reoptimizer(problem, arcs, params, seed, time_limit=min(5.0, time_limit))
    return reopt if reopt.usable else None


def resolve_params(params: SolveParams | None, solve_seconds: float | None
                   ) -> SolveParams | None:
    """Parameters of the re-solves (shortlist pricing, quota prices): those of the main
    solve, without the conflict diagnosis, the search log file and the model export, and a time limit of at most three times the main
    solve's time (at least 2 s). On a time limit a re-solve's cost is reported as a bound."""
    if not dataclasses.is_dataclass(params):
        return params
    names = {f.name for f in dataclasses.fields(params)}
    change: dict[str, bool | str | float] = {}
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


def write_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """results.xlsx: the tables for people (:mod:`reporting.text.people`), French by default."""
    from .text.labels import sheet_label
    shown = people_tables({k: tables[k] for k in XLSX_SHEETS if k in tables})
    write_xlsx(path, {sheet_label(k): v for k, v in shown.items()}, headers=agenda_header)


def write(computed: Computed, out: Path | str, *, problem: AllocationProblem, seed: int,
          params: SolveParams | None, options: dict[str, Any], source_label: str,
          force: bool = False,
          timing: dict[str, Any] | None = None, csv_dialect: str = "standard") -> Path:
    """Write a results folder atomically (see :mod:`reporting.files.atomic`).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    with atomic_folder(out, force) as tmp:
        for name in CSV_FILES:
            write_csv(computed.tables[name], tmp / f"{name}.csv", csv_dialect)  # neutralised
        pause_point("writing: tables written, workbook next")  # a test hook (no-op)
        _json(tmp / "kpis.json", computed.kpis)
        (tmp / "report.html").write_text(computed.html, encoding="utf-8")
        if computed.agenda_html:
            (tmp / "agenda.html").write_text(computed.agenda_html, encoding="utf-8")
        write_workbook(tmp / "results.xlsx", computed.tables)
        outputs = {p.name: sha256_file(p) for p in sorted(tmp.iterdir())
                   if p.name not in ("kpis.json",)}
        _json(tmp / "manifest.json", build_manifest(
            problem.territory, seed=seed, params=params, options=options, outputs=outputs,
            timing=timing or {}, source_label=source_label))
    return Path(out).absolute()


def now_iso() -> str:
    """The current UTC time, ISO 8601, to the second (for manifest.json only)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def run(problem: AllocationProblem, out: Path | str, *, params: SolveParams | None,
        seed: int = 0,
        solve: Solver | None = None, force: bool = False,
        options: ShortlistParams = ShortlistParams(), price_quotas: str = "auto",
        source_label: str = "", progress: Progress = _quiet,
        csv_dialect: str = "standard",
        names: dict[str, str] | None = None,
        observed_waits: pd.DataFrame | None = None,
        extra_options: dict[str, Any] | None = None) -> tuple[Path, SolvedRound, Computed]:
    """Solve one round and write its results folder.

    The target is checked before solving (an existing folder without ``force`` fails at
    once) and again before the final rename. ``observed_waits`` goes to :func:`compute`;
    ``extra_options`` are recorded in manifest.json's options (a ledger's round).

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
    progress(_("solving {units} units × {demands} demands ({arcs} arcs)").format(
        units=num(len(problem.territory.units)), demands=num(len(problem.territory.demands)),
        arcs=num(len(problem.graph))))
    result = solve(problem, params, seed=seed)
    solve_seconds = round(time.perf_counter() - t0, 3)
    status = str(getattr(result, "status", ""))
    if status == "NO_SOLUTION":
        raise NoSolutionInTime(_("No allocation was found within the time limit ({seconds} s); "
                                 "nothing was written. Raise --time-limit.").format(
            seconds=num(solve_seconds, 1)))
    progress(_("solved: {status} in {seconds} s").format(status=status,
                                                          seconds=num(solve_seconds, 2)))
    timing = {"started_at": started, "solve_seconds": solve_seconds}
    computed = compute(problem, result, solve=solve, params=params, seed=seed,
                       options=options, price_quotas=price_quotas, source_label=source_label,
                       progress=progress, timing=timing, names=names,
                       observed_waits=observed_waits)
    timing = {**timing, "finished_at": now_iso(),
              "total_seconds": round(time.perf_counter() - t0, 3)}
    computed.kpis["timing"] = timing
    progress(_("writing the results folder"))
    folder = write(computed, out, problem=problem, seed=seed, params=params,
                   options={"shortlists": options, "price_quotas": price_quotas,
                            "csv_dialect": csv_dialect, "with_names": names is not None,
                            **(extra_options or {})},
                   source_label=source_label, force=force, timing=timing,
                   csv_dialect=csv_dialect)
    return folder, result, computed
