"""The assignment oracle: optimal matching and exactly matching dual prices."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from attribution.optimizer.assignment import assign, pairs_of


@pytest.mark.parametrize("seed", range(6))
def test_matching_value_and_duals(seed):
    """Against linear_sum_assignment on the dense matrix of the best arc of each pair
    (missing or negative pairs count 0: leaving a unit empty); the prices π with the
    recomputed σ certify the same value."""
    rng = np.random.default_rng(seed)
    n_u, n_d = 6, 9
    arcs = [(u, d) for u in range(n_u) for d in range(n_d) if rng.random() < 0.4]
    arcs += arcs[: len(arcs) // 3]                       # parallel arcs (réservataires)
    unit = np.array([a[0] for a in arcs], dtype=np.int32)
    demand = np.array([a[1] for a in arcs], dtype=np.int32)
    order = np.lexsort((demand, unit))
    unit, demand = unit[order], demand[order]
    w = rng.normal(5, 4, len(unit))
    dense = np.zeros((n_u, n_d))
    np.maximum.at(dense, (unit, demand), w)
    rows, cols = linear_sum_assignment(dense, maximize=True)
    expected = dense[rows, cols].sum()
    pairs = pairs_of(unit, demand, n_d)
    out = assign(pairs, w, n_u, n_d)
    assert out.value == pytest.approx(expected)
    assert len(set(unit[out.arcs])) == len(out.arcs) == len(set(demand[out.arcs]))
    assert w[out.arcs].sum() == pytest.approx(expected)
    sigma = np.zeros(n_d)
    np.maximum.at(sigma, demand, w - out.pi[unit])
    assert np.all(out.pi >= 0)
    assert out.pi.sum() + sigma.sum() == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(4))
def test_best_arc_of_each_pair_by_rank(seed):
    """Pairs.best (a pass per rank within a pair) against a direct loop over the pairs:
    the largest weight and the first arc attaining it, ties included (weights rounded)."""
    rng = np.random.default_rng(seed)
    n_u, n_d = 30, 40
    unit = np.sort(rng.integers(0, n_u, 600)).astype(np.int32)
    demand = rng.integers(0, n_d, 600).astype(np.int32)
    w = rng.normal(0, 2, len(unit)).round(0)
    pairs = pairs_of(unit, demand, n_d, chunk=97)
    wp, arc = pairs.best(w)
    for p in range(len(pairs)):
        arcs = pairs.order[pairs.starts[p]:pairs.starts[p + 1]]
        assert sorted(arcs.tolist()) == arcs.tolist()          # graph order within a pair
        top = max(w[arcs])
        assert wp[p] == top and arc[p] == next(a for a in arcs if w[a] == top)
