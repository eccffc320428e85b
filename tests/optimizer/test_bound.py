"""The LP bound and reduced-cost fixing: valid against a MILP, whatever the instance."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from builders import full_policy, random_problem
from attribution.models.quotas import build_quotas
from attribution.optimizer.bound import SideRows, lp_bound
from attribution.optimizer.data import solver_data
from attribution.optimizer.params import SolveParams
from attribution.optimizer.reduction import kept_arcs


def _milp(problem, c):
    """max c·x over allocations, by HiGHS MILP on every arc: (value, arcs)."""
    g, n = problem.graph, len(problem.graph)
    n_u, n_d = len(problem.territory.units), len(problem.territory.demands)
    cols = np.arange(n)
    q = build_quotas(problem)
    cons = [LinearConstraint(sp.csr_matrix((np.ones(n), (g.unit, cols)), shape=(n_u, n)), 0, 1),
            LinearConstraint(sp.csr_matrix((np.ones(n), (g.demand, cols)), shape=(n_d, n)), 0, 1),
            LinearConstraint(np.stack([q.per_arc(i) for i in range(len(q))]).astype(float),
                             q.rhs.astype(float), np.inf)]
    res = milp(-c.astype(float), constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1))
    return int(round(-res.fun)), np.flatnonzero(res.x > 0.5)


@pytest.mark.parametrize("seed", range(4))
def test_bound_is_above_the_integer_optimum(seed):
    problem = random_problem(seed, 50, 12, 0.3, full_policy())
    data = solver_data(problem, SolveParams())
    optimum, _ = _milp(problem, data.score)
    lp = lp_bound(data, data.score)
    assert lp.bound >= optimum and lp.value >= lp.bound
    assert np.all(lp.reduced >= 0)


@pytest.mark.parametrize("seed", range(4))
def test_reduced_cost_fixing_keeps_every_better_allocation(seed):
    """With an incumbent one below the optimum, the kept arcs contain an optimal
    allocation: each of its arcs has a reduced cost within U − z − 1."""
    problem = random_problem(seed, 50, 12, 0.3, full_policy())
    data = solver_data(problem, SolveParams())
    optimum, arcs = _milp(problem, data.score)
    lp = lp_bound(data, data.score)
    kept = kept_arcs(lp.reduced, lp.value, optimum - 1, np.zeros(0, dtype=np.int64))
    assert np.isin(arcs, kept).all()
    assert lp.value - lp.reduced[arcs].sum() >= optimum - 1e-6


def test_level_rows_enter_the_bound(quota_round):
    """A level row Σ score ≥ S cuts the bound of another objective (units let)."""
    problem = quota_round
    data = solver_data(problem, SolveParams())
    best_score, _ = _milp(problem, data.score)
    ones = np.ones(data.n_arcs, dtype=np.int64)
    free = lp_bound(data, ones)
    tied = lp_bound(data, ones, side=SideRows().add(data.score, best_score))
    assert tied.bound <= free.bound
    assert tied.feasible


@pytest.mark.parametrize("seed", range(2))
def test_plain_linprog_fallback_gives_the_same_bound(seed, monkeypatch):
    """Without a HiGHS binding (a SciPy without its private module), every restricted LP
    is solved by scipy.optimize.linprog: same bound as the warm-started path."""
    import attribution.optimizer.lp as lp_module

    problem = random_problem(seed, 50, 12, 0.3, full_policy())
    data = solver_data(problem, SolveParams())
    warm = lp_bound(data, data.score)
    monkeypatch.setattr(lp_module, "_Highs", None)
    cold = lp_bound(data, data.score)
    assert cold.bound == warm.bound
