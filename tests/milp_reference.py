"""An independent reference solver for small rounds: scipy's HiGHS MILP on every arc.

Maximises units let, then score sum (one weighted objective: BIG + score per arc, BIG above
the sum of all |scores|), under every quota row of :mod:`models.quotas`. Used by the
reporting tests as a second solver, independent of the CP-SAT optimizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from attribution.models.errors import PolicyInfeasible
from attribution.models.quotas import build_quotas


@dataclass
class ReferenceResult:
    status: str
    arcs: np.ndarray
    objective: tuple
    bound: tuple
    gap: float = 0.0
    conflicts: tuple = ()
    stats: dict = field(default_factory=dict)


def solve(problem, params=None, seed=0, force_pair=None):
    """Optimal allocation of a small problem (a few thousand arcs at most).

    ``force_pair=(demand, unit)`` adds the constraint that the unit goes to that demand
    (through any réservataire); ``None`` is returned when that is infeasible.
    """
    g, n = problem.graph, len(problem.graph)
    n_u, n_d = len(problem.territory.units), len(problem.territory.demands)
    if n == 0:
        return ReferenceResult("OPTIMAL", np.zeros(0, np.int64), (0, 0), (0, 0))
    cols = np.arange(n)
    cons = [LinearConstraint(sp.csr_matrix((np.ones(n), (g.unit, cols)), shape=(n_u, n)), 0, 1),
            LinearConstraint(sp.csr_matrix((np.ones(n), (g.demand, cols)), shape=(n_d, n)), 0, 1)]
    quotas = build_quotas(problem)
    if len(quotas):
        rows = np.stack([quotas.per_arc(i) for i in range(len(quotas))]).astype(float)
        cons.append(LinearConstraint(rows, quotas.rhs.astype(float), np.inf))
    if force_pair is not None:
        pick = ((g.demand == force_pair[0]) & (g.unit == force_pair[1])).astype(float)
        cons.append(LinearConstraint(pick[None, :], 1, 1))
    s = problem.scores[g.demand].astype(float)
    big = float(np.abs(problem.scores).sum() + 1)
    res = milp(-(big + s), constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1),
               options={"mip_rel_gap": 0})
    if res.x is None and force_pair is not None:
        return None
    if res.x is None:
        raise PolicyInfeasible(["(reference solver)"], "no allocation meets the quotas")
    arcs = np.flatnonzero(res.x > 0.5)
    value = (len(arcs), int(problem.scores[g.demand[arcs]].sum()))
    return ReferenceResult("OPTIMAL", arcs, value, value)
