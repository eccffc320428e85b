"""The pending demands through a simulated year: arrivals, lapses, refusals, housing.

Model (parameters in the scenario file, defaults in ``docs/scenarios.md``):

- **Arrivals**: before each round after the first, Poisson(``arrivals_per_month``) new
  demands, drawn with replacement from the demands pending at the start (every column
  copied, a new id, ``refusals = 0``), registered on a uniform day since the previous
  round. "Stationary" arrivals = expected attributions + expected lapses per month, so
  the pool keeps its size on average.
- **Lapses**: a demand is valid one year. When the anniversary of its registration falls
  since the previous round, it lapses with probability ``lapse_rate`` (not renewed) and is
  otherwise renewed, keeping its seniority (``registered_on`` is unchanged).
- **Refusals** count over the last 12 months: a refusal made in round ``k`` counts while
  it is less than 12 months old, i.e. from round ``k + 1`` to round ``k + 11``. The refusals already in the demand file are assumed
  to be of uniformly random age (0–11 months, drawn once with the seed) and drop out when
  they reach 12 months.
- **Housed** demands leave the pool.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.models.household import months_between
from attribution.models.territory import Demands

from .crn import keyed_uniform
from .rows import concat, renamed, take, with_columns


@dataclass(frozen=True)
class Pool:
    """Pending demands and the refusal history needed to count "the last 12 months".

    Attributes
    ----------
    demands
        The pending demands; ``refusals`` is kept current by :meth:`at_round`.
    base_refusals, base_expiry
        Per pending demand: refusals from the demand file and the round index from which
        they no longer count.
    event_ids, event_expiry
        One entry per simulated refusal: demand id and the round from which it no longer
        counts.
    """

    demands: Demands
    base_refusals: np.ndarray
    base_expiry: np.ndarray
    event_ids: np.ndarray
    event_expiry: np.ndarray

    def __len__(self) -> int:
        return len(self.demands)

    def at_round(self, k: int) -> Pool:
        """The pool with ``refusals`` = refusals of the last 12 months as seen at round ``k``."""
        live = self.event_expiry > k
        pos = pd.Index(self.demands.ids).get_indexer(self.event_ids[live])
        counts = np.bincount(pos[pos >= 0], minlength=len(self)).astype(np.int64)
        refusals = np.where(self.base_expiry > k, self.base_refusals, 0) + counts
        return Pool(with_columns(self.demands, refusals=refusals), self.base_refusals,
                    self.base_expiry, self.event_ids, self.event_expiry)


def start_pool(demands: Demands, rng: np.random.Generator) -> Pool:
    """The pool at the first round: the file's demands, their refusals given random ages."""
    age = rng.integers(0, 12, len(demands))
    return Pool(demands, np.asarray(demands.refusals, dtype=np.int64).copy(),
                (12 - age).astype(np.int64), np.zeros(0, dtype=object), np.zeros(0, np.int64))


def without(pool: Pool, ids: np.ndarray) -> Pool:
    """The pool less the demands ``ids`` (housed or lapsed)."""
    keep = ~np.isin(pool.demands.ids, np.asarray(ids, dtype=object))
    return Pool(take(pool.demands, keep), pool.base_refusals[keep], pool.base_expiry[keep],
                pool.event_ids, pool.event_expiry)


def refused(pool: Pool, ids: np.ndarray, k: int) -> Pool:
    """Record one refusal by each demand of ``ids`` in round ``k`` (counts until k + 11)."""
    ids = np.asarray(ids, dtype=object)
    return Pool(pool.demands, pool.base_refusals, pool.base_expiry,
                np.concatenate([pool.event_ids, ids]),
                np.concatenate([pool.event_expiry, np.full(len(ids), k + 12, np.int64)]))


def lapsing(pool: Pool, previous: dt.date, current: dt.date, lapse_rate: float,
            rng: np.random.Generator | None = None, seed: int | None = None) -> np.ndarray:
    """Ids of the demands not renewed at an anniversary falling in (previous, current].

    With ``seed``, each decision is keyed by (demand id, anniversary number)
    (:func:`scenarios.crn.keyed_uniform`): a demand pending at its anniversary in two
    scenarios run with that seed lapses in both or in neither. Otherwise one draw of
    ``rng`` per pending demand.
    """
    reg = pool.demands.registered_on
    before = months_between(reg, previous) // 12
    after = months_between(reg, current) // 12
    due = (after > before) & (after >= 1)
    if seed is not None:
        draw = np.ones(len(pool))
        draw[due] = keyed_uniform(seed, "lapse", pool.demands.ids[due], after[due])
    else:
        draw = rng.random(len(pool))
    return pool.demands.ids[due & (draw < lapse_rate)]


def arrivals(templates: Demands, n: int, previous: dt.date, current: dt.date, k: int,
             rng: np.random.Generator) -> Demands:
    """``n`` new demands registered in (previous, current], resampled from ``templates``."""
    new = take(templates, rng.integers(0, len(templates), n))
    span = max((current - previous).days, 1)
    days = rng.integers(1, span + 1, n)
    registered = np.datetime64(previous, "D") + days.astype("timedelta64[D]")
    new = with_columns(new, registered_on=registered.astype("datetime64[D]"),
                       refusals=np.zeros(n, dtype=np.int64))
    return renamed(new, f"N{k:02d}-")


def arrive(pool: Pool, new: Demands) -> Pool:
    """The pool with the demands ``new`` appended (no refusal history)."""
    n = len(new)
    return Pool(concat(pool.demands, new), np.concatenate([pool.base_refusals, np.zeros(n, np.int64)]),
                np.concatenate([pool.base_expiry, np.zeros(n, np.int64)]),
                pool.event_ids, pool.event_expiry)


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` plus whole calendar months (day clipped to the month's last day)."""
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = (next_first - dt.timedelta(days=1)).day
    return dt.date(year, month, min(date.day, last))
