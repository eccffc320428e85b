"""KPIs of one simulated year and their Monte-Carlo summary, on a hand-made year."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from attribution.scenarios.year_kpis import interval, summarise, year_kpis


def _year(seed: int = 0) -> SimpleNamespace:
    """Four attributions, two rounds, eight demands present (two per quartile)."""
    attributions = pd.DataFrame({
        "round": [1, 1, 2, 2], "pass": [1, 2, 1, 1],
        "unit_id": ["M00-1", "M00-2", "M01-1", "M01-2"],
        "demand_id": ["D1", "D2", "D3", "D4"],
        "landlord": ["A", "A", "A", "B"], "commune": ["X", "X", "Y", "Y"],
        "qpv": [True, False, False, True], "typology": ["T2"] * 4, "financing": ["PLUS"] * 4,
        "reservataire": ["etat", "bailleur", "etat", "bailleur"],
        "outside_flow": [False, False, False, False],
        "priority": [True, False, True, False], "dalo": [False] * 4,
        "q1": [True, False, False, False], "anru": [False, False, True, False],
        "score": [10, 20, 30, 40], "wait_months": [10, 20, 30, 41],
        "household_size": [1, 1, 2, 3], "quartile": [1, 2, 2, 4],
        "segment": ["size 1 · X", "size 1 · X", "size 2 · Y", "size 3 · Y"],
    })
    rounds = pd.DataFrame({"round": [1, 2], "pending": [8, 7], "arrivals": [0, 1],
                           "lapses": [0, 1], "offers": [3, 2], "refusals": [1, 0],
                           "let": [2, 2], "units_left_empty": [1, 0],
                           "modes": ["full;full", "surplus_only"]})
    entrants = pd.DataFrame({"quartile": [1, 1, 2, 2, 3, 4],
                             "priority": [True, False, True, False, False, False],
                             "count": [1, 1, 1, 1, 2, 2]})
    targets = pd.DataFrame({"met": [True, False, True]})
    return SimpleNamespace(scenario="s", seed=seed, attributions=attributions, rounds=rounds,
                           entrants=entrants, targets=targets)


@pytest.fixture(scope="module")
def kpis():
    frame = year_kpis(_year())
    return {(k, g): v for k, g, v in zip(frame["kpi"], frame["group"], frame["value"])}


def test_attribution_rate_by_quartile_and_public(kpis):
    """Housed / present: Q1 1/2, Q2 2/2, Q3 0/2, Q4 1/2; priority 2/2, other 2/6."""
    assert kpis[("attribution_rate", "Q1")] == 0.5
    assert kpis[("attribution_rate", "Q2")] == 1.0
    assert kpis[("attribution_rate", "Q3")] == 0.0
    assert kpis[("attribution_rate", "Q4")] == 0.5
    assert kpis[("attribution_rate", "all")] == 4 / 8
    assert kpis[("attribution_rate", "priority")] == 1.0
    assert kpis[("attribution_rate", "other")] == 2 / 6


def test_law_shares(kpis):
    """Priority 2/4; outside QPV (D2, D3): Q1-or-ANRU D3 → 1/2; in QPV (D1, D4): non-Q1 D4
    → 1/2; State (D1 in QPV, D3 outside) → outside QPV 1/2."""
    assert kpis[("priority_share", "all")] == 0.5
    assert kpis[("q1_outside_qpv_share", "all")] == 0.5
    assert kpis[("non_q1_in_qpv_share", "all")] == 0.5
    assert kpis[("state_outside_qpv_share", "all")] == 0.5
    assert kpis[("priority_share", "reservataire=etat")] == 1.0
    assert kpis[("priority_share", "reservataire=bailleur")] == 0.0


def test_breakdowns_flows_and_spatial(kpis):
    """Counts per commune, landlord, réservataire; flow shares of a landlord's flow."""
    assert kpis[("attributions", "commune=X")] == 2
    assert kpis[("attributions", "landlord=B")] == 1
    assert kpis[("attributions", "reservataire=etat")] == 2
    assert kpis[("flow_share", "A→etat")] == 2 / 3
    assert kpis[("flow_share", "A→bailleur")] == 1 / 3
    assert kpis[("flow_share", "B→bailleur")] == 1.0
    assert kpis[("q1_share", "commune=X")] == 0.5


def test_waits_vacancy_and_accounts(kpis):
    """Median waits; vacancy; refusals; targets; relaxed passes."""
    assert kpis[("wait_months", "all")] == 25.0
    assert kpis[("wait_months", "size 1")] == 15.0
    assert kpis[("wait_months", "priority")] == 20.0
    assert kpis[("wait_months", "segment=size 3 · Y")] == 41.0
    assert kpis[("units_left_empty", "end")] == 0
    assert kpis[("vacant_unit_months", "all")] == 1
    assert kpis[("refusal_rate", "all")] == 1 / 5
    assert kpis[("pending_end", "all")] == 5
    assert (kpis[("targets_met", "all")], kpis[("targets_missed", "all")]) == (2, 1)
    assert kpis[("relaxed_passes", "all")] == 1


def test_interval_is_the_student_t_interval():
    """[1, 2, 3]: mean 2, sd 1, half-width t(0.975, 2)·1/√3 = 4.302653/1.732051."""
    n, mean, sd, low, high, lo, hi = interval(np.array([1.0, 2.0, 3.0]))
    assert (n, mean, sd, lo, hi) == (3, 2.0, 1.0, 1.0, 3.0)
    assert high - mean == pytest.approx(4.302652729911275 / np.sqrt(3))
    assert mean - low == pytest.approx(4.302652729911275 / np.sqrt(3))


def test_interval_edge_cases():
    """NaN seeds are left out; one value has no interval; none has nothing."""
    assert interval(np.array([np.nan, 5.0]))[:5] == (1, 5.0, pytest.approx(np.nan, nan_ok=True),
                                                     pytest.approx(np.nan, nan_ok=True),
                                                     pytest.approx(np.nan, nan_ok=True))
    assert interval(np.array([np.nan]))[0] == 0


def test_summarise_over_seeds():
    """One row per (scenario, kpi, group) with n = number of seeds."""
    frame = pd.concat([year_kpis(_year(s)) for s in range(3)])
    summary = summarise(frame)
    row = summary[(summary.kpi == "attributions") & (summary.group == "all")].iloc[0]
    assert (row["n"], row["mean"], row["std"]) == (3, 4.0, 0.0)
    assert row["ci_low"] == row["ci_high"] == 4.0
    assert len(summary) == len(frame) // 3
