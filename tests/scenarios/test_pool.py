"""Demand-pool dynamics of the simulated year: arrivals, lapses, refusals over the last 12
months, monthly supply, and the refusal model — each rule alone, on tiny pools."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from builders import random_territory
from attribution.models.household import months_between
from attribution.scenarios.pool import (add_months, arrivals, arrive, lapsing, refused, start_pool,
                            without)
from attribution.scenarios.refusals import demand_group, draw_refusals, refusal_probability
from attribution.scenarios.spec import RefusalModel
from attribution.scenarios.supply import draw_units, recode
from attribution.scenarios.rows import concat, take, with_columns


@pytest.fixture(scope="module")
def base():
    return random_territory(7, 40, 12)


def _dated(demands, dates):
    return with_columns(demands, registered_on=np.array(dates, dtype="datetime64[D]"))


def test_add_months_clips_to_month_end():
    """Calendar months, the day clipped to the month's last day."""
    assert add_months(dt.date(2025, 3, 1), 11) == dt.date(2026, 2, 1)
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 12, 15), 2) == dt.date(2025, 2, 15)


def test_seniority_grows_one_month_per_round(base):
    """Round k is dated start + k months, so every demand's seniority grows by k."""
    start = dt.date(2025, 3, 1)
    m0 = months_between(base.demands.registered_on, start)
    m5 = months_between(base.demands.registered_on, add_months(start, 5))
    assert np.array_equal(m5 - m0, np.full(len(base.demands), 5))


def test_lapse_only_at_the_anniversary(base):
    """Only demands whose registration anniversary falls in (previous, current] may lapse;
    with lapse_rate = 1 they all do, with 0 none does."""
    d = _dated(take(base.demands, np.arange(4)),
               ["2024-03-10", "2023-03-01", "2024-02-10", "2025-03-05"])
    pool = start_pool(d, np.random.default_rng(0))
    prev, cur = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
    gone = lapsing(pool, prev, cur, 1.0, np.random.default_rng(0))
    # 2024-03-10: anniversary 2025-03-10 ∈ (03-01, 04-01]; 2023-03-01: anniversary on 03-01,
    # already passed at `prev`; 2024-02-10: passed in February; 2025-03-05: not a year old.
    assert gone.tolist() == [d.ids[0]]
    assert lapsing(pool, prev, cur, 0.0, np.random.default_rng(0)).size == 0


def test_lapse_rate_is_a_probability(base):
    """Among many demands at their anniversary, about lapse_rate of them lapse."""
    n = 4000
    d = _dated(take(base.demands, np.zeros(n, dtype=int)), ["2024-03-15"] * n)
    d = with_columns(d, ids=np.array([f"X{i}" for i in range(n)], dtype=object))
    gone = lapsing(start_pool(d, np.random.default_rng(1)), dt.date(2025, 3, 1),
                   dt.date(2025, 4, 1), 0.2, np.random.default_rng(2))
    assert 0.17 < len(gone) / n < 0.23


def test_arrivals_are_resampled_with_new_ids_and_dates(base):
    """New demands copy existing ones, get fresh ids, no refusals, and a registration date
    in (previous, current]."""
    prev, cur = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
    new = arrivals(base.demands, 25, prev, cur, 1, np.random.default_rng(3))
    assert len(new) == 25 and len(set(new.ids)) == 25
    assert all(i.startswith("N01-") for i in new.ids)
    assert (new.refusals == 0).all()
    reg = new.registered_on
    assert (reg > np.datetime64(prev)).all() and (reg <= np.datetime64(cur)).all()
    assert set(new.household_size) <= set(base.demands.household_size)
    pool = arrive(start_pool(base.demands, np.random.default_rng(0)), new)
    assert len(pool) == len(base.demands) + 25


def test_housed_demands_leave_the_pool(base):
    """without() drops exactly the given ids and keeps the refusal history aligned."""
    pool = start_pool(base.demands, np.random.default_rng(0))
    out = without(pool, base.demands.ids[[0, 5]])
    assert len(out) == len(pool) - 2
    assert base.demands.ids[0] not in set(out.demands.ids)
    assert np.array_equal(out.base_refusals, np.delete(pool.base_refusals, [0, 5]))


