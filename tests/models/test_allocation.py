"""The solver-independent definition of a valid allocation, and quota attainment."""

import numpy as np

from builders import make_policy, make_problem
from attribution.models.allocation import check_allocation, quota_attainment
from attribution.models.policy import Quotas


def _tiny():
    """Two units, three demands; priority_min 0.5. Arcs: D1/D2 on U1, D2/D3 on U2."""
    return make_problem([{}, {}], [{"priority": True}, {}, {}],
                        [(0, 0, "bailleur"), (1, 0, "bailleur"), (1, 1, "bailleur"),
                         (2, 1, "bailleur")],
                        make_policy(Quotas(priority_min=0.5)))


def _arc(p, demand, unit):
    g = p.graph
    return int(np.flatnonzero((g.demand == demand) & (g.unit == unit))[0])


def test_valid_allocation_has_no_problem():
    p = _tiny()
    assert check_allocation(p, [_arc(p, 0, 0), _arc(p, 2, 1)]) == []
    assert check_allocation(p, []) == []


def test_unit_let_twice():
    """Two demands on U1 (and the quota met): the unit is named."""
    p = make_problem([{}], [{}, {}], [(0, 0, "bailleur"), (1, 0, "bailleur")])
    errors = check_allocation(p, [0, 1])
    assert len(errors) == 1 and "unit U01" in errors[0] and "more than one" in errors[0]


def test_demand_housed_twice():
    p = make_problem([{}, {}], [{}], [(0, 0, "bailleur"), (0, 1, "bailleur")])
    errors = check_allocation(p, [0, 1])
    assert len(errors) == 1 and "demand D01" in errors[0]


def test_arc_that_does_not_exist_and_duplicate_arc():
    p = _tiny()
    assert "do not exist" in check_allocation(p, [7])[0]
    assert any("more than once" in e for e in check_allocation(p, [0, 0]))


def test_violated_quota_is_named_with_its_counts():
    """No priority household among 2 attributions: priority_min (0.5) fails, got 0."""
    p = _tiny()
    errors = check_allocation(p, [_arc(p, 1, 0), _arc(p, 2, 1)])
    assert len(errors) == 1
    assert errors[0].startswith("Quota priority_min is violated")
    assert "0.5 × 2" in errors[0] and "got 0" in errors[0]


def test_attainment_counts_share_margin_and_tightness():
    """1 priority of 2 with a 0.5 floor: satisfied, margin 0, tight (binding)."""
    p = _tiny()
    (row,) = quota_attainment(p, [_arc(p, 0, 0), _arc(p, 2, 1)])
    assert (row.name, row.left, row.right, row.share, row.target) == \
        ("priority_min", 1, 2, 0.5, 0.5)
    assert row.satisfied and row.margin == 0.0 and row.tight
    (loose,) = quota_attainment(p, [_arc(p, 0, 0)])          # 1 of 1: margin 0.5
    assert loose.satisfied and loose.margin == 0.5 and loose.tight
    (empty,) = quota_attainment(p, [])
    assert empty.share is None and empty.satisfied


def test_attainment_includes_the_carry():
    """Year to date (1, 4) plus this round's (1, 2): the row is held to 2 of 6."""
    p = make_problem([{}, {}], [{"priority": True}, {}, {}],
                     [(0, 0, "bailleur"), (2, 1, "bailleur")],
                     make_policy(Quotas(priority_min=0.5)), carry={"priority_min": (1, 4)})
    (row,) = quota_attainment(p, [0, 1])
    assert (row.left, row.right, row.carry_left, row.carry_right) == (2, 6, 1, 4)
    assert not row.satisfied and row.margin == -1.0
    assert check_allocation(p, [0, 1])[0].endswith("got 2.")


def test_graph_and_problem_shapes_are_checked_at_construction():
    """Arrays of lengths 3, 1, 0 (or an arc pointing past the demands) fail at once with
    one sentence, not deep in the solver."""
    import dataclasses

    import numpy as np
    import pytest

    from attribution.models.problem import CompatibilityGraph
    from builders import random_territory
    from attribution.models.compatibility import build_problem

    with pytest.raises(ValueError, match="CompatibilityGraph.unit must be"):
        CompatibilityGraph(np.zeros(3, np.int32), np.zeros(1, np.int32), np.zeros(0, np.int16))
    with pytest.raises(ValueError, match="one-dimensional integer"):
        CompatibilityGraph(np.zeros(2, np.int32), np.zeros(2, np.float64), np.zeros(2, np.int16))
    problem = build_problem(random_territory(3, 20, 4))
    with pytest.raises(ValueError, match="AllocationProblem.scores must hold one value"):
        dataclasses.replace(problem, scores=problem.scores[:-1])
    g = problem.graph
    bad = CompatibilityGraph(np.full(len(g), len(problem.scores), np.int32), g.unit,
                             g.reservataire)
    with pytest.raises(ValueError, match="an arc points outside them"):
        dataclasses.replace(problem, graph=bad)
