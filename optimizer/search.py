"""Search and proof of one level on CP-SAT, over arc pools taken from the LP.

Shared by the three levels of :mod:`optimizer.solve`: :func:`level` searches small pools
first (the LP dive, its columns, the cheapest arcs, every arc) and, when the LP bound is
not reached, proves the optimum on the arcs reduced-cost fixing keeps; :func:`max_units`
is level 1 on its own. Every phase reads the same frozen :class:`Context`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from attribution.models.errors import PolicyInfeasible
from attribution.models.i18n import _
from attribution.models.problem import AllocationProblem

from .bound import LPBound, SideRows, lp_bound
from .data import SolverData
from .deadline import Deadline
from .model import SubOutcome, build_model, run
from .params import SolveParams
from .reduction import cheapest_per_unit, kept_arcs


#: Seconds to build a CP-SAT model per arc, assumed until a model of this solve is
#: measured (a loaded 2-core machine; the measured rate replaces it).
BUILD_SECONDS_PER_ARC = 2e-6
#: A model is built only when the time left is this many times its predicted build time
#: (the build, CP-SAT's loading of the model, and at least as long again to solve it).
BUILD_MARGIN = 3.0


@dataclass(frozen=True)
class Context:
    """What every level reads: the problem's arrays, the parameters and the clock.

    ``stats`` is the one mutable member: the log of phases returned in ``Result.stats``.
    """

    problem: AllocationProblem
    data: SolverData
    params: SolveParams
    seed: int
    clock: Deadline
    stats: dict
    matching: np.ndarray     # a maximum matching without quotas (its arcs)
    mu: int                  # weight of "one more unit let" on top of the score
    empty_ok: bool           # the empty allocation meets every quota row
    max_model_arcs: int      # largest arc set given to one CP-SAT model
    #: what one phase computed and a later one reuses (``free_arcs``: the quota-free best
    #: allocation for ``score + μ``, the oracle's answer to λ = 0 of the score LPs)
    memo: dict = field(default_factory=dict)

    @property
    def free(self) -> int:
        """Units a matching lets without any quota."""
        return len(self.matching)

    @property
    def ones(self) -> np.ndarray:
        return np.ones(self.data.n_arcs, dtype=np.int64)


@dataclass(frozen=True)
class Relaxation:
    """The rows the LP and CP-SAT work on, and the LP of ``score + μ`` over them.

    ``data`` holds the rounded rows (``cuts.py``) while every lettable unit is expected to
    be let (``every_unit_let``); the plain rows once that looks out of reach.
    """

    data: SolverData
    every_unit_let: bool
    lp: LPBound | None = None


@dataclass(frozen=True)
class Incumbent:
    arcs: np.ndarray
    value: int        # objective c of the arcs
    bound: int        # proven upper bound on c among allocations letting ≥ L units
    proof: str        # how the bound was obtained


def run_lp(ctx: Context, data: SolverData, objective: np.ndarray, side: SideRows,
           columns, name: str, first: np.ndarray | None = None) -> LPBound:
    """The LP bound of ``objective`` under ``side`` (:func:`bound.lp_bound`; ``first``:
    the oracle's answer to λ = 0 when known), timed and logged in ``ctx.stats[name]``."""
    tick = time.perf_counter()
    lp = lp_bound(data, objective, side=side, columns=columns,
                  time_limit=ctx.clock.left(0.4), log=ctx.params.log, first=first)
    timings = ctx.stats["timings"]
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - tick
    ctx.stats[name] = _lp_stats(lp)
    return lp


def level(ctx: Context, relax: Relaxation, c: np.ndarray, side: SideRows, lp: LPBound,
          shift: int, hint: np.ndarray | None, name: str) -> Incumbent | None:
    """Best allocation for objective ``c`` under ``side`` (search, then proof), or
    ``None`` when none was found on every arc.

    ``lp`` bounds ``c + μ`` where ``shift = μ·L`` and ``Σx ≥ L`` is the first row of
    ``side``: every allocation of ``side`` has ``c·x ≤ lp.value − shift − Σ r_a x_a``.
    """
    log = ctx.stats.setdefault(name, {"search": []})
    ub = lp.bound - shift
    found, found_pool, found_fixed = _search(ctx, relax, c, side, lp, ub, hint, log)
    if found is None:
        return None
    z, arcs = found.value, found.arcs
    if z >= ub:
        return Incumbent(arcs, z, z, "LP bound reached")
    if ctx.clock.expired():
        return Incumbent(arcs, z, ub, "LP bound (time limit)")
    kept = kept_arcs(lp.reduced, lp.value - shift, z, arcs)
    log["kept_arcs"] = len(kept)
    if found.status == "OPTIMAL" and found_fixed is None and np.isin(kept, found_pool).all():
        return Incumbent(arcs, z, z, "CP-SAT optimal on a superset of the kept arcs")
    if len(kept) > ctx.max_model_arcs:
        return Incumbent(arcs, z, ub, "LP bound (too many kept arcs for a proof)")
    proof = _run(ctx, relax, kept, c, side, (z, ub), arcs, ctx.clock.left(),
                 log.setdefault("proof", []), relative_gap=ctx.params.relative_gap)
    if proof.status == "OPTIMAL":
        return Incumbent(proof.arcs, proof.value, proof.value,
                          "CP-SAT optimal on the kept arcs")
    if proof.status == "FEASIBLE" and proof.value >= z:
        return Incumbent(proof.arcs, proof.value, min(ub, max(z, proof.bound)),
                          "CP-SAT bound on the kept arcs")
    return Incumbent(arcs, z, ub, "LP bound")


def _search(ctx: Context, relax: Relaxation, c: np.ndarray, side: SideRows,
            lp: LPBound, ub: int, hint: np.ndarray | None, log: dict):
    """CP-SAT on the pools of :func:`_pools`, each from the best allocation so far, until
    one reaches the LP bound ``ub`` (or after the second pool).

    Returns ``(outcome, its pool, its fixed arcs)``, the outcome ``None`` if none found.
    """
    found = found_pool = found_fixed = None
    for k, (pool, fixed) in enumerate(_pools(relax.data, lp, hint, ctx.max_model_arcs)):
        if ctx.clock.expired():
            break
        last = k == 3
        start_hint = found.arcs if found is not None else hint
        if start_hint is not None and not np.isin(start_hint, pool).all():
            start_hint = None
        out = _run(ctx, relax, pool, c, side, (None if found is None else found.value, ub),
                   start_hint, ctx.clock.left(1.0 if last else 0.3), log["search"],
                   fixed=fixed)
        if out.status in ("OPTIMAL", "FEASIBLE") and (found is None or out.value > found.value
                                                      or out.status == "OPTIMAL"):
            found, found_pool, found_fixed = out, pool, fixed
            first_allocation(ctx)
        if found is not None and (found.value >= ub or k >= 1):
            break
        if ctx.clock.left() <= 0.05:
            break
    return found, found_pool, found_fixed


def _pools(data: SolverData, lp: LPBound, hint: np.ndarray | None, max_arcs: int):
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
    if data.n_arcs <= max_arcs:
        yield np.arange(data.n_arcs, dtype=np.int64), None


def _run(ctx: Context, relax: Relaxation, arcs: np.ndarray, c: np.ndarray,
         side: SideRows, window, hint, time_limit: float, log: list,
         relative_gap: float = 0.0, fixed=None) -> SubOutcome:
    """Build and solve one CP-SAT model on ``arcs``; one line of ``log`` per call.

    Building is not interruptible, nor is CP-SAT's loading of a large model (measured
    about as long again as the build: a 188 k-arc proof given 0.9 s ran 1.45 s): a model
    whose predicted build time (arcs × the rate measured on this solve's earlier models)
    times :data:`BUILD_MARGIN` exceeds the time left is not built, and the outcome is
    ``UNKNOWN``.
    """
    rate = ctx.stats.get("build_seconds_per_arc", BUILD_SECONDS_PER_ARC)
    if len(arcs) * rate * BUILD_MARGIN > ctx.clock.remaining():
        log.append({"arcs": len(arcs), "status": "not built: no time left to build it"})
        return SubOutcome(status="UNKNOWN", arcs=np.zeros(0, dtype=np.int64), value=None,
                          bound=None, seconds=0.0, variables=0, constraints=0)
    tick = time.perf_counter()
    sub = build_model(relax.data, arcs, c, side=side, window=window, hint=hint, fixed=fixed,
                      every_unit_let=relax.every_unit_let)
    if len(arcs) >= 10_000:
        ctx.stats["build_seconds_per_arc"] = (time.perf_counter() - tick) / len(arcs)
    title = _export(ctx, sub, log)
    # Building a large model takes time of its own: never past the deadline.
    time_limit = min(time_limit, max(0.01, ctx.clock.remaining()))
    out = run(sub, time_limit=time_limit, seed=ctx.seed, workers=ctx.params.workers,
              log=ctx.params.log, relative_gap=relative_gap,
              log_file=ctx.params.log_file, title=title,
              deterministic_limit=ctx.params.deterministic_limit)
    log.append({"arcs": len(arcs), "fixed": 0 if fixed is None else len(fixed),
                "variables": out.variables, "constraints": out.constraints,
                "status": out.status, "value": out.value,
                "seconds": time.perf_counter() - tick})
    return out


def _export(ctx: Context, sub, log: list) -> str:
    """The model's name (``NNN-<level>-<phase>``); with ``params.export_model``, the
    model is also written there as a binary ``CpModelProto``."""
    count = ctx.stats.setdefault("models", 0) + 1
    ctx.stats["models"] = count
    title = f"{count:03d}-{log_name(ctx, log)}"
    folder = ctx.params.export_model
    if folder:
        os.makedirs(folder, exist_ok=True)
        if not sub.model.export_to_file(os.path.join(folder, title + ".pb")):
            raise OSError(_("Cannot write the CP-SAT model to the folder '{folder}'.").format(
                folder=folder))
    return title


def log_name(ctx: Context, log: list) -> str:
    """``<level>-<phase>`` of the log list a model is recorded in."""
    for name, entry in ctx.stats.items():
        if isinstance(entry, dict):
            for phase, lst in entry.items():
                if lst is log:
                    return f"{name}-{phase}"
    return "model"


def max_units(ctx: Context, upper: int, lp: LPBound) -> tuple[np.ndarray, int, int]:
    """Level 1 alone: ``(arcs, units let, proven bound)``.

    CP-SAT maximises the units let on the pools of ``_pools`` (LP dive, LP columns,
    cheapest arcs, then every arc when the graph is small enough), each starting from the
    best allocation so far. Only the model on every arc can lower the bound ``upper``.
    """
    data = ctx.data
    plain = Relaxation(data, False)
    log = ctx.stats.setdefault("units", {"search": []})["search"]
    best = np.zeros(0, dtype=np.int64)
    bound = upper
    for pool, fixed in _pools(data, lp, None, ctx.max_model_arcs):
        if ctx.clock.expired():
            break
        whole = len(pool) == data.n_arcs
        hint = best if np.isin(best, pool).all() else None
        out = _run(ctx, plain, pool, ctx.ones, SideRows(), (len(best) or None, upper), hint,
                   ctx.clock.left(0.3), log, fixed=fixed)
        if out.status == "INFEASIBLE" and whole and not len(best):
            raise PolicyInfeasible(violated_when_empty(data),
                                   _("no allocation at all, not even an empty one, meets "
                                     "every quota row"))
        if out.status in ("OPTIMAL", "FEASIBLE") and out.value >= len(best):
            best = out.arcs
            first_allocation(ctx)
            if whole:
                bound = min(upper, int(out.bound))
        if len(best) >= bound or ctx.clock.left() <= 0.05:
            break
    return best, len(best), bound


def first_allocation(ctx: Context) -> None:
    """Record when the first valid allocation was found (``stats['first_allocation']``,
    seconds from the start of the solve)."""
    ctx.stats.setdefault("first_allocation", ctx.clock.elapsed())


def violated_when_empty(data: SolverData) -> list[str]:
    return [row.name for row in data.quotas.rows if not row.holds(0, 0)] or ["(none)"]


def _lp_stats(lp: LPBound) -> dict:
    return {"bound": lp.value, "rounds": lp.iterations, "columns": len(lp.pool),
            "converged": lp.converged, "seconds": lp.seconds}


