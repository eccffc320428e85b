"""The entry point: ``solve(problem, params, seed) -> Result``.

Levels (``docs/model.md``), solved in sequence, each fixed by a row for the next:
(1) units let, (2) score sum, (3) fit cost. For each level:

1. bound: the LP relaxation by column generation bounds the level and prices every arc
   (``bound.py``); level 1 is also bounded by a maximum matching without quotas;
2. search: CP-SAT on small arc pools taken from the LP (its support, then its columns)
   finds an allocation — usually one that reaches the LP bound, which ends the level;
3. proof: otherwise reduced-cost fixing keeps the arcs an improving allocation could use
   (``reduction.py``) and CP-SAT solves that model to optimality from the incumbent (a
   complete hint) — its optimum is the global optimum.

When every lettable unit is let, the quota rows whose base is then a constant are rounded
(``cuts.py``), which closes most of the LP gap. If no allocation lets as many units as
the bound, level 1 is solved on its own on every arc (the quotas cost units) and
``conflicts.py`` names the rows responsible. Every allocation is re-checked by
:func:`models.allocation.check_allocation` before it is returned.

Code layout: one function per level (``_units_level``, ``_score_level``, ``_fit_level``)
reading a frozen :class:`search.Context`; the CP-SAT search and proof shared by the
levels are in ``search.py``. ``SolveParams.time_limit`` bounds the whole solve: one
:class:`deadline.Deadline` is read by every phase, and the quick allocation is returned
when nothing better is found in time (``docs/model.md``, "Time limit").
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from attribution.models.allocation import check_allocation, quota_attainment
from attribution.models.errors import InvalidAllocation, PolicyInfeasible
from attribution.models.i18n import _
from attribution.models.problem import AllocationProblem

from .bound import LPBound, SideRows, quota_free_bound
from .conflicts import diagnose
from .cuts import with_rounded_rows
from .data import ArraysOutOfTime, SolverData, check_range, solver_data
from .deadline import Deadline
from .feasibility import class_counts_infeasible
from .heuristic import quick_allocation
from .matching import max_matching
from .params import SolveParams
from .result import Level, Result
from .search import (Context, Incumbent, Relaxation, first_allocation, level, max_units,
                     run_lp, violated_when_empty)


#: Largest arc set given to one CP-SAT model: beyond it (a métropole's full graph) the
#: all-arcs search and the reduced-cost proof are skipped and the LP bound stands.
MAX_MODEL_ARCS = 2_000_000

#: The least an LP costs, in calls of the assignment oracle: one to start, then a round
#: (HiGHS, the oracle, two certificates) — measured 3-4 on 16.8 M arcs. No LP is started
#: with less time left than this.
LP_ORACLES = 4

#: The quota-free oracle is called only with this many times the solver arrays' time
#: left: the oracle itself (0.8-1.3 times measured unloaded, 1.7 times on 42.6 M arcs at
#: load 8, where 1.3 let it run 5 s past the limit) and the quick allocation after it.
ORACLE_AND_REPAIR = 2.5


@dataclass(frozen=True)
class _UnitsLevel:
    """Level 1: the proven bound on units let, and what was learnt on the way."""

    relax: Relaxation
    units_bound: int
    score_free: int                  # bound on the score of any allocation letting `free`
    quick: np.ndarray | None         # the quick allocation, when valid and complete
    lp_units: LPBound | None         # LP of "max units let", when it was needed
    done: Incumbent | None = None    # the answer already (gap target met, or no time)


def solve(problem: AllocationProblem, params: SolveParams = SolveParams(),
          seed: int = 0) -> Result:
    """Allocate the units of ``problem`` under its quotas, lexicographically optimal.

    Parameters
    ----------
    problem
        The allocation problem (territory, scores, Q1 flags, compatibility graph).
    params
        Time limit, workers, fit preference... (:class:`SolveParams`).
    seed
        CP-SAT's random seed; with one worker the same input and seed give the same
        allocation.

    Returns
    -------
    Result
        Status, arcs, levels with proven bounds, quota attainment, conflicts, stats.

    Raises
    ------
    models.errors.DataError
        A score or fit cost too large for exact sums (:func:`optimizer.data.check_range`).
    models.errors.PolicyInfeasible
        Not even an empty allocation meets the quota rows (possible only with a
        carry-over or a negative slack).
    """
    clock = Deadline(params.time_limit)
    stats: dict = {"timings": {}}
    tick = time.perf_counter()
    try:
        data = solver_data(problem, params, deadline=clock)
    except ArraysOutOfTime:
        return _out_of_time_in_arrays(problem, params, clock, stats)
    check_range(data, MAX_MODEL_ARCS)
    stats["timings"]["data"] = time.perf_counter() - tick
    stats.update(arcs=data.n_arcs, pairs=len(data.pairs), quota_rows=len(data.quotas),
                 arc_classes=len(data.quotas.classes))
    matching = max_matching(data)
    ctx = Context(problem=problem, data=data, params=params, seed=seed, clock=clock,
                  stats=stats, matching=matching,
                  mu=2 * int(np.abs(data.score).max(initial=0)) + 1,
                  empty_ok=all(row.holds(0, 0) for row in data.quotas.rows),
                  max_model_arcs=min(MAX_MODEL_ARCS, params.max_model_arcs))
    if ctx.free == 0:
        if not ctx.empty_ok:
            raise PolicyInfeasible(violated_when_empty(data),
                                   _("no unit can be let and the year-to-date counts alone "
                                     "already break these rows"))
        return _result(ctx, [], (0, 0), None, ())
    level1 = _units_level(ctx)
    best, relax, units_bound = _score_level(ctx, level1)
    score_level, units = (best.value, best.bound), len(best.arcs)
    best, fit_level = _fit_level(ctx, best, relax)
    return _finish(ctx, best, units, units_bound, (score_level, fit_level))


def _out_of_time_in_arrays(problem: AllocationProblem, params: SolveParams,
                           clock: Deadline, stats: dict) -> Result:
    """``NO_SOLUTION`` at the limit: it passed while the solver's arrays were derived (a
    round of tens of millions of arcs on a loaded machine). The bounds are the trivial
    ones (every unit let, each at the best score), so the gap is 100 %."""
    n_units = len(problem.territory.units)
    top = int(np.maximum(problem.scores, 0).max(initial=0))
    levels = (Level("units_let", "max", 0, n_units),
              Level("score_sum", "max", 0, n_units * top))
    if params.fit_preference:
        levels += (Level("fit", "min", 0, 0),)
    stats["timings"]["data"] = stats["timings"]["total"] = clock.elapsed()
    stats.update(arcs=len(problem.graph), stopped=(
        f"the time limit ({params.time_limit:g} s) passed while the solver's arrays were "
        f"derived for {len(problem.graph):,} arcs"))
    return Result(status="NO_SOLUTION", arcs=np.zeros(0, dtype=np.int64), levels=levels,
                  solve_seconds=clock.elapsed(), stats=stats)


def _finish(ctx: Context, best: Incumbent, units: int, units_bound: int,
            levels: tuple) -> Result:
    """Check the allocation, name the conflicting rows when quotas cost units, and wrap
    up the result (``NO_SOLUTION`` when nothing valid was found)."""
    if len(best.arcs) == 0 and not ctx.empty_ok:
        # A carry-over the empty allocation breaks, and no allocation meeting it was found
        # in the pools searched (the model on every arc, which would prove infeasibility
        # and raise above, was not reached): nothing valid to return.
        result = _result(ctx, best.arcs, (0, units_bound), None, ())
        return dataclasses.replace(result, status="NO_SOLUTION")
    errors = check_allocation(ctx.problem, best.arcs, ctx.data.quotas)
    if errors:
        raise InvalidAllocation(errors)
    conflicts = ()
    budget = min(ctx.params.diagnosis_time_limit, ctx.clock.remaining())
    timings = ctx.stats["timings"]
    lp_round = timings.get("quota_free_bound", timings["data"])   # ≈ one LP round
    found = len(best.arcs) > 0 or units_bound == 0   # else NO_SOLUTION: nothing to explain
    if ctx.params.diagnose and units < ctx.free and found \
            and budget > max(0.5, 3 * lp_round):
        # Within what is left of the time limit, like every other phase; its LPs take at
        # least one round each, so it only starts with time for a few.
        tick = time.perf_counter()
        conflicts = diagnose(ctx.data, ctx.free, dataclasses.replace(
            ctx.params, diagnosis_time_limit=budget), ctx.seed)
        ctx.stats["timings"]["diagnosis"] = time.perf_counter() - tick
    return _result(ctx, best.arcs, (units, units_bound), levels, conflicts)


def _units_level(ctx: Context) -> _UnitsLevel:
    """Level 1: a matching bounds units let. Usually every lettable unit can be let: then
    the rounded rows hold (``cuts.py``) and a quick allocation may already be enough;
    otherwise the LP of "max units let" bounds the level."""
    data, free, params = ctx.data, ctx.free, ctx.params
    all_let = free == len(np.unique(data.unit))
    relax = Relaxation(with_rounded_rows(data) if all_let else data, all_let)
    score_free, quick = _quick(ctx, relax)
    if quick is None and not ctx.empty_ok:
        _refuse_if_counts_infeasible(ctx)
    # About one LP pricing round: the oracle's time (the arrays' when it was skipped).
    oracle = ctx.stats["timings"].get("quota_free_bound", ctx.stats["timings"]["data"])
    if quick is not None:
        value = int(data.score[quick].sum())
        if _gap(value, score_free) <= params.relative_gap:
            done = Incumbent(quick, value, score_free, "quota-free bound")
            return _UnitsLevel(relax, free, score_free, quick, None, done)
        if ctx.clock.expired(LP_ORACLES * oracle):   # no time for an LP: the quick one
            done = Incumbent(quick, value, score_free, "quota-free bound (time limit)")
            return _UnitsLevel(relax, free, score_free, quick, None, done)
    elif ctx.clock.expired(LP_ORACLES * oracle):     # no allocation, no time for an LP
        done = Incumbent(np.zeros(0, dtype=np.int64), 0, score_free, "time limit")
        return _UnitsLevel(relax, free, score_free, None, None, done)
    start = ctx.matching if quick is None else np.union1d(ctx.matching, quick)
    relax = dataclasses.replace(relax, lp=run_lp(ctx, relax.data, data.score + ctx.mu,
                                                 SideRows(), start, "lp_score",
                                                 ctx.memo.get("free_arcs")))
    if relax.data is not data and (not relax.lp.feasible or _lets_fewer(relax.lp, free)):
        relax = _without_rounded_rows(ctx)   # letting every unit looks out of reach
    units_bound, lp1 = free, None
    # A valid quick allocation lets `free` units (a maximum matching's): level 1 is proven
    # and the LP of "max units let" could only confirm it.
    if quick is None and (_lets_fewer(relax.lp, free) or not ctx.empty_ok) \
            and not ctx.clock.expired(LP_ORACLES * oracle):
        lp1 = run_lp(ctx, data, ctx.ones, SideRows(), relax.lp.support, "lp_units")
        units_bound = min(free, lp1.bound)
        if units_bound < free and relax.data is not data:
            relax = _without_rounded_rows(ctx)
    return _UnitsLevel(relax, units_bound, score_free, quick, lp1)


def _refuse_if_counts_infeasible(ctx: Context) -> None:
    """Raise :class:`PolicyInfeasible` when the class-count relaxation
    (``feasibility.py``) proves that no allocation meets the quota rows.

    Asked only when the empty allocation breaks a row (a carry-over) and the quick
    allocation found none: the usual signs of a carry-over the round cannot repair, which
    the searches of the levels would otherwise try pool after pool (seconds) and end
    ``NO_SOLUTION`` without a proof when the model on every arc is too large.
    """
    tick = time.perf_counter()
    proven = class_counts_infeasible(ctx.data, ctx.free, ctx.seed,
                                     ctx.params.deterministic_limit, ctx.clock.left(0.2))
    ctx.stats["timings"]["class_counts"] = time.perf_counter() - tick
    if proven:
        raise PolicyInfeasible(violated_when_empty(ctx.data),
                               _("no allocation meets every quota row: even the counts of "
                                 "arcs per class alone cannot"))


def _counts_refuse(ctx: Context, units: int) -> bool:
    """The class-count relaxation proves that no allocation lets ``units`` units."""
    tick = time.perf_counter()
    proven = class_counts_infeasible(ctx.data, ctx.free, ctx.seed,
                                     ctx.params.deterministic_limit, ctx.clock.left(0.2),
                                     at_least=units)
    timings = ctx.stats["timings"]
    timings["class_counts"] = timings.get("class_counts", 0.0) + time.perf_counter() - tick
    return proven


def _quick(ctx: Context, relax: Relaxation) -> tuple[int, np.ndarray | None]:
    """The quota-free bound on the score of an allocation letting every matched unit, and
    the quick allocation (``heuristic.py``) when it is valid and lets them all.

    The quick allocation lets as many units as the matching, so when it is valid level 1
    is proven. It starts from the quota-free best allocation, which the oracle giving the
    quota-free bound returns. When the time left is too short for the oracle and the
    repair after it (under :data:`ORACLE_AND_REPAIR` times what the solver's arrays took;
    the oracle alone measured 0.8-1.7 times, and its assignment cannot be interrupted),
    it starts from a maximum matching instead and the bound is every unit's best score
    (weaker, still certified).
    """
    data, score, free, timings = ctx.data, ctx.data.score, ctx.free, ctx.stats["timings"]
    tick = time.perf_counter()
    if not ctx.clock.expired(ORACLE_AND_REPAIR * timings["data"]):
        _value, free_bound, free_arcs = quota_free_bound(data, score + ctx.mu, ctx.clock)
        ctx.memo["free_arcs"] = free_arcs
        score_free = free_bound - ctx.mu * free
        timings["quota_free_bound"] = time.perf_counter() - tick
        quick = _valid_quick(ctx, relax, free_arcs)
    else:   # no time for the oracle
        score_free = _best_per_unit(data)
        quick = None if ctx.clock.expired() else _valid_quick(ctx, relax, ctx.matching,
                                                              improve_start=True)
    timings["quick"] = time.perf_counter() - tick
    ctx.stats["quick"] = {"score": None if quick is None else int(score[quick].sum()),
                          "quota_free_bound": score_free}
    return score_free, quick


def _valid_quick(ctx: Context, relax: Relaxation, start: np.ndarray,
                 improve_start: bool = False) -> np.ndarray | None:
    """The quick allocation from ``start``, if it lets every matched unit and is valid."""
    checked: dict[bytes, bool] = {}   # the row repair's answer is often the final one

    def valid(arcs: np.ndarray | None) -> bool:
        if arcs is None or len(arcs) < ctx.free:
            return False
        key = np.asarray(arcs, dtype=np.int64).tobytes()
        if key not in checked:
            checked[key] = not check_allocation(ctx.problem, arcs, ctx.data.quotas)
        return checked[key]

    def found(arcs: np.ndarray) -> None:   # the row repair's allocation, before polish ends
        if valid(arcs):
            first_allocation(ctx)

    quick = quick_allocation(relax.data, ctx.seed, ctx.clock.left(0.2), start=start,
                             deadline=ctx.clock, on_found=found,
                             deterministic_limit=ctx.params.deterministic_limit,
                             improve_start=improve_start)
    if not valid(quick):
        return None
    first_allocation(ctx)
    return quick


def _best_per_unit(data: SolverData) -> int:
    """Σ over units of their best arc's score (0 if negative): a bound on the score of
    any allocation, from one pass over the arcs."""
    first = np.flatnonzero(np.r_[True, data.unit[1:] != data.unit[:-1]])
    return int(np.maximum(np.maximum.reduceat(data.score, first), 0).sum())


def _lets_fewer(lp: LPBound, free: int) -> bool:
    """The LP solution lets fewer than ``free`` units."""
    return lp.x.sum() < free - 1e-6


def _without_rounded_rows(ctx: Context) -> Relaxation:
    """The LP fallback: drop the rounded rows (not every unit will be let) and redo the
    LP of ``score + μ`` on the policy's own rows, from the matching."""
    lp = run_lp(ctx, ctx.data, ctx.data.score + ctx.mu, SideRows(), ctx.matching, "lp_score",
                ctx.memo.get("free_arcs"))
    return Relaxation(ctx.data, False, lp)


