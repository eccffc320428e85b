"""Household quantities of the data contract, vectorised over all demands.

Seniority in whole calendar months, household category (arrêté of 29 July 1987),
consumption units (modified OECD scale), income per consumption unit, the Q1 threshold
and the Q1 flags. Every function follows the contract's normative "Semantics" section.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .errors import DataError, Problem
from .i18n import _
from .policy import Policy
from .territory import Demands


def months_between(registered_on: np.ndarray, round_date: dt.date | np.datetime64) -> np.ndarray:
    """Whole calendar months from each registration date to the round date.

    ``12·(year₂−year₁) + (month₂−month₁) − (1 if day₂ < day₁ else 0)``: 31 January →
    28 February is 0 months, 31 January → 1 March is 1; a date after the round date gives
    a negative count (the formula is applied as written).

    Parameters
    ----------
    registered_on
        datetime64[D] array (or anything numpy converts to it).
    round_date
        The round date (``policy.territory.round_date``).

    Returns
    -------
    numpy.ndarray
        int64 months, same shape as ``registered_on``.
    """
    d1 = np.asarray(registered_on, dtype="datetime64[D]")
    d2 = np.datetime64(round_date, "D")
    days = d1.view(np.int64)
    if days.size > _LOOKUP_FROM:
        # Calendar conversion of datetime64 is slow; registration dates span a few
        # thousand days, so convert each distinct day once through a lookup table.
        lo, hi = int(days.min()), int(days.max())
        if hi - lo < days.size:
            table = _months_direct(np.arange(lo, hi + 1).astype("datetime64[D]"), d2)
            return table[days - lo]
    return _months_direct(d1, d2)


_LOOKUP_FROM = 4096


def _months_direct(d1: np.ndarray, d2: np.datetime64) -> np.ndarray:
    m1 = d1.astype("datetime64[M]")
    m2 = d2.astype("datetime64[M]")
    day1 = (d1 - m1).astype(np.int64)   # day of month − 1
    day2 = (d2 - m2).astype(np.int64)
    return (m2 - m1).astype(np.int64) - (day2 < day1)


def household_category(demands: Demands) -> np.ndarray:
    """Household category of each demand (arrêté of 29 July 1987), as the contract states.

    With ``dependants > 0``: ``max(household_size, dependants + 2)``; otherwise 1 for one
    person, 3 for two persons forming a "jeune ménage" (couple and 0 < ages_sum ≤ 55), else
    ``household_size``. When ``disability``, the household counts one *person* more:
    ``max(that category, household_size + 1)`` — the arrêté's categories read "deux
    personnes dont au moins une est en situation de handicap" (category 3), "trois
    personnes dont au moins une ..." (4), and so on, so a disabled couple is in category 3
    like a single parent with one dependant, while a disabled single parent of two (already
    category 3) and a disabled "jeune ménage" (already 3) stay in 3. Categories may
    exceed 6.

    Returns
    -------
    numpy.ndarray
        int64 categories (≥ 1).
    """
    return category_of(demands.household_size, demands.dependants, demands.couple,
                       demands.ages_sum, demands.disability)


def category_of(household_size, dependants, couple, ages_sum, disability) -> np.ndarray:
    """:func:`household_category` on bare arrays (e.g. a selection of demands)."""
    size = np.asarray(household_size, dtype=np.int64)
    dep = np.asarray(dependants, dtype=np.int64)
    ages = np.asarray(ages_sum, dtype=np.int64)
    jeune = np.asarray(couple, dtype=bool) & (ages > 0) & (ages <= 55)
    without = np.where(size == 1, 1, np.where((size == 2) & jeune, 3, size))
    category = np.where(dep > 0, np.maximum(size, dep + 2), without)
    return np.where(np.asarray(disability, dtype=bool), np.maximum(category, size + 1), category)


def consumption_units(demands: Demands) -> np.ndarray:
    """UC = 1 + 0.5·(adults − 1) + 0.3·children_under_14 (float64)."""
    return (1.0 + 0.5 * (np.asarray(demands.adults, dtype=np.float64) - 1.0)
            + 0.3 * np.asarray(demands.children_under_14, dtype=np.float64))


def income_per_uc(demands: Demands) -> np.ndarray:
    """Income per consumption unit: 12·monthly_income / UC (€ per UC per year, float64)."""
    return 12.0 * np.asarray(demands.monthly_income, dtype=np.float64) / consumption_units(demands)


def q1_threshold(demands: Demands, policy: Policy) -> float:
    """The Q1 threshold of the round (€ per UC per year).

    ``policy.territory.q1_threshold`` when it is a number; when it is "auto" (``None``), the
    25th percentile of income per UC over all demands, linear interpolation as
    :func:`numpy.percentile`.

    Raises
    ------
    DataError
        "auto" with no demand at all.
    """
    fixed = policy.territory.q1_threshold
    if fixed is not None:
        return float(fixed)
    if len(demands) == 0:
        raise DataError([Problem("demands.csv", None, None, _(
            "expected at least one demand to compute the 'auto' Q1 threshold from; got "
            "none."))])
    return float(np.percentile(income_per_uc(demands), 25))


def q1_flags(demands: Demands, policy: Policy, threshold: float | None = None) -> np.ndarray:
    """Q1 flag of each demand: income per UC ≤ threshold.

    Parameters
    ----------
    demands, policy
        The round's demands and policy.
    threshold
        Threshold to use; :func:`q1_threshold` of the demands and policy when omitted.

    Returns
    -------
    numpy.ndarray
        bool, one per demand.
    """
    if threshold is None:
        threshold = q1_threshold(demands, policy)
    return income_per_uc(demands) <= threshold


def quartile_edges(demands: Demands, threshold: float) -> tuple[float, float, float]:
    """The edges of the income quartiles (€ per UC per year): the round's Q1 threshold
    (:func:`q1_threshold`), then the 50th and 75th percentiles of income per UC over
    ``demands`` (linear interpolation, as :func:`numpy.percentile`)."""
    if len(demands) == 0:
        return float(threshold), float(threshold), float(threshold)
    p50, p75 = np.percentile(income_per_uc(demands), [50, 75])
    return float(threshold), float(p50), float(p75)


def income_quartiles(demands: Demands, edges: tuple[float, float, float]) -> np.ndarray:
    """Income quartile 1..4 of each demand (int64) against ``edges``
    (:func:`quartile_edges`): 1 = the Q1 flag (income per UC ≤ the threshold, whatever the
    percentiles), then 2, 3, 4 split the others at the median and the 75th percentile."""
    ipu = income_per_uc(demands)
    q = np.where(ipu <= edges[1], 2, np.where(ipu <= edges[2], 3, 4))
    return np.where(ipu <= edges[0], 1, q).astype(np.int64)


def priority_group(priority, dalo):
    """The contract's "priority" household: a recognised priority public (CCH L441-1) or a
    DALO household — what every priority quota, share and KPI counts (data contract,
    Quotas: "a priority attribution is one to a demand with priority or dalo true").
    Works element-wise on numpy arrays and pandas Series alike (same type back)."""
    return priority.astype(bool) | dalo.astype(bool)
