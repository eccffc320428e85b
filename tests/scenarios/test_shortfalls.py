"""Reasons given for a missed annual target, read from the year's rounds."""

from __future__ import annotations

import pandas as pd
import pytest

from attribution.scenarios.shortfalls import explain


def _targets():
    return pd.DataFrame({
        "scenario": ["s", "s", "s", "t"], "seed": [0, 0, 0, 0],
        "name": ["priority_min", "flow[A→etat].max", "spatial[X].q1.max", "priority_min"],
        "family": ["priority_min", "flow", "spatial", "priority_min"],
        "sense": [">=", "<=", "<=", ">="], "met": [True, False, False, False]})


def test_met_rows_have_no_reason():
    """Only missed rows are explained."""
    rounds = pd.DataFrame({"scenario": ["s", "t"], "seed": [0, 0], "round": [1, 1],
                           "modes": ["full_strict", "full_strict"]})
    assert explain(_targets(), rounds).iloc[0] == ""


@pytest.mark.usefixtures("english_messages")
def test_refusals_when_the_last_round_held_every_row():
    """Last round solved under its full (strict) carry: the miss comes from refusals."""
    rounds = pd.DataFrame({"scenario": ["s", "s", "t"], "seed": [0, 0, 0],
                           "round": [1, 2, 1],
                           "modes": ["full", "full_buffered;full_strict", "full_strict"]})
    reasons = explain(_targets(), rounds)
    assert reasons.iloc[1].startswith("refusals:")
    assert reasons.iloc[2].startswith("refusals:")


@pytest.mark.usefixtures("english_messages")
def test_flow_slack_when_the_last_round_kept_the_plus_minus_one():
    """A flow missed after a last round that needed the ±1 unit: named as such; a spatial
    row in the same year is still put down to refusals."""
    rounds = pd.DataFrame({"scenario": ["s", "t"], "seed": [0, 0], "round": [1, 1],
                           "modes": ["full;full_strict", "full"]})
    reasons = explain(_targets(), rounds)
    assert reasons.iloc[1].startswith("flow slack:")
    assert reasons.iloc[2].startswith("refusals:")


@pytest.mark.usefixtures("english_messages")
def test_relaxed_carry_gives_the_family_reason():
    """A year with a relaxed pass: the row's family says which side was short."""
    rounds = pd.DataFrame({"scenario": ["s", "t", "t"], "seed": [0, 0, 0],
                           "round": [1, 1, 2], "modes": ["full", "surplus_only", "full"]})
    reasons = explain(_targets(), rounds)
    assert reasons.iloc[3] == ("relaxed carry: too few priority or DALO households were "
                               "eligible for, and accepted, the units freed")
    assert reasons.iloc[1].startswith("flow slack:")      # year s was never relaxed
