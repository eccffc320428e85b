"""The supported range of cotation points and scores, checked when the input is read.

Why these bounds (docs/cotation.md, "Supported range"):

* Every **points value** of ``[cotation]`` and every demand's **score** must lie within
  ±:data:`MAX_SCORE` = 1,000,000,000. A score then fits a signed 32-bit integer (the
  per-arc arrays of the optimizer stay compact), every partial sum of the cotation stays
  far inside int64, and a term ``points × value`` computed in float64 is exact.
* The **objective** (score sum of an allocation) must stay an exact integer for both
  solvers: CP-SAT works in int64 but reports the objective and its bound as float64, and
  the HiGHS LP of the certified bound computes in float64; both represent every integer
  up to 2⁵³ = 9,007,199,254,740,992 exactly. The worst case is every unit let to a
  demand of the largest |score|: ``units × max|score| ≤ 2⁵³`` (:data:`MAX_OBJECTIVE`). With
  scores at the maximum that still allows 9,007,199 units in one round; CP-SAT's own
  overflow guard (Σ |coefficient| < 2⁶³ over the objective) allows 9·10⁹ arcs.

A policy point beyond the range is reported by :mod:`models.io.policy_io` (the key); a demand
whose score could leave it is reported here (file, row, and the term that dominates);
too many units for the largest score by :func:`check_objective`.
"""

from __future__ import annotations

import numpy as np

from .errors import Problem
from .i18n import _, num
from .household import months_between
from .policy import Policy

#: Largest |points| of a policy value and largest |score| of a demand.
MAX_SCORE = 1_000_000_000
#: Largest |score sum| of an allocation: every integer up to 2**53 is exact in float64.
MAX_OBJECTIVE = 2 ** 53
#: Rows reported before "and N more".
CAP = 20


def score_bounds(demands, policy: Policy) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
    """An upper bound of |score| per demand (float64, computed without overflow) and each
    term's contribution ``(name, |term|)``: the sum of the absolute values of the terms of
    the cotation formula (:mod:`models.cotation`)."""
    grid = policy.cotation
    n = len(demands)
    months = months_between(demands.registered_on, policy.territory.round_date)
    terms: list[tuple[str, np.ndarray]] = [
        ("cotation.points_per_month × months",
         abs(float(grid.points_per_month)) * np.abs(months.astype(np.float64))),
        ("cotation.overdue_bonus", np.full(n, abs(float(grid.overdue_bonus)))),
        ("cotation.refusal_malus × refusals", abs(float(grid.refusal_malus))
         * np.abs(np.asarray(demands.refusals, dtype=np.float64)))]
    for column, points in grid.bonus.items():
        if not demands.has_column(column):
            continue  # reported elsewhere
        values = np.asarray(demands.column(column), dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            term = abs(float(points)) * np.abs(np.nan_to_num(values, nan=0.0))
        terms.append((f"cotation.bonus.{column} × {column}", term))
    for i, rubric in enumerate(grid.rubrics, 1):
        top = max((abs(float(p)) for p in rubric.points.values()), default=0.0)
        terms.append((f"cotation.rubric[{i}] ({rubric.name})", np.full(n, top)))
    total = np.zeros(n, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        for _name, term in terms:
            total += term
    return total, terms


def _fmt(x: float) -> str:
    return num(x) if x < 1e15 else f"{x:.3g}"


def check_scores(demands, policy: Policy, rows: np.ndarray,
                 file: str = "demands.csv") -> list[Problem]:
    """One problem per demand whose score could leave ±:data:`MAX_SCORE` (capped)."""
    total, terms = score_bounds(demands, policy)
    bad = ~(total <= MAX_SCORE)  # NaN or inf count as too large
    idx = np.flatnonzero(bad)
    problems = []
    for pos in idx[:CAP]:
        name, term = max(terms, key=lambda t: np.nan_to_num(t[1][pos], nan=np.inf))
        column = name.split(" × ")[-1] if "bonus" in name else None
        problems.append(Problem(
            file, int(rows[pos]), column,
            _("the cotation of this demand can reach {total} points in absolute value "
              "({term}: {value}); scores must lie within ±{max} (docs/cotation.md, "
              "supported range): lower the points in policy.toml or the value").format(
                total=_fmt(total[pos]), term=name, value=_fmt(term[pos]),
                max=num(MAX_SCORE))))
    if len(idx) > CAP:
        problems.append(Problem(file, None, None, _(
            "and {n} more demands whose cotation can leave ±{max}").format(
            n=num(len(idx) - CAP), max=num(MAX_SCORE))))
    return problems


def check_objective(demands, units, policy: Policy,
                    file: str = "units.csv") -> list[Problem]:
    """A problem when ``units × max|score|`` exceeds :data:`MAX_OBJECTIVE`."""
    total, _terms = score_bounds(demands, policy)
    if not len(total) or not len(units):
        return []
    worst = float(np.max(total)) * len(units)
    if worst <= MAX_OBJECTIVE:
        return []
    return [Problem(file, None, None,
                    _("{units} units × the largest |score| {score} = {worst} exceeds 2^53 = "
                      "{max}, the largest score sum the solvers represent exactly "
                      "(docs/cotation.md, supported range); split the round or lower the "
                      "points").format(units=num(len(units)), score=_fmt(np.max(total)),
                                       worst=_fmt(worst), max=num(MAX_OBJECTIVE)))]
