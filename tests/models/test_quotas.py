"""Quota rows as data: each contract quota alone on a hand-made round, exact shares,
carry-over, and the integer rows against the exact check."""

from fractions import Fraction

import numpy as np
import pytest

from builders import make_policy, make_problem, random_problem, full_policy
from attribution.models.policy import Flow, Quotas, SpatialBalance
from attribution.models.quotas import build_quotas, exact_share


def _holds(problem, name, arcs):
    q = build_quotas(problem)
    i = q.names.index(name)
    left, right = q.side_counts(np.asarray(arcs, dtype=np.int64))
    return q.rows[i].holds(int(left[i]), int(right[i]))


def _arc(problem, demand, unit):
    g = problem.graph
    return int(np.flatnonzero((g.demand == demand) & (g.unit == unit))[0])


def test_exact_share_is_the_decimal_the_user_wrote():
    """0.3 is 3/10, not the binary float just above it."""
    assert exact_share(0.3) == Fraction(3, 10)
    assert exact_share(0.05) == Fraction(1, 20)


def test_no_quota_key_no_row():
    """An empty [quotas] table and no flows or spatial balance: nothing is enforced."""
    p = make_problem([{}], [{}], [(0, 0, "bailleur")])
    assert len(build_quotas(p)) == 0


def test_priority_min_on_the_boundary_is_exact():
    """3 priority attributions out of 10 meet a 0.3 floor (3 ≥ 0.3 × 10 exactly), 2 do
    not — a float product 0.3 × 10 = 3.0000000000000004 would wrongly refuse the first."""
    units = [{} for _ in range(10)]
    demands = [{"priority": i < 3} for i in range(10)] + [{}]
    arcs = [(i, i, "bailleur") for i in range(10)] + [(10, 0, "bailleur")]
    p = make_problem(units, demands, arcs, make_policy(Quotas(priority_min=0.3)))
    ten = [_arc(p, i, i) for i in range(10)]
    assert _holds(p, "priority_min", ten)
    swapped = [_arc(p, 10, 0)] + ten[1:]          # one priority household replaced
    assert not _holds(p, "priority_min", swapped)


def test_dalo_counts_as_priority():
    """A DALO household without the priority flag counts in the priority group."""
    p = make_problem([{}, {}], [{"dalo": True}, {}], [(0, 0, "bailleur"), (1, 1, "bailleur")],
                     make_policy(Quotas(priority_min=0.5)))
    assert _holds(p, "priority_min", [_arc(p, 0, 0), _arc(p, 1, 1)])


def test_priority_per_reservataire_only_for_non_state_with_arcs():
    """One row per réservataire other than etat that has arcs, on its own attributions;
    "bailleur" gets one row per landlord (here only L1 has units)."""
    p = make_problem([{}, {}], [{"priority": True}, {}, {}],
                     [(0, 0, "commune"), (1, 0, "bailleur"), (2, 1, "bailleur"),
                      (1, 1, "etat")],
                     make_policy(Quotas(priority_min_per_reservataire=0.5)))
    names = build_quotas(p).names
    assert names == ("priority_min_per_reservataire[commune]",
                     "priority_min_per_reservataire[L1→bailleur]")
    # commune: 1 priority of 1; L1's own flow: 0 of 1.
    arcs = [_arc(p, 0, 0), _arc(p, 2, 1)]
    assert _holds(p, "priority_min_per_reservataire[commune]", arcs)
    assert not _holds(p, "priority_min_per_reservataire[L1→bailleur]", arcs)


