"""MoveChecker: the rows a move breaks, against a recount of the moved allocation."""

import numpy as np

from builders import random_territory
from attribution.models.allocation import quota_attainment
from attribution.models.compatibility import build_problem
from attribution.reporting.analysis.moves import MoveChecker


def _greedy(problem):
    """Some allocation: first arc of each unit whose demand is still free."""
    g, used, arcs = problem.graph, set(), []
    for u in np.unique(g.unit):
        for a in np.flatnonzero(g.unit == u):
            if g.demand[a] not in used:
                used.add(int(g.demand[a]))
                arcs.append(int(a))
                break
    return np.array(arcs, dtype=np.int64)


def test_violations_match_a_recount_of_the_moved_allocation():
    """For random one- and two-arc moves, broken rows = rows not satisfied after the move,
    as counted from scratch by models.allocation.quota_attainment."""
    problem = build_problem(random_territory(5, 300, 25))
    arcs = _greedy(problem)
    checker = MoveChecker(problem, arcs)
    rng = np.random.default_rng(1)
    remove = rng.choice(arcs, (40, 2))
    remove[remove[:, 0] == remove[:, 1], 1] = -1
    remove[:8, 1] = -1
    remove[:4, 0] = -1
    add = rng.integers(0, len(problem.graph), (40, 2))
    add[::3, 1] = -1
    bad = checker.violations(remove, add)
    for k in range(40):
        moved = [a for a in arcs if a not in remove[k]] + [a for a in add[k] if a >= 0]
        rows = quota_attainment(problem, np.array(moved))
        assert bad[k].tolist() == [not r.satisfied for r in rows]


def test_first_violation_and_names():
    """The first broken row's name and the count agree with violations()."""
    problem = build_problem(random_territory(6, 200, 20))
    arcs = _greedy(problem)
    checker = MoveChecker(problem, arcs)
    add = np.arange(min(30, len(problem.graph)))
    remove = np.full(len(add), -1)
    bad = checker.violations(remove, add)
    n_bad, first = checker.first_violation(remove, add)
    assert n_bad.tolist() == bad.sum(axis=1).tolist()
    for k in range(len(add)):
        names = checker.broken_names(-1, int(add[k]))
        assert names == [n for n, b in zip(checker.names, bad[k]) if b]
        assert first[k] == (names[0] if names else "")
