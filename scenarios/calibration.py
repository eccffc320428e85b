"""The baseline against every sourced figure of the territory (calibration table).

Each :class:`Figure` names a published (or derived) figure about CARENE with its tag as
in ``domain.md`` — **[S]** sourced, **[K]** common practice, **[E]** our estimate,
**NOT FOUND** — the tolerance within which the simulated baseline must reproduce it, and
the KPI that measures it. :func:`calibration_table` puts the simulated means and their
95 % intervals next to them; ``docs/scenarios.md`` holds the table of a baseline run and
explains every departure; ``tests/scenarios/test_calibration.py`` fails when a quick
baseline run leaves a tolerance.

Print the table of any baseline results folder (``simulate`` or ``compare``)::

    python -m attribution.scenarios.calibration RESULTS_FOLDER [--scenario baseline]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .year_kpis import HORIZON, interval, scale_of

#: Social housing units of CARENE at 1/1/2024 [S, DREAL RPLS 2024].
STOCK = 13251


@dataclass(frozen=True)
class Figure:
    """A figure about the territory and how the baseline is held to it.

    ``low``/``high`` bound the simulated mean (None = not tested: a figure with no
    source, shown for information); ``factor`` scales the KPI (e.g. units freed per
    year / stock = turnover).
    """

    key: str
    label: str
    tag: str
    source: str
    value: str
    kpi: tuple[str, str]
    low: float | None
    high: float | None
    factor: float = 1.0
    share: bool = False


FIGURES = (
    Figure("attributions", "Attributions a year", "[S]",
           "1,377 attributions in 2023 (DREAL RPLS 2024; local press Jan 2024)", "1,377",
           ("attributions_per_year", "all"), 1377 * 0.95, 1377 * 1.05),
    Figure("pending_start", "Pending demands at the start", "[S]",
           "6,002 pending demands at 1/1/2024 (CIL document)", "6,002",
           ("pending_start", "all"), 6002, 6002),
    Figure("pending_end", "Pending demands at the end (stability)", "[S] + [E]",
           "6,002 at 1/1/2024 [S]; a roughly steady queue (6,593 demands in 2023 [S]); "
           "tolerance ±5 % [E]", "≈ 6,002", ("pending_end", "all"), 6002 * 0.95, 6002 * 1.05),
    Figure("pressure", "Demands per attribution", "[S] / [E]",
           "≈ 4.8 = 6,593 / 1,377 [S]; 4.36 = 6,002 / 1,377 [E]", "4.36 – 4.8",
           ("demands_per_attribution", "all"), 4.2, 5.0),
    Figure("turnover", "Units freed a year / stock (turnover)", "[S] (département)",
           "7.7 % in Loire-Atlantique, 2023 (DREAL); CARENE's own NOT FOUND", "7.7 %",
           ("units_freed", "all"), None, None, factor=1 / STOCK, share=True),
    Figure("qpv", "Attributions in QPV", "[S] (stock)",
           "27.8 % of the stock in QPV (DREAL RPLS 2024); tolerance ±5 points [E]", "27.8 %",
           ("qpv_share", "all"), 0.228, 0.328, share=True),
    Figure("priority", "Priority or DALO share of attributions", "[S] (floor)",
           "CIL objective: at least 25 % (CCH L441-1); the realised share is NOT FOUND",
           "≥ 25 %", ("priority_share", "all"), 0.25, 1.0, share=True),
    Figure("q1_outside", "Q1 or ANRU share outside QPV", "[S] (floor)",
           "at least 25 % (loi Égalité et Citoyenneté); realised NOT FOUND", "≥ 25 %",
           ("q1_outside_qpv_share", "all"), 0.25, 1.0, share=True),
    Figure("non_q1_in", "Non-Q1 share in QPV", "[S] (floor)",
           "at least 50 % (loi Égalité et Citoyenneté); realised NOT FOUND", "≥ 50 %",
           ("non_q1_in_qpv_share", "all"), 0.50, 1.0, share=True),
    Figure("lapses", "Lapsed demands a year / pending", "NOT FOUND",
           "validity one year [K]; non-renewal rate NOT FOUND (parameter 0.20 [K])", "–",
           ("lapses", "all"), None, None, factor=1 / 6002, share=True),
    Figure("refusals", "Offers refused", "NOT FOUND",
           "refusals are frequent [S, domain.md §7]; rate NOT FOUND", "–",
           ("refusal_rate", "all"), None, None, share=True),
    Figure("wait", "Median wait of housed households (months)", "NOT FOUND",
           "CARENE's observed waits NOT FOUND", "–", ("wait_months", "all"), None, None),
)


def calibration_table(kpis: pd.DataFrame, scenario: str | None = None,
                      widen: dict[str, float] | None = None) -> pd.DataFrame:
    """The baseline's simulated value of every :data:`FIGURES` entry, with its interval.

    Parameters
    ----------
    kpis
        Per-seed KPIs (``kpis_by_seed.csv`` of a baseline run).
    scenario
        The scenario to read (default: the first).
    widen
        Figure key → amount added on both sides of its tolerance (a quick check on a short
        run adds its own Monte-Carlo noise, see the test).

    Returns
    -------
    pandas.DataFrame
        ``key, label, tag, source, sourced, n, mean, ci_low, ci_high, years_min,
        years_max, low, high, status``: ``mean`` over the seeds of the horizon (per year
        for flows: counts are divided by the horizon's years), ``years_min``/``max`` the
        range of the single years' values over every seed (the stability), ``status``
        ``ok`` / ``outside`` (the mean leaves ``[low, high]``) / ``not tested``.
    """
    if "period" not in kpis:
        kpis = kpis.assign(period=HORIZON)
    scenario = scenario or kpis["scenario"].iloc[0]
    k = kpis[kpis["scenario"] == scenario]
    rounds_per_seed = _horizon_years(k)
    rows = []
    for f in FIGURES:
        part = k[(k["kpi"] == f.kpi[0]) & (k["group"] == f.kpi[1])]
        horizon = part[part["period"] == HORIZON]["value"].to_numpy(float) * f.factor
        if f.kpi[0] in PER_YEAR_COUNTS:
            horizon = horizon / rounds_per_seed
        years = part[part["period"] != HORIZON]["value"].to_numpy(float) * f.factor
        n, mean, _sd, low, high, _mn, _mx = interval(
            horizon, scale="share" if f.share and f.factor == 1 else scale_of(f.kpi[0]))
        tested = f.low is not None and np.isfinite(mean)
        extra = (widen or {}).get(f.key, 0.0)
        status = ("not tested" if not tested
                  else "ok" if f.low - extra - 1e-9 <= mean <= f.high + extra + 1e-9
                  else "outside")
        rows.append({"key": f.key, "label": f.label, "tag": f.tag, "source": f.source,
                     "sourced": f.value, "n": n, "mean": mean, "ci_low": low, "ci_high": high,
                     "years_min": float(np.nanmin(years)) if len(years) else np.nan,
                     "years_max": float(np.nanmax(years)) if len(years) else np.nan,
                     "low": f.low, "high": f.high, "status": status})
    return pd.DataFrame(rows)


#: Flow counts reported a year in the table (the horizon's totals ÷ its years).
PER_YEAR_COUNTS = frozenset({"units_freed", "lapses"})


def _horizon_years(k: pd.DataFrame) -> float:
    """Years of the horizon, from the annualised attributions (attributions × 12 / rounds)."""
    a = k[(k["kpi"] == "attributions") & (k["group"] == "all") & (k["period"] == HORIZON)]
    p = k[(k["kpi"] == "attributions_per_year") & (k["group"] == "all")
          & (k["period"] == HORIZON)]
    if a.empty or p.empty or not p["value"].iloc[0]:
        return 1.0
    return float(a["value"].iloc[0] / p["value"].iloc[0])


def to_markdown(table: pd.DataFrame) -> str:
    """The table as Markdown (the one in docs/scenarios.md)."""
    def fmt(v, share, key):
        if not np.isfinite(v):
            return "–"
        if share:
            return f"{v:.1%}"
        return f"{v:,.2f}" if key == "pressure" else f"{v:,.0f}"

    shares = {f.key: f.share for f in FIGURES}
    lines = ["| figure | tag | sourced | simulated mean [95 % CI] | single years (min – max) "
             "| tolerance | status |", "|---|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        s = shares[r.key]
        ci = (f" [{fmt(r.ci_low, s, r.key)}, {fmt(r.ci_high, s, r.key)}]"
              if np.isfinite(r.ci_low) else "")
        years = (f"{fmt(r.years_min, s, r.key)} – {fmt(r.years_max, s, r.key)}"
                 if np.isfinite(r.years_min) else "–")
        tol = ("–" if r.low is None else
               f"{fmt(r.low, s, r.key)} – {fmt(r.high, s, r.key)}")
        lines.append(f"| {r.label} | {r.tag} | {r.sourced} | {fmt(r.mean, s, r.key)}{ci} "
                     f"| {years} | {tol} | {r.status} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Calibration table of a baseline run.")
    parser.add_argument("results", type=Path, help="a simulate/compare results folder")
    parser.add_argument("--scenario", default=None)
    args = parser.parse_args(argv)
    kpis = pd.read_csv(args.results / "kpis_by_seed.csv", dtype={"period": str})
    kpis = with_pending_mean(kpis, args.results / "rounds.csv")
    sys.stdout.write(to_markdown(calibration_table(kpis, args.scenario)))
    return 0


def with_pending_mean(kpis: pd.DataFrame, rounds_csv: Path) -> pd.DataFrame:
    """Add ``pending_mean`` and ``demands_per_attribution`` from ``rounds.csv`` when a
    results folder was written before those KPIs existed."""
    if (kpis["kpi"] == "pending_mean").any() or not rounds_csv.is_file():
        return kpis
    r = pd.read_csv(rounds_csv)
    if "year" not in r:
        r["year"] = 1
    rows = []
    for (scenario, seed), part in r.groupby(["scenario", "seed"]):
        periods = [("all", part)] + ([(str(y), p) for y, p in part.groupby("year")]
                                     if part["year"].nunique() > 1 else [])
        for period, p in periods:
            mean = float(p["pending"].mean())
            per_year = kpis[(kpis["scenario"] == scenario) & (kpis["seed"] == seed)
                            & (kpis["period"] == period)
                            & (kpis["kpi"] == "attributions_per_year")]["value"]
            rows.append((scenario, seed, period, "pending_mean", "all", mean))
            if len(per_year):
                rows.append((scenario, seed, period, "demands_per_attribution", "all",
                             mean / float(per_year.iloc[0])))
    extra = pd.DataFrame(rows, columns=["scenario", "seed", "period", "kpi", "group", "value"])
    kpis = kpis[~kpis["kpi"].isin(["pending_mean", "demands_per_attribution"])]
    return pd.concat([kpis, extra], ignore_index=True)


if __name__ == "__main__":
    sys.exit(main())