def test_landlords_own_25_percent_is_per_landlord_not_pooled():
    """CCH L441-1: "au moins 25 % des attributions annuelles ... de logements non réservés
    ou pour lesquels l'attribution à un candidat présenté par le réservataire a échoué"
    are made to priority households — on *each* landlord's own flow. Hand count: L1 lets
    2 units through bailleur, 1 to a priority household (1 ≥ 0.25 × 2 = 0.5, holds); L2
    lets 2, none priority (0 ≥ 0.5 fails). Pooled, 1 ≥ 0.25 × 4 = 1 would have held."""
    units = [{"landlord": 0}, {"landlord": 0}, {"landlord": 1}, {"landlord": 1}]
    demands = [{"priority": True}, {}, {}, {}]
    p = make_problem(units, demands, [(k, k, "bailleur") for k in range(4)],
                     make_policy(Quotas(priority_min_per_reservataire=0.25)))
    assert build_quotas(p).names == ("priority_min_per_reservataire[L1→bailleur]",
                                     "priority_min_per_reservataire[L2→bailleur]")
    arcs = [_arc(p, k, k) for k in range(4)]
    assert _holds(p, "priority_min_per_reservataire[L1→bailleur]", arcs)
    assert not _holds(p, "priority_min_per_reservataire[L2→bailleur]", arcs)
    # A DALO household counts as priority (L441-1 lists DALO households first).
    p2 = make_problem(units, [{"priority": True}, {}, {"dalo": True}, {}],
                      [(k, k, "bailleur") for k in range(4)],
                      make_policy(Quotas(priority_min_per_reservataire=0.25)))
    assert _holds(p2, "priority_min_per_reservataire[L2→bailleur]",
                  [_arc(p2, k, k) for k in range(4)])


def test_state_agent_max_per_landlord_flow():
    """R441-5: the préfet's reservation "ne peut représenter plus de 30 % ... dont au plus
    5 % au profit des agents civils et militaires de l'Etat". Row: State agents (neither
    priority nor DALO) let through etat on L1's units ≤ 0.05 × L1's units let in the flow
    + 1. Hand count with 20 units of L1 let: bound 0.05 × 20 + 1 = 2; 2 agents hold, 3
    break; an agent who is also a priority household does not count; a unit outside the
    flow is not in the base."""
    units = [{"landlord": 0} for _ in range(20)] + [{"landlord": 0, "outside_flow": True}]
    demands = ([{"state_agent": True} for _ in range(3)] + [{"state_agent": True,
                                                              "priority": True}]
               + [{} for _ in range(18)])
    arcs = [(k, k, "etat") for k in range(20)] + [(20, 20, ""), (21, 0, "etat")]
    p = make_problem(units, demands, arcs, make_policy(Quotas(state_agent_max=0.05)))
    assert build_quotas(p).names == ("state_agent_max[L1]",)
    # unit 0 to a non-agent: agents 1, 2 (+ the priority agent 3, not counted) → 2 ≤ 2
    two = [_arc(p, 21, 0)] + [_arc(p, k, k) for k in range(1, 21)]
    three = [_arc(p, k, k) for k in range(21)]         # agents 0, 1, 2 → 3 > 2
    assert _holds(p, "state_agent_max[L1]", two)
    assert not _holds(p, "state_agent_max[L1]", three)
    q = build_quotas(p)
    left, right = q.side_counts(np.asarray(three))
    assert (int(left[0]), int(right[0])) == (3, 20)


def test_state_priority_and_outside_qpv():
    """State rows count only attributions through etat."""
    units = [{"qpv": True}, {"qpv": False}, {"qpv": False}]
    demands = [{"priority": True}, {}, {"priority": True}]
    arcs = [(0, 0, "etat"), (1, 1, "etat"), (2, 2, "bailleur")]
    policy = make_policy(Quotas(state_priority_min=0.5, state_outside_qpv_min=0.5))
    p = make_problem(units, demands, arcs, policy)
    both = [_arc(p, 0, 0), _arc(p, 1, 1)]   # etat: 1 priority of 2, 1 non-QPV of 2
    assert _holds(p, "state_priority_min", both) and _holds(p, "state_outside_qpv_min", both)
    only_qpv = [_arc(p, 0, 0)]              # etat: 1 of 1 priority, 0 of 1 outside QPV
    assert _holds(p, "state_priority_min", only_qpv)
    assert not _holds(p, "state_outside_qpv_min", only_qpv)


def test_q1_outside_qpv_counts_anru():
    """Outside QPV, an ANRU household counts like a Q1 one; QPV units do not count."""
    units = [{}, {}, {"qpv": True}]
    demands = [{"anru": True}, {}, {"q1": True}, {}]
    arcs = [(0, 0, "bailleur"), (1, 1, "bailleur"), (2, 2, "bailleur"), (3, 0, "bailleur")]
    p = make_problem(units, demands, arcs, make_policy(Quotas(q1_outside_qpv_min=0.5)))
    assert _holds(p, "q1_outside_qpv_min", [_arc(p, 0, 0), _arc(p, 1, 1), _arc(p, 2, 2)])
    assert not _holds(p, "q1_outside_qpv_min", [_arc(p, 3, 0), _arc(p, 1, 1),
                                                 _arc(p, 2, 2)])