def _score_level(ctx: Context, level1: _UnitsLevel
                 ) -> tuple[Incumbent, Relaxation, int]:
    """Level 2: the best score sum among allocations letting as many units as the bound;
    when none is found, level 1 is first solved on its own (the quotas cost units).

    Returns the incumbent, the relaxation it was found on and the bound on units let.
    """
    data, relax, units_bound = ctx.data, level1.relax, level1.units_bound
    if level1.done is not None:
        return level1.done, relax, units_bound
    mu, score = ctx.mu, data.score
    counts_cap = None    # a bound on units let from the class-count relaxation
    if units_bound == ctx.free and level1.quick is None and _counts_refuse(ctx, units_bound):
        # no allocation lets every lettable unit: the searches of this level under
        # "Σx ≥ free" could only end empty (pool after pool, seconds each)
        counts_cap = units_bound - 1
    elif units_bound == ctx.free:
        side = SideRows().add(ctx.ones, units_bound)
        best = level(ctx, relax, score, side, relax.lp, mu * units_bound, level1.quick,
                     "score")
        if best is None and level1.quick is not None:   # out of time: the quick one
            quick = level1.quick
            best = Incumbent(quick, int(score[quick].sum()), relax.lp.bound - mu * units_bound,
                             "LP bound (time limit)")
        if best is not None:
            return (dataclasses.replace(best, bound=min(best.bound, level1.score_free)),
                    relax, units_bound)
    # Fewer units than the bound may be let from here on: the policy's own rows, no
    # "every unit let" row.
    relax = _without_rounded_rows(ctx) if relax.data is not data \
        else Relaxation(data, False, relax.lp)
    lp = relax.lp
    arcs1, units, units_bound = max_units(ctx, units_bound,
                                          level1.lp_units if level1.lp_units is not None
                                          else lp)
    side = SideRows().add(ctx.ones, units)
    best = level(ctx, relax, score, side, lp, mu * units, arcs1, "score")
    if best is None:   # out of time: the level-1 allocation, with the LP bound
        best = Incumbent(arcs1, int(score[arcs1].sum()), lp.bound - mu * units, "LP bound")
    if counts_cap is not None:
        units_bound = min(units_bound, counts_cap)
    return best, relax, units_bound


