"""Matchings without quotas: the level-1 bound and the min-cost-flow floor."""

import numpy as np
from scipy.optimize import linear_sum_assignment

from builders import make_problem, random_problem
from attribution.optimizer.data import solver_data
from attribution.optimizer.matching import max_matching, min_cost_flow
from attribution.optimizer.params import SolveParams


def test_max_matching_size_and_validity():
    """U1 and U2 both only want D1: a maximum matching lets 2 of the 3 units."""
    p = make_problem([{}, {}, {}], [{}, {}],
                     [(0, 0, "etat"), (0, 0, "bailleur"), (0, 1, "bailleur"), (1, 2, "commune")])
    arcs = max_matching(solver_data(p, SolveParams()))
    g = p.graph
    assert len(arcs) == 2
    assert len(set(g.unit[arcs])) == 2 and len(set(g.demand[arcs])) == 2


def test_min_cost_flow_is_a_maximum_weight_maximum_matching():
    """Against linear_sum_assignment on the dense score matrix (every unit matchable)."""
    p = random_problem(3, 25, 6, 0.5)
    g = p.graph
    arcs, _ = min_cost_flow(g.unit, g.demand, p.scores[g.demand], 6, 25)
    dense = np.full((6, 25), -1e9)
    dense[g.unit, g.demand] = p.scores[g.demand]
    rows, cols = linear_sum_assignment(dense, maximize=True)
    assert len(arcs) == 6 == len(max_matching(solver_data(p, SolveParams())))
    assert p.scores[g.demand[arcs]].sum() == dense[rows, cols].sum()
