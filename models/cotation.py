"""Cotation: the integer score of every demand from the policy's grid, and its breakdown.

Score = points_per_month·months + overdue_bonus·[months ≥ overdue_months]
+ Σ over ``[cotation.bonus]`` of points·column + Σ over rubrics of the highest points among
the rubric's true criteria (0 if none) − refusal_malus·refusals (data contract, Semantics).

Numeric (non-boolean) criterion values
    A bonus term is ``round(points × value)`` per demand and per column, rounding half away
    from zero, so the score stays an integer; for a boolean column (0/1) this is exactly
    ``points`` or 0. In a rubric a criterion is *true* when its value is non-zero; the
    value does not scale the rubric's points. A missing value (NaN) counts as 0 / false.
Ties inside a rubric
    When several true criteria share the highest points, the one listed first in the
    rubric wins (it is the one named in the breakdown; the points are the same).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError, Problem
from .i18n import _
from .household import months_between
from .policy import Policy
from .territory import Demands


def _raw(demands: Demands, name: str) -> np.ndarray:
    """A criterion or standard column as stored (bool, int or float), without copying."""
    if name in demands.criteria:
        return demands.criteria[name]
    return np.asarray(getattr(demands, name))


def _check_columns(demands: Demands, policy: Policy) -> None:
    problems = []
    grid = policy.cotation
    named = [(c, f"cotation.bonus.{c}") for c in grid.bonus]
    named += [(c, f"cotation.rubric.{r.name}.points.{c}") for r in grid.rubrics for c in r.points]
    for col, key in named:
        if not demands.has_column(col):
            problems.append(Problem("policy.toml", None, key, _(
                "expected a column of demands.csv; got '{column}', which is not one.").format(
                column=col)))
    if problems:
        raise DataError(problems)


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """Round half away from zero, exactly (``a − floor(a)`` is exact in floating point)."""
    a = np.abs(x)
    r = np.floor(a)
    r += (a - r) >= 0.5
    return np.copysign(r, x).astype(np.int64)


def _bonus_points(demands: Demands, column: str, points: int) -> np.ndarray:
    """``round(points × value)`` per demand (NaN = 0); exact integers for bool/int columns."""
    values = _raw(demands, column)
    if values.dtype.kind in "biu":
        return points * values.astype(np.int64, copy=False)
    if np.isnan(values).any():
        values = np.nan_to_num(values, nan=0.0)
    product = points * values
    exact = product.astype(np.int64)
    if (exact == product).all():   # the usual case: 0/1 or whole values, nothing to round
        return exact
    return _round_half_away(product)


def _is_true(values: np.ndarray) -> np.ndarray:
    """Non-zero, NaN counting as false."""
    if values.dtype.kind == "b":
        return values
    if values.dtype.kind == "f":
        return np.abs(values) > 0
    return values != 0


def _rubric_max(demands: Demands, rubric) -> np.ndarray:
    """Highest points among the rubric's true criteria, 0 if none (the fast path)."""
    none = np.iinfo(np.int64).min
    best = np.full(len(demands), none, dtype=np.int64)
    for column, points in rubric.points.items():
        np.maximum(best, np.where(_is_true(_raw(demands, column)), points, none), out=best)
    best[best == none] = 0
    return best


def _rubric_points(demands: Demands, rubric) -> tuple[np.ndarray, np.ndarray]:
    """Highest points among true criteria (0 if none) and the winning criterion's position
    in the rubric (-1 if none); ties go to the criterion listed first."""
    n = len(demands)
    names = list(rubric.points)
    if not names:
        return np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    pts = np.array([rubric.points[c] for c in names], dtype=np.int64)
    true = np.stack([_is_true(_raw(demands, c)) for c in names], axis=1)
    masked = np.where(true, pts[None, :], np.iinfo(np.int64).min)
    winner = np.argmax(masked, axis=1)  # first position among equal maxima
    any_true = true.any(axis=1)
    points = np.where(any_true, pts[winner], 0)
    return points.astype(np.int64), np.where(any_true, winner, -1)


def score(demands: Demands, policy: Policy) -> np.ndarray:
    """Cotation score of every demand.

    Parameters
    ----------
    demands
        The round's demands.
    policy
        Its ``cotation`` grid and ``territory.round_date`` are used.

    Returns
    -------
    numpy.ndarray
        int64 scores, one per demand, in the order of ``demands``.

    Raises
    ------
    DataError
        When the grid names a column that ``demands.csv`` does not have.
    """
    _check_columns(demands, policy)
    grid = policy.cotation
    months = months_between(demands.registered_on, policy.territory.round_date)
    total = grid.points_per_month * months
    if grid.overdue_bonus:
        total = total + grid.overdue_bonus * (months >= grid.overdue_months)
    for column, points in grid.bonus.items():
        total = total + _bonus_points(demands, column, points)
    for rubric in grid.rubrics:
        total = total + _rubric_max(demands, rubric)
    if grid.refusal_malus:
        total = total - grid.refusal_malus * np.asarray(demands.refusals, dtype=np.int64)
    return np.asarray(total, dtype=np.int64)


def components(policy: Policy) -> list[str]:
    """Names of the point columns of :func:`breakdown` (they sum to ``total``)."""
    grid = policy.cotation
    return (["seniority", "overdue_bonus"] + [f"bonus_{c}" for c in grid.bonus]
            + [f"rubric_{r.name}" for r in grid.rubrics] + ["refusal_malus"])


def breakdown(demands: Demands, policy: Policy, idx=None) -> pd.DataFrame:
    """Per-criterion breakdown of the scores of some demands.

    Parameters
    ----------
    demands, policy
        As for :func:`score`.
    idx
        Demand indices (int array, list, slice or scalar); all demands when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``demand_id``; columns ``months`` (seniority in months), then the point
        columns of :func:`components` (``seniority``, ``overdue_bonus``, ``bonus_<column>``
        for each bonus, ``rubric_<name>`` for each rubric, ``refusal_malus`` as a negative
        number), ``rubric_<name>_criterion`` (the winning criterion, "" if none) and
        ``total``, which equals :func:`score`.
    """
    _check_columns(demands, policy)
    grid = policy.cotation
    if idx is None:
        sel = np.arange(len(demands))
    else:
        sel = np.atleast_1d(np.arange(len(demands))[idx])
    months = months_between(demands.registered_on[sel], policy.territory.round_date)
    cols: dict[str, np.ndarray] = {"months": months,
                                   "seniority": grid.points_per_month * months,
                                   "overdue_bonus": grid.overdue_bonus
                                   * (months >= grid.overdue_months).astype(np.int64)}
    for column, points in grid.bonus.items():
        cols[f"bonus_{column}"] = _bonus_points(demands, column, points)[sel]
    for rubric in grid.rubrics:
        points, winner = _rubric_points(demands, rubric)
        names = np.array(list(rubric.points) + [""], dtype=object)
        cols[f"rubric_{rubric.name}"] = points[sel]
        cols[f"rubric_{rubric.name}_criterion"] = names[winner[sel]]
    cols["refusal_malus"] = -grid.refusal_malus * np.asarray(demands.refusals, np.int64)[sel]
    frame = pd.DataFrame(cols, index=pd.Index(demands.ids[sel], name="demand_id"))
    frame["total"] = frame[components(policy)].sum(axis=1).astype(np.int64)
    return frame
