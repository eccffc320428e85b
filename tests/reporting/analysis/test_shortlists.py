"""Shortlists on a small random round solved by an independent reference MILP.

Checked: rank 1 is the assignment, at least three candidates when three are compatible,
every candidate compatible, direct-move bounds are real allocations, and exact costs agree
with a second formulation (the arc forced by an equality row instead of arcs removed).
"""

import dataclasses

import numpy as np
import pytest

import milp_reference
from builders import make_problem, random_territory
from attribution.models.allocation import check_allocation
from attribution.models.compatibility import build_problem
from attribution.models.policy import FINANCINGS
from attribution.reporting.analysis.moves import MoveChecker
from attribution.reporting.analysis.shortlists import (ShortlistParams, build_shortlists, direct_moves,
                                              unit_exemptions)
from attribution.reporting.analysis.variants import level_values


@pytest.fixture(scope="module")
def solved():
    t = random_territory(11, 260, 14)
    units = dataclasses.replace(t.units, financing=np.where(
        np.arange(len(t.units)) == 0, FINANCINGS.index("PLAI-A"), t.units.financing))
    problem = build_problem(dataclasses.replace(t, units=units))
    arcs = milp_reference.solve(problem).arcs
    return problem, arcs, MoveChecker(problem, arcs)


@pytest.fixture(scope="module")
def exact_lists(solved):
    problem, arcs, checker = solved
    return build_shortlists(problem, arcs, checker, milp_reference.solve, None, 0,
                            ShortlistParams(candidates=3, pool=2, exact="always"))


def _eligible(problem):
    g = problem.graph
    return {u: set(g.demand[g.unit == u].tolist()) for u in range(len(problem.territory.units))}


def test_rank_one_is_the_assignment_and_ranks_are_complete(solved, exact_lists):
    """Let units start with their assignment; every unit with k compatible demands lists
    min(3, k) distinct candidates ranked 1, 2, ..."""
    problem, arcs, _ = solved
    frame, summary = exact_lists
    t, g = problem.territory, problem.graph
    holder = {t.units.ids[g.unit[a]]: t.demands.ids[g.demand[a]] for a in arcs}
    eligible = _eligible(problem)
    for u, uid in enumerate(t.units.ids):
        rows = frame[frame["unit_id"] == uid]
        assert rows["rank"].tolist() == list(range(1, min(3, len(eligible[u])) + 1))
        assert rows["demand_id"].is_unique
        if uid in holder:
            first = rows.iloc[0]
            assert first["demand_id"] == holder[uid] and first["assigned"]
            assert first["cost_method"] == "optimal"
        assert not rows["assigned"].iloc[1:].any()
    assert summary["pricing"] == "exact"


def test_every_candidate_is_compatible(solved, exact_lists):
    problem, _, _ = solved
    t = problem.territory
    eligible = _eligible(problem)
    ids = {d: i for i, d in enumerate(t.demands.ids)}
    for r in exact_lists[0].itertuples():
        u = int(np.flatnonzero(t.units.ids == r.unit_id)[0])
        assert ids[r.demand_id] in eligible[u]


def test_direct_moves_are_valid_allocations_with_the_stated_cost(solved):
    """A feasible direct move, applied by hand, passes check_allocation and loses exactly
    its stated (units, score)."""
    problem, arcs, checker = solved
    g = problem.graph
    moves = direct_moves(problem, arcs, checker)
    base = level_values(problem, arcs)
    feasible = moves[moves["feasible"]].head(60)
    assert len(feasible) > 10
    for m in feasible.itertuples():
        kept = [a for a in arcs if g.unit[a] != m.unit and g.demand[a] != m.demand]
        new = kept + [m.arc]
        if m.exchange:      # the holder takes the candidate's old unit, through the same
            # réservataire as the candidate had when that arc exists (as direct_moves does)
            old_arc = int(arcs[g.demand[arcs] == m.demand][0])
            old_unit = int(g.unit[old_arc])
            holder = int(g.demand[arcs][g.unit[arcs] == m.unit][0])
            options = np.flatnonzero((g.demand == holder) & (g.unit == old_unit))
            same = options[g.reservataire[options] == g.reservataire[old_arc]]
            new += [int((same if len(same) else options)[0])]
        assert check_allocation(problem, np.array(new)) == []
        units, score = level_values(problem, np.array(new))
        assert (base[0] - units, base[1] - score) == (m.cost_units, m.cost_score)


def test_exact_costs_agree_with_a_forced_arc_formulation(solved, exact_lists):
    """Exact: equal to the optimum with the pair forced by an equality row. Lower bound:
    the forced optimum is no better (or does not exist)."""
    problem, arcs, _ = solved
    t = problem.territory
    base = level_values(problem, arcs)
    priced = exact_lists[0][exact_lists[0]["cost_method"].isin(["exact", "lower_bound"])]
    assert (priced["cost_method"] == "exact").sum() >= 5
    for r in priced.itertuples():
        d = int(np.flatnonzero(t.demands.ids == r.demand_id)[0])
        u = int(np.flatnonzero(t.units.ids == r.unit_id)[0])
        forced = milp_reference.solve(problem, force_pair=(d, u))
        if r.cost_method == "exact":
            got = level_values(problem, forced.arcs)
            assert (base[0] - got[0], base[1] - got[1]) == (r.cost_units, r.cost_score)
        elif forced is not None:
            got = level_values(problem, forced.arcs)
            assert (base[0] - got[0], base[1] - got[1]) >= (r.cost_units, r.cost_score)


