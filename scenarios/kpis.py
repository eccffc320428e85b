"""Key figures of a simulated year, and their Monte-Carlo summary over seeds.

:func:`year_kpis` turns one :class:`scenarios.simulation.YearResult` into a long table
(``scenario, seed, kpi, group, value``); :func:`summarise` reduces many seeds to a mean
with a 95 % Student t confidence interval per (scenario, kpi, group). KPIs:

=============================  ==============================================================
kpi                            group / meaning
=============================  ==============================================================
attribution_rate               Q1..Q4 (income per UC quartile), priority, other, all: housed
                               / demands present during the year
attributions                   all, or per commune, landlord, réservataire (count)
priority_share                 all, or per réservataire: priority or DALO among attributions
q1_outside_qpv_share           Q1 or ANRU among attributions outside QPV
non_q1_in_qpv_share            non-Q1 among attributions in QPV
state_outside_qpv_share        State attributions outside QPV among State attributions
q1_share                       per commune (spatial balance)
flow_share                     per "landlord→réservataire": share of the landlord's flow
wait_months                    median months from registration to attribution, per size
                               class, per priority/other, per segment, and all
units_left_empty               at the end of the year; vacant_unit_months: summed monthly
refusal_rate, refusals         refused offers / offers
arrivals, lapses, pending_end  demand flow
targets_met, targets_missed    annual quota rows met / missed (scenarios.accounts)
relaxed_passes                 passes solved with the carry-over relaxed (scenarios.rounds)
=============================  ==============================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

KPI_COLUMNS = ["scenario", "seed", "kpi", "group", "value"]
SUMMARY_COLUMNS = ["scenario", "kpi", "group", "n", "mean", "std", "ci_low", "ci_high",
                   "min", "max"]


def year_kpis(year) -> pd.DataFrame:
    """Long table of the KPIs of one simulated year (see the module docstring)."""
    a, r, e = year.attributions, year.rounds, year.entrants
    rows: list[tuple[str, str, float]] = []
    add = rows.append
    if a.empty:
        a = pd.DataFrame(columns=["quartile", "priority", "qpv", "q1", "anru", "reservataire",
                                  "commune", "landlord", "outside_flow", "wait_months",
                                  "household_size", "segment"])
    for q in (1, 2, 3, 4):
        add(("attribution_rate", f"Q{q}", _ratio((a["quartile"] == q).sum(),
                                                 e.loc[e["quartile"] == q, "count"].sum())))
    for label, flag in (("priority", True), ("other", False)):
        add(("attribution_rate", label, _ratio((a["priority"] == flag).sum(),
                                               e.loc[e["priority"] == flag, "count"].sum())))
    add(("attribution_rate", "all", _ratio(len(a), e["count"].sum())))
    add(("attributions", "all", float(len(a))))
    pri = a["priority"].astype(bool)
    qpv = a["qpv"].astype(bool)
    q1 = a["q1"].astype(bool)
    add(("priority_share", "all", _ratio(pri.sum(), len(a))))
    add(("q1_outside_qpv_share", "all", _ratio(((q1 | a["anru"].astype(bool)) & ~qpv).sum(),
                                               (~qpv).sum())))
    add(("non_q1_in_qpv_share", "all", _ratio((~q1 & qpv).sum(), qpv.sum())))
    state = a["reservataire"] == "etat"
    add(("state_outside_qpv_share", "all", _ratio((state & ~qpv).sum(), state.sum())))
    for column in ("commune", "landlord", "reservataire"):
        for name, count in a.groupby(column).size().items():
            add(("attributions", f"{column}={name or 'none'}", float(count)))
    for name, part in a.groupby("reservataire"):
        add(("priority_share", f"reservataire={name or 'none'}",
             _ratio(part["priority"].astype(bool).sum(), len(part))))
    for name, part in a.groupby("commune"):
        add(("q1_share", f"commune={name}", _ratio(part["q1"].astype(bool).sum(), len(part))))
    in_flow = a[~a["outside_flow"].astype(bool)]
    for (landlord, res), count in in_flow.groupby(["landlord", "reservataire"]).size().items():
        total = (in_flow["landlord"] == landlord).sum()
        add(("flow_share", f"{landlord}→{res}", _ratio(count, total)))
    add(("wait_months", "all", _median(a["wait_months"])))
    for size, part in a.groupby(np.clip(a["household_size"].astype(int), 1, 6)):
        add(("wait_months", f"size {size}", _median(part["wait_months"])))
    for label, flag in (("priority", True), ("other", False)):
        add(("wait_months", label, _median(a.loc[pri == flag, "wait_months"])))
    for segment, part in a.groupby("segment"):
        add(("wait_months", f"segment={segment}", _median(part["wait_months"])))
    offers = float(r["offers"].sum()) if len(r) else 0.0
    add(("refusals", "all", float(r["refusals"].sum()) if len(r) else 0.0))
    add(("refusal_rate", "all", _ratio(r["refusals"].sum() if len(r) else 0, offers)))
    add(("units_left_empty", "end", float(r["units_left_empty"].iloc[-1]) if len(r) else 0.0))
    add(("vacant_unit_months", "all", float(r["units_left_empty"].sum()) if len(r) else 0.0))
    for name in ("arrivals", "lapses"):
        add((name, "all", float(r[name].sum()) if len(r) else 0.0))
    add(("pending_end", "all", float(r["pending"].iloc[-1] - r["let"].iloc[-1]) if len(r)
         else 0.0))
    met = year.targets["met"].astype(bool) if len(year.targets) else pd.Series(dtype=bool)
    add(("targets_met", "all", float(met.sum())))
    add(("targets_missed", "all", float((~met).sum())))
    relaxed = r["modes"].str.split(";").explode() if len(r) else pd.Series(dtype=object)
    add(("relaxed_passes", "all", float(relaxed.isin(["surplus_only", "none",
                                                      "nothing_let"]).sum())))
    frame = pd.DataFrame(rows, columns=["kpi", "group", "value"])
    frame.insert(0, "seed", year.seed)
    frame.insert(0, "scenario", year.scenario)
    return frame


def summarise(kpis: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and Student t confidence interval of every KPI over the seeds.

    Parameters
    ----------
    kpis
        Long table with the columns of :data:`KPI_COLUMNS` (several seeds).
    confidence
        Two-sided level of the interval.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`; seeds where a KPI is undefined (NaN: e.g. no attribution in
        QPV) are left out of its ``n``. With ``n = 1`` the interval is the single value's
        (NaN half-width is not reported as certainty: ``ci_low = ci_high = NaN``).
    """
    out = [(scenario, kpi, group, *interval(part["value"].to_numpy(float), confidence))
           for (scenario, kpi, group), part in kpis.groupby(["scenario", "kpi", "group"],
                                                            sort=False)]
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def interval(values: np.ndarray, confidence: float = 0.95) -> tuple:
    """``(n, mean, std, low, high, min, max)`` of the finite values, t-interval on the mean."""
    v = values[np.isfinite(values)]
    n = len(v)
    if n == 0:
        return (0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan)
    mean = float(v.mean())
    if n == 1:
        return (1, mean, np.nan, np.nan, np.nan, mean, mean)
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    return (n, mean, sd, mean - half, mean + half, float(v.min()), float(v.max()))


def _ratio(num, den) -> float:
    return float(num) / float(den) if den else float("nan")


def _median(values: pd.Series) -> float:
    return float(np.median(values.to_numpy(float))) if len(values) else float("nan")