def _fit_level(ctx: Context, best: Incumbent, relax: Relaxation
               ) -> tuple[Incumbent, tuple[int, int] | None]:
    """Level 3: the least fit cost among allocations with as many units and at least the
    score of ``best``. Returns the incumbent and ``(fit, proven lower bound)``."""
    data, params = ctx.data, ctx.params
    if not params.fit_preference:
        return best, None
    if relax.lp is None and params.relative_gap > 0:
        # The quick route on a gap target: the fit of the allocation, bounded by every
        # unit's best fit (level 3 is a preference; the gap target is on levels 1-2).
        return best, (int(data.fit[best.arcs].sum()),
                      _least_fit(data) if relax.every_unit_let else 0)
    # about one LP pricing round: the oracle's time, the arrays' when it was skipped (an
    # LP over 50 M arcs started with 7 s left ran 54 s when this read 0)
    timings = ctx.stats["timings"]
    oracle = timings.get("quota_free_bound", timings["data"])
    if not len(best.arcs) or ctx.clock.expired(max(0.1, LP_ORACLES * oracle)):
        return best, None
    units = len(best.arcs)
    side = SideRows().add(ctx.ones, units).add(data.score, best.value)
    cost = -data.fit
    mu3 = 2 * int(data.fit.max(initial=0)) + 1
    lp3 = run_lp(ctx, relax.data, cost + mu3, side, best.arcs, "lp_fit")
    best3 = level(ctx, dataclasses.replace(relax, lp=lp3), cost, side, lp3, mu3 * units,
                   best.arcs, "fit")
    if best3 is None:
        return best, None
    return best3, (-best3.value, -best3.bound)


