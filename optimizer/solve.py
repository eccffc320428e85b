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
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from attribution.models.allocation import check_allocation, quota_attainment
from attribution.models.errors import PolicyInfeasible
from attribution.models.problem import AllocationProblem

from .bound import LPBound, SideRows, lp_bound, quota_free_bound
from .conflicts import diagnose
from .cuts import with_rounded_rows
from .data import SolverData, solver_data
from .heuristic import quick_allocation
from .matching import max_matching
from .model import build_model, run
from .params import SolveParams
from .reduction import cheapest_per_unit, kept_arcs
from .result import Level, Result


#: Largest arc set given to one CP-SAT model: beyond it (a métropole's full graph) the
#: all-arcs search and the reduced-cost proof are skipped and the LP bound stands.
MAX_MODEL_ARCS = 2_000_000


class _Clock:
    def __init__(self, limit: float):
        self.start, self.limit = time.perf_counter(), limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self, share: float = 1.0) -> float:
        return max(0.05, share * (self.limit - self.elapsed()))


@dataclass
class _Incumbent:
    arcs: np.ndarray
    value: int        # objective c of the arcs
    bound: int        # proven upper bound on c among allocations letting ≥ L units
    proof: str        # how the bound was obtained


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
    models.errors.PolicyInfeasible
        Not even an empty allocation meets the quota rows (possible only with a
        carry-over or a negative slack).
    """
    clock = _Clock(params.time_limit)
    stats: dict = {"timings": {}}
    tick = time.perf_counter()
    data = solver_data(problem, params)
    stats["timings"]["data"] = time.perf_counter() - tick
    stats.update(arcs=data.n_arcs, pairs=len(data.pairs), quota_rows=len(data.quotas),
                 arc_classes=len(data.quotas.classes))
    matching = max_matching(data)
    free = len(matching)
    empty_ok = all(row.holds(0, 0) for row in data.quotas.rows)
    if free == 0:
        if not empty_ok:
            raise PolicyInfeasible(_violated_when_empty(data),
                                   "no unit can be let and the year-to-date counts alone "
                                   "already break these rows")
        return _result(data, params, [], (0, 0), None, clock, stats, (), 0)
    ones = np.ones(data.n_arcs, dtype=np.int64)
    score = data.score
    mu = 2 * int(np.abs(score).max(initial=0)) + 1   # weight of "one more unit let"

    # Level 1: a matching bounds units let. Usually every lettable unit can be let: then
    # the rounded rows hold (cuts.py) and a quick allocation may already be enough.
    all_let = free == len(np.unique(data.unit))
    rounded = with_rounded_rows(data) if all_let else data
    tick = time.perf_counter()
    _, free_bound, free_arcs = quota_free_bound(data, score + mu)
    score_free = free_bound - mu * free     # no allocation letting `free` units scores more
    quick = quick_allocation(rounded, seed, clock.left(0.2), start=free_arcs) \
        if all_let else None
    if quick is not None and (len(quick) < free or check_allocation(problem, quick,
                                                                    data.quotas)):
        quick = None
    stats["timings"]["quick"] = time.perf_counter() - tick
    stats["quick"] = {"score": None if quick is None else int(score[quick].sum()),
                      "quota_free_bound": score_free}
    best, units_bound, lp, lp1 = None, free, None, None
    if quick is not None and _gap(int(score[quick].sum()), score_free) <= params.relative_gap:
        q = int(score[quick].sum())
        best = _Incumbent(quick, q, score_free, "quota-free bound")
    else:
        start_cols = matching if quick is None else np.union1d(matching, quick)
        lp = _lp(rounded, score + mu, SideRows(), start_cols, clock, params, stats,
                 "lp_score")
        if rounded is not data and (not lp.feasible or lp.x.sum() < free - 1e-6):
            rounded, all_let = data, False   # letting every unit looks out of reach
            lp = _lp(data, score + mu, SideRows(), matching, clock, params, stats,
                     "lp_score")
        if lp.x.sum() < free - 1e-6 or not empty_ok:
            lp1 = _lp(data, ones, SideRows(), lp.support, clock, params, stats, "lp_units")
            units_bound = min(free, lp1.bound)
            if units_bound < free and rounded is not data:
                rounded, all_let = data, False
                lp = _lp(data, score + mu, SideRows(), matching, clock, params, stats,
                         "lp_score")

    # Level 2: score sum among allocations letting units_bound units.
    side = SideRows().add(ones, units_bound)
    if best is None and units_bound == free:
        best = _level(rounded, score, side, lp, mu * units_bound, quick, clock, params,
                      seed, stats, "score", every_unit_let=all_let)
        if best is not None:
            best.bound = min(best.bound, score_free)
    if best is None:   # the quotas cost units (or none found): level 1 on its own first
        if rounded is not data:
            rounded, all_let = data, False
            lp = _lp(data, score + mu, SideRows(), matching, clock, params, stats,
                     "lp_score")
        arcs1, units, units_bound = _max_units(data, units_bound, clock, params, seed,
                                               stats, lp1 if lp1 is not None else lp)
        side = SideRows().add(ones, units)
        best = _level(data, score, side, lp, mu * units, arcs1, clock, params, seed,
                      stats, "score")
        if best is None:   # out of time: the level-1 allocation, with the LP bound
            best = _Incumbent(arcs1, int(score[arcs1].sum()), lp.bound - mu * units,
                              "LP bound")
    units = len(best.arcs)
    score_level = (best.value, best.bound)

    # Level 3: fit cost among allocations with that many units and at least that score.
    fit_level = None
    if params.fit_preference and lp is None and params.relative_gap > 0:
        # The quick route on a gap target: the fit of the allocation, bounded by every
        # unit's best fit (level 3 is a preference; the gap target is on levels 1-2).
        fit_level = (int(data.fit[best.arcs].sum()), _least_fit(data) if all_let else 0)
    elif params.fit_preference and clock.left() > 0.1:
        side = SideRows().add(ones, units).add(score, best.value)
        cost = -data.fit
        mu3 = 2 * int(data.fit.max(initial=0)) + 1
        lp3 = _lp(rounded, cost + mu3, side, best.arcs, clock, params, stats, "lp_fit")
        best3 = _level(rounded, cost, side, lp3, mu3 * units, best.arcs, clock, params,
                       seed, stats, "fit", every_unit_let=all_let)
        if best3 is not None:
            best = best3
            fit_level = (-best.value, -best.bound)

    arcs = best.arcs
    if len(arcs) == 0 and not empty_ok:
        # A carry-over the empty allocation breaks, and no allocation meeting it was found
        # in the pools searched (the model on every arc, which would prove infeasibility
        # and raise above, was not reached): nothing valid to return.
        result = _result(data, params, arcs, (0, units_bound), None, clock, stats, (), free)
        return dataclasses.replace(result, status="NO_SOLUTION")
    errors = check_allocation(problem, arcs, data.quotas)
    if errors:
        raise RuntimeError("optimizer bug: the allocation found is not valid: "
                           + " ".join(errors[:3]))
    conflicts = ()
    if params.diagnose and units < free:
        tick = time.perf_counter()
        conflicts = diagnose(data, free, params, seed)
        stats["timings"]["diagnosis"] = time.perf_counter() - tick
    return _result(data, params, arcs, (units, units_bound), (score_level, fit_level),
                   clock, stats, conflicts, free)


def _gap(value: int, bound: int) -> float:
    return (bound - value) / max(1.0, abs(float(bound)))


def _least_fit(data: SolverData) -> int:
    """Σ over lettable units of their smallest fit cost: a lower bound on the fit of any
    allocation letting them all."""
    first = np.flatnonzero(np.r_[True, data.unit[1:] != data.unit[:-1]])
    return int(np.minimum.reduceat(data.fit, first).sum())


def _lp(data: SolverData, objective: np.ndarray, side: SideRows, columns, clock: _Clock,
        params: SolveParams, stats: dict, name: str) -> LPBound:
    tick = time.perf_counter()
    lp = lp_bound(data, objective, side=side, columns=columns, time_limit=clock.left(0.4),
                  log=params.log)
    stats["timings"][name] = stats["timings"].get(name, 0.0) + time.perf_counter() - tick
    stats[name] = _lp_stats(lp)
    return lp


def _level(data: SolverData, c: np.ndarray, side: SideRows, lp: LPBound, shift: int,
           hint: np.ndarray | None, clock: _Clock, params: SolveParams, seed: int,
           stats: dict, name: str, every_unit_let: bool = False) -> _Incumbent | None:
    """Best allocation for objective ``c`` under ``side`` (search, then proof), or
    ``None`` when none was found on every arc.

    ``lp`` bounds ``c + μ`` where ``shift = μ·L`` and ``Σx ≥ L`` is the first row of
    ``side``: every allocation of ``side`` has ``c·x ≤ lp.value − shift − Σ r_a x_a``.
    """
    log = stats.setdefault(name, {"search": []})
    ub, ub_value = lp.bound - shift, lp.value - shift
    found = None
    for k, (pool, fixed) in enumerate(_pools(data, lp, hint)):
        last = k == 3
        start_hint = found.arcs if found is not None else hint
        if start_hint is not None and not np.isin(start_hint, pool).all():
            start_hint = None
        out = _run(data, pool, c, side, (None if found is None else found.value, ub),
                   start_hint, clock.left(1.0 if last else 0.3), params, seed,
                   log["search"], fixed=fixed, every_unit_let=every_unit_let)
        if out.status in ("OPTIMAL", "FEASIBLE") and (found is None or out.value > found.value
                                                      or out.status == "OPTIMAL"):
            found, found_pool, found_fixed = out, pool, fixed
        if found is not None and (found.value >= ub or k >= 1):
            break
        if clock.left() <= 0.05:
            break
    if found is None:
        return None
    z, arcs = found.value, found.arcs
    if z >= ub:
        return _Incumbent(arcs, z, z, "LP bound reached")
    kept = kept_arcs(lp.reduced, ub_value, z, arcs)
    log["kept_arcs"] = len(kept)
    if found.status == "OPTIMAL" and found_fixed is None and np.isin(kept, found_pool).all():
        return _Incumbent(arcs, z, z, "CP-SAT optimal on a superset of the kept arcs")
    if len(kept) > MAX_MODEL_ARCS:
        return _Incumbent(arcs, z, ub, "LP bound (too many kept arcs for a proof)")
    proof = _run(data, kept, c, side, (z, ub), arcs, clock.left(), params, seed,
                 log.setdefault("proof", []), relative_gap=params.relative_gap,
                 every_unit_let=every_unit_let)
    if proof.status == "OPTIMAL":
        return _Incumbent(proof.arcs, proof.value, proof.value,
                          "CP-SAT optimal on the kept arcs")
    if proof.status == "FEASIBLE" and proof.value >= z:
        return _Incumbent(proof.arcs, proof.value, min(ub, max(z, proof.bound)),
                          "CP-SAT bound on the kept arcs")
    return _Incumbent(arcs, z, ub, "LP bound")


def _pools(data: SolverData, lp: LPBound, hint: np.ndarray | None):
    """Search spaces, smallest first: ``(arcs, arcs fixed to 1 or None)``.

    1. the LP's integral arcs fixed, its other units free over the LP's columns (a dive
       around the LP vertex: usually it reaches the LP bound at once);
    2. the LP's columns; 3. plus the ten cheapest arcs (reduced cost) of every unit;
    4. every arc.
    """
    extra = np.zeros(0, dtype=np.int64) if hint is None else np.asarray(hint, np.int64)
    pool = np.union1d(np.union1d(lp.pool, lp.support), extra).astype(np.int64)
    one = lp.support[lp.x > 1 - 1e-6]
    free = ~np.isin(data.unit[pool], data.unit[one]) & ~np.isin(data.demand[pool],
                                                                 data.demand[one])
    yield np.union1d(one, pool[free]), one
    yield pool, None
    wider = np.union1d(pool, cheapest_per_unit(lp.reduced, data.unit, 10))
    yield wider, None
    if data.n_arcs <= MAX_MODEL_ARCS:
        yield np.arange(data.n_arcs, dtype=np.int64), None


def _run(data: SolverData, arcs: np.ndarray, c: np.ndarray, side: SideRows, window,
         hint, time_limit: float, params: SolveParams, seed: int, log: list,
         relative_gap: float = 0.0, fixed=None, every_unit_let: bool = False):
    tick = time.perf_counter()
    sub = build_model(data, arcs, c, side=side, window=window, hint=hint, fixed=fixed,
                      every_unit_let=every_unit_let)
    out = run(sub, time_limit=time_limit, seed=seed, workers=params.workers, log=params.log,
              relative_gap=relative_gap)
    log.append({"arcs": len(arcs), "fixed": 0 if fixed is None else len(fixed),
                "variables": out.variables, "constraints": out.constraints,
                "status": out.status, "value": out.value,
                "seconds": time.perf_counter() - tick})
    return out


def _max_units(data: SolverData, upper: int, clock: _Clock, params: SolveParams, seed: int,
               stats: dict, lp: LPBound) -> tuple[np.ndarray, int, int]:
    """Level 1 alone: ``(arcs, units let, proven bound)``.

    CP-SAT maximises the units let on the pools of ``_pools`` (LP dive, LP columns,
    cheapest arcs, then every arc when the graph is small enough), each starting from the
    best allocation so far. Only the model on every arc can lower the bound ``upper``.
    """
    ones = np.ones(data.n_arcs, dtype=np.int64)
    log = stats.setdefault("units", {"search": []})["search"]
    best = np.zeros(0, dtype=np.int64)
    bound = upper
    for pool, fixed in _pools(data, lp, None):
        whole = len(pool) == data.n_arcs
        hint = best if np.isin(best, pool).all() else None
        out = _run(data, pool, ones, SideRows(), (len(best) or None, upper), hint,
                   clock.left(0.3), params, seed, log, fixed=fixed)
        if out.status == "INFEASIBLE" and whole and not len(best):
            raise PolicyInfeasible(_violated_when_empty(data),
                                   "no allocation at all, not even an empty one, meets "
                                   "every quota row")
        if out.status in ("OPTIMAL", "FEASIBLE") and out.value >= len(best):
            best = out.arcs
            if whole:
                bound = min(upper, int(out.bound))
        if len(best) >= bound or clock.left() <= 0.05:
            break
    return best, len(best), bound


def _violated_when_empty(data: SolverData) -> list[str]:
    return [row.name for row in data.quotas.rows if not row.holds(0, 0)] or ["(none)"]


def _lp_stats(lp: LPBound) -> dict:
    return {"bound": lp.value, "rounds": lp.iterations, "columns": len(lp.pool),
            "converged": lp.converged, "seconds": lp.seconds}


def _result(data: SolverData, params: SolveParams, arcs, units: tuple[int, int],
            levels: tuple, clock: _Clock, stats: dict, conflicts: tuple,
            free: int) -> Result:
    arcs = np.asarray(arcs, dtype=np.int64)
    arcs = arcs[np.argsort(data.unit[arcs], kind="stable")]
    score, fit = int(data.score[arcs].sum()), int(data.fit[arcs].sum())
    score_level, fit_level = levels if levels is not None else (None, None)
    score_bound = score if score_level is None else max(score, score_level[1])
    out = (Level("units_let", "max", len(arcs), int(units[1])),
           Level("score_sum", "max", score, int(score_bound)))
    if params.fit_preference:
        fit_bound = fit if score_level is None else (0 if fit_level is None
                                                     else min(fit, fit_level[1]))
        out += (Level("fit", "min", fit, int(max(0, fit_bound))),)
    status = "OPTIMAL" if all(lv.proven for lv in out) else "FEASIBLE"
    if len(arcs) == 0 and units[1] > 0:
        status = "NO_SOLUTION"
    stats["timings"]["total"] = clock.elapsed()
    return Result(status=status, arcs=arcs, levels=out, solve_seconds=clock.elapsed(),
                  quotas=tuple(quota_attainment(data.problem, arcs, data.quotas)),
                  units_without_quotas=free,
                  units_lost_to_quotas=max(0, free - int(units[1])),
                  conflicts=tuple(conflicts), stats=stats)
