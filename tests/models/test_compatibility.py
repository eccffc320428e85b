"""Compatibility graph: each rule alone on hand-made pairs, then a plain-Python brute force
over all pairs of random territories agreeing with the vectorised graph."""

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import LANDLORDS, default_policy, make_demands, make_units, random_territory
from attribution.models.compatibility import build_graph, build_problem
from attribution.models.cotation import score
from attribution.models.errors import DataError
from attribution.models.household import q1_flags
from attribution.models.pair_rules import RULES, exclusion_reasons, rule_masks
from attribution.models.policy import Eligibility, TerritoryInfo
from attribution.models.territory import Territory

PLUS, PLAI, PLS = 2, 0, 3
ETAT, ACTION_LOGEMENT, COMMUNE, BAILLEUR = 0, 1, 2, 3
HARMONIE = LANDLORDS.index("Harmonie Habitat")   # has no State convention in default_policy


def arcs(demands, units, policy=None):
    """The graph of a hand-made round as a list of (demand, unit, réservataire)."""
    g = build_graph(Territory(policy or default_policy(), demands, units))
    return list(zip(g.demand.tolist(), g.unit.tolist(), g.reservataire.tolist()))


def pairs(demands, units, policy=None):
    """The (demand, unit) pairs of the graph, whatever the réservataire."""
    return sorted({(d, u) for d, u, _ in arcs(demands, units, policy)})


def reasons(demands, units, policy=None, d=0, u=0):
    return exclusion_reasons(Territory(policy or default_policy(), demands, units), d, u)


def test_baseline_pair_is_allowed_through_open_reservataires():
    """A neutral demand and unit: allowed through 'commune' and 'bailleur' (open to all)."""
    assert arcs(make_demands(), make_units()) == [(0, 0, COMMUNE), (0, 0, BAILLEUR)]
    assert reasons(make_demands(), make_units()) == []


# --- income ceiling -----------------------------------------------------------------------

@pytest.mark.parametrize("financing, income, allowed", [
    (PLUS, 23201.0, True), (PLUS, 23201.5, False),      # PLUS 2025, category 1
    (PLAI, 12759.0, True), (PLAI, 12760.0, False),
    (1, 12759.0, True), (1, 12760.0, False),            # PLAI-A = PLAI table
    (PLS, 30161.0, True), (PLS, 30162.0, False),        # round(1.3 × 23201) = 30161
])
def test_income_ceiling_by_financing(financing, income, allowed):
    """annual_income ≤ the ceiling of the unit's financing for category 1 (2025)."""
    d, u = make_demands(annual_income=income), make_units(financing=financing)
    assert bool(pairs(d, u)) is allowed
    assert reasons(d, u) == ([] if allowed else ["income_ceiling"])


def test_income_ceiling_uses_category_and_year():
    """Category 2 (disability) in 2024: 30,238 passes, 30,239 fails."""
    policy = dataclasses.replace(default_policy(), territory=dataclasses.replace(
        default_policy().territory, ceilings_year=2024))
    d = make_demands(2, disability=True, annual_income=[30238.0, 30239.0])
    assert pairs(d, make_units(), policy) == [(0, 0)]


def test_income_ceiling_category_above_six():
    """Seven persons (category 7), PLUS 2025: 59,636 + 6,652 = 66,288 is the ceiling."""
    d = make_demands(2, household_size=7, adults=7, annual_income=[66288.0, 66289.0])
    assert pairs(d, make_units(typology=5)) == [(0, 0)]


# --- typology ------------------------------------------------------------------------------

def test_typology_by_household_size():
    """One person: T1, T2 allowed, T3 not; seven persons use the 6+ row (T5, T6)."""
    units = make_units(4, typology=[0, 1, 2, 4])
    assert pairs(make_demands(), units) == [(0, 0), (0, 1)]
    assert reasons(make_demands(), units, u=2) == ["typology"]
    big = make_demands(household_size=7, adults=7)
    assert pairs(big, units) == [(0, 3)]


def test_typology_table_absent_is_not_enforced():
    """Without typology_by_size any typology fits any household."""
    policy = dataclasses.replace(default_policy(), eligibility=Eligibility(0.33, {}))
    assert pairs(make_demands(), make_units(2, typology=[2, 5]), policy) == [(0, 0), (0, 1)]


