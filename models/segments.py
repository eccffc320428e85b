"""Similar demands: segments, rank among similar demands, score distribution, typical wait.

What the law owes an applicant (CCH R441-2-17): their position among *similar* demands,
the distribution of scores of those demands and the waiting time observed for the
typology and location asked. The definitions used here:

Similar demands (segment)
    Two demands are similar when they have the same **size class** ``min(household_size,
    6)`` (it sets the typologies they can be offered through ``typology_by_size``) and the
    same **main commune**: the first of their wished communes *in the order of the policy's
    ``territory.communes`` list* (usually the central city first), or ``"any"`` when the
    demand accepts every commune. The demand file stores wished communes as a set, so the
    applicant's own order of preference is not available; the policy order is used instead
    and stated as such.
Rank among similar demands
    1 = best: by score (highest first), then seniority (earliest ``registered_on`` first),
    then ``demand_id`` (ascending) — a strict, deterministic order, no two demands share a
    rank.
Score distribution
    Count, minimum, quartiles (linear interpolation) and maximum of the segment's scores.
Typical wait (a proxy)
    The median seniority in months of the segment's *pending* demands at the round date.
    It is not the waiting time of applicants actually housed, which the demand file does
    not contain; it describes how old the queue is, and should be read as such.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cotation import score as cotation_score
from .household import months_between
from .policy import Policy
from .territory import Demands

ANY = "any"


def segment_keys(demands: Demands, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """Size class (1..6) and main commune code (-1 = any commune) of each demand."""
    wished = demands.wished_communes
    size_class = np.clip(np.asarray(demands.household_size, dtype=np.int64), 1, 6)
    if wished.shape[1] == 0:
        return size_class, np.full(len(demands), -1, dtype=np.int64)
    any_commune = wished.all(axis=1) | ~wished.any(axis=1)
    main = np.where(any_commune, -1, np.argmax(wished, axis=1)).astype(np.int64)
    return size_class, main


def _frame(demands: Demands, policy: Policy, scores: np.ndarray | None) -> pd.DataFrame:
    if scores is None:
        scores = cotation_score(demands, policy)
    size_class, main = segment_keys(demands, policy)
    names = np.array(list(policy.territory.communes) + [ANY], dtype=object)
    return pd.DataFrame({
        "demand_id": demands.ids, "size_class": size_class, "commune": names[main],
        "score": np.asarray(scores, dtype=np.int64),
        "registered_on": demands.registered_on,
        "months": months_between(demands.registered_on, policy.territory.round_date),
    })


def _summary(frame: pd.DataFrame) -> pd.DataFrame:
    grouped = frame.groupby(["size_class", "commune"], sort=True)
    scores = grouped["score"]
    return pd.DataFrame({
        "demands": grouped.size(),
        "score_min": scores.min(),
        "score_q1": scores.quantile(0.25), "score_median": scores.quantile(0.5),
        "score_q3": scores.quantile(0.75),
        "score_max": scores.max(),
        "typical_wait_months": grouped["months"].median(),
    })


def segment_table(demands: Demands, policy: Policy,
                  scores: np.ndarray | None = None) -> pd.DataFrame:
    """One row per segment (size class × main commune).

    Parameters
    ----------
    demands, policy
        The round's demands and policy.
    scores
        Cotation scores; :func:`models.cotation.score` when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``size_class``, ``commune``); columns ``demands``, ``score_min``,
        ``score_q1``, ``score_median``, ``score_q3``, ``score_max``,
        ``typical_wait_months`` (the proxy described in the module docstring).
    """
    return _summary(_frame(demands, policy, scores))


def similar_demands(demands: Demands, policy: Policy,
                    scores: np.ndarray | None = None) -> pd.DataFrame:
    """Each demand's segment, rank among similar demands and its segment's figures.

    Parameters
    ----------
    demands, policy
        The round's demands and policy.
    scores
        Cotation scores; :func:`models.cotation.score` when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per demand, in the order of ``demands``, indexed by ``demand_id``: columns
        ``size_class``, ``commune`` (main commune or ``"any"``), ``score``, ``rank``
        (1 = best), then the segment's ``demands``, score distribution and
        ``typical_wait_months``, as in :func:`segment_table`.
    """
    frame = _frame(demands, policy, scores)
    order = frame.sort_values(["size_class", "commune", "score", "registered_on", "demand_id"],
                              ascending=[True, True, False, True, True], kind="mergesort")
    rank = np.empty(len(frame), dtype=np.int64)
    rank[order.index.to_numpy()] = order.groupby(["size_class", "commune"],
                                                 sort=False).cumcount().to_numpy() + 1
    frame["rank"] = rank
    summary = _summary(frame)
    out = frame.join(summary, on=["size_class", "commune"])
    return out.drop(columns=["registered_on", "months"]).set_index("demand_id")


def similar_ranks(demands: Demands, policy: Policy,
                  scores: np.ndarray | None = None) -> np.ndarray:
    """Rank of each demand among similar demands (int64, 1 = best), in demand order."""
    return similar_demands(demands, policy, scores)["rank"].to_numpy()
