"""The baseline against the territory's sourced figures (docs/scenarios.md, calibration):
a quick run of the shipped baseline must stay within every tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from attribution.scenarios.calibration import FIGURES, calibration_table, to_markdown
from attribution.scenarios.year_kpis import year_kpis
from attribution.scenarios.simulation import prepare, simulate_year
from attribution.scenarios.spec import load_scenario

MONTHS = 3


@pytest.fixture(scope="module")
def quick():
    """The shipped baseline on the bundled territory, 3 months, one seed (a quick check:
    yearly figures are read annualised; the 6-year table is in the docs). A generous time
    limit per solve: on a loaded machine a solve stopped before it finds anything would
    let nothing, and the check would measure the machine."""
    scenario = load_scenario("baseline").with_simulation(months=MONTHS, seeds=1,
                                                         round_time_limit_s=120)
    return year_kpis(simulate_year(prepare(scenario), seed=0))


def _noise(k) -> dict[str, float]:
    """Three standard errors of the quick run's own Monte-Carlo noise, added to each
    tolerance: Poisson for the attribution count (annualised), binomial for shares."""
    n = k[("all", "attributions", "all")]
    per_year = n * 12 / MONTHS
    rel = 3 / np.sqrt(n)
    return {"attributions": per_year * rel,
            "pressure": k[("all", "demands_per_attribution", "all")] * rel,
            "pending_end": 3 * np.sqrt(k[("all", "arrivals", "all")]
                                       + k[("all", "lapses", "all")] + n),
            **{key: 3 * np.sqrt(0.25 / n) for key in ("qpv", "priority", "q1_outside",
                                                       "non_q1_in")}}


def test_baseline_stays_within_the_sourced_tolerances(quick):
    k = quick.set_index(["period", "kpi", "group"])["value"]
    table = calibration_table(quick, widen=_noise(k)).set_index("key")
    tested = table[table["status"] != "not tested"]
    assert set(tested.index) >= {"attributions", "pending_start", "pending_end", "pressure",
                                 "qpv", "priority", "q1_outside", "non_q1_in"}
    outside = tested[tested["status"] == "outside"]
    assert outside.empty, outside[["mean", "low", "high"]].to_string()
    # Independent reading of two figures from the raw KPIs.
    assert table.loc["attributions", "mean"] == k[("all", "attributions", "all")] * 12 / MONTHS
    assert table.loc["pending_start", "mean"] == 6002
    assert table.loc["pressure", "mean"] == pytest.approx(
        k[("all", "pending_mean", "all")] / (k[("all", "attributions", "all")] * 12 / MONTHS))


def test_a_baseline_off_the_figures_is_reported_outside(quick):
    """A quarter more attributions (units_per_month = 143) leaves the tolerance, even
    widened by the quick run's noise."""
    k = quick.set_index(["period", "kpi", "group"])["value"]
    off = quick.copy()
    row = (off["kpi"] == "attributions_per_year") & (off["group"] == "all")
    off.loc[row, "value"] *= 1.25
    table = calibration_table(off, widen=_noise(k)).set_index("key")
    assert table.loc["attributions", "status"] == "outside"
    assert "| Attributions a year | [S] | 1,377 |" in to_markdown(table.reset_index())
    assert len(table) == len(FIGURES)
