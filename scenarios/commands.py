"""What ``attribution simulate`` and ``attribution compare`` do, without the parsing.

Both read the scenario files (every problem of every file at once), prepare each scenario
(base territory, overrides, year's Q1 threshold, unit templates), run the years on Dask
(:mod:`scenarios.batch`) and write the results folder (:mod:`scenarios.output`).
``compare`` uses the same seeds for every scenario (common random numbers): those of the
first scenario file unless ``seeds`` / ``first_seed`` are given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from attribution.models.errors import DataError, Problem
from attribution.models.i18n import _, ngettext
from attribution.reporting.files.atomic import check_target

from .batch import BatchResult, default_workers, run_batch
from .year_kpis import FEW_SEEDS, HORIZON, scale_of, summarise
from .output import write_results
from .simulation import Prepared, prepare
from .spec import Scenario, load_scenario, resolve_scenario_path


#: Largest number of seeds ``--precision`` may reach.
DEFAULT_MAX_SEEDS = 40


def load_all(paths: Sequence[str | Path], **overrides) -> list[Scenario]:
    """Read every scenario file, with the simulation ``overrides`` (None = keep).

    Raises
    ------
    DataError
        Every problem of every file, and scenario names used twice.
    """
    scenarios, problems = [], []
    for path in paths:
        try:
            scenario = load_scenario(path).with_simulation(**overrides)
        except DataError as exc:
            problems += exc.problems
            continue
        scenarios.append(scenario)
        problems += scenario.simulation.problems(scenario.file)
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.name in seen:
            problems.append(Problem(s.file, None, "scenario.name", _(
                "Expected a name not used by another scenario of the run; got '{name}', the "
                "name of {other} too.").format(name=s.name, other=seen[s.name])))
        seen.setdefault(s.name, s.file)
    if problems:
        raise DataError(problems)
    return scenarios


def prepare_all(scenarios: Sequence[Scenario]) -> list[Prepared]:
    """Prepare every scenario (raises one DataError with every problem found)."""
    prepared, problems = [], []
    for s in scenarios:
        try:
            prepared.append(prepare(s))
        except DataError as exc:
            problems += exc.problems
    if problems:
        raise DataError(problems)
    return prepared


def run(paths: Sequence[str | Path], out: str | Path, *, title: str,
        seeds: int | None = None, first_seed: int | None = None, months: int | None = None,
        years: int | None = None, round_time_limit: float | None = None,
        task_time_limit: float | None = None, workers: int | None = None,
        scheduler: str | None = None, force: bool = False,
        with_attributions: bool = False, precision: float | None = None,
        max_seeds: int = DEFAULT_MAX_SEEDS,
        progress: Callable[[str], None] | None = None) -> BatchResult:
    """Simulate the scenario files and write the results folder ``out``.

    With ``precision``, seeds are added (in batches) until the headline KPIs' interval
    half-widths are below it (:func:`precision_ratio`) or ``max_seeds`` is reached.

    Returns
    -------
    BatchResult
        Failed tasks are listed in ``failures`` (and in ``failures.csv``), not raised.

    Raises
    ------
    DataError
        A scenario file or its territory is invalid (nothing is written).
    reporting.files.atomic.ResultsFolderError
        ``out`` cannot be written (checked before any simulation starts).
    """
    check_target(out, force)
    say = progress or (lambda _line: None)
    scenarios = load_all(paths, seeds=seeds, first_seed=first_seed, months=months,
                         years=years, round_time_limit_s=round_time_limit,
                         task_time_limit_s=task_time_limit)
    say(ngettext("Preparing {n} scenario: {names}", "Preparing {n} scenarios: {names}",
                 len(scenarios)).format(n=len(scenarios), names=", ".join(
                     f"{s.name} ({s.territory.label})" for s in scenarios)))
    prepared = prepare_all(scenarios)
    seed_list = list(scenarios[0].simulation.seed_list)
    sim = scenarios[0].simulation
    say(_("Simulating {scenarios} scenario(s) × {seeds} seed(s) × {months} months "
          "({horizon})").format(scenarios=len(prepared), seeds=len(seed_list),
                                months=sim.rounds, horizon=sim.horizon))
    if len(seed_list) < FEW_SEEDS and precision is None:
        say(_("Warning: only {n} seed(s): the confidence intervals are indicative (flagged "
              "few_seeds in kpis.csv); use at least {min}, or --precision.").format(
            n=len(seed_list), min=FEW_SEEDS))
    title = f"{title} — {sim.horizon}"
    batch, seed_list, note = run_to_precision(prepared, seed_list, precision, max_seeds,
                                              workers=workers, scheduler=scheduler, say=say)
    sources = {s.name: resolve_scenario_path(p) for s, p in zip(scenarios, paths)}
    write_results(out, prepared, batch, seed_list, title, force=force,
                  with_attributions=with_attributions, sources=sources, precision_note=note)
    return batch


#: KPIs held to ``--precision``: shares (absolute half-width) and counts or months
#: (half-width relative to the mean).
PRECISION_KPIS = (
    ("attribution_rate", "Q1"), ("attribution_rate", "Q2"), ("attribution_rate", "Q3"),
    ("attribution_rate", "Q4"), ("attribution_rate", "priority"),
    ("priority_share", "all"), ("q1_outside_qpv_share", "all"),
    ("non_q1_in_qpv_share", "all"), ("attributions", "all"), ("wait_months", "all"),
    ("wait_months", "priority"), ("wait_months", "other"),
)


def precision_ratio(summary: pd.DataFrame, precision: float) -> float:
    """Largest (half-width / allowed half-width) over :data:`PRECISION_KPIS` and scenarios
    of the horizon: ≤ 1 when every headline KPI is precise enough; ``inf`` when a KPI has
    no interval yet (one seed). The allowed half-width is ``precision`` for a share
    (0.02 = ±2 points) and ``precision × mean`` for a count or a number of months
    (0.02 = ±2 %)."""
    worst = 0.0
    part = summary[summary["period"] == HORIZON]
    for kpi, group in PRECISION_KPIS:
        for _i, row in part[(part["kpi"] == kpi) & (part["group"] == group)].iterrows():
            if not np.isfinite(row["mean"]):
                continue
            if not (np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"])):
                return float("inf")
            half = (row["ci_high"] - row["ci_low"]) / 2
            allowed = precision if scale_of(kpi) == "share" else precision * abs(row["mean"])
            if half > 0:
                worst = max(worst, half / allowed if allowed > 0 else float("inf"))
    return worst


def run_to_precision(prepared: list[Prepared], seeds: list[int], precision: float | None,
                     max_seeds: int, workers=None, scheduler=None, say=lambda _l: None
                     ) -> tuple[BatchResult, list[int], str]:
    """Run the seeds; with ``precision``, add seeds until :func:`precision_ratio` ≤ 1 or
    ``max_seeds`` seeds have run. Each round of additions asks for the seeds the square-root
    law predicts (n × (ratio × z / t_{n−1})² in all), at least one per worker, at most as
    many as already run (doubling) and never past the cap.

    Returns the batch, the seeds run and a sentence for the page (empty without
    ``precision``)."""
    batch = run_batch(prepared, seeds, workers=workers, scheduler=scheduler, progress=say)
    if precision is None:
        return batch, list(seeds), ""
    seeds = list(seeds)
    while True:
        ratio = precision_ratio(summarise(batch.kpis), precision)
        if ratio <= 1:
            note = _("Precision asked ({precision}) reached with {n} seeds.").format(
                precision=f"{precision:g}", n=len(seeds))
            break
        if len(seeds) >= max_seeds:
            note = _("Precision asked ({precision}) NOT reached: the ceiling of {max} seeds "
                     "was reached (largest half-width = {ratio} × the target).").format(
                precision=f"{precision:g}", max=max_seeds, ratio=f"{ratio:.2f}")
            break
        n = len(seeds)
        # The square-root law, with the t quantile of n seeds replaced by the normal one
        # (it shrinks as seeds are added), and at most doubling the seeds per step.
        if np.isfinite(ratio):
            wanted = n * (ratio * stats.norm.ppf(0.975) / stats.t.ppf(0.975, n - 1)) ** 2
        else:
            wanted = 2 * n
        more = int(min(max_seeds - n, n, max(np.ceil(wanted) - n, workers or default_workers(),
                                             1)))
        new = list(range(seeds[-1] + 1, seeds[-1] + 1 + more))
        say(_("Precision {precision} not reached (largest half-width {ratio} × the target "
              "with {n} seeds): {more} more seed(s)").format(
            precision=f"{precision:g}", ratio=f"{ratio:.2f}", n=len(seeds), more=more))
        extra = run_batch(prepared, new, workers=workers, scheduler=scheduler, progress=say)
        batch = merge_batches(batch, extra)
        seeds += new
    say(note)
    return batch, seeds, note


def merge_batches(first: BatchResult, second: BatchResult) -> BatchResult:
    """Both batches' years, KPIs and failures (ordered by scenario, then seed)."""
    order = {name: i for i, name in enumerate(dict.fromkeys(
        [y.scenario for y in first.years] + [y.scenario for y in second.years]))}
    years = tuple(sorted(first.years + second.years, key=lambda y: (order[y.scenario], y.seed)))
    kpis = pd.concat([first.kpis, second.kpis], ignore_index=True)
    kpis = kpis.assign(_o=kpis["scenario"].map(order)).sort_values(
        ["_o", "seed"], kind="stable").drop(columns="_o").reset_index(drop=True)
    failures = pd.concat([first.failures, second.failures], ignore_index=True)
    return BatchResult(years, kpis, failures, first.seconds + second.seconds,
                       max(first.workers, second.workers))
