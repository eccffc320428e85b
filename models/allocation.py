"""What a valid allocation is, independent of any solver, and how far each quota is met.

An allocation is a set of arcs of the compatibility graph (indices into its arrays). It is
valid when every arc exists, no arc is chosen twice, every unit is let at most once,
every demand is housed at most once, and every quota row of :mod:`models.quotas` holds —
checked in exact integer arithmetic. Every solver result is checked here before it is
returned or written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import AllocationProblem
from .quotas import QuotaSystem


@dataclass(frozen=True)
class QuotaAttainment:
    """How one quota row fares under an allocation.

    Attributes
    ----------
    name, family, policy_key, sense, slack, description
        As in :class:`models.quotas.QuotaRow`.
    left, right
        Counts of attributions in the row's counted set and in its base, the carry-over
        included (the figures the quota is held to).
    share
        Realised share ``left / right`` (``None`` when ``right`` is 0).
    target
        The row's share, as a float for display (the check itself is exact).
    satisfied
        Whether the row holds.
    margin
        Attributions of ``left`` above the boundary (negative when violated).
    tight
        The row holds but with less than one attribution to spare: the quota binds.
    carry_left, carry_right
        The year-to-date part of ``left`` and ``right`` (0 for a round on its own).
    """

    name: str
    family: str
    policy_key: str
    sense: str
    left: int
    right: int
    share: float | None
    target: float
    slack: int
    satisfied: bool
    margin: float
    tight: bool
    description: str
    carry_left: int = 0
    carry_right: int = 0

    def as_dict(self) -> dict:
        """Plain-types dictionary (for JSON)."""
        return dict(self.__dict__)


def _as_arcs(arcs) -> np.ndarray:
    return np.asarray(arcs, dtype=np.int64).reshape(-1)


def check_allocation(problem: AllocationProblem, arcs, quotas: QuotaSystem | None = None
                     ) -> list[str]:
    """Every reason why ``arcs`` is not a valid allocation of ``problem`` (empty if valid).

    Parameters
    ----------
    problem
        The allocation problem.
    arcs
        Indices of the chosen arcs in ``problem.graph``.
    quotas
        The problem's quota system, when already built (saves rebuilding it).

    Returns
    -------
    list of str
        One sentence per problem found; an empty list means the allocation is valid.
    """
    arcs = _as_arcs(arcs)
    g = problem.graph
    errors: list[str] = []
    bad = (arcs < 0) | (arcs >= len(g))
    if bad.any():
        errors.append(f"{int(bad.sum())} chosen arcs do not exist (indices must be in "
                      f"0..{len(g) - 1}; got {sorted(set(arcs[bad].tolist()))[:5]}).")
        arcs = arcs[~bad]
    uniq, times = np.unique(arcs, return_counts=True)
    if (times > 1).any():
        errors.append(f"{int((times > 1).sum())} arcs are chosen more than once "
                      f"(first: arc {int(uniq[times > 1][0])}).")
    arcs = uniq
    errors += _at_most_once("unit", g.unit[arcs], problem.territory.units.ids)
    errors += _at_most_once("demand", g.demand[arcs], problem.territory.demands.ids)
    quotas = quotas if quotas is not None else problem.quotas
    left, right = quotas.side_counts(arcs)
    for row, lft, rgt in zip(quotas.rows, left.tolist(), right.tolist()):
        if not row.holds(lft, rgt):
            op = "at least" if row.sense == ">=" else "at most"
            lft, rgt = lft + row.carry_left, rgt + row.carry_right
            errors.append(f"Quota {row.name} is violated: {row.description}; expected "
                          f"{op} {float(row.share):g} × {rgt} "
                          f"{'−' if row.sense == '>=' else '+'} {row.slack}, got {lft}.")
    return errors


def _at_most_once(what: str, owners: np.ndarray, ids: np.ndarray) -> list[str]:
    values, times = np.unique(owners, return_counts=True)
    over = values[times > 1]
    if not len(over):
        return []
    return [f"{len(over)} {what}s get more than one arc (first: {what} "
            f"{ids[int(over[0])]}, {int(times[times > 1][0])} arcs; expected at most 1)."]


def quota_attainment(problem: AllocationProblem, arcs, quotas: QuotaSystem | None = None
                     ) -> list[QuotaAttainment]:
    """Counts, realised share, target, slack and status of every quota row for ``arcs``.

    ``arcs`` must be distinct existing arc indices (as :func:`check_allocation` demands).
    """
    arcs = np.unique(_as_arcs(arcs))
    quotas = quotas if quotas is not None else problem.quotas
    left, right = quotas.side_counts(arcs)
    out = []
    for row, lft, rgt in zip(quotas.rows, left.tolist(), right.tolist()):
        margin = row.margin(lft, rgt)
        lft, rgt = lft + row.carry_left, rgt + row.carry_right
        out.append(QuotaAttainment(
            name=row.name, family=row.family, policy_key=row.policy_key, sense=row.sense,
            left=lft, right=rgt, share=(lft / rgt if rgt else None),
            target=float(row.share), slack=row.slack, satisfied=margin >= 0,
            margin=float(margin), tight=0 <= margin < 1, description=row.description,
            carry_left=row.carry_left, carry_right=row.carry_right))
    return out
