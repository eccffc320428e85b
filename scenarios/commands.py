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

from attribution.models.errors import DataError, Problem
from attribution.reporting.atomic import check_target

from .batch import BatchResult, run_batch
from .output import write_results
from .simulation import Prepared, prepare
from .spec import Scenario, load_scenario, resolve_scenario_path


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
            scenarios.append(load_scenario(path).with_simulation(**overrides))
        except DataError as exc:
            problems += exc.problems
    seen: dict[str, str] = {}
    for s in scenarios:
        if s.name in seen:
            problems.append(Problem(s.file, None, "scenario.name", f"Expected a name not used "
                                    f"by another scenario of the run; got '{s.name}', the "
                                    f"name of {seen[s.name]} too."))
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
        round_time_limit: float | None = None, workers: int | None = None,
        scheduler: str | None = None, force: bool = False, with_attributions: bool = False,
        progress: Callable[[str], None] | None = None) -> BatchResult:
    """Simulate the scenario files and write the results folder ``out``.

    Returns
    -------
    BatchResult
        Failed tasks are listed in ``failures`` (and in ``failures.csv``), not raised.

    Raises
    ------
    DataError
        A scenario file or its territory is invalid (nothing is written).
    reporting.atomic.ResultsFolderError
        ``out`` cannot be written (checked before any simulation starts).
    """
    check_target(out, force)
    say = progress or (lambda _line: None)
    scenarios = load_all(paths, seeds=seeds, first_seed=first_seed, months=months,
                         round_time_limit_s=round_time_limit)
    say(f"Preparing {len(scenarios)} scenario(s): "
        + ", ".join(f"{s.name} ({s.territory.label})" for s in scenarios))
    prepared = prepare_all(scenarios)
    seed_list = list(scenarios[0].simulation.seed_list)
    say(f"Simulating {len(prepared)} scenario(s) × {len(seed_list)} seed(s) × "
        f"{scenarios[0].simulation.months} months")
    batch = run_batch(prepared, seed_list, workers=workers, scheduler=scheduler, progress=say)
    sources = {s.name: resolve_scenario_path(p) for s, p in zip(scenarios, paths)}
    write_results(out, prepared, batch, seed_list, title, force=force,
                  with_attributions=with_attributions, sources=sources)
    return batch
