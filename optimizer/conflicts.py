"""Which quota rows keep units empty, and how many units they cost.

When fewer units are let than a matching without quotas would let (``free``), some rows
conflict with each other or with the demand pool. The diagnosis looks for a small set of
rows that alone already forbids letting ``free`` units:

1. LP certificate: solve the relaxation of "max units let"; if its bound is below
   ``free``, the rows with a positive multiplier form a conflicting set (the same dual
   solution bounds the problem restricted to them);
2. otherwise (an integrality effect), CP-SAT with one assumption literal per row and the
   row "let ``free`` units" returns a sufficient set of assumptions;
3. a deletion filter then drops every row whose removal keeps the set conflicting, so the
   set returned is minimal whenever the filter finishes in its time budget.

``units_lost`` of a set is ``free`` minus the LP bound on units let under these rows
alone: a certified lower bound on what they cost.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from attribution.models.quotas import QuotaSystem

from .bound import SideRows, lp_bound
from .data import SolverData
from .interrupt import cp_solver
from .model import build_model, run
from .params import SolveParams
from .result import Conflict

#: Same cap as ``solve.MAX_MODEL_ARCS``: no CP-SAT model on more arcs than this.
MAX_MODEL_ARCS = 2_000_000


def _restricted(data: SolverData, keep: list[int]) -> SolverData:
    q = data.quotas
    sub = QuotaSystem(classes=q.classes, rows=tuple(q.rows[i] for i in keep),
                      coef=q.coef[keep], rhs=q.rhs[keep])
    return dataclasses.replace(data, quotas=sub)


def _units_bound(data: SolverData, keep: list[int], budget: float) -> int:
    """LP bound on units let when only rows ``keep`` are enforced."""
    lp = lp_bound(_restricted(data, keep), np.ones(data.n_arcs, dtype=np.int64),
                  time_limit=budget)
    return lp.bound


def _conflicting(data: SolverData, keep: list[int], free: int, budget: float,
                 seed: int) -> bool | None:
    """Whether rows ``keep`` alone forbid letting ``free`` units (None: undecided)."""
    start = time.perf_counter()
    if _units_bound(data, keep, budget / 2) < free:
        return True
    if data.n_arcs > MAX_MODEL_ARCS:
        return None
    sub = build_model(_restricted(data, keep), np.arange(data.n_arcs),
                      np.zeros(data.n_arcs, dtype=np.int64),
                      side=SideRows().add(np.ones(data.n_arcs, dtype=np.int64), free))
    out = run(sub, time_limit=max(0.05, budget - (time.perf_counter() - start)), seed=seed)
    if out.status == "INFEASIBLE":
        return True
    if out.status in ("OPTIMAL", "FEASIBLE"):
        return False
    return None


def _initial_set(data: SolverData, free: int, budget: float, seed: int) -> list[int]:
    """A conflicting set: LP multipliers first, else a CP-SAT assumption core."""
    lp = lp_bound(data, np.ones(data.n_arcs, dtype=np.int64), time_limit=budget / 2)
    n = len(data.quotas)
    if lp.bound < free:
        return [i for i in range(n) if lp.side_duals[i] > 1e-9]
    if data.n_arcs > MAX_MODEL_ARCS:
        return list(range(n))
    sub = build_model(data, np.arange(data.n_arcs), np.zeros(data.n_arcs, dtype=np.int64),
                      side=SideRows().add(np.ones(data.n_arcs, dtype=np.int64), free),
                      assumptions=True)
    from ortools.sat.python import cp_model

    solver = cp_solver()  # signals: see optimizer.interrupt
    solver.parameters.max_time_in_seconds = max(0.05, budget / 2)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    if solver.solve(sub.model) != cp_model.INFEASIBLE:
        return list(range(n))
    literals = list(sub.model.proto.assumptions)
    core = set(solver.response_proto.sufficient_assumptions_for_infeasibility)
    chosen = [i for i, lit in enumerate(literals) if lit in core]
    return chosen or list(range(n))


def diagnose(data: SolverData, free: int, params: SolveParams, seed: int = 0
             ) -> tuple[Conflict, ...]:
    """The smallest conflicting set of quota rows found within the diagnosis budget."""
    if not len(data.quotas):
        return ()
    start = time.perf_counter()
    budget = params.diagnosis_time_limit

    def left() -> float:
        return budget - (time.perf_counter() - start)

    rows = _initial_set(data, free, max(0.1, left() / 3), seed)
    minimal = True
    for i in list(rows):
        if left() <= 0:
            minimal = False
            break
        trial = [j for j in rows if j != i]
        if not trial:
            continue
        verdict = _conflicting(data, trial, free, max(0.1, min(left(), budget / 4)), seed)
        if verdict:
            rows = trial
        elif verdict is None:
            minimal = False
    bound = _units_bound(data, rows, max(0.1, left()))
    names = tuple(data.quotas.rows[i].name for i in rows)
    lost = max(0, free - bound)
    detail = (f"these {len(names)} row(s) alone keep at least {lost} of {free} lettable "
              f"unit(s) empty" if lost else
              f"these {len(names)} row(s) together forbid letting all {free} lettable units")
    return (Conflict(rows=names, units_lost=lost, minimal=minimal, detail=detail),)
