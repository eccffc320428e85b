"""Honest intervals, paired differences, common random numbers and sweep values — on
hand-made numbers, checked against independent computations (closed forms, a Monte-Carlo
coverage count, brute-force recomputation)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attribution.models.generator import write_territory
from attribution.models.io.readers import load_territory
from attribution.scenarios.crn import keyed_uniform
from attribution.scenarios.differences import differences, paired
from attribution.scenarios.year_kpis import interval, summarise
from attribution.scenarios.pool import lapsing, start_pool
from attribution.scenarios.refusals import draw_refusals
from attribution.scenarios.spec import RefusalModel
from attribution.scenarios.sweep import parse_set
from attribution.scenarios.rows import take


def test_keyed_uniform_is_a_function_of_its_key():
    """Same key → same draw whatever else is drawn with it; other seed or purpose →
    another draw; the draws look uniform (Kolmogorov–Smirnov on 4,000 keys)."""
    ids = np.array([f"D{i}" for i in range(4000)], dtype=object)
    u = keyed_uniform(7, "refusal", ids, np.full(4000, 3))
    assert ((u >= 0) & (u < 1)).all()
    sub = keyed_uniform(7, "refusal", ids[[10, 5, 3999]], np.full(3, 3))
    assert sub.tolist() == u[[10, 5, 3999]].tolist()
    assert not np.allclose(keyed_uniform(8, "refusal", ids, np.full(4000, 3)), u)
    assert not np.allclose(keyed_uniform(7, "lapse", ids, np.full(4000, 3)), u)
    assert stats.kstest(u, "uniform").pvalue > 1e-3


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = write_territory(tmp_path_factory.mktemp("crn") / "t", 5, 200, 12)
    return load_territory(folder)


def test_refusals_are_common_random_numbers(small):
    """An offer's answer depends on (seed, demand, unit, round) only: dropping or
    reordering the other offers of the pass does not change it (a policy that changes
    some offers leaves the others' answers alone)."""
    d, u = small.demands, small.units
    model = RefusalModel({g: (0.5, 0.5) for g in ("dalo", "priority", "mutation", "other")})
    d_idx = np.arange(12) * 7
    u_idx = np.arange(12)
    full = draw_refusals(model, d, u, d_idx, u_idx, key=(3, 4))
    keep = np.array([11, 2, 5])
    part = draw_refusals(model, d, u, d_idx[keep], u_idx[keep], key=(3, 4))
    assert part.tolist() == full[keep].tolist()
    # Same ids in a reshuffled table: same answers.
    order = np.random.default_rng(0).permutation(len(d))
    shuffled = take(d, order)
    where = np.argsort(order)[d_idx]
    assert draw_refusals(model, shuffled, u, where, u_idx, key=(3, 4)).tolist() == full.tolist()
    assert draw_refusals(model, d, u, d_idx, u_idx, key=(3, 5)).tolist() != full.tolist()


def test_lapses_are_common_random_numbers(small):
    """A demand due at its anniversary lapses or not whatever else is in the pool."""
    pool = start_pool(small.demands, np.random.default_rng(0))
    prev, cur = dt.date(2025, 2, 1), dt.date(2025, 3, 1)
    everyone = set(lapsing(pool, prev, cur, 0.5, seed=9))
    half = take(pool.demands, np.arange(0, len(pool), 2))
    from attribution.scenarios.pool import Pool
    sub = Pool(half, pool.base_refusals[::2], pool.base_expiry[::2], pool.event_ids,
               pool.event_expiry)
    assert set(lapsing(sub, prev, cur, 0.5, seed=9)) == everyone & set(half.ids)
    assert everyone and everyone != set(lapsing(pool, prev, cur, 0.5, seed=10))


def test_share_interval_is_the_logit_delta_interval_and_stays_in_range():
    """Closed form: expit(logit(m) ± t·s/(√n·m(1−m))); in [0, 1] even where the plain t
    interval leaves it, and around the mean."""
    v = np.array([0.01, 0.0, 0.05, 0.02])
    n, m, s, low, high, _lo, _hi = interval(v, scale="share")
    t = stats.t.ppf(0.975, 3)
    h = t * s / np.sqrt(4) / (m * (1 - m))
    lg = np.log(m / (1 - m))
    assert low == pytest.approx(1 / (1 + np.exp(-(lg - h))))
    assert high == pytest.approx(1 / (1 + np.exp(-(lg + h))))
    assert m - t * s / 2 < 0 < low < m < high < 1


def test_count_interval_is_positive():
    """A count whose plain t interval goes below 0 gets m·exp(±t·s/(√n·m)) ≥ 0."""
    v = np.array([0.0, 0.0, 3.0])
    n, m, s, low, high, *_ = interval(v, scale="positive")
    h = stats.t.ppf(0.975, 2) * s / np.sqrt(3) / m
    assert (low, high) == (pytest.approx(m * np.exp(-h)), pytest.approx(m * np.exp(h)))
    assert 0 < low < m < high
    assert interval(np.zeros(4), scale="positive")[3:5] == (0.0, 0.0)
    assert interval(np.ones(4), scale="share")[3:5] == (1.0, 1.0)


def test_logit_interval_covers_the_mean_about_95_percent():
    """Monte-Carlo coverage of the share interval on Beta(2, 30) values (mean 1/16),
    n = 8: between 90 % and 99 % of 2,000 intervals contain the true mean."""
    rng = np.random.default_rng(1)
    true = 2 / 32
    hits = sum(lo <= true <= hi for lo, hi in (
        interval(rng.beta(2, 30, 8), scale="share")[3:5] for _ in range(2000)))
    assert 0.90 <= hits / 2000 <= 0.99


def test_summary_flags_few_seeds_and_undefined_seeds():
    kpis = pd.DataFrame({"scenario": "s", "seed": [0, 1, 2], "period": "all",
                         "kpi": "priority_share", "group": "all", "value": [0.3, np.nan, 0.4]})
    row = summarise(kpis).iloc[0]
    assert row["n"] == 2 and row["flag"] == "few_seeds;undefined_in_some_seeds"
    assert row["method"].startswith("t on logit")


def _pairs(rng, n=6, effect=0.02):
    """Seed effects shared by both scenarios (large) plus small own noise."""
    shared = rng.normal(0.4, 0.05, n)
    return (np.clip(shared + effect + rng.normal(0, 0.005, n), 0, 1),
            np.clip(shared + rng.normal(0, 0.005, n), 0, 1))


def test_paired_difference_is_the_t_interval_of_seed_differences():
    """diff_mean = mean of the seed differences; the interval is the t interval on the
    atanh scale of those differences; it is narrower than Welch's unpaired one when the
    seeds share their noise; and it tells the effect from 0."""
    other, ref = _pairs(np.random.default_rng(2))
    mean, low, high, dist, n, ulow, uhigh, flag = paired(other, ref, "priority_share")
    d = other - ref
    h = stats.t.ppf(0.975, 5) * d.std(ddof=1) / np.sqrt(6) / (1 - d.mean() ** 2)
    assert mean == pytest.approx(d.mean())
    assert (low, high) == (pytest.approx(np.tanh(np.arctanh(d.mean()) - h)),
                           pytest.approx(np.tanh(np.arctanh(d.mean()) + h)))
    welch = stats.ttest_ind(other, ref, equal_var=False).confidence_interval(0.95)
    assert high - low < (welch.high - welch.low) / 3
    assert dist and low > 0 and not (ulow > 0) and n == 6 and flag == ""


def test_differences_table_pairs_by_seed():
    """The table pairs values by seed (not by row order) and keeps every column."""
    rows = []
    for name, shift in (("ref", 0.0), ("b", 5.0)):
        for seed in (3, 1, 2, 0):
            rows.append((name, seed, "all", "attributions", "all", 100 + 10 * seed + shift))
    kpis = pd.DataFrame(rows, columns=["scenario", "seed", "period", "kpi", "group", "value"])
    out = differences(kpis, ["ref", "b"])
    assert list(out.columns[:7]) == ["scenario", "kpi", "group", "diff_mean", "ci_low",
                                     "ci_high", "distinguishable"]
    row = out.iloc[0]
    assert (row["scenario"], row["diff_mean"], row["ci_low"], row["ci_high"]) == ("b", 5, 5, 5)
    assert bool(row["distinguishable"]) and row["flag"] == "few_seeds"


@pytest.mark.usefixtures("english_messages")
def test_parse_set():
    spec = parse_set("quotas.priority_min=0.25:0.45:0.05")
    assert spec.path == ("policy", "quotas", "priority_min")
    assert spec.values == (0.25, 0.3, 0.35, 0.4, 0.45)
    assert parse_set("supply.units_per_month=100:130:10").values == (100, 110, 120, 130)
    assert parse_set("supply.units_per_month=100:130:10").path == ("supply", "units_per_month")
    for bad in ("quotas.priority_min", "x=1:2", "x=a:b:c", "x=2:1:1", "x=0:1:0"):
        with pytest.raises(ValueError, match="Expected"):
            parse_set(bad)


def test_sweep_variants_set_the_key_in_the_file():
    """One checked scenario per value, named after it, with the override in place; the
    rest of the file (here priority-30's per-réservataire floor) is kept; an invalid
    value is an input error naming the key."""
    from attribution.models.errors import DataError
    from attribution.scenarios.sweep import variants

    out = variants("priority-30", parse_set("quotas.priority_min=0.2:0.3:0.1"))
    assert [s.name for s in out] == ["priority-30 priority_min=0.2",
                                     "priority-30 priority_min=0.3"]
    for s, value in zip(out, (0.2, 0.3)):
        values = dict(s.policy.values)
        assert values["quotas.priority_min"] == value
        assert values["quotas.priority_min_per_reservataire"] == 0.30
    supply = variants("baseline", parse_set("supply.units_per_month=100:110:10"))
    assert [s.supply.units_per_month for s in supply] == [100.0, 110.0]
    with pytest.raises(DataError, match="priority_min"):
        variants("baseline", parse_set("quotas.priority_min=0.9:1.3:0.4"))
