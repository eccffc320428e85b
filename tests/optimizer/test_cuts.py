"""Rounded quota rows: valid for every allocation that lets all lettable units."""

import itertools

import numpy as np

from builders import full_policy, random_problem
from attribution.optimizer.cuts import rounded_rows, with_rounded_rows
from attribution.optimizer.data import solver_data
from attribution.optimizer.params import SolveParams


def _full_allocations_checked(seed):
    problem = random_problem(seed, 7, 4, 0.6, full_policy())
    data = solver_data(problem, SolveParams())
    plain, rounded = data.quotas, with_rounded_rows(data).quotas
    g = problem.graph
    by_unit = [np.flatnonzero(g.unit == k) for k in np.unique(g.unit)]
    checked = 0
    for combo in itertools.product(*[a.tolist() for a in by_unit]):
        arcs = np.array(combo)
        if len(set(g.demand[arcs].tolist())) < len(arcs):
            continue
        n = plain.classes.counts(arcs)
        if (plain.coef @ n >= plain.rhs).all():
            checked += 1
            assert (rounded.coef @ n >= rounded.rhs).all()
    return checked


def test_rounded_rows_hold_for_every_full_allocation():
    """Enumerate every allocation of tiny rounds letting all their units and meeting the
    policy's rows: each one also meets every rounded row."""
    assert sum(_full_allocations_checked(seed) for seed in range(12)) > 0


def test_rows_whose_base_depends_on_the_reservataire_are_not_rounded():
    problem = random_problem(2, 20, 8, 0.3, full_policy())
    names = [r.name for r in rounded_rows(solver_data(problem, SolveParams()))]
    assert names and not any("per_reservataire" in n or n.startswith("state_") for n in names)
    assert any(n.startswith("flow[") for n in names)