def test_wished_typologies():
    """Wishing only T2 excludes T1; an all-False row is an empty list (any typology)."""
    only_t2 = np.array([False, True, False, False, False, False])
    units = make_units(2, typology=[0, 1])
    assert pairs(make_demands(wished_typologies=only_t2), units) == [(0, 1)]
    assert reasons(make_demands(wished_typologies=only_t2), units) == ["wished_typology"]
    assert pairs(make_demands(wished_typologies=np.zeros(6, bool)), units) == [(0, 0), (0, 1)]


# --- commune -------------------------------------------------------------------------------

def test_wished_communes():
    """Wishing only commune 1 excludes commune 0; an all-False row means any commune."""
    only_1 = np.zeros(10, dtype=bool)
    only_1[1] = True
    units = make_units(2, commune=[0, 1])
    assert pairs(make_demands(wished_communes=only_1), units) == [(0, 1)]
    assert reasons(make_demands(wished_communes=only_1), units) == ["wished_commune"]
    assert pairs(make_demands(wished_communes=np.zeros(10, bool)), units) == [(0, 0), (0, 1)]


# --- rent burden ---------------------------------------------------------------------------

def test_rent_burden_at_and_above_the_cap():
    """Income 1,000 €/month, cap 0.33: rent 330 passes, 331 fails; with 100 € of
    allowance 430 passes."""
    d = make_demands(2, monthly_income=1000.0, housing_allowance=[0.0, 100.0])
    units = make_units(3, rent=[330.0, 331.0, 430.0])
    assert pairs(d, units) == [(0, 0), (1, 0), (1, 1), (1, 2)]
    assert reasons(d, units, u=1) == ["rent_burden"]


def test_rent_burden_with_zero_income():
    """Monthly income 0: allowed only when rent − allowance ≤ 0."""
    d = make_demands(monthly_income=0.0, housing_allowance=200.0)
    assert pairs(d, make_units(3, rent=[150.0, 200.0, 201.0])) == [(0, 0), (0, 1)]


def test_rent_burden_absent_key_is_not_enforced():
    """Without max_rent_burden a rent of 5,000 € on no income is allowed."""
    base = default_policy()
    policy = dataclasses.replace(base, eligibility=dataclasses.replace(
        base.eligibility, max_rent_burden=None))
    assert pairs(make_demands(), make_units(rent=5000.0), policy) == [(0, 0)]


# --- accessibility -------------------------------------------------------------------------

def test_pmr_need_requires_pmr_unit():
    """A PMR need only gets a PMR unit; a PMR unit still accepts anyone."""
    units = make_units(2, pmr=[False, True])
    assert pairs(make_demands(pmr_need=True), units) == [(0, 1)]
    assert reasons(make_demands(pmr_need=True), units) == ["accessibility"]
    assert pairs(make_demands(pmr_need=False), units) == [(0, 0), (0, 1)]


# --- réservataire ---------------------------------------------------------------------------

def test_flow_reservataires_and_eligible_if_any():
    """A priority demand is eligible to the State; a private employee to Action Logement."""
    d = make_demands(2, priority=[True, False], private_employee=[False, True])
    assert arcs(d, make_units()) == [(0, 0, ETAT), (1, 0, ACTION_LOGEMENT),
                                     (0, 0, COMMUNE), (1, 0, COMMUNE),
                                     (0, 0, BAILLEUR), (1, 0, BAILLEUR)]


def test_landlord_without_state_flow_has_no_state_arc():
    """Harmonie Habitat has no State convention: no 'etat' arc for a DALO demand."""
    got = arcs(make_demands(dalo=True), make_units(landlord=HARMONIE))
    assert [r for _, _, r in got] == [COMMUNE, BAILLEUR]
    assert [r for _, _, r in arcs(make_demands(dalo=True), make_units())] == [ETAT, COMMUNE,
                                                                             BAILLEUR]


def test_named_reservataire_is_the_only_one():
    """A unit pre-oriented to the State: only 'etat', and only for its eligible demands."""
    d = make_demands(2, state_agent=[True, False])
    assert arcs(d, make_units(reservataire=ETAT)) == [(0, 0, ETAT)]
    assert reasons(d, make_units(reservataire=ETAT), d=1) == ["reservataire_eligibility"]