def test_non_q1_in_qpv():
    """In QPV, non-Q1 attributions must reach the share; ANRU does not help here."""
    units = [{"qpv": True}, {"qpv": True}]
    demands = [{"q1": True, "anru": True}, {"q1": True}, {}]
    arcs = [(0, 0, "bailleur"), (1, 1, "bailleur"), (2, 1, "bailleur")]
    p = make_problem(units, demands, arcs, make_policy(Quotas(non_q1_in_qpv_min=0.5)))
    assert not _holds(p, "non_q1_in_qpv_min", [_arc(p, 0, 0), _arc(p, 1, 1)])
    assert _holds(p, "non_q1_in_qpv_min", [_arc(p, 0, 0), _arc(p, 2, 1)])


def _flow_problem():
    """Landlord L1 with 5 units, one outside the flow; flow L1→etat share 0.2 ± 0.
    N_b counts the 4 units in the flow: 0.2·4 − 1 ≤ N_br ≤ 0.2·4 + 1, i.e. 0 ≤ N_br ≤ 1."""
    units = [{"landlord": 0} for _ in range(4)] + [{"landlord": 0, "outside_flow": True}]
    demands = [{} for _ in range(5)]
    arcs = [(k, k, r) for k in range(4) for r in ("etat", "bailleur")] + [(4, 4, "")]
    return make_problem(units, demands, arcs,
                        make_policy(flows=[Flow("L1", "etat", 0.2, 0.0)]))


def test_flow_rows_with_one_unit_of_slack():
    """Two of four units through etat break the max row; one passes; zero passes too."""
    p = _flow_problem()
    g = p.graph
    ids = p.territory.policy.reservataire_ids
    pick = lambda k, r: int(np.flatnonzero((g.unit == k) & (g.reservataire == ids.index(r)))[0])  # noqa: E731
    one = [pick(0, "etat")] + [pick(k, "bailleur") for k in (1, 2, 3)]
    two = [pick(0, "etat"), pick(1, "etat"), pick(2, "bailleur"), pick(3, "bailleur")]
    assert _holds(p, "flow[L1→etat].max", one) and not _holds(p, "flow[L1→etat].max", two)
    assert _holds(p, "flow[L1→etat].min", [pick(k, "bailleur") for k in range(4)])


def test_flow_base_excludes_units_outside_the_flow():
    """A unit outside the flow changes neither N_b nor N_br."""
    p = _flow_problem()
    q = build_quotas(p)
    outside = int(np.flatnonzero(p.graph.unit == 4)[0])
    left, right = q.side_counts(np.array([outside]))
    assert left.tolist() == [0, 0] and right.tolist() == [0, 0]


def test_spatial_balance_min_and_max_with_slack():
    """Commune Aval, 4 attributions, Q1 share in [0.5, 0.5] with slack 1: 1..3 Q1 pass."""
    units = [{"commune": 0} for _ in range(4)]
    demands = [{"q1": i < 4} for i in range(4)] + [{} for _ in range(4)]
    arcs = [(k, k, "bailleur") for k in range(4)] + [(4 + k, k, "bailleur") for k in range(4)]
    p = make_problem(units, demands, arcs,
                     make_policy(spatial=SpatialBalance(1, (0.5, 0.5), None)))
    assert build_quotas(p).names == ("spatial[Aval].q1.min", "spatial[Aval].q1.max")

    def with_q1(n):
        return [_arc(p, k if k < n else 4 + k, k) for k in range(4)]
    assert not _holds(p, "spatial[Aval].q1.min", with_q1(0))
    assert _holds(p, "spatial[Aval].q1.min", with_q1(1))
    assert _holds(p, "spatial[Aval].q1.max", with_q1(3))
    assert not _holds(p, "spatial[Aval].q1.max", with_q1(4))


