"""The baseline against the territory's sourced figures (docs/scenarios.md, calibration):
a quick run of the shipped baseline must stay within every tolerance."""

from __future__ import annotations

import pytest

from attribution.scenarios.calibration import FIGURES, calibration_table, to_markdown
from attribution.scenarios.kpis import year_kpis
from attribution.scenarios.simulation import prepare, simulate_year
from attribution.scenarios.spec import load_scenario


@pytest.fixture(scope="module")
def quick():
    """The shipped baseline on the bundled territory, 2 months, one seed (a quick check:
    the yearly figures are read annualised; the 6-year table is in the docs)."""
    scenario = load_scenario("baseline").with_simulation(months=2, seeds=1)
    return year_kpis(simulate_year(prepare(scenario), seed=0))


def test_baseline_stays_within_the_sourced_tolerances(quick):
    table = calibration_table(quick).set_index("key")
    tested = table[table["status"] != "not tested"]
    assert set(tested.index) >= {"attributions", "pending_start", "pending_end", "pressure",
                                 "qpv", "priority", "q1_outside", "non_q1_in"}
    outside = tested[tested["status"] == "outside"]
    assert outside.empty, outside[["mean", "low", "high"]].to_string()
    # Independent reading of two figures from the raw KPIs.
    k = quick.set_index(["period", "kpi", "group"])["value"]
    assert table.loc["attributions", "mean"] == k[("all", "attributions", "all")] * 6
    assert table.loc["pressure", "mean"] == pytest.approx(
        k[("all", "pending_end", "all")] / (k[("all", "attributions", "all")] * 6))


def test_a_baseline_off_the_figures_is_reported_outside(quick):
    """Twice the attributions (as with units_per_month = 230) leaves the tolerance."""
    off = quick.copy()
    row = (off["kpi"] == "attributions_per_year") & (off["group"] == "all")
    off.loc[row, "value"] *= 2
    table = calibration_table(off).set_index("key")
    assert table.loc["attributions", "status"] == "outside"
    assert "| Attributions a year | [S] | 1,377 |" in to_markdown(table.reset_index())
    assert len(table) == len(FIGURES)
