"""The arrays every solver phase shares, derived once per solve.

Per arc: unit, demand, score and fit cost; the arcs grouped into (unit, demand) pairs for
the assignment oracle; the quota rows on arc classes. Index arrays are int32 when the
graph allows it, to keep metropolitan instances (tens of millions of arcs) in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attribution.models.problem import AllocationProblem
from attribution.models.quotas import QuotaSystem, build_quotas
from attribution.models.territory import _freeze

from .assignment import Pairs, pairs_of
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
    score: np.ndarray       # int64 per arc: the demand's score (sums of up to 10⁹ × units)
    fit: np.ndarray         # int32 per arc: fit cost (level 3, minimised)

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


def fit_cost(problem: AllocationProblem, params: SolveParams) -> np.ndarray:
    """Fit cost of every arc: PMR unit to a demand without PMR need, plus surplus rooms."""
    g, units, demands = problem.graph, problem.territory.units, problem.territory.demands
    rooms = units.rooms.astype(np.int32) * 2 + units.pmr      # both unit facts in one gather
    need = demands.household_size.astype(np.int32) * 2 + demands.pmr_need
    u, d = rooms[g.unit], need[g.demand]
    misuse = ((u & 1) == 1) & ((d & 1) == 0)
    surplus = np.maximum((u >> 1) - (d >> 1), 0)
    surplus *= params.surplus_room_cost
    surplus += params.pmr_misuse_cost * misuse.astype(np.int32)
    return surplus.astype(np.int32, copy=False)


def solver_data(problem: AllocationProblem, params: SolveParams,
                quotas: QuotaSystem | None = None) -> SolverData:
    """Derive the shared arrays of ``problem`` (O(number of arcs))."""
    g = problem.graph
    index = np.int32 if len(g) < 2**31 else np.int64
    unit, demand = g.unit.astype(index), g.demand.astype(index)
    n_demands = len(problem.territory.demands)
    return SolverData(
        problem=problem, quotas=quotas if quotas is not None else build_quotas(problem),
        unit=unit, demand=demand, n_units=len(problem.territory.units), n_demands=n_demands,
        pairs=pairs_of(unit, demand, n_demands),
        score=problem.scores.astype(np.int64)[demand], fit=fit_cost(problem, params))
