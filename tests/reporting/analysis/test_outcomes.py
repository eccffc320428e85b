"""Outcome of every demand on hand-made rounds whose optimum is computed by hand.

The rounds use two T1 units outside the flow (no réservataire, so no flow row) and one
quota, ``priority_min``; scores come from the default grid: one point per month, +20 past
36 months, +40 for a priority household.
"""

import dataclasses

import numpy as np
import pytest

from builders import CRITERIA, default_policy, make_demands, make_units
from attribution.models.compatibility import build_problem
from attribution.models.policy import Quotas
from attribution.models.territory import Territory
from attribution.reporting.analysis.outcomes import classify

LONG_AGO, FOUR_YEARS, TODAY = "2020-03-01", "2021-03-01", "2025-03-01"


def _policy(priority_min=0.5):
    p = default_policy()
    return dataclasses.replace(p, quotas=Quotas(priority_min=priority_min),
                               spatial_balance=None)


def _round(registered, priority, communes=None, income=None, policy=None):
    n = len(registered)
    wished = np.ones((n, 10), dtype=bool)
    for i, c in (communes or {}).items():
        wished[i] = False
        wished[i, c] = True
    demands = make_demands(n, registered_on=np.array(registered, dtype="datetime64[D]"),
                           priority=np.array(priority), wished_communes=wished,
                           annual_income=np.array(income or [0.0] * n),
                           criteria={c: 0.0 for c in CRITERIA})
    units = make_units(2, outside_flow=True)
    return build_problem(Territory(policy or _policy(), demands, units))


def _arcs_for(problem, pairs):
    """Arc indices of the given (demand, unit) pairs."""
    g = problem.graph
    return np.array([int(np.flatnonzero((g.demand == d) & (g.unit == u))[0]) for d, u in pairs])


@pytest.fixture
def quota_round():
    """D0 80 pts, D1 priority 40 pts, D2 68 pts, D3 wishes commune 1 only, D4 over the
    income ceiling, D5 0 pts. Optimum under priority ≥ 50 %: U0→D0, U1→D1 (score 120;
    U0→D0, U1→D2 would score 148 but has no priority attribution)."""
    p = _round([LONG_AGO, TODAY, FOUR_YEARS, TODAY, TODAY, TODAY],
               [False, True, False, False, False, False], communes={3: 1},
               income=[0, 0, 0, 0, 1e6, 0])
    assert p.scores.tolist() == [80, 40, 68, 0, 0, 0]
    return p, _arcs_for(p, [(0, 0), (1, 1)])


def test_housed(quota_round):
    """The two demands of the allocation are housed, in their units."""
    o = classify(*quota_round)
    assert o.outcome[:2].tolist() == ["housed", "housed"]
    assert o.unit[:2].tolist() == [0, 1]


def test_no_unit_wished(quota_round):
    """A demand wishing only a commune without any freed unit."""
    o = classify(*quota_round)
    assert o.outcome[3] == "no_unit_wished" and o.wished[3] == 0


def test_not_eligible_names_the_rule(quota_round):
    """Both wished units exceed the income ceiling: rule = income_ceiling, 2 of 2."""
    o = classify(*quota_round)
    assert o.outcome[4] == "not_eligible"
    assert o.rule[4] == "income_ceiling"
    assert o.rule_counts[4] == "income_ceiling:2" and o.wished[4] == 2


def test_held_by_quota_names_the_quota(quota_round):
    """D2 (68) beats D1 (40) on U1, but the exchange leaves no priority attribution."""
    o = classify(*quota_round)
    assert o.outcome[2] == "held_by_quota"
    assert o.quota[2] == "priority_min" and o.quota_rows[2] == "priority_min"
    assert o.related_unit[2] == 1 and o.competitor_score[2] == 40


def test_outranked_gives_the_gap_to_the_lowest_holder(quota_round):
    """D5 (0 points) loses both units to 80 and 40: the gap is to the lowest, 40."""
    o = classify(*quota_round)
    assert o.outcome[5] == "outranked"
    assert o.score_gap[5] == 40 and o.competitor_score[5] == 40
    assert o.related_unit[5] == 1


def test_without_the_quota_the_same_demand_is_not_held():
    """Same round, no quota: the exchange breaks nothing, so a non-optimal allocation
    leaves D2 'not_reached' (a better allocation exists)."""
    p = _round([LONG_AGO, TODAY, FOUR_YEARS], [False, True, False],
               policy=_policy(priority_min=None))
    o = classify(p, _arcs_for(p, [(0, 0), (1, 1)]))
    assert o.outcome.tolist() == ["housed", "housed", "not_reached"]
    assert o.quota[2] == ""


def test_an_empty_unit_blocked_by_a_quota():
    """One unit, one non-priority demand, priority ≥ 50 %: the unit stays empty and the
    demand is held by the quota, with no competitor."""
    p = _round([LONG_AGO], [False])
    o = classify(p, np.zeros(0, dtype=np.int64))
    assert o.outcome[0] == "held_by_quota" and o.quota[0] == "priority_min"
    assert o.competitor_score[0] == -1


def test_a_tie_is_outranked_with_gap_zero():
    """Two equal scores for one unit: the other one is outranked by 0 points."""
    q = _round([FOUR_YEARS, FOUR_YEARS, FOUR_YEARS], [False] * 3, policy=_policy(None))
    o = classify(q, _arcs_for(q, [(0, 0), (1, 1)]))
    assert o.outcome[2] == "outranked" and o.score_gap[2] == 0
