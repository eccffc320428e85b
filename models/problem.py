"""The allocation problem handed to the optimizer: a territory, its scores, its Q1 flags
and its compatibility graph, all derived once from the validated data.

Built by :func:`models.compatibility.build_problem`; consumed by ``optimizer.solve`` and by
the solver-independent validity check in :mod:`models.allocation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .territory import Territory, _freeze


@dataclass(frozen=True)
class CompatibilityGraph:
    """Every allowed (demand, unit, réservataire) triple as parallel int arrays (arcs).

    Arcs are sorted by (unit, reservataire, demand). ``reservataire`` is an index into
    ``policy.reservataire_ids``, or -1 for a unit outside the flow (no réservataire).
    """

    demand: np.ndarray        # int32, arc -> demand index
    unit: np.ndarray          # int32, arc -> unit index
    reservataire: np.ndarray  # int16, arc -> réservataire index or -1

    def __post_init__(self) -> None:
        _freeze(self)

    def __len__(self) -> int:
        return len(self.demand)


@dataclass(frozen=True)
class AllocationProblem:
    territory: Territory
    scores: np.ndarray        # int64 per demand (cotation)
    q1: np.ndarray            # bool per demand (income per UC <= threshold)
    q1_threshold: float       # €/UC/year actually used
    graph: CompatibilityGraph
    #: Optional annual carry-over: quota row name → year-to-date ``(left, right)`` counts
    #: added to that row (:mod:`models.quotas`), so a round of a simulated year is held to
    #: the annual figure. Empty (the default) = the round on its own.
    carry: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def priority_group(self) -> np.ndarray:
        """Demands counting as a "priority" attribution: priority or DALO."""
        d = self.territory.demands
        return d.priority | d.dalo
