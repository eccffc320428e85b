"""A commune maximum never holds back a DALO household (data contract, spatial balance).

Hand-made round in commune Aval, spatial balance on priority households only, share in
[0, 0.5] with no slack, two units: with 2 attributions the maximum allows
G' ≤ 0.5 × 2 = 1 priority attribution *other than DALO ones*.
"""

import dataclasses

import numpy as np

from builders import make_policy, make_problem, random_problem
from attribution.models.policy import Flow, Quotas, SpatialBalance
from attribution.optimizer import solve
from attribution.models.i18n import language
from attribution.reporting.text.decision_text import reason_pair, spatial_why
from attribution.reporting.analysis.outcomes import classify


def _round():
    """D0 priority 100, D1 DALO 90, D2 priority 95, D3 ordinary 10; everyone fits both
    units of Aval through the landlord's own flow."""
    demands = [{"priority": True, "score": 100}, {"dalo": True, "score": 90},
               {"priority": True, "score": 95}, {"score": 10}]
    arcs = [(d, u, "bailleur") for d in range(4) for u in range(2)]
    policy = make_policy(spatial=SpatialBalance(0, None, (0.0, 0.5)))
    return make_problem([{"commune": 0}, {"commune": 0}], demands, arcs, policy)


def test_dalo_household_is_housed_before_the_commune_maximum():
    """CCH L441-2-3 (the State's obligation to rehouse a DALO household) before the CIA's
    territorial rebalancing: by hand, the best pairs are {D0, D2} = 195 (G' = 2 > 1,
    forbidden), {D0, D1} = 190 (G' = 1, D1 being DALO: allowed). The old rule (DALO
    counted in G) would have forbidden {D0, D1} too and housed {D0, D3} = 110, holding
    the DALO household D1 back."""
    p = _round()
    result = solve(p, seed=0)
    housed = sorted(int(d) for d in p.graph.demand[np.asarray(result.arcs)])
    assert housed == [0, 1]
    o = classify(p, np.asarray(result.arcs))
    assert o.outcome[1] == "housed"
    # D2 (priority, 95 > 90) is the one the maximum holds back, and it is told why.
    assert o.outcome[2] == "held_by_quota" and o.quota[2] == "spatial[Aval].priority.max"


def test_explanation_names_the_commune_and_the_reason():
    """The reason of a household held by a commune maximum names the commune, the group,
    and says DALO households are not counted (in words: no internal identifier)."""
    with language("en"):
        en = spatial_why("spatial[Aval].priority.max")
    with language("fr"):
        fr = spatial_why("spatial[Aval].priority.max")
    assert "Aval" in en and "priority households" in en and "DALO" in en
    assert "Aval" in fr and "DALO" in fr and "spatial" not in fr
    assert spatial_why("priority_min") is None
    facts = dict(outcome="held_by_quota", score=95, related_unit_id="U01",
                 competitor_score=90, quota="spatial[Aval].priority.max")
    with language("en"):
        reason, motif = reason_pair(facts)
    assert "Aval already has the largest share of priority households" in reason
    assert "Aval a déjà la part maximale" in motif


def test_no_dalo_household_is_ever_held_by_a_commune_maximum():
    """On random rounds with spatial balance and flows, solved to optimality, no DALO
    household's outcome is held_by_quota on a spatial maximum: moving a DALO household in
    never raises G' and never lowers the commune's attributions."""
    flows = [Flow(b, r, s, 0.2) for b in ("L1", "L2")
             for r, s in (("etat", 0.3), ("bailleur", 0.7))]
    policy = make_policy(Quotas(priority_min=0.25), flows,
                         SpatialBalance(0, (0.0, 0.4), (0.0, 0.3)))
    seen = 0
    for seed in range(6):
        p = random_problem(seed, 40, 12, 0.35, policy)
        dalo = p.territory.demands.dalo.copy()
        dalo[::4] = True          # plenty of DALO households
        d = p.territory.demands
        p = dataclasses.replace(p, territory=dataclasses.replace(
            p.territory, demands=dataclasses.replace(d, dalo=dalo)))
        result = solve(p, seed=0)
        o = classify(p, np.asarray(result.arcs))
        held = o.outcome == "held_by_quota"
        seen += int(held.sum())
        spatial_max = np.array([q.startswith("spatial[") and q.endswith(".max")
                                for q in o.quota])
        assert not np.any(held & dalo & spatial_max)
    assert seen > 0   # the rounds do exercise held_by_quota
