"""Derived problems for re-solves: restricting a unit to one demand, relaxing one quota."""

import dataclasses

import numpy as np
import pytest

from builders import LANDLORDS, default_policy, random_territory
from attribution.models.compatibility import build_problem
from attribution.models.policy import Flow
from attribution.models.quotas import build_quotas
from attribution.reporting.analysis.variants import level_values, relax, restrict_unit_to_demand


@pytest.fixture(scope="module")
def problem():
    return build_problem(random_territory(7, 200, 15))


def test_restrict_keeps_every_other_arc(problem):
    """The unit keeps only the demand's arcs, the demand only the unit's; the rest is kept
    in order, and the index maps back to the original arcs."""
    g = problem.graph
    d, u = int(g.demand[0]), int(g.unit[0])
    sub, index = restrict_unit_to_demand(problem, u, d)
    expected = [a for a in range(len(g))
                if not ((g.unit[a] == u) != (g.demand[a] == d))]
    assert index.tolist() == expected
    assert np.array_equal(sub.graph.demand, g.demand[index])
    assert set(sub.graph.demand[sub.graph.unit == u]) == {d}
    assert set(sub.graph.unit[sub.graph.demand == d]) == {u}


def test_relax_a_quota_key_removes_its_rows_only(problem):
    """quotas.priority_min → no priority_min row; every other row unchanged."""
    before = build_quotas(problem).names
    after = build_quotas(relax(problem, "quotas.priority_min")).names
    assert "priority_min" in before
    assert list(after) == [n for n in before if n != "priority_min"]


def test_relax_a_spatial_share(problem):
    """spatial_balance.q1_share → no '.q1.' spatial row; priority rows kept."""
    after = build_quotas(relax(problem, "spatial_balance.q1_share")).names
    assert not [n for n in after if n.startswith("spatial") and ".q1." in n]
    assert [n for n in after if n.startswith("spatial") and ".priority." in n]


def test_relax_one_flow_entry_keeps_landlord_codes():
    """Removing a landlord's only flow entry keeps the landlord list (unit codes stay valid)
    and removes exactly that entry's two rows."""
    base = default_policy()
    only = Flow(LANDLORDS[5], "commune", 0.2, 0.05)
    flows = tuple(f for f in base.flows if f.landlord != LANDLORDS[5]) + (only,)
    policy = dataclasses.replace(base, flows=flows, territory=dataclasses.replace(
        base.territory, landlords=()))
    p = build_problem(random_territory(3, 200, 30, policy=policy))
    relaxed = relax(p, "flows", f"{LANDLORDS[5]}→commune")
    assert relaxed.territory.policy.landlords == p.territory.policy.landlords
    before, after = build_quotas(p).names, build_quotas(relaxed).names
    gone = [n for n in before if n not in after]
    assert sorted(gone) == sorted(n for n in before if n.startswith(f"flow[{LANDLORDS[5]}→"))


def test_relax_an_unknown_key_is_an_error(problem):
    with pytest.raises(ValueError, match="must be quotas"):
        relax(problem, "eligibility.max_rent_burden")


def test_level_values(problem):
    """(units let, score sum) of an allocation, summed by hand."""
    arcs = np.array([0])
    assert level_values(problem, arcs) == (1, int(problem.scores[problem.graph.demand[0]]))