def test_refusals_count_over_the_last_12_months(base):
    """A refusal made in round 2 counts in rounds 3..13 (less than 12 months old), and
    adds to the file's refusals while those are still less than 12 months old."""
    d = with_columns(take(base.demands, np.arange(2)), refusals=np.array([0, 2]))
    pool = start_pool(d, np.random.default_rng(0))
    pool = type(pool)(pool.demands, pool.base_refusals, np.array([0, 4]),
                      pool.event_ids, pool.event_expiry)   # file refusals expire at round 4
    pool = refused(pool, d.ids[[0, 1]], 2)
    counts = {k: pool.at_round(k).demands.refusals.tolist() for k in (3, 4, 13, 14)}
    # Recorded after round 2: counted from round 3 to round 13 (11 months old).
    assert counts[3] == [1, 3]
    assert counts[4] == [1, 1]
    assert counts[13] == [1, 1]
    assert counts[14] == [0, 0]


def test_initial_refusal_ages_are_drawn_with_the_seed(base):
    """The file's refusals expire within 12 rounds, at a month drawn from the seed."""
    a = start_pool(base.demands, np.random.default_rng(4))
    b = start_pool(base.demands, np.random.default_rng(4))
    assert np.array_equal(a.base_expiry, b.base_expiry)
    assert a.base_expiry.min() >= 1 and a.base_expiry.max() <= 12
    assert (a.at_round(12).demands.refusals == 0).all()


def test_refusal_group_takes_the_first_that_applies(base):
    """dalo before priority before mutation before other."""
    d = take(base.demands, np.arange(4))
    d = with_columns(d, dalo=np.array([True, False, False, False]),
                     priority=np.array([True, True, False, False]),
                     mutation=np.array([True, True, True, False]))
    assert demand_group(d).tolist() == [0, 1, 2, 3]


def test_refusal_probability_by_group_and_location(base):
    """The probability is read from the (group, QPV) table."""
    model = RefusalModel({"dalo": (0.1, 0.2), "priority": (0.3, 0.4), "mutation": (0.5, 0.6),
                          "other": (0.7, 0.8)})
    d = with_columns(take(base.demands, np.arange(2)), dalo=np.array([True, False]),
                     priority=np.array([False, False]), mutation=np.array([False, False]))
    u = with_columns(take(base.units, np.arange(2)), qpv=np.array([False, True]))
    p = refusal_probability(model, d, u, np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
    assert p.tolist() == [0.1, 0.2, 0.7, 0.8]
    never = RefusalModel({g: (0.0, 0.0) for g in ("dalo", "priority", "mutation", "other")})
    always = RefusalModel({g: (1.0, 1.0) for g in ("dalo", "priority", "mutation", "other")})
    rng = np.random.default_rng(0)
    assert not draw_refusals(never, d, u, np.array([0, 1]), np.array([0, 1]), rng).any()
    assert draw_refusals(always, d, u, np.array([0, 1]), np.array([0, 1]), rng).all()


def test_supply_draws_templates_with_new_ids(base):
    """Units are resampled from the templates, renamed M{k}-, available within 30 days."""
    date = dt.date(2025, 5, 1)
    units = draw_units(base.units, 40.0, None, 2, date, np.random.default_rng(5))
    assert len(units) > 0 and all(i.startswith("M02-") for i in units.ids)
    assert set(units.rent) <= set(base.units.rent)
    days = (units.available_on - np.datetime64(date)).astype(int)
    assert days.min() >= 0 and days.max() <= 30


def test_supply_financing_mix_and_borrowed_templates(base):
    """With a mix, financings follow it; PLAI-A without templates borrows PLAI's, rent × 0.92."""
    templates = take(base.units, base.units.financing != 1)      # no PLAI-A template
    units = draw_units(templates, 400.0, {"PLAI-A": 1.0}, 0, dt.date(2025, 3, 1),
                       np.random.default_rng(6))
    assert (units.financing == 1).all()
    plai_rents = set(np.round(templates.rent[templates.financing == 0] * 4.6 / 5.0, 2))
    assert set(units.rent) <= plai_rents


def test_recode_maps_codes_by_name(base):
    """Units coded against one policy are re-coded by name against another."""
    import dataclasses
    pol = base.policy
    flipped = dataclasses.replace(pol, territory=dataclasses.replace(
        pol.territory, communes=tuple(reversed(pol.territory.communes))))
    units = recode(base.units, pol, flipped)
    names_before = [pol.territory.communes[c] for c in base.units.commune]
    names_after = [flipped.territory.communes[c] for c in units.commune]
    assert names_before == names_after


def test_concat_keeps_criteria_of_both_sides(base):
    """Concatenation fills a criterion missing on one side with 0."""
    a = take(base.demands, np.arange(2))
    b = with_columns(take(base.demands, np.arange(2, 3)), criteria={"new": np.array([1.0])})
    c = concat(a, b)
    assert len(c) == 3 and c.criteria["new"].tolist() == [0.0, 0.0, 1.0]
