"""Paired differences between scenarios, seed by seed (common random numbers).

A workshop decides on the *difference* a policy makes. ``compare`` runs every scenario
with the same seeds, and the random draws are arranged so that two scenarios face the
same chance events wherever the policy does not change them (same freed units, same
newcomers, same answer to the same offer, same renewal decisions: :mod:`scenarios.crn`).
The difference of a KPI between a scenario and the first one is then measured seed by
seed, ``d_s = value(scenario, s) − value(first, s)``, and its interval is the Student t
interval of the mean of the ``d_s`` — much narrower than what the two scenarios' own
intervals suggest, because most of the noise is shared and cancels.

Columns of ``differences.csv``:

======================  ===================================================================
scenario                the scenario compared with the first one (the reference)
kpi, group              as in ``kpis.csv``
diff_mean               mean over the common seeds of scenario − reference
ci_low, ci_high         95 % paired interval (Student t on the seed differences; for shares
                        on the atanh scale, so it stays in [−1, 1])
distinguishable         the paired interval excludes 0
n                       common seeds where the KPI is defined in both
unpaired_ci_low/high    the interval the same runs would give *without* pairing (Welch,
                        same scale): for reference, and to show what pairing gains
period                  ``all`` (the horizon) or a year ``1``..``N``
flag                    ``few_seeds`` when n < 5 (see kpis.FEW_SEEDS), ``single_seed``
======================  ===================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .year_kpis import FEW_SEEDS, HORIZON, scale_of, transformed

DIFF_COLUMNS = ["scenario", "kpi", "group", "diff_mean", "ci_low", "ci_high",
                "distinguishable", "n", "unpaired_ci_low", "unpaired_ci_high", "period", "flag"]


def differences(kpis: pd.DataFrame, order: list[str], confidence: float = 0.95
                ) -> pd.DataFrame:
    """Every scenario of ``order[1:]`` against ``order[0]``, KPI by KPI, paired by seed.

    Parameters
    ----------
    kpis
        Per-seed KPIs (:data:`scenarios.year_kpis.KPI_COLUMNS`).
    order
        Scenario names, the reference first.
    confidence
        Two-sided level of the intervals.
    """
    if "period" not in kpis:
        kpis = kpis.assign(period=HORIZON)
    if len(order) < 2 or kpis.empty:
        return pd.DataFrame(columns=DIFF_COLUMNS)
    ref_name = order[0]
    keys = ["period", "kpi", "group", "seed"]
    ref = kpis[kpis["scenario"] == ref_name].set_index(keys)["value"]
    rows = []
    for name in order[1:]:
        other = kpis[kpis["scenario"] == name].set_index(keys)["value"]
        both = pd.concat({"ref": ref, "other": other}, axis=1, join="outer").reset_index()
        for (period, kpi, group), part in both.groupby(["period", "kpi", "group"], sort=False):
            rows.append((name, kpi, group, *paired(part["other"].to_numpy(float),
                                                   part["ref"].to_numpy(float), kpi,
                                                   confidence), period))
    built = ["scenario", "kpi", "group", "diff_mean", "ci_low", "ci_high", "distinguishable",
             "n", "unpaired_ci_low", "unpaired_ci_high", "flag", "period"]
    return pd.DataFrame(rows, columns=built)[DIFF_COLUMNS]


def paired(other: np.ndarray, ref: np.ndarray, kpi: str, confidence: float = 0.95) -> tuple:
    """``(diff_mean, low, high, distinguishable, n, unpaired_low, unpaired_high, flag)``.

    ``other[i]`` and ``ref[i]`` are the KPI in seed ``i`` of the two scenarios (NaN where
    undefined). The paired interval uses the seeds where both are defined; the unpaired
    one (Welch) every defined value of each.
    """
    scale = "signed_share" if scale_of(kpi) == "share" else "real"
    ok = np.isfinite(other) & np.isfinite(ref)
    d = other[ok] - ref[ok]
    n = int(len(d))
    if n == 0:
        return (np.nan, np.nan, np.nan, False, 0, np.nan, np.nan, "undefined")
    mean = float(d.mean())
    if n == 1:
        return (mean, np.nan, np.nan, False, 1, np.nan, np.nan, "single_seed")
    t = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    low, high = transformed(mean, t * float(d.std(ddof=1)) / np.sqrt(n), scale)
    a, b = other[np.isfinite(other)], ref[np.isfinite(ref)]
    u_low = u_high = np.nan
    if len(a) > 1 and len(b) > 1:
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        se = float(np.sqrt(va + vb))
        if se > 0:
            df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
            u_half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
        else:
            u_half = 0.0
        u_low, u_high = transformed(float(a.mean() - b.mean()), u_half, scale)
    distinguishable = bool(low > 0 or high < 0)
    return (mean, low, high, distinguishable, n, u_low, u_high,
            "few_seeds" if n < FEW_SEEDS else "")
