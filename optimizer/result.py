"""What :func:`optimizer.solve` returns: a small frozen dataclass with ``summary()``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from attribution.models.allocation import QuotaAttainment
from attribution.models.territory import _freeze

#: Level names, in lexicographic order (the same keys as ``kpis.json``).
LEVELS: tuple[str, ...] = ("units_let", "score_sum", "fit")


@dataclass(frozen=True)
class Level:
    """One lexicographic level: its value and a proven bound.

    ``sense`` is ``"max"`` (the bound is an upper bound) or ``"min"`` (a lower bound).
    For a level after the first, the bound holds among allocations that tie with the
    returned one on the earlier levels.
    """

    name: str
    sense: str
    value: int
    bound: int

    @property
    def proven(self) -> bool:
        """The value equals its bound: no allocation does better on this level."""
        return self.value == self.bound

    @property
    def gap(self) -> float:
        """Certified relative gap ``|bound − value| / max(1, |bound|)``."""
        return abs(self.bound - self.value) / max(1.0, abs(float(self.bound)))


@dataclass(frozen=True)
class Conflict:
    """Quota rows that together keep units empty.

    Attributes
    ----------
    rows
        Names of the rows (``models.quotas``) in the smallest conflicting set found.
    units_lost
        Units that could be let without any quota but not with these rows alone.
    minimal
        Every row of the set was shown necessary (the deletion filter finished).
    detail
        The finding in plain words.
    """

    rows: tuple[str, ...]
    units_lost: int
    minimal: bool
    detail: str


@dataclass(frozen=True)
class Result:
    """The allocation found, its proof, and what the quotas did.

    Attributes
    ----------
    status
        ``"OPTIMAL"`` (every level proven), ``"FEASIBLE"`` (a valid allocation with a
        certified gap) or ``"NO_SOLUTION"`` (no allocation found in time; ``arcs`` empty).
    arcs
        Chosen arc indices of the compatibility graph, sorted by unit.
    levels
        The lexicographic levels (units let, score sum, fit cost) with their bounds.
    solve_seconds
        Wall time of :func:`optimizer.solve`.
    quotas
        Attainment of every quota row (``models.allocation.quota_attainment``).
    units_without_quotas
        Units a matching could let if there were no quota at all.
    units_lost_to_quotas
        ``units_without_quotas`` minus units let, when level 1 is proven (else the
        difference with the proven bound on units let).
    conflicts
        When quotas cost units: the conflicting sets of rows found.
    stats
        Arcs before and after reduction, model sizes, bounds, timings per phase.
    """

    status: str
    arcs: np.ndarray
    levels: tuple[Level, ...]
    solve_seconds: float
    quotas: tuple[QuotaAttainment, ...] = ()
    units_without_quotas: int = 0
    units_lost_to_quotas: int = 0
    conflicts: tuple[Conflict, ...] = ()
    stats: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def objective(self) -> tuple[int, ...]:
        """Value of each level, in order (units let, score sum, fit cost)."""
        return tuple(lv.value for lv in self.levels)

    @property
    def bound(self) -> tuple[int, ...]:
        """Proven bound of each level, in order."""
        return tuple(lv.bound for lv in self.levels)

    @property
    def gap(self) -> float:
        """Certified relative gap of the contract's objective: the largest over units let
        and score sum (the fit level's own gap is in ``levels``)."""
        return max((lv.gap for lv in self.levels[:2]), default=0.0)

    def summary(self) -> str:
        """A few lines for people."""
        lines = [f"status {self.status} in {self.solve_seconds:.2f} s, "
                 f"gap {100 * self.gap:.3f} %"]
        for lv in self.levels:
            word = "≤" if lv.sense == "max" else "≥"
            lines.append(f"  {lv.name:<10} {lv.value:>14,} (bound {word} {lv.bound:,}"
                         f"{', proven' if lv.proven else ''})")
        tight = [q.name for q in self.quotas if q.tight]
        shown = ", ".join(tight[:4]) + (f" and {len(tight) - 4} more" if len(tight) > 4 else "")
        lines.append(f"  quota rows {len(self.quotas)}, {len(tight)} binding"
                     + (f": {shown}" if tight else ""))
        if self.units_lost_to_quotas:
            lines.append(f"  the quotas keep {self.units_lost_to_quotas} unit(s) empty "
                         f"({self.units_without_quotas} could be let without them)")
        for c in self.conflicts:
            lines.append(f"  conflict: {', '.join(c.rows)} ({c.detail})")
        return "\n".join(lines)
