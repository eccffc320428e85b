"""Shortlists on a small random round solved by an independent reference MILP.

Checked: rank 1 is the assignment, at least three candidates when three are compatible,
every candidate compatible, direct-move bounds are real allocations, and exact costs agree
with a second formulation (the arc forced by an equality row instead of arcs removed).
"""

import dataclasses

import numpy as np
import pytest

import milp_reference
from factories import random_territory
from attribution.models.allocation import check_allocation
from attribution.models.compatibility import build_problem
from attribution.models.policy import FINANCINGS
from attribution.reporting.moves import MoveChecker
from attribution.reporting.shortlists import ShortlistParams, build_shortlists, direct_moves
from attribution.reporting.variants import level_values


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
        if m.exchange:      # the holder takes the candidate's old unit
            old_unit = int(g.unit[arcs][g.demand[arcs] == m.demand][0])
            holder = int(g.demand[arcs][g.unit[arcs] == m.unit][0])
            new += [int(np.flatnonzero((g.demand == holder) & (g.unit == old_unit))[0])]
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
    """The PLAI-A unit is flagged; a let unit whose rank 1 is DALO is flagged too."""
    problem, _, _ = solved
    t = problem.territory
    frame = exact_lists[0]
    first = frame[frame["rank"] == 1].set_index("unit_id")
    assert first.loc[t.units.ids[0], "exemption"] == "plai_a_unit"
    dalo = set(t.demands.ids[t.demands.dalo])
    for uid, row in first.iloc[1:].iterrows():
        expected = "dalo_designation" if (row["assigned"] and row["demand_id"] in dalo) else ""
        if uid != t.units.ids[0]:
            assert row["exemption"] == expected