def test_exact_costs_never_exceed_the_direct_move_bound(solved, exact_lists):
    """Where a candidate has both, exact cost ≤ its direct-move bound (lexicographically)."""
    problem, arcs, checker = solved
    bounds = build_shortlists(problem, arcs, checker, None, None, 0,
                              ShortlistParams(candidates=3, pool=2, exact="never"))[0]
    assert set(bounds["cost_method"]) <= {"optimal", "swap_bound", "none"}
    both = exact_lists[0].merge(bounds, on=["unit_id", "demand_id"], suffixes=("", "_b"))
    both = both[(both["cost_method"] == "exact") & (both["cost_method_b"] == "swap_bound")]
    for r in both.itertuples():
        assert (r.cost_units, r.cost_score) <= (r.cost_units_b, r.cost_score_b)


def test_exemptions_are_flagged(solved, exact_lists):
    """Every unit's exemption column lists, in order, fewer than three eligible demands,
    a letting through etat to a DALO household, a PLAI-A unit — recounted here from the
    graph and the allocation, unit by unit."""
    problem, arcs, _ = solved
    t, g = problem.territory, problem.graph
    frame = exact_lists[0]
    first = frame[frame["rank"] == 1].set_index("unit_id")
    assert first.loc[t.units.ids[0], "exemption"].endswith("plai_a_unit")
    etat = t.policy.reservataire_ids.index("etat")
    for uid, row in first.iterrows():
        u = int(np.flatnonzero(t.units.ids == uid)[0])
        n_eligible = len(set(g.demand[g.unit == u].tolist()))
        mine = [a for a in arcs if g.unit[a] == u]
        designated = bool(mine) and g.reservataire[mine[0]] == etat \
            and bool(t.demands.dalo[g.demand[mine[0]]])
        expected = [name for name, yes in (
            ("fewer_eligible", n_eligible < 3), ("dalo_designation", designated),
            ("plai_a_unit", t.units.financing[u] == FINANCINGS.index("PLAI-A"))) if yes]
        assert row["exemption"] == ";".join(expected)
        assert row["eligible_candidates"] == n_eligible


def test_r441_3_exemptions_hand_cases():
    """CCH R441-3: the commission examines "au moins trois demandes pour un même logement
    ... sauf en cas d'insuffisance du nombre des candidats", except for candidates
    designated by the préfet (DALO, L441-2-3) and PLAI-adapté units. Hand cases:
    U01 let through etat to a DALO household, 1 eligible → fewer_eligible;dalo_designation;
    U02 let through commune to a DALO household, 3 eligible → none (a DALO household
    through another réservataire does not exempt the unit); U03 PLAI-A, 3 eligible, let
    to a non-DALO household → plai_a_unit; U04 let through etat to a DALO household, 3
    eligible → dalo_designation; U05 2 eligible, let to a non-DALO household →
    fewer_eligible; U06 not let, 3 eligible → none."""
    plai_a = FINANCINGS.index("PLAI-A")
    units = [{}, {}, {"financing": plai_a}, {}, {}, {}]
    demands = [{"dalo": True}, {"dalo": True}, {}, {"dalo": True}, {}, {}, {}]
    arcs = [(0, 0, "etat"),
            (1, 1, "commune"), (4, 1, "commune"), (5, 1, "commune"),
            (2, 2, "bailleur"), (4, 2, "bailleur"), (5, 2, "bailleur"),
            (3, 3, "etat"), (4, 3, "etat"), (5, 3, "etat"),
            (6, 4, "bailleur"), (4, 4, "bailleur"),
            (4, 5, "bailleur"), (5, 5, "bailleur"), (6, 5, "bailleur")]
    p = make_problem(units, demands, arcs)
    g = p.graph

    def arc(d, u):
        return int(np.flatnonzero((g.demand == d) & (g.unit == u))[0])
    chosen = np.array([arc(0, 0), arc(1, 1), arc(2, 2), arc(3, 3), arc(6, 4)])
    assert unit_exemptions(p, chosen).tolist() == [
        "fewer_eligible;dalo_designation", "", "plai_a_unit", "dalo_designation",
        "fewer_eligible", ""]




@pytest.mark.parametrize("name, value, expected", [
    ("candidates", 0, "an integer ≥ 1"), ("candidates", 2.5, "an integer ≥ 1"),
    ("pool", -1, "an integer ≥ 0"), ("exact", "sometimes", "one of"),
    ("exact_budget", -5, "a number ≥ 0"), ("exact_seconds", -1.0, "a number of seconds ≥ 0"),
])
def test_each_bad_shortlist_parameter_is_named(name, value, expected):
    """One sentence naming the parameter, what it must be and the value given."""
    with pytest.raises(ValueError) as err:
        ShortlistParams(**{name: value})
    text = str(err.value)
    assert f"'{name}' parameter of ShortlistParams" in text and expected in text
    assert repr(value) in text
