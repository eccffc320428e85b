"""A horizon of several years (state carried over, accounts per year) and ``compare`` with
paired differences, on tiny generated territories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from attribution.cli import main
from attribution.models.generator import write_territory
from attribution.scenarios.year_kpis import SHARE_KPIS, year_kpis
from attribution.scenarios.simulation import prepare, simulate_year
from attribution.scenarios.spec import parse_scenario


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    folder = write_territory(tmp_path_factory.mktemp("horizon") / "t", 4, 120, 4)
    raw = {"territory": {"source": str(folder)}, "supply": {"units_per_month": 4},
           "simulation": {"years": 2, "seeds": 1, "max_offers": 1, "round_time_limit_s": 60}}
    return simulate_year(prepare(parse_scenario(raw, "h.toml", default_name="h")), seed=1)


def test_two_years_carry_the_stock_and_restart_the_accounts(two_years):
    """24 rounds in years 1 and 2; the pool and the empty units pass from round 12 to 13
    (pending = pending − let − lapses + arrivals), and each year's targets count that
    year's attributions only."""
    r = two_years.rounds
    assert len(r) == 24 and r["year"].tolist() == [1] * 12 + [2] * 12
    end1, start2 = r.iloc[11], r.iloc[12]
    assert start2["pending"] == end1["pending"] - end1["let"] - start2["lapses"] + start2["arrivals"]
    assert start2["units_offered"] == end1["units_left_empty"] + start2["units_freed"]
    t = two_years.targets.set_index(["year", "name"])
    a = two_years.attributions
    for year in (1, 2):
        assert t.loc[(year, "priority_min"), "right"] == (a["year"] == year).sum()
        assert t.loc[(year, "priority_min"), "left"] == a.loc[a["year"] == year,
                                                              "priority"].sum()


def test_kpis_per_year_and_over_the_horizon(two_years):
    """Periods 1, 2 and all; counts over the horizon are the sums of the years; the
    horizon's attribution rate counts each demand present once (start + arrivals)."""
    k = year_kpis(two_years).set_index(["period", "kpi", "group"])["value"]
    assert set(k.index.get_level_values(0)) == {"1", "2", "all"}
    for kpi in ("attributions", "arrivals", "lapses", "refusals", "targets_met"):
        assert k[("all", kpi, "all")] == k[("1", kpi, "all")] + k[("2", kpi, "all")]
    assert k[("all", "attributions_per_year", "all")] == k[("all", "attributions", "all")] / 2
    e = two_years.entrants
    present = e.loc[(e["year"] == 1) | ~e["at_start"], "count"].sum()
    assert k[("all", "attribution_rate", "all")] == pytest.approx(
        k[("all", "attributions", "all")] / present)
    assert k[("2", "pending_start", "all")] == two_years.rounds.iloc[12]["pending"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """``compare a b --seeds 4 --months 2``: b changes the cotation grid (2 points a month
    of seniority instead of 1): other households are chosen for the same units."""
    root = tmp_path_factory.mktemp("cmp")
    write_territory(root / "terr", 9, 150, 6)
    common = '[territory]\nsource = "terr"\n[supply]\nunits_per_month = 6\n'
    (root / "a.toml").write_text('[scenario]\nname = "a"\n' + common, encoding="utf-8")
    (root / "b.toml").write_text('[scenario]\nname = "b"\n' + common
                                 + '[policy]\ncotation.points_per_month = 2\n', encoding="utf-8")
    out = root / "out"
    result = CliRunner().invoke(main, ["compare", str(root / "a.toml"), str(root / "b.toml"),
                                       "--out", str(out), "--seeds", "4", "--months", "2",
                                       "--workers", "0", "--time-limit", "60"])
    assert result.exit_code == 0, result.output
    assert "seulement 4 graine(s)" in result.stderr    # the warning, in French by default
    return out


def test_every_interval_is_inside_the_possible_range(compared):
    k = pd.read_csv(compared / "kpis.csv")
    has = k["ci_low"].notna()
    share = k["kpi"].isin(SHARE_KPIS)
    assert has.sum() > 100
    assert (k.loc[has & share, "ci_low"] >= 0).all() and (k.loc[has & share, "ci_high"] <= 1).all()
    assert (k.loc[has, "ci_low"] >= 0).all()
    assert ((k.loc[has, "ci_low"] <= k.loc[has, "mean"] + 1e-12)
            & (k.loc[has, "mean"] <= k.loc[has, "ci_high"] + 1e-12)).all()
    assert (k["flag"].fillna("").str.contains("few_seeds") | (k["n"] < 2)).all()
    assert "seulement 4 graines" in (compared / "report.html").read_text(encoding="utf-8")


def test_paired_intervals_are_narrower_than_unpaired(compared):
    """On common random numbers the seed-by-seed interval is narrower than the unpaired
    one for the KPIs driven by the shared draws (supply, newcomers, renewals: the flows
    of the year), and the draws the policy does not touch (units freed, arrivals) give
    identical values: a difference of exactly 0."""
    d = pd.read_csv(compared / "differences.csv")
    d = d[(d["period"] == "all") & (d["n"] == 4)]
    assert (d["scenario"] == "b").all()
    width = d.assign(paired=d["ci_high"] - d["ci_low"],
                     unpaired=d["unpaired_ci_high"] - d["unpaired_ci_low"]).set_index(
        ["kpi", "group"])
    shared = [("units_freed", "all"), ("arrivals", "all"), ("lapses", "all"),
              ("pending_end", "all"), ("attributions", "all"), ("attribution_rate", "all")]
    for key in shared:
        assert width.loc[key, "paired"] < width.loc[key, "unpaired"], key
    for kpi in ("units_freed", "arrivals"):
        row = d[(d["kpi"] == kpi) & (d["group"] == "all")].iloc[0]
        assert row["diff_mean"] == row["ci_low"] == row["ci_high"] == 0
    html = (compared / "report.html").read_text(encoding="utf-8")
    assert html.index("Différences avec") < html.index("Chiffres clés")


def test_years_with_part_of_a_year_is_a_clear_error(compared):
    root = compared.parent
    result = CliRunner().invoke(main, ["simulate", str(root / "a.toml"), "--out",
                                       str(root / "x"), "--years", "2", "--months", "3",
                                       "--workers", "0"])
    assert result.exit_code == 1
    assert "Attendu : 12 (années entières) pour simuler 2 ans ; trouvé 3" in \
        result.output + result.stderr
    assert np.isfinite(1.0)
