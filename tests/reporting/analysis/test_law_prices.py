"""Each landlord's own 25 % is priced on its own (quota_prices.csv: one row per landlord)."""

import numpy as np

from builders import make_policy, make_problem
from attribution.models.allocation import quota_attainment
from attribution.models.policy import Quotas
from attribution.models.quotas import build_quotas
from attribution.optimizer import SolveParams, solve
from attribution.reporting.analysis.quota_price import binding_items, quota_prices
from attribution.reporting.analysis.variants import relax


def _two_landlords():
    """L1 and L2 each let two units through their own flow. Demands: D0 priority (5 pts)
    fits L1's units only, D1 priority (5) L2's only, D2..D5 ordinary (50 pts) fit every
    unit. With the 25 % per landlord (CCH L441-1, each landlord's own flow), each landlord
    must let one of its two units to its priority household: by hand the optimum houses
    D0, D1 and two ordinary households, score 110 (without the rule: 200)."""
    units = [{"landlord": 0}, {"landlord": 0}, {"landlord": 1}, {"landlord": 1}]
    demands = [{"priority": True, "score": 5}, {"priority": True, "score": 5}] + \
        [{"score": 50} for _ in range(4)]
    arcs = [(0, u, "bailleur") for u in (0, 1)] + [(1, u, "bailleur") for u in (2, 3)] + \
        [(d, u, "bailleur") for d in range(2, 6) for u in range(4)]
    return make_problem(units, demands, arcs,
                        make_policy(Quotas(priority_min_per_reservataire=0.25)))


def test_relaxing_one_landlord_leaves_the_others():
    """relax(…, "L2→bailleur") voids L2's row only: it then holds with no priority
    attribution at all, while L1's row is unchanged."""
    p = _two_landlords()
    r = relax(p, "quotas.priority_min_per_reservataire", "L2→bailleur")
    q = build_quotas(r)
    l2 = q.rows[q.names.index("priority_min_per_reservataire[L2→bailleur]")]
    l1 = q.rows[q.names.index("priority_min_per_reservataire[L1→bailleur]")]
    assert l2.holds(0, 2) and not l1.holds(0, 2)


def test_prices_one_row_per_landlord():
    """Both landlords' rows bind; each is priced alone: relaxing L1's 25 % lets D0's unit
    go to an ordinary household (+45 points), the same for L2 — never the +90 of relaxing
    the landlords together."""
    p = _two_landlords()
    result = solve(p, seed=0)
    arcs = np.asarray(result.arcs)
    assert int(p.scores[p.graph.demand[arcs]].sum()) == 110
    rows = quota_attainment(p, arcs, build_quotas(p))
    items = binding_items(rows)
    assert [(k, d) for k, d, _ in items] == [
        ("quotas.priority_min_per_reservataire", "L1→bailleur"),
        ("quotas.priority_min_per_reservataire", "L2→bailleur")]
    prices = quota_prices(p, arcs, rows, solve, SolveParams(), 0)
    assert prices["quota"].tolist() == ["priority_min_per_reservataire[L1→bailleur]",
                                        "priority_min_per_reservataire[L2→bailleur]"]
    assert prices["gain_score"].tolist() == [45, 45]
    assert prices["gain_units"].tolist() == [0, 0]
