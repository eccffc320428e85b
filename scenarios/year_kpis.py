"""Key figures of a simulated year, and their Monte-Carlo summary over seeds.

:func:`year_kpis` turns one :class:`scenarios.simulation.YearResult` into a long table
(``scenario, seed, period, kpi, group, value``; ``period`` = ``all`` for the horizon,
``1``..``N`` for each year of a multi-year horizon); :func:`summarise` reduces many seeds
to a mean with a 95 % confidence interval that stays in the KPI's possible range (a
Student t interval on the logit or log scale, :func:`interval`) per (scenario, period,
kpi, group); :mod:`scenarios.differences` pairs scenarios seed by seed. KPIs:

=============================  ==============================================================
kpi                            group / meaning
=============================  ==============================================================
attribution_rate               Q1..Q4 (income per UC quartile), priority, other, all: housed
                               / demands present during the year
attributions                   all, or per commune, landlord, réservataire (count)
priority_share                 all, or per réservataire: priority or DALO among attributions
qpv_share                      attributions in QPV among attributions
q1_outside_qpv_share           Q1 or ANRU among attributions outside QPV
non_q1_in_qpv_share            non-Q1 among attributions in QPV
state_outside_qpv_share        State attributions outside QPV among State attributions
q1_share                       per commune (spatial balance)
flow_share                     per "landlord→réservataire": share of the landlord's flow
wait_months                    median months from registration to attribution, per size
                               class, per priority/other, per segment, and all
units_left_empty               at the end of the year; vacant_unit_months: summed monthly
refusal_rate, refusals         refused offers / offers
arrivals, lapses, pending_end  demand flow; pending_start, units_freed likewise
attributions_per_year          attributions × 12 / rounds (the yearly pace)
pending_mean                   pending demands at the start of the rounds, averaged
demands_per_attribution        pending_mean / attributions_per_year (the pressure ratio)
targets_met, targets_missed    annual quota rows met / missed (scenarios.accounts)
relaxed_passes                 passes solved with the carry-over relaxed (scenarios.rounds)
=============================  ==============================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from attribution.models.policy import STATE
from attribution.models.quotas import contract_shares

from .rounds import RELAXED_MODES

KPI_COLUMNS = ["scenario", "seed", "period", "kpi", "group", "value"]
SUMMARY_COLUMNS = ["scenario", "period", "kpi", "group", "n", "mean", "std", "ci_low",
                   "ci_high", "min", "max", "method", "flag"]
#: The horizon as a whole in the ``period`` column (single years are "1", "2", ...).
HORIZON = "all"
#: KPIs that are shares in [0, 1] (interval on the logit scale); every other KPI is a
#: count, a number of months or a ratio of counts, ≥ 0 (interval on the log scale).
SHARE_KPIS = frozenset({"attribution_rate", "priority_share", "q1_outside_qpv_share",
                        "non_q1_in_qpv_share", "state_outside_qpv_share", "q1_share",
                        "flow_share", "refusal_rate", "qpv_share"})
#: Fewer seeds than this are flagged ``few_seeds``: a t interval on 2–4 values is wide
#: and its coverage rests on the normality of the per-seed values.
FEW_SEEDS = 5


def scale_of(kpi: str) -> str:
    """``"share"`` (in [0, 1]) or ``"positive"`` (≥ 0): the possible range of a KPI."""
    return "share" if kpi in SHARE_KPIS else "positive"


def year_kpis(year) -> pd.DataFrame:
    """Long table of the KPIs of one simulated horizon (see the module docstring).

    ``period`` is ``"all"`` for the horizon as a whole and, when it spans several years,
    ``"1"``, ``"2"``... for each simulated year (12 rounds, with its own annual accounts).
    """
    a, r, e, t = year.attributions, year.rounds, year.entrants, year.targets
    years = sorted(r["year"].unique().tolist()) if len(r) and "year" in r else [1]
    frames = [_period(a, r, e, t, HORIZON, None)]
    if len(years) > 1:
        frames += [_period(a, r, e, t, str(y), y) for y in years]
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "seed", year.seed)
    frame.insert(0, "scenario", year.scenario)
    return frame[KPI_COLUMNS]


def _period(a, r, e, t, label: str, y: int | None) -> pd.DataFrame:
    """The KPIs of one simulated year ``y`` (None = the whole horizon)."""
    if y is not None:
        a = a[a["year"] == y] if "year" in a else a
        r = r[r["year"] == y]
        e = e[e["year"] == y] if "year" in e else e
        t = t[t["year"] == y] if "year" in t else t
    elif "year" in e:        # present in the horizon: the first year's start, then arrivals
        e = e[(e["year"] == e["year"].min()) | ~e["at_start"].astype(bool)]
    frame = _kpis(a, r, e, t)
    frame.insert(0, "period", label)
    return frame


def _kpis(a, r, e, t) -> pd.DataFrame:
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
    pri = a["priority"].astype(bool).to_numpy()
    shares = contract_shares(priority=pri, qpv=a["qpv"], q1=a["q1"], anru=a["anru"],
                             state=(a["reservataire"] == STATE).to_numpy())
    for share in ("priority", "qpv", "q1_outside_qpv", "non_q1_in_qpv", "state_outside_qpv"):
        counted, among = shares[share]
        add((f"{share}_share", "all", _ratio(counted.sum(), among.sum())))
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
    pending_end = float(r["pending"].iloc[-1] - r["let"].iloc[-1]) if len(r) else 0.0
    add(("pending_end", "all", pending_end))
    add(("pending_start", "all", float(r["pending"].iloc[0]) if len(r) else 0.0))
    add(("units_freed", "all", float(r["units_freed"].sum()) if "units_freed" in r else
         float("nan")))
    # Annualised: attributions per 12 rounds (a 6-year horizon gives the yearly mean, a
    # 2-month run its yearly pace), and the pressure ratio of the sourced figures.
    per_year = len(a) * 12 / len(r) if len(r) else float("nan")
    add(("attributions_per_year", "all", per_year))
    # The stock seen at the start of each round (before its lets), averaged: a count "at a
    # date" like the sourced 6,002, neither just before nor just after a commission.
    pending_mean = float(r["pending"].mean()) if len(r) else float("nan")
    add(("pending_mean", "all", pending_mean))
    add(("demands_per_attribution", "all", _ratio(pending_mean, per_year)))
    met = t["met"].astype(bool) if len(t) else pd.Series(dtype=bool)
    add(("targets_met", "all", float(met.sum())))
    add(("targets_missed", "all", float((~met).sum())))
    relaxed = r["modes"].str.split(";").explode() if len(r) else pd.Series(dtype=object)
    add(("relaxed_passes", "all", float(relaxed.isin(RELAXED_MODES).sum())))
    return pd.DataFrame(rows, columns=["kpi", "group", "value"])


def summarise(kpis: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and confidence interval of every KPI over the seeds.

    Parameters
    ----------
    kpis
        Long table with the columns of :data:`KPI_COLUMNS` (several seeds; a table
        without ``period`` is read as one horizon).
    confidence
        Two-sided level of the interval.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`. The interval is a Student t interval on a scale where the
        KPI's possible range is the whole line (:func:`interval`): shares stay in [0, 1],
        counts and months ≥ 0; ``method`` names it. Seeds where a KPI is undefined (NaN:
        e.g. no attribution in QPV) are left out of its ``n``; ``flag`` says
        ``few_seeds`` when ``n`` < :data:`FEW_SEEDS`, ``single_seed`` (no interval) when
        ``n`` = 1, ``undefined`` when ``n`` = 0, and ``undefined_in_some_seeds`` when
        seeds were left out.
    """
    if "period" not in kpis:
        kpis = kpis.assign(period=HORIZON)
    seeds = kpis.groupby("scenario")["seed"].nunique()
    out = []
    for (scenario, period, kpi, group), part in kpis.groupby(
            ["scenario", "period", "kpi", "group"], sort=False):
        scale = scale_of(kpi)
        stats_ = interval(part["value"].to_numpy(float), confidence, scale)
        out.append((scenario, period, kpi, group, *stats_, METHODS[scale],
                    _flag(stats_[0], int(seeds[scenario]))))
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