def _gap(value: int, bound: int) -> float:
    return (bound - value) / max(1.0, abs(float(bound)))


def _least_fit(data: SolverData) -> int:
    """Σ over lettable units of their smallest fit cost: a lower bound on the fit of any
    allocation letting them all."""
    first = np.flatnonzero(np.r_[True, data.unit[1:] != data.unit[:-1]])
    return int(np.minimum.reduceat(data.fit, first).sum())


def _result(ctx: Context, arcs, units: tuple[int, int], levels: tuple | None,
            conflicts: tuple) -> Result:
    data, clock, stats = ctx.data, ctx.clock, ctx.stats
    arcs = np.asarray(arcs, dtype=np.int64)
    arcs = arcs[np.argsort(data.unit[arcs], kind="stable")]
    score, fit = int(data.score[arcs].sum()), int(data.fit[arcs].sum())
    score_level, fit_level = levels if levels is not None else (None, None)
    score_bound = score if score_level is None else max(score, score_level[1])
    out = (Level("units_let", "max", len(arcs), int(units[1])),
           Level("score_sum", "max", score, int(score_bound)))
    if ctx.params.fit_preference:
        fit_bound = fit if score_level is None else (0 if fit_level is None
                                                     else min(fit, fit_level[1]))
        out += (Level("fit", "min", fit, int(max(0, fit_bound))),)
    status = "OPTIMAL" if all(lv.proven for lv in out) else "FEASIBLE"
    if len(arcs) == 0 and units[1] > 0:
        status = "NO_SOLUTION"
    stats["timings"]["total"] = clock.elapsed()
    return Result(status=status, arcs=arcs, levels=out, solve_seconds=clock.elapsed(),
                  quotas=tuple(quota_attainment(data.problem, arcs, data.quotas)),
                  units_without_quotas=ctx.free,
                  units_lost_to_quotas=max(0, ctx.free - int(units[1])),
                  conflicts=tuple(conflicts), stats=stats)
