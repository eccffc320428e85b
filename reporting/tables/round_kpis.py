"""``kpis.json``: status, objective per level, proven bound, gap, counts and shares of every
quota, outcome counts, the price of each binding quota.

All run-dependent times go under :data:`reporting.files.manifest.TIMING_KEY`; everything else is
a function of the inputs and the seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from attribution.models.allocation import QuotaAttainment
from attribution.models.problem import AllocationProblem

from ..analysis.variants import SolvedRound
from ..files.manifest import TIMING_KEY, to_jsonable

LEVELS = ("units_let", "score_sum", "fit")


def _levels(values) -> dict[str, Any] | None:
    if values is None:
        return None
    values = list(np.atleast_1d(np.asarray(values, dtype=object)))
    return {LEVELS[k] if k < len(LEVELS) else f"level_{k + 1}": to_jsonable(v)
            for k, v in enumerate(values)}


def quota_rows_frame(rows: list[QuotaAttainment]) -> pd.DataFrame:
    """Attainment rows as a table, with ``target_low`` / ``target_high`` for charts.

    The chart bounds include the slack: a ``>=`` row with share ``s`` and slack ``k`` on a
    base of ``n`` allows shares down to ``s − k / n``.
    """
    frame = pd.DataFrame([r.as_dict() for r in rows],
                         columns=["name", "family", "policy_key", "sense", "left", "right",
                                  "share", "target", "slack", "satisfied", "margin", "tight",
                                  "description"])
    base = frame["right"].where(frame["right"] > 0)
    allow = (frame["slack"] / base).fillna(0.0)
    low = (frame["target"] - allow).clip(lower=0.0)
    high = (frame["target"] + allow).clip(upper=1.0)
    frame["target_low"] = low.where(frame["sense"] == ">=")
    frame["target_high"] = high.where(frame["sense"] == "<=")
    frame["share"] = frame["share"].astype(float).round(4)
    return frame


def build_kpis(problem: AllocationProblem, result: SolvedRound, arcs: np.ndarray,
               rows: list[QuotaAttainment], prices: pd.DataFrame,
               outcome_counts: pd.DataFrame, shortlist_summary: dict[str, Any],
               timing: dict[str, Any]) -> dict[str, Any]:
    """The content of kpis.json.

    Parameters
    ----------
    problem, result, arcs
        The solved problem, the optimizer's result and its chosen arcs.
    rows
        Quota attainment of ``arcs``.
    prices
        :func:`reporting.analysis.quota_price.quota_prices`.
    outcome_counts
        :func:`reporting.tables.aggregates.outcome_counts`.
    shortlist_summary
        Second value of :func:`reporting.analysis.shortlists.build_shortlists`.
    timing
        Solve seconds and wall times (the only run-dependent values).
    """
    t = problem.territory
    arcs = np.asarray(arcs, dtype=np.int64)
    housed = problem.graph.demand[arcs]
    n_let = len(arcs)
    score_sum = int(problem.scores[housed].sum())
    gap = getattr(result, "gap", None)
    return to_jsonable({
        "status": str(getattr(result, "status", "")),
        "proven_optimal": str(getattr(result, "status", "")) == "OPTIMAL",
        "objective": _levels(getattr(result, "objective", None)) or
        {"units_let": n_let, "score_sum": score_sum},
        "bound": _levels(getattr(result, "bound", None)),
        "gap": None if gap is None else float(gap),
        "counts": {
            "demands": len(t.demands), "units": len(t.units), "units_let": n_let,
            "compatible_arcs": len(problem.graph), "score_sum": score_sum,
            "priority_housed": int(problem.priority_group[housed].sum()),
            "q1_housed": int(problem.q1[housed].sum()),
            "qpv_units_let": int(t.units.qpv[problem.graph.unit[arcs]].sum()),
        },
        "shares": {
            "priority": round(float(problem.priority_group[housed].mean()), 4) if n_let else None,
            "q1": round(float(problem.q1[housed].mean()), 4) if n_let else None,
        },
        "q1_threshold": round(float(problem.q1_threshold), 2),
        "quotas": [r.as_dict() for r in rows],
        "quota_prices": prices.astype(object).where(prices.notna(), None).to_dict("records"),
        "units_without_quotas": getattr(result, "units_without_quotas", None),
        "units_lost_to_quotas": getattr(result, "units_lost_to_quotas", None),
        "conflicts": list(getattr(result, "conflicts", ()) or ()),
        "outcomes": dict(zip(outcome_counts["outcome"], outcome_counts["demands"])),
        "shortlists": shortlist_summary,
        TIMING_KEY: timing,
    })