def test_spatial_max_leaves_dalo_households_out_min_does_not():
    """Data contract, spatial balance: "G'_c counts the same attributions less those to
    DALO households: a commune maximum never holds back a DALO household" (the State's
    obligation to rehouse DALO households, CCH L441-2-3, comes first); the minimum still
    counts them. Aval, 4 attributions, priority share in [0.5, 0.5], slack 0: 3 DALO + 1
    priority → G' = 1 ≤ 0.5 × 4 = 2 holds (G = 4 would break it); the minimum counts G = 4
    ≥ 2. With 4 non-DALO priority households G' = 4 > 2 breaks the maximum."""
    units = [{"commune": 0} for _ in range(4)]
    demands = ([{"dalo": True} for _ in range(3)] + [{"priority": True}]
               + [{"priority": True} for _ in range(3)])
    arcs = [(k, k, "bailleur") for k in range(4)] + [(4 + k, k, "bailleur") for k in range(3)]
    p = make_problem(units, demands, arcs,
                     make_policy(spatial=SpatialBalance(0, None, (0.5, 0.5))))
    dalo_ones = [_arc(p, k, k) for k in range(4)]
    assert _holds(p, "spatial[Aval].priority.max", dalo_ones)
    assert _holds(p, "spatial[Aval].priority.min", dalo_ones)
    q = build_quotas(p)
    left, right = q.side_counts(np.asarray(dalo_ones))
    i_max, i_min = q.names.index("spatial[Aval].priority.max"), \
        q.names.index("spatial[Aval].priority.min")
    assert (int(left[i_max]), int(left[i_min]), int(right[i_max])) == (1, 4, 4)
    priority_ones = [_arc(p, 4 + k, k) for k in range(3)] + [_arc(p, 3, 3)]
    assert not _holds(p, "spatial[Aval].priority.max", priority_ones)


def test_carry_over_is_added_to_the_round():
    """Year to date 0 priority of 3: this round's single attribution must be priority
    for (0 + 1) ≥ 0.25 × (3 + 1)."""
    p = make_problem([{}], [{"priority": True}, {}], [(0, 0, "bailleur"), (1, 0, "bailleur")],
                     make_policy(Quotas(priority_min=0.25)), carry={"priority_min": (0, 3)})
    assert _holds(p, "priority_min", [_arc(p, 0, 0)])
    assert not _holds(p, "priority_min", [_arc(p, 1, 0)])
    assert not build_quotas(p).rows[0].holds(0, 0)   # empty round: 0 ≥ 0.25 × 3 fails


def test_rows_untouched_by_arcs_are_left_out_unless_the_carry_breaks_them():
    """No arc of landlord L2: its flow rows are dropped — unless the carry violates one."""
    p = make_problem([{"landlord": 0}], [{}], [(0, 0, "etat")],
                     make_policy(flows=[Flow("L2", "etat", 0.5, 0.0)]))
    assert len(build_quotas(p)) == 0
    p = make_problem([{"landlord": 0}], [{}], [(0, 0, "etat")],
                     make_policy(flows=[Flow("L2", "etat", 0.5, 0.0)]),
                     carry={"flow[L2→etat].min": (0, 10)})
    assert build_quotas(p).names == ("flow[L2→etat].min",)


@pytest.mark.parametrize("seed", range(5))
def test_integer_rows_agree_with_the_exact_check(seed):
    """For random allocations, Σ coef·n ≥ rhs holds exactly when every row holds by the
    Fraction arithmetic of QuotaRow.holds (an independent computation)."""
    p = random_problem(seed, 20, 8, 0.4, full_policy())
    q = build_quotas(p)
    rng = np.random.default_rng(seed)
    for _ in range(30):
        arcs = rng.choice(len(p.graph), size=rng.integers(0, 9), replace=False)
        n = q.classes.counts(arcs)
        left, right = q.side_counts(arcs)
        exact = [r.holds(int(a), int(b)) for r, a, b in zip(q.rows, left, right)]
        assert ((q.coef @ n) >= q.rhs).tolist() == exact


def test_classes_group_arcs_with_identical_attributes():
    """Per-arc coefficients equal the class row they belong to, arc by arc."""
    p = random_problem(3, 30, 10, 0.3, full_policy())
    q = build_quotas(p)
    u, d = p.graph.unit, p.graph.demand
    units, demands = p.territory.units, p.territory.demands
    i = q.names.index("q1_outside_qpv_min")
    expected = 4 * ((~units.qpv[u]) & (p.q1[d] | demands.anru[d])) - 1 * (~units.qpv[u])
    assert np.array_equal(q.per_arc(i), expected)
