"""The simulated year on a small generated territory: flow identities round by round,
refusals and re-offers, carry-over modes, annual accounts and determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from attribution.models.generator import write_territory
from attribution.scenarios.accounts import Accounts
from attribution.scenarios.year_kpis import year_kpis
from attribution.models.household import income_quartiles as quartile
from attribution.scenarios.simulation import TaskTimeout, prepare, simulate_year
from attribution.scenarios.spec import RefusalModel, parse_scenario

GROUPS = ("dalo", "priority", "mutation", "other")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A small generated CARENE-like territory: 400 demands, 20 units."""
    return write_territory(tmp_path_factory.mktemp("terr") / "small", 11, 400, 20)


def _scenario(folder, **sections):
    raw = {"territory": {"source": str(folder)},
           "supply": {"units_per_month": 15},
           "demand": {"lapse_rate": 0.3},
           "simulation": {"months": 3, "seeds": 1, "round_time_limit_s": 60}}
    for key, value in sections.items():
        raw.setdefault(key, {}).update(value)
    return parse_scenario(raw, "test.toml", default_name="small")


@pytest.fixture(scope="module")
def prepared(folder):
    return prepare(_scenario(folder))


@pytest.fixture(scope="module")
def year(prepared):
    return simulate_year(prepared, seed=3)


def test_rounds_are_monthly_and_units_are_accounted(year):
    """Each round is one month later; every unit offered is let or left empty, and the
    units left empty are offered again next round."""
    r = year.rounds
    assert r["date"].tolist() == ["2025-03-01", "2025-04-01", "2025-05-01"]
    assert (r["let"] + r["units_left_empty"] == r["units_offered"]).all()
    assert (r["units_offered"].iloc[1:].to_numpy()
            == r["units_freed"].iloc[1:].to_numpy() + r["units_left_empty"].iloc[:-1].to_numpy()
            ).all()
    assert (r["let"] == r["offers"] - r["refusals"]).all()
    assert r["let"].sum() == len(year.attributions)


def test_pool_identity(year):
    """pending(k) = pending(k−1) − let(k−1) + arrivals(k) − lapses(k)."""
    r = year.rounds
    expected = (r["pending"].shift(1) - r["let"].shift(1) + r["arrivals"] - r["lapses"]).iloc[1:]
    assert (r["pending"].iloc[1:] == expected).all()
    assert r["arrivals"].iloc[1:].gt(0).all() and r["arrivals"].iloc[0] == 0


def test_housed_once_and_units_let_once(year):
    """No demand is housed twice and no unit let twice in the year."""
    a = year.attributions
    assert a["demand_id"].is_unique and a["unit_id"].is_unique


def test_waits_are_seniority_at_the_round(year, prepared):
    """wait_months of an attribution = whole months from registration to its round date;
    newcomers (ids N..) wait less than the round number."""
    a = year.attributions
    assert (a["wait_months"] >= 0).all()
    new = a[a["demand_id"].str.startswith("N")]
    assert (new["wait_months"] <= new["round"]).all()


def test_same_seed_same_year_other_seed_other_year(prepared, year):
    """Determinism: the same seed gives the same rounds, attributions and KPIs."""
    again = simulate_year(prepared, seed=3)
    pd.testing.assert_frame_equal(year.rounds.drop(columns="solve_seconds"),
                                  again.rounds.drop(columns="solve_seconds"))
    pd.testing.assert_frame_equal(year.attributions, again.attributions)
    pd.testing.assert_frame_equal(year_kpis(year), year_kpis(again))
    other = simulate_year(prepared, seed=4)
    flows = ["arrivals", "lapses", "units_freed"]
    assert not year.rounds[flows].equals(other.rounds[flows])


def _with_refusals(prepared, p: float, max_offers: int = 2):
    sc = prepared.scenario
    sc = dataclasses.replace(sc, refusals=RefusalModel({g: (p, p) for g in GROUPS}),
                             simulation=dataclasses.replace(sc.simulation, months=2,
                                                            max_offers=max_offers))
    return dataclasses.replace(prepared, scenario=sc)


def test_no_refusal_means_one_pass_and_every_offer_let(prepared):
    """With a zero refusal probability every offer is accepted in the first pass."""
    y = simulate_year(_with_refusals(prepared, 0.0), seed=1)
    assert (y.rounds["refusals"] == 0).all()
    assert (y.rounds["let"] == y.rounds["offers"]).all()
    assert (y.rounds["passes"] == 1).all()


def test_refused_units_are_reoffered_within_the_round(prepared):
    """With every offer refused, each round makes max_offers passes, lets nothing, and
    the refused units wait for the next round."""
    y = simulate_year(_with_refusals(prepared, 1.0, max_offers=2), seed=1)
    r = y.rounds
    assert (r["let"] == 0).all() and (r["refusals"] == r["offers"]).all()
    assert (r["passes"] == 2).all()
    assert (r["units_left_empty"] == r["units_offered"]).all()
    assert y.attributions.empty


def test_annual_accounts_cover_every_attribution(year):
    """The priority_min account counts the year's attributions exactly."""
    t = year.targets.set_index("name")
    a = year.attributions
    assert t.loc["priority_min", "right"] == len(a)
    assert t.loc["priority_min", "left"] == int(a["priority"].sum())


def test_rounds_use_the_full_carry_when_feasible(year):
    """The carry-over mode of every pass is recorded; on this small territory the strict
    carry (flows without their ±1) or the plain one is always feasible, and the buffered
    one is tried in the year's last round only."""
    modes = [m.split(";") for m in year.rounds["modes"]]
    assert set(sum(modes, [])) <= {"full_buffered", "full_strict", "full"}
    assert "full_buffered" not in sum(modes[:-1], [])
    assert len(sum(modes, [])) == year.rounds["passes"].sum()


def test_task_time_limit(prepared):
    """A year past its time limit stops with TaskTimeout, naming scenario and seed."""
    sc = prepared.scenario.with_simulation(task_time_limit_s=1e-9)
    with pytest.raises(TaskTimeout, match="'small' \\(seed 2\\)"):
        simulate_year(dataclasses.replace(prepared, scenario=sc), seed=2)


def test_q1_threshold_is_fixed_for_the_year(prepared):
    """prepare() replaces "auto" by the number computed from the starting demands, and the
    quartile edges start at it."""
    assert prepared.territory.policy.territory.q1_threshold == prepared.quartile_edges[0]
    q = quartile(prepared.territory.demands, prepared.quartile_edges)
    assert set(np.unique(q)) == {1, 2, 3, 4}
    assert abs((q == 1).mean() - 0.25) < 0.02


def test_overrides_reach_the_simulated_policy(folder):
    """A scenario's policy override is in the policy the rounds are solved with."""
    p = prepare(_scenario(folder, policy={"quotas": {"priority_min": 0.4}}))
    assert p.territory.policy.quotas.priority_min == 0.4


def test_empty_accounts_have_no_carry():
    """Before the first round there is nothing to carry."""
    assert Accounts().carry() == {}
