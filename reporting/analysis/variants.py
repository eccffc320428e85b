"""Variants of a solved problem, re-solved through the optimizer's public ``solve``.

The optimizer has no option to force or forbid an arc, nor to drop a quota, so variants
are derived problems (:func:`dataclasses.replace`, never mutation):

- *restricting* a unit to one demand removes every other arc of the unit and every other
  arc of the demand (the unit then goes to that demand or stays empty);
- *relaxing* a quota key gives the territory a policy copy without it (a ``[quotas]`` key
  set to ``None``, a spatial-balance share removed, or one ``[[flows]]`` entry removed).
  The compatibility graph is kept as it is, so the only change is the missing rows.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np

from attribution.models.problem import AllocationProblem, CompatibilityGraph
from attribution.optimizer.params import SolveParams


class SolvedRound(Protocol):
    """What the report reads of a solver's answer (:class:`optimizer.Result` is one; a
    test's reference solver another). Optional facts (``solve_seconds``,
    ``units_without_quotas``, ``units_lost_to_quotas``) are read when present."""

    @property
    def status(self) -> str: ...            # "OPTIMAL", "FEASIBLE" or "NO_SOLUTION"

    @property
    def arcs(self) -> np.ndarray: ...       # chosen arc indices

    @property
    def objective(self) -> tuple[int, ...]: ...

    @property
    def bound(self) -> tuple[int, ...]: ...

    @property
    def gap(self) -> float: ...

    @property
    def conflicts(self) -> tuple: ...       # conflicting quota rows, when quotas cost units


class Solver(Protocol):
    """``solve(problem, params, seed=...) -> SolvedRound``: :func:`optimizer.solve` or an
    injected solver with the same call."""

    def __call__(self, problem: AllocationProblem, params: SolveParams | None = ...,
                 seed: int = ...) -> SolvedRound: ...


def level_values(problem: AllocationProblem, arcs: np.ndarray) -> tuple[int, int]:
    """The first two objective levels of an allocation: (units let, score sum)."""
    arcs = np.asarray(arcs, dtype=np.int64)
    return len(arcs), int(problem.scores[problem.graph.demand[arcs]].sum())


def subgraph(problem: AllocationProblem, keep: np.ndarray) -> tuple[AllocationProblem,
                                                                     np.ndarray]:
    """The problem with only the arcs where ``keep`` is True (order preserved).

    Returns
    -------
    tuple
        The derived problem and, for each of its arcs, the arc index in ``problem``.
    """
    index = np.flatnonzero(keep)
    g = problem.graph
    graph = CompatibilityGraph(demand=g.demand[index], unit=g.unit[index],
                               reservataire=g.reservataire[index])
    return dataclasses.replace(problem, graph=graph), index


def restrict_unit_to_demand(problem: AllocationProblem, unit: int, demand: int
                            ) -> tuple[AllocationProblem, np.ndarray]:
    """The problem where ``unit`` may only go to ``demand`` and ``demand`` only to ``unit``."""
    g = problem.graph
    drop = ((g.unit == unit) & (g.demand != demand)) | ((g.demand == demand) & (g.unit != unit))
    return subgraph(problem, ~drop)


def relax(problem: AllocationProblem, policy_key: str, detail: str = "") -> AllocationProblem:
    """The problem whose policy no longer has one quota key.

    Parameters
    ----------
    problem
        The problem.
    policy_key
        ``quotas.<name>``, ``spatial_balance.q1_share`` / ``.priority_share`` or ``flows``.
    detail
        For ``flows``: ``"<landlord>→<reservataire>"``, the entry removed. For
        ``quotas.priority_min_per_reservataire``: ``"<landlord>→bailleur"`` relaxes that
        landlord's own 25 % only (its row is made void through the carry-over: a carried
        ``left`` of all the units there could be), the other rows stay.
    """
    policy = problem.territory.policy
    if policy_key == "quotas.priority_min_per_reservataire" and detail:
        name = f"priority_min_per_reservataire[{detail}]"
        carry = dict(problem.carry or {})
        left, right = carry.get(name, (0, 0))
        carry[name] = (int(left) + int(right) + len(problem.territory.units), int(right))
        return problem.with_carry(carry)
    if policy_key.startswith("quotas."):
        field = policy_key.split(".", 1)[1]
        policy = dataclasses.replace(policy, quotas=dataclasses.replace(policy.quotas,
                                                                        **{field: None}))
    elif policy_key.startswith("spatial_balance."):
        field = policy_key.split(".", 1)[1]
        policy = dataclasses.replace(policy, spatial_balance=dataclasses.replace(
            policy.spatial_balance, **{field: None}))
    elif policy_key == "flows":
        landlord, res = detail.split("→")
        flows = tuple(f for f in policy.flows
                      if not (f.landlord == landlord and f.reservataire == res))
        # keep the landlord codes of the units valid: pin the landlord list first
        info = dataclasses.replace(policy.territory, landlords=policy.landlords)
        policy = dataclasses.replace(policy, territory=info, flows=flows)
    else:
        raise ValueError(f"The 'policy_key' of relax must be quotas.*, spatial_balance.* "
                         f"or flows; got {policy_key!r} instead.")
    territory = dataclasses.replace(problem.territory, policy=policy)
    return dataclasses.replace(problem, territory=territory)
