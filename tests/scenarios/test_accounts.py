"""Annual accounts: year-to-date counts per quota row, the carry-over handed to a round,
and the year-end check — arithmetic checked by hand."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from builders import random_territory
from attribution.models.compatibility import build_problem
from attribution.models.quotas import build_quotas
from attribution.scenarios.accounts import Accounts, RowTerms, annual_check, round_counts, surplus_only


def _terms(name, family="priority_min", sense=">=", share="1/4", slack=0):
    return RowTerms(name, family, f"quotas.{family}", sense, Fraction(share), slack, name)


def test_margin_of_a_floor_and_a_cap_by_hand():
    """left ≥ ¼·right: 3 of 10 has margin 3 − 2.5 = ½; left ≤ 35 %·right + 1 with 4 of 10:
    margin 3.5 + 1 − 4 = ½."""
    floor = _terms("priority_min")
    assert floor.margin(3, 10) == Fraction(1, 2)
    assert floor.margin(2, 10) == Fraction(-1, 2)
    cap = _terms("flow[A→etat].max", "flow", "<=", "7/20", 1)
    assert cap.margin(4, 10) == Fraction(1, 2)
    assert cap.annual_slack == 0 and cap.margin(4, 10, slack=0) == Fraction(-1, 2)


def _accounts(counts: dict, terms: dict) -> Accounts:
    return Accounts(terms, counts)


def test_carry_is_the_year_to_date_counts():
    """Round k's row is left_ytd + left_k ≥ share × (right_ytd + right_k) − slack: the
    carry is exactly (left_ytd, right_ytd)."""
    acc = _accounts({"priority_min": (30, 100)}, {"priority_min": _terms("priority_min")})
    assert acc.carry() == {"priority_min": (30, 100)}
    # With 30 of 100 so far, a round of 20 with no priority attribution ends at 30 of 120:
    # exactly on the floor (margin 0); a round of 21 would break it.
    t = acc.terms["priority_min"]
    assert t.margin(30 + 0, 100 + 20) == 0
    assert t.margin(30 + 0, 100 + 21) < 0


def test_strict_flows_take_the_slack_back_through_the_carry():
    """Strict rounds: flow rows lose their ±1 via the carry (left − 1 on ≥, left + 1 on ≤);
    other rows are unchanged."""
    terms = {"flow[A→etat].min": _terms("flow[A→etat].min", "flow", ">=", "1/4", 1),
             "flow[A→etat].max": _terms("flow[A→etat].max", "flow", "<=", "7/20", 1),
             "priority_min": _terms("priority_min")}
    acc = _accounts({"flow[A→etat].min": (10, 40), "flow[A→etat].max": (10, 40),
                     "priority_min": (9, 40)}, terms)
    carry = acc.carry(strict_flows=True)
    assert carry == {"flow[A→etat].min": (9, 40), "flow[A→etat].max": (11, 40),
                     "priority_min": (9, 40)}
    # ≥ row with the carry: (left_k + 9) ≥ ¼(right_k + 40) − 1 ⇔ left_k + 10 ≥ ¼(…): no slack.
    t = terms["flow[A→etat].min"]
    assert t.margin(9 + 1, 40 + 4) == t.margin(10 + 1, 40 + 4, slack=0)


def test_surplus_only_drops_rows_in_deficit():
    """A row below its share falls back to the round's own share; a row above keeps it."""
    terms = {"priority_min": _terms("priority_min"),
             "q1_outside_qpv_min": _terms("q1_outside_qpv_min", "q1_outside_qpv_min")}
    acc = _accounts({"priority_min": (20, 100), "q1_outside_qpv_min": (30, 100)}, terms)
    assert surplus_only(acc, acc.carry()) == {"q1_outside_qpv_min": (30, 100)}


@pytest.fixture(scope="module")
def problem():
    return build_problem(random_territory(3, 120, 15))


def test_accounts_add_counts_of_each_round(problem):
    """Adding two rounds sums their (left, right) counts row by row."""
    system = build_quotas(problem)
    g = problem.graph
    # One arc per unit, first arc of each unit: a set of attributions to count.
    first = np.unique(g.unit, return_index=True)[1]
    chosen = first[np.unique(g.demand[first], return_index=True)[1]]
    once = round_counts(system, chosen)
    acc = Accounts().add(system, chosen).add(system, chosen)
    assert set(acc.counts) == set(once)
    for name, (left, right) in once.items():
        assert acc.counts[name] == (2 * left, 2 * right)
    # Independent count of the territory-wide priority row.
    if "priority_min" in once:
        assert once["priority_min"] == (int(problem.priority_group[g.demand[chosen]].sum()),
                                        len(chosen))


def test_annual_check_states_targets_without_the_flow_slack():
    """Flows are checked within share ± tolerance exactly; other rows with their slack."""
    terms = {"flow[A→etat].min": _terms("flow[A→etat].min", "flow", ">=", "1/4", 1),
             "spatial[X].q1.min": _terms("spatial[X].q1.min", "spatial", ">=", "3/20", 1),
             "priority_min": _terms("priority_min")}
    acc = _accounts({"flow[A→etat].min": (24, 100), "spatial[X].q1.min": (1, 10),
                     "priority_min": (26, 100)}, terms)
    table = annual_check(acc).set_index("name")
    assert not table.loc["flow[A→etat].min", "met"]          # 24 < 25, the ±1 not applied
    assert table.loc["flow[A→etat].min", "margin"] == -1.0
    assert table.loc["spatial[X].q1.min", "met"]             # 1 ≥ 1.5 − 1
    assert table.loc["priority_min", "met"]
    assert table.loc["priority_min", "realised"] == 0.26


def test_buffers_keep_rows_inside_by_their_base():
    """A buffer moves a row further the same way (≥: left − n, ≤: left + n), on top of the
    flows' slack when strict; the first (min_base, n) pair the row's base reaches applies."""
    terms = {"flow[A→etat].min": _terms("flow[A→etat].min", "flow", ">=", "1/4", 1),
             "spatial[X].q1.max": _terms("spatial[X].q1.max", "spatial", "<=", "9/20", 1),
             "priority_min": _terms("priority_min")}
    acc = _accounts({"flow[A→etat].min": (10, 40), "spatial[X].q1.max": (5, 20),
                     "priority_min": (30, 120)}, terms)
    assert acc.carry(strict_flows=True, buffers=((100, 2), (30, 1))) == {
        "flow[A→etat].min": (8, 40),       # base 40: 1 spare + the flow's slack
        "spatial[X].q1.max": (5, 20),      # base 20: none
        "priority_min": (28, 120)}         # base 120: 2 spare
    assert acc.carry() == acc.counts       # no buffer, not strict: the counts themselves