def test_outside_flow_has_no_reservataire_and_admits_everyone():
    """outside_flow: one arc per eligible demand with réservataire -1, even if one is named."""
    d = make_demands(2, priority=[True, False])
    assert arcs(d, make_units(outside_flow=True, reservataire=ETAT)) == [(0, 0, -1), (1, 0, -1)]


def test_unit_whose_landlord_has_no_flow_is_unreachable():
    """A landlord without any [[flows]] entry and no named réservataire: no arc."""
    base = default_policy()
    policy = dataclasses.replace(base, territory=dataclasses.replace(
        base.territory, landlords=base.territory.landlords + ("Nouveau",)))
    u = make_units(landlord=len(LANDLORDS))
    assert arcs(make_demands(), u, policy) == []
    assert reasons(make_demands(), u, policy) == ["reservataire_eligibility"]


# --- explanations --------------------------------------------------------------------------

def test_exclusion_reasons_lists_every_failing_rule():
    """A pair failing income, typology, commune, rent and accessibility names all five."""
    only_1 = np.zeros(10, dtype=bool)
    only_1[1] = True
    d = make_demands(annual_income=1e6, monthly_income=100.0, pmr_need=True,
                     wished_communes=only_1)
    u = make_units(typology=4, rent=900.0)
    assert reasons(d, u) == ["income_ceiling", "typology", "wished_commune", "rent_burden",
                             "accessibility"]


def test_rule_masks_cover_every_unit_and_rule():
    """rule_masks gives one bool array over units per rule; their AND is the graph's row."""
    t = random_territory(5, 40, 30)
    g = build_graph(t)
    for d in range(len(t.demands)):
        masks = rule_masks(t, d)
        assert set(masks) == set(RULES)
        allowed = np.logical_and.reduce([masks[r] for r in RULES])
        assert np.flatnonzero(allowed).tolist() == sorted(set(g.unit[g.demand == d].tolist()))


# --- the graph as a whole --------------------------------------------------------------------

def _brute_force(t: Territory) -> list[tuple[int, int, int]]:
    """Every allowed triple, plain Python, from the contract text alone."""
    p, D, U = t.policy, t.demands, t.units
    plus = {2024: [22642, 30238, 36362, 43899, 51641, 58200, 6492],
            2025: [23201, 30984, 37259, 44982, 52915, 59636, 6652]}[p.territory.ceilings_year]
    plai = {2024: [12451, 18143, 21817, 24275, 28402, 32009, 3570],
            2025: [12759, 18591, 22356, 24875, 29104, 32800, 3658]}[p.territory.ceilings_year]
    pls = [int((Decimal(v) * Decimal("1.3")).quantize(Decimal(1), ROUND_HALF_UP)) for v in plus]
    tables = {"PLAI": plai, "PLAI-A": plai, "PLUS": plus, "PLS": pls}
    financings = ["PLAI", "PLAI-A", "PLUS", "PLS"]
    typ_names = ["T1", "T2", "T3", "T4", "T5", "T6"]
    out = []
    for u in range(len(U)):
        if U.outside_flow[u]:
            res_options = [-1]
        elif U.reservataire[u] >= 0:
            res_options = [int(U.reservataire[u])]
        else:
            landlord = p.landlords[U.landlord[u]]
            res_options = [i for i, r in enumerate(p.reservataires)
                           if any(f.landlord == landlord and f.reservataire == r.id
                                  for f in p.flows)]
        for r in res_options:
            for d in range(len(D)):
                size, dep = int(D.household_size[d]), int(D.dependants[d])
                if dep > 0:
                    cat = max(size, dep + 2)
                elif size == 1:
                    cat = 1
                elif size == 2 and D.couple[d] and 0 < D.ages_sum[d] <= 55:
                    cat = 3
                else:
                    cat = size
                if D.disability[d]:     # one person more (arrêté of 29 July 1987)
                    cat = max(cat, size + 1)
                table = tables[financings[U.financing[u]]]
                ceiling = table[min(cat, 6) - 1] + max(cat - 6, 0) * table[6]
                if not D.annual_income[d] <= ceiling:
                    continue
                typ = typ_names[U.typology[u]]
                by_size = p.eligibility.typology_by_size
                if by_size and typ not in by_size[min(size, 6)]:
                    continue
                wished_t = [typ_names[k] for k in range(6) if D.wished_typologies[d, k]]
                if wished_t and typ not in wished_t:
                    continue
                wished_c = [k for k in range(len(p.territory.communes)) if D.wished_communes[d, k]]
                if wished_c and U.commune[u] not in wished_c:
                    continue
                if p.eligibility.max_rent_burden is not None:
                    net = U.rent[u] - D.housing_allowance[d]
                    if D.monthly_income[d] == 0:
                        if net > 0:
                            continue
                    elif net / D.monthly_income[d] > p.eligibility.max_rent_burden:
                        continue
                if D.pmr_need[d] and not U.pmr[u]:
                    continue
                if r >= 0:
                    cols = p.reservataires[r].eligible_if_any
                    if cols and not any(D.column(c)[d] != 0 for c in cols):
                        continue
                out.append((d, u, r))
    return out