#: The interval each scale gets (the ``method`` column of kpis.csv).
METHODS = {"share": "t on logit scale (delta method)",
           "positive": "t on log scale (delta method)", "real": "t"}


def _flag(n: int, seeds: int) -> str:
    if n == 0:
        return "undefined"
    if n == 1:
        return "single_seed"
    flags = ["few_seeds"] if n < FEW_SEEDS else []
    if n < seeds:
        flags.append("undefined_in_some_seeds")
    return ";".join(flags)


def interval(values: np.ndarray, confidence: float = 0.95, scale: str = "real") -> tuple:
    """``(n, mean, std, low, high, min, max)`` of the finite values.

    The interval is the Student t interval of the mean, computed on a scale where the
    KPI's possible range is the whole real line and mapped back (the delta method, as
    Stata's ``proportion`` or survival curves do):

    - ``"real"``: ``mean ± t·s/√n``;
    - ``"share"`` (values in [0, 1]): ``expit(logit(m) ± t·s / (√n·m(1−m)))``;
    - ``"positive"`` (values ≥ 0): ``m · exp(± t·s / (√n·m))``;
    - ``"signed_share"`` (differences of shares, in [−1, 1]):
      ``tanh(atanh(m) ± t·s / (√n·(1−m²)))``.

    So the bounds always lie in the possible range and around the mean (asymmetric near
    a bound: a share of 2 % cannot go below 0 but may well be 6 %). When every value is
    the same (``s = 0``), or the mean sits on a bound of the range (then every value
    does), the interval is that value.
    """
    v = values[np.isfinite(values)]
    n = len(v)
    if n == 0:
        return (0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan)
    mean = float(v.mean())
    if n == 1:
        return (1, mean, np.nan, np.nan, np.nan, mean, mean)
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    low, high = transformed(mean, half, scale)
    return (n, mean, sd, low, high, float(v.min()), float(v.max()))


def transformed(mean: float, half: float, scale: str) -> tuple[float, float]:
    """``mean ± half`` mapped through the scale's transform (see :func:`interval`)."""
    if half == 0 or not np.isfinite(half):
        return (mean, mean) if half == 0 else (np.nan, np.nan)
    if scale == "share":
        if mean <= 0 or mean >= 1:
            return (mean, mean)
        centre, h = np.log(mean / (1 - mean)), half / (mean * (1 - mean))
        return (float(1 / (1 + np.exp(-(centre - h)))), float(1 / (1 + np.exp(-(centre + h)))))
    if scale == "positive":
        if mean <= 0:
            return (mean, mean)
        h = half / mean
        return (float(mean * np.exp(-h)), float(mean * np.exp(h)))
    if scale == "signed_share":
        if abs(mean) >= 1:
            return (mean, mean)
        centre, h = np.arctanh(mean), half / (1 - mean * mean)
        return (float(np.tanh(centre - h)), float(np.tanh(centre + h)))
    return (mean - half, mean + half)


def _ratio(num, den) -> float:
    return float(num) / float(den) if den else float("nan")


def _median(values: pd.Series) -> float:
    return float(np.median(values.to_numpy(float))) if len(values) else float("nan")
