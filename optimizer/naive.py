"""The naive CP-SAT formulation, kept only as the benchmark baseline.

One Boolean per arc created through the expression API, ``AddAtMostOne`` per unit and per
demand, every quota row written arc by arc, and levels 1–2 folded into one weighted
objective ``W·units + score`` — the formulation ``docs/model.md`` improves on. A solution
callback records when the incumbent first reaches a target objective (the time-to-same-
objective of ``benchmarks/bench_solve.py``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from attribution.models.problem import AllocationProblem

from .interrupt import cp_solver


@dataclass(frozen=True)
class NaiveOutcome:
    """What the naive model reached: its levels 1–2, bound, and timings (seconds)."""

    status: str
    units: int | None
    score: int | None
    weight: int                 # W of the weighted objective W·units + score
    objective: int | None
    bound: float | None
    build_seconds: float
    solve_seconds: float
    time_to_target: float | None   # first incumbent with objective ≥ target, or None


class _Watch(cp_model.CpSolverSolutionCallback):
    def __init__(self, target: int | None):
        super().__init__()
        self.target, self.start, self.hit = target, time.perf_counter(), None

    def on_solution_callback(self) -> None:
        if self.hit is None and self.target is not None \
                and self.objective_value >= self.target - 0.5:
            self.hit = time.perf_counter() - self.start


def naive_solve(problem: AllocationProblem, time_limit: float = 120.0, workers: int = 2,
                seed: int = 0, target: tuple[int, int] | None = None) -> NaiveOutcome:
    """Build and solve the naive model; ``target`` is ``(units, score)`` to time."""
    start = time.perf_counter()
    g = problem.graph
    n = len(g)
    score = problem.scores[g.demand].astype(np.int64)
    weight = 1 + 2 * int(np.abs(problem.scores).max(initial=0)) * len(problem.territory.units)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{a}") for a in range(n)]
    for owner in (g.unit, g.demand):
        order = np.argsort(owner, kind="stable")
        cuts = np.flatnonzero(owner[order][1:] != owner[order][:-1]) + 1
        for group in np.split(order, cuts):
            if len(group) > 1:
                model.add_at_most_one([x[a] for a in group.tolist()])
    quotas = problem.quotas
    for i in range(len(quotas)):
        coef = quotas.per_arc(i)
        nz = np.flatnonzero(coef)
        model.add(cp_model.LinearExpr.weighted_sum([x[a] for a in nz.tolist()],
                                                   coef[nz].tolist()) >= int(quotas.rhs[i]))
    model.maximize(cp_model.LinearExpr.weighted_sum(x, (weight + score).tolist()))
    build = time.perf_counter() - start
    solver = cp_solver()  # signals: see optimizer.interrupt
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    watch = _Watch(None if target is None else weight * target[0] + target[1])
    start = time.perf_counter()
    status = solver.solve(model, watch)
    seconds = time.perf_counter() - start
    units = total = value = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.flatnonzero([solver.boolean_value(v) for v in x])
        units, total = len(chosen), int(score[chosen].sum())
        value = int(round(solver.objective_value))
    return NaiveOutcome(status=solver.status_name(status), units=units, score=total,
                        weight=weight, objective=value,
                        bound=float(solver.best_objective_bound), build_seconds=build,
                        solve_seconds=seconds, time_to_target=watch.hit)
