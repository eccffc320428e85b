"""Reduced-cost fixing: the arcs an improving allocation could still use.

With a certificate ``(U, r)`` of ``bound.py`` — ``c·x ≤ U − Σ_a r_a x_a`` for every
feasible x — an allocation worth more than an incumbent's ``z`` (so at least ``z + 1``, the
objective being integral) has ``Σ_a r_a x_a ≤ U − z − 1``; it can only use arcs with
``r_a ≤ U − z − 1``. A model restricted to those arcs (plus the incumbent's) therefore has
the same optimum as the full one whenever that optimum beats ``z``, and the incumbent
otherwise: solving it to optimality proves global optimality. A small float margin only
ever keeps more arcs than needed.
"""

from __future__ import annotations

import numpy as np


def fixing_threshold(bound_value: float, incumbent: int) -> float:
    """Largest reduced cost an arc of a strictly better allocation may have."""
    slack = bound_value - incumbent - 1
    return slack + 1e-6 * (1.0 + abs(bound_value))


def kept_arcs(reduced: np.ndarray, bound_value: float, incumbent: int,
              incumbent_arcs: np.ndarray) -> np.ndarray:
    """Arcs of any allocation better than ``incumbent``, plus the incumbent's own (sorted)."""
    keep = reduced <= fixing_threshold(bound_value, incumbent)
    keep[np.asarray(incumbent_arcs, dtype=np.int64)] = True   # a mask: no sort of the arcs
    return np.flatnonzero(keep)


def cheapest_per_unit(reduced: np.ndarray, unit: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` arcs of smallest reduced cost of every unit (a search pool, not a proof)."""
    order = np.lexsort((np.arange(len(unit)), reduced, unit))
    own = unit[order]
    head = np.r_[True, own[1:] != own[:-1]] if len(own) else np.zeros(0, dtype=bool)
    group_start = np.maximum.accumulate(np.where(head, np.arange(len(own)), 0))
    return np.sort(order[np.arange(len(own)) - group_start < k])
