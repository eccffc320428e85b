"""The arrays every solver phase shares, derived once per solve.

Per arc: unit, demand, score and fit cost; the arcs grouped into (unit, demand) pairs for
the assignment oracle; the quota rows on arc classes. Index arrays are int32 when the
graph allows it, to keep metropolitan instances (tens of millions of arcs) in memory;
scores and fit costs are always int64, and :func:`check_range` refuses a problem whose
objective sums could not be represented exactly (see ``docs/model.md``, "Range").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from attribution.models.errors import DataError, Problem
from attribution.models.problem import AllocationProblem
from attribution.models.quotas import QuotaSystem
from attribution.models.territory import _freeze

from .assignment import Pairs, pairs_of
from .deadline import Deadline
from .params import SolveParams


@dataclass(frozen=True)
class SolverData:
    """Per-arc arrays of one problem, its pairs and its quota rows."""

    problem: AllocationProblem
    quotas: QuotaSystem
    unit: np.ndarray        # per arc
    demand: np.ndarray      # per arc
    n_units: int
    n_demands: int
    pairs: Pairs
    score: np.ndarray       # int64 per arc: the demand's score
    fit: np.ndarray         # int64 per arc: fit cost (level 3, minimised)

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def n_arcs(self) -> int:
        return len(self.unit)

    def side_weights(self, lam: np.ndarray) -> np.ndarray:
        """``λ·A_a`` for every arc, for multipliers ``lam`` of the quota rows."""
        if not len(self.quotas):
            return np.zeros(self.n_arcs)
        return (lam @ self.quotas.coef.astype(np.float64))[self.quotas.classes.of_arc]


#: Arcs processed at once when deriving the per-arc arrays (a deadline is read between).
ARRAYS_CHUNK = 1 << 22


class ArraysOutOfTime(Exception):
    """The solve's deadline passed while the solver's arrays were being derived."""


def fit_cost(problem: AllocationProblem, params: SolveParams,
             tick: Callable[[], None] | None = None) -> np.ndarray:
    """Fit cost of every arc: PMR unit to a demand without PMR need, plus surplus rooms
    (by chunks of :data:`ARRAYS_CHUNK` arcs, ``tick`` called between them)."""
    g, units, demands = problem.graph, problem.territory.units, problem.territory.demands
    rooms = units.rooms.astype(np.int32) * 2 + units.pmr      # both unit facts in one gather
    need = demands.household_size.astype(np.int32) * 2 + demands.pmr_need
    out = np.empty(len(g), dtype=np.int64)
    for lo in range(0, len(g), ARRAYS_CHUNK):
        if tick is not None:
            tick()
        hi = min(len(g), lo + ARRAYS_CHUNK)
        u, d = rooms[g.unit[lo:hi]], need[g.demand[lo:hi]]
        misuse = ((u & 1) == 1) & ((d & 1) == 0)
        surplus = np.maximum((u >> 1) - (d >> 1), 0).astype(np.int64)
        surplus *= params.surplus_room_cost
        surplus += params.pmr_misuse_cost * misuse.astype(np.int64)
        out[lo:hi] = surplus
    return out


def solver_data(problem: AllocationProblem, params: SolveParams,
                quotas: QuotaSystem | None = None,
                deadline: Deadline | None = None) -> SolverData:
    """Derive the shared arrays of ``problem`` (O(number of arcs)).

    Every pass over the arcs goes by chunks; with ``deadline``, it is read between chunks
    and :class:`ArraysOutOfTime` is raised once it has passed (the solve then stops with
    ``NO_SOLUTION`` at its limit instead of finishing tens of seconds late on a round of
    tens of millions of arcs).
    """
    tick = None
    if deadline is not None:
        def tick() -> None:
            if deadline.expired():
                raise ArraysOutOfTime()
    g = problem.graph
    index = np.int32 if len(g) < 2**31 else np.int64
    unit, demand = g.unit.astype(index, copy=False), g.demand.astype(index, copy=False)
    n_demands = len(problem.territory.demands)
    quotas = quotas if quotas is not None else problem.quota_system(tick)
    pairs = pairs_of(unit, demand, n_demands, tick)
    fit = fit_cost(problem, params, tick)
    scores = problem.scores.astype(np.int64)
    score = np.empty(len(g), dtype=np.int64)
    for lo in range(0, len(g), ARRAYS_CHUNK):
        if tick is not None:
            tick()
        score[lo:lo + ARRAYS_CHUNK] = scores[demand[lo:lo + ARRAYS_CHUNK]]
    return SolverData(
        problem=problem, quotas=quotas, unit=unit, demand=demand,
        n_units=len(problem.territory.units), n_demands=n_demands, pairs=pairs,
        score=score, fit=fit)


#: Every objective value and bound is computed exactly: HiGHS and the certificates work in
#: float64, exact on integers up to 2**53; CP-SAT checks that no linear expression can
#: exceed 2**63 − 1 over its variables' domains.
FLOAT_EXACT = 2**53
CPSAT_SAFE = 2**62


def max_abs_coefficient(n_units: int, n_demands: int, max_model_arcs: int) -> int:
    """Largest ``|score|`` (or fit cost) the solver handles exactly.

    A level's objective per arc is ``c + μ`` with ``μ = 2·max|c| + 1``, at most
    ``3·max|c| + 1``; an allocation has at most ``min(units, demands)`` arcs (its sum
    must stay below 2**53) and a CP-SAT model at most ``max_model_arcs`` (the sum of
    every coefficient must stay below 2**62).
    """
    m = max(1, min(n_units, n_demands))
    return min((FLOAT_EXACT // m - 1) // 3, (CPSAT_SAFE // max(1, max_model_arcs) - 1) // 3)


def check_range(data: SolverData, max_model_arcs: int) -> None:
    """Refuse a problem whose scores or fit costs are beyond :func:`max_abs_coefficient`.

    Raises
    ------
    models.errors.DataError
        One problem naming the largest score (or fit cost) and the limit.
    """
    limit = max_abs_coefficient(data.n_units, data.n_demands, max_model_arcs)
    problems = []
    for what, values, where in (("score", data.problem.scores, "cotation"),
                                ("fit cost", data.fit, "pmr_misuse_cost/surplus_room_cost")):
        top = int(np.abs(values).max(initial=0))
        if top > limit:
            problems.append(Problem(
                "policy.toml", None, where,
                f"a {what} of {top:,} is beyond what the solver handles exactly for a round "
                f"of {data.n_units:,} units and {data.n_demands:,} demands (at most "
                f"{limit:,} in absolute value, so that every sum stays exact in float64 "
                f"and within CP-SAT's 64-bit integers); lower the points"))
    if problems:
        raise DataError(problems)
