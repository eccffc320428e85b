"""``--precision``: seeds are added until the headline half-widths are small enough, up to
a cap — checked on a fake batch whose per-seed values are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.scenarios import commands
from attribution.scenarios.batch import BatchResult
from attribution.scenarios.year_kpis import summarise


def _fake_batch(prepared, seeds, **_kw):
    """priority_share of seed s = 0.3 ± 0.05 (alternating), attributions 1,000 ± 20."""
    rows = []
    for s in seeds:
        sign = 1 if s % 2 else -1
        rows.append(("x", s, "all", "priority_share", "all", 0.3 + sign * 0.05))
        rows.append(("x", s, "all", "attributions", "all", 1000 + sign * 20))
    kpis = pd.DataFrame(rows, columns=["scenario", "seed", "period", "kpi", "group", "value"])
    return BatchResult((), kpis, pd.DataFrame(columns=["scenario", "seed", "error", "detail"]),
                       1.0, 2)


def test_precision_ratio_reads_shares_absolutely_and_counts_relatively():
    summary = summarise(_fake_batch(None, range(6)).kpis)
    row = summary.set_index("kpi").loc["priority_share"]
    share_half = (row["ci_high"] - row["ci_low"]) / 2
    count = summary.set_index("kpi").loc["attributions"]
    count_half = (count["ci_high"] - count["ci_low"]) / 2
    expected = max(share_half / 0.02, count_half / (0.02 * count["mean"]))
    assert commands.precision_ratio(summary, 0.02) == pytest.approx(expected)


def test_seeds_are_added_until_precise(monkeypatch):
    monkeypatch.setattr(commands, "run_batch", _fake_batch)
    batch, seeds, note = commands.run_to_precision([], [0, 1, 2], 0.03, 40, workers=2)
    ratio = commands.precision_ratio(summarise(batch.kpis), 0.03)
    assert ratio <= 1 and "atteinte" in note
    # Brute force: the fewest seeds that reach the precision; the loop may overshoot by
    # its last batch, never more than doubling.
    least = next(n for n in range(2, 41)
                 if commands.precision_ratio(summarise(_fake_batch(None, range(n)).kpis),
                                             0.03) <= 1)
    assert least <= len(seeds) <= 2 * least
    assert seeds == list(range(len(seeds))) and batch.kpis["seed"].nunique() == len(seeds)


def test_the_cap_stops_and_says_so(monkeypatch):
    monkeypatch.setattr(commands, "run_batch", _fake_batch)
    batch, seeds, note = commands.run_to_precision([], [0, 1], 0.001, 9, workers=2)
    assert len(seeds) == 9 and "NON atteinte" in note and "9 graines" in note
    assert np.isfinite(commands.precision_ratio(summarise(batch.kpis), 0.001))
