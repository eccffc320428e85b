"""Many simulated years (scenarios × seeds × territories) in parallel on Dask.

Each task is one simulated year: :func:`scenarios.simulation.simulate_year` on a
:class:`~scenarios.simulation.Prepared` scenario (plain frozen data: the validated
territory arrays and the scenario's parameters) and a seed. Problems and CP-SAT models are
built *inside* the task from those arrays — solver objects never cross a process — with
one solver worker per task; ``simulation.round_work_limit`` bounds every CP-SAT model by
work (``simulation.round_time_limit_s`` is the wall-clock safety net of a solve) and
``simulation.task_time_limit_s`` the whole year (checked between rounds, as a worker
cannot be interrupted safely mid-solve). A task's progress line says how many of its
rounds were flagged (a solve near the wall-clock limit, a pass without allocation).

Scheduling: a :class:`distributed.LocalCluster` of processes, one thread each, one worker
per core by default; ``scheduler="tcp://host:8786"`` uses an existing cluster instead
(its workers must have this package installed); ``workers=0`` runs every task in this
process, one after the other, without Dask (for debugging). A task that raises is
reported — scenario, seed, error — and the others go on; the results of the tasks that
finished are gathered into one table.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from attribution.models.i18n import N_, _

from .year_kpis import KPI_COLUMNS, year_kpis
from .simulation import Prepared, YearResult, simulate_year

FAILURE_COLUMNS = ["scenario", "seed", "error", "detail"]


@dataclass(frozen=True)
class BatchResult:
    """Gathered results: every finished year, their KPIs in one table, the failures."""

    years: tuple[YearResult, ...]
    kpis: pd.DataFrame
    failures: pd.DataFrame
    seconds: float
    workers: int


def run_year(prepared: Prepared, seed: int) -> tuple[YearResult, pd.DataFrame]:
    """One task: a simulated year and its KPI rows (runs on a worker)."""
    year = simulate_year(prepared, seed)
    return year, year_kpis(year)


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batch(prepared: Sequence[Prepared], seeds: Sequence[int], workers: int | None = None,
              scheduler: str | None = None, progress: Callable[[str], None] | None = None,
              task: Callable = run_year) -> BatchResult:
    """Simulate every prepared scenario for every seed and gather the results.

    Parameters
    ----------
    prepared
        Scenarios ready to run (:func:`scenarios.simulation.prepare`).
    seeds
        Monte-Carlo seeds, the same for every scenario (common random numbers).
    workers
        Local worker processes; ``None`` = one per core; ``0`` = serial, without Dask.
        Ignored when ``scheduler`` is given.
    scheduler
        Address of an existing Dask scheduler.
    progress
        Called with one line of text per finished task.
    task
        The function run per (scenario, seed) (module-level, so that it pickles).

    Returns
    -------
    BatchResult
        Failed tasks are in ``failures`` (scenario, seed, error, traceback), not raised.
    """
    started = time.perf_counter()
    jobs = [(p, seed) for p in prepared for seed in seeds]
    say = progress or (lambda _line: None)
    if scheduler is None and workers == 0:
        done, failures = _serial(jobs, task, say)
        used = 0
    else:
        done, failures, used = _dask(jobs, task, say, workers, scheduler)
    years = tuple(y for y, _ in sorted(done, key=lambda d: _order(jobs, d[0])))
    frames = [k for _, k in sorted(done, key=lambda d: _order(jobs, d[0]))]
    kpis = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=KPI_COLUMNS)
    fails = pd.DataFrame(failures, columns=FAILURE_COLUMNS).sort_values(
        ["scenario", "seed"], ignore_index=True)
    return BatchResult(years, kpis, fails, time.perf_counter() - started, used)


def _order(jobs, year: YearResult) -> int:
    names = [p.scenario.name for p, _ in jobs]
    return names.index(year.scenario) * 1_000_000 + year.seed


def _label(p: Prepared, seed: int) -> str:
    return _("{scenario} seed {seed}").format(scenario=p.scenario.name, seed=seed)


def _flags(result) -> str:
    """The flagged rounds of a finished task, for its progress line (``rounds.csv`` has
    them per round: ``clock_bound``, ``no_allocation``)."""
    year = result[0] if isinstance(result, tuple) else result
    rounds = getattr(year, "rounds", None)
    if rounds is None or not len(rounds):
        return ""
    out = ""
    for column, text in (("no_allocation", N_("WARNING: {n} pass(es) without allocation "
                                               "(rounds.csv: no_allocation)")),
                         ("clock_bound", N_("WARNING: {n} solve(s) near the wall-clock "
                                            "limit (rounds.csv: clock_bound)"))):
        n = int(rounds[column].sum()) if column in rounds else 0
        if n:
            out += "; " + _(text).format(n=n)
    return out


def _failure(p: Prepared, seed: int, exc: BaseException, tb: str) -> tuple:
    return (p.scenario.name, seed, f"{type(exc).__name__}: {exc}", tb)


def _serial(jobs, task, say):
    done, failures = [], []
    for i, (p, seed) in enumerate(jobs, start=1):
        t0 = time.perf_counter()
        try:
            done.append(task(p, seed))
            say(f"[{i}/{len(jobs)}] " + _("{task}: done in {seconds} s").format(
                task=_label(p, seed), seconds=f"{time.perf_counter() - t0:.1f}")
                + _flags(done[-1]))
        except Exception as exc:  # one failed task must not sink the batch
            failures.append(_failure(p, seed, exc, traceback.format_exc()))
            say(f"[{i}/{len(jobs)}] " + _("{task}: FAILED ({error})").format(
                task=_label(p, seed), error=f"{type(exc).__name__}: {exc}"))
    return done, failures


def _dask(jobs, task, say, workers, scheduler):
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        n = workers or default_workers()
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.CRITICAL)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        used = len(client.scheduler_info(n_workers=-1).get("workers", {}))
        say(_("Dask: {n} workers at {address}; {tasks} tasks").format(
            n=used, address=client.scheduler.address, tasks=len(jobs)))
        shared = {}
        for p, _seed in jobs:
            if id(p) not in shared:
                shared[id(p)] = client.scatter(p, broadcast=True)
        futures = {}
        for p, seed in jobs:
            fut = client.submit(task, shared[id(p)], seed, pure=False, retries=0,
                                key=f"year-{p.scenario.name}-{seed}-{os.urandom(4).hex()}")
            futures[fut] = (p, seed)
        done, failures = [], []
        for i, fut in enumerate(as_completed(futures), start=1):
            p, seed = futures[fut]
            if fut.status == "finished":
                done.append(fut.result())
                say(f"[{i}/{len(jobs)}] " + _("{task}: done").format(task=_label(p, seed))
                    + _flags(done[-1]))
            else:
                exc = fut.exception()
                tb = "".join(traceback.format_tb(fut.traceback())) if fut.traceback() else ""
                failures.append(_failure(p, seed, exc, tb))
                say(f"[{i}/{len(jobs)}] " + _("{task}: FAILED ({error})").format(
                    task=_label(p, seed), error=f"{type(exc).__name__}: {exc}"))
        return done, failures, used
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
