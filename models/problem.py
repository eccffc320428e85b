"""The allocation problem handed to the optimizer: a territory, its scores, its Q1 flags
and its compatibility graph, all derived once from the validated data.

Built by :func:`models.compatibility.build_problem`; consumed by ``optimizer.solve`` and by
the solver-independent validity check in :mod:`models.allocation`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .territory import Territory, _freeze
from .household import priority_group

if TYPE_CHECKING:
    from .quotas import QuotaSystem


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
        n = len(self.demand)
        for name in ("demand", "unit", "reservataire"):
            a = np.asarray(getattr(self, name))
            if a.ndim != 1 or len(a) != n or not np.issubdtype(a.dtype, np.integer):
                raise ValueError(f"CompatibilityGraph.{name} must be a one-dimensional integer "
                                 f"array of {n} arcs (as demand); got shape {a.shape} of "
                                 f"{a.dtype} instead.")
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
        n_d = len(self.territory.demands.ids)
        n_u = len(self.territory.units.ids)
        for name in ("scores", "q1"):
            a = np.asarray(getattr(self, name))
            if a.shape != (n_d,):
                raise ValueError(f"AllocationProblem.{name} must hold one value per demand "
                                 f"({n_d}); got shape {a.shape} instead.")
        g = self.graph
        if len(g) and (int(g.demand.min()) < 0 or int(g.demand.max()) >= n_d
                       or int(g.unit.min()) < 0 or int(g.unit.max()) >= n_u
                       or int(g.reservataire.min()) < -1
                       or int(g.reservataire.max())
                       >= len(self.territory.policy.reservataire_ids)):
            raise ValueError(f"AllocationProblem.graph must index {n_d} demands, {n_u} units "
                             f"and {len(self.territory.policy.reservataire_ids)} réservataires "
                             "(-1 = outside the flow); an arc points outside them.")
        _freeze(self)

    @cached_property
    def quotas(self) -> QuotaSystem:
        """The quota rows of this round (:func:`models.quotas.build_quotas`), built on first
        use and then held: the solver, the validity check and the report share one."""
        return self.quota_system()

    def quota_system(self, tick: Callable[[], None] | None = None) -> QuotaSystem:
        """:attr:`quotas`, built with ``tick`` called between chunks of arcs when not yet
        held (a solver's deadline may raise there; nothing is held then)."""
        if "quotas" not in self.__dict__:
            from .quotas import build_quotas  # noqa: PLC0415 (quotas imports this module)

            self.__dict__["quotas"] = build_quotas(self, tick=tick)
        return self.__dict__["quotas"]

    def with_carry(self, carry: Mapping[str, tuple[int, int]]) -> AllocationProblem:
        """The same round held to year-to-date counts (``carry``); its quota rows reuse this
        problem's arc classes (the carry changes the rows' bounds, never the arcs)."""
        from .quotas import build_quotas, policy_rows  # noqa: PLC0415

        classes = self.quotas.classes
        if "_policy_rows" not in self.__dict__:   # the same for every carry: derived once
            self.__dict__["_policy_rows"] = policy_rows(classes, self.territory.policy)
        new = dataclasses.replace(self, carry=carry)
        new.__dict__["quotas"] = build_quotas(new, classes=classes,
                                              base_rows=self.__dict__["_policy_rows"])
        new.__dict__["_policy_rows"] = self.__dict__["_policy_rows"]
        return new

    @property
    def priority_group(self) -> np.ndarray:
        """Demands counting as a "priority" attribution: priority or DALO."""
        d = self.territory.demands
        return priority_group(d.priority, d.dalo)