def _variant(t: Territory, seed: int) -> Territory:
    """Vary the policy and the wish encoding so the brute force sees every branch."""
    rng = np.random.default_rng(seed)
    wished = t.demands.wished_communes.copy()
    wished[rng.random(len(wished)) < 0.1] = False        # empty list stored as all-False
    policy = t.policy
    if seed % 3 == 1:
        policy = dataclasses.replace(policy, eligibility=dataclasses.replace(
            policy.eligibility, max_rent_burden=None))
    if seed % 3 == 2:
        policy = dataclasses.replace(policy, territory=dataclasses.replace(
            policy.territory, ceilings_year=2024))
    return dataclasses.replace(t, policy=policy, demands=dataclasses.replace(
        t.demands, wished_communes=wished))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_graph_agrees_with_brute_force(seed):
    """On random territories of 400 demands × 80 units the vectorised graph is exactly the
    brute force's list of triples, in (unit, réservataire, demand) order."""
    t = _variant(random_territory(seed, 400, 80), seed)
    g = build_graph(t, max_block=500 if seed % 2 else 4_000_000)
    got = list(zip(g.demand.tolist(), g.unit.tolist(), g.reservataire.tolist()))
    expected = sorted(_brute_force(t), key=lambda a: (a[1], a[2], a[0]))
    assert len(expected) > 0
    assert got == expected


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_demands=st.integers(0, 60),
       n_units=st.integers(0, 12), max_block=st.integers(1, 5000))
def test_graph_agrees_with_brute_force_property(seed, n_demands, n_units, max_block):
    """Any seed, size (empty included) and block size: the graph equals the brute force."""
    t = _variant(random_territory(seed, n_demands, n_units), seed)
    g = build_graph(t, max_block=max_block)
    got = list(zip(g.demand.tolist(), g.unit.tolist(), g.reservataire.tolist()))
    assert got == sorted(_brute_force(t), key=lambda a: (a[1], a[2], a[0]))


def test_graph_dtypes_and_read_only():
    """Arcs are int32/int32/int16 and read-only."""
    g = build_graph(random_territory(1, 50, 10))
    assert (g.demand.dtype, g.unit.dtype, g.reservataire.dtype) == (np.int32, np.int32, np.int16)
    assert not g.demand.flags.writeable


def test_build_problem_bundles_scores_q1_and_graph():
    """build_problem holds the same scores, Q1 flags and graph as the separate functions."""
    t = random_territory(2, 120, 20)
    problem = build_problem(t)
    assert problem.scores.tolist() == score(t.demands, t.policy).tolist()
    assert problem.q1.tolist() == q1_flags(t.demands, t.policy).tolist()
    assert problem.q1_threshold == pytest.approx(np.percentile(
        12 * t.demands.monthly_income / (1 + 0.5 * (t.demands.adults - 1)
                                         + 0.3 * t.demands.children_under_14), 25))
    assert problem.graph.demand.tolist() == build_graph(t).demand.tolist()


def test_unknown_ceilings_year_is_a_data_error():
    """A ceilings_year without a table stops the graph with a DataError."""
    base = default_policy()
    policy = dataclasses.replace(base, territory=TerritoryInfo(
        "x", base.territory.communes, base.territory.round_date, 2019, None, LANDLORDS))
    with pytest.raises(DataError, match="ceilings_year"):
        build_graph(Territory(policy, make_demands(), make_units()))
