"""The quick allocation: valid whenever it answers, and the pair rows it repairs."""

import numpy as np
import pytest

from builders import full_policy, random_problem
from attribution.models.allocation import check_allocation
from attribution.optimizer.cuts import with_rounded_rows
from attribution.optimizer.data import solver_data
from attribution.optimizer.heuristic import pair_rows, quick_allocation
from attribution.optimizer.params import SolveParams


@pytest.mark.parametrize("seed", range(8))
def test_quick_allocation_is_valid_when_it_answers(seed):
    """Whatever it returns passes the solver-independent check (or it returns None)."""
    problem = random_problem(seed, 80, 20, 0.3, full_policy())
    data = with_rounded_rows(solver_data(problem, SolveParams()))
    arcs = quick_allocation(data, seed=0)
    if arcs is not None:
        assert check_allocation(problem, arcs) == []
        assert len(np.unique(problem.graph.unit[arcs])) == len(arcs)


def test_some_quick_allocation_answers():
    """On loose random rounds the heuristic does produce allocations (not always None)."""
    answers = 0
    for seed in range(8):
        problem = random_problem(seed, 80, 20, 0.3, full_policy())
        answers += quick_allocation(solver_data(problem, SolveParams())) is not None
    assert answers > 0


def test_pair_rows_are_those_independent_of_the_reservataire(quota_round):
    problem = quota_round
    data = solver_data(problem, SolveParams())
    names = {data.quotas.names[i] for i in pair_rows(data)}
    assert "priority_min" in names and "q1_outside_qpv_min" in names
    assert any(n.startswith("spatial[") for n in names)
    assert not any(n.startswith(("flow[", "state_", "priority_min_per")) for n in names)


def test_spatial_maxima_leaving_dalo_out_stay_pair_rows():
    """A commune maximum leaves DALO households out (data contract, spatial balance): its
    coefficients differ between DALO and other priority households, never between
    réservataires, so every spatial row — maxima included — is a pair row the heuristic
    repairs (it used to miss the maxima when classes were split by the DALO flag)."""
    problem = random_problem(1, 60, 12, 0.3, full_policy())
    assert problem.territory.demands.dalo.any()
    data = solver_data(problem, SolveParams())
    names = {data.quotas.names[i] for i in pair_rows(data)}
    spatial = {n for n in data.quotas.names if n.startswith("spatial[")}
    assert any(n.endswith(".max") for n in spatial) and spatial <= names
