"""One pass of a monthly round: build the problem, solve it under the annual carry-over.

The carry-over (year-to-date counts of every quota row, :mod:`scenarios.accounts`) is
handed to the optimizer through :attr:`models.AllocationProblem.carry`. Each pass tries,
in order, until the solver accepts one:

- ``full_buffered`` (the year's last round only): the flows without their ±1 slack, and
  every row of a large enough base with attributions to spare, which refusals drawn after
  the solve cannot use up;
- ``full_strict``: the flows without their ±1 slack, so the annual flow stays within
  ``share ± tolerance`` (asked in every round);
- ``full``: the plain carry;
- ``surplus_only``: the rows that their year-to-date counts alone break (a deficit too
  large for the units of this pass) fall back to the round's own share;
- ``none``: the round's own quotas;

and if the plain round quotas cannot hold either, the pass lets nothing and its units
wait for the next round (``nothing_let``). The mode of every pass is recorded, with the
solver's status and certified gap; each attempt left behind is named in the status with
why (``full_strict:INFEASIBLE`` — proven, :class:`models.errors.PolicyInfeasible`;
``full_strict:NO_SOLUTION`` — none found within the budget; or the error's type).

Reproducibility: every CP-SAT model of a simulated solve is bounded by **work**
(``simulation.round_work_limit``, CP-SAT's deterministic seconds, one worker), not by
the wall clock, so a pass decides the same on a quiet or a loaded machine. The wall
clock (``round_time_limit_s``) is only a safety net: a solve that used more than a sixth
of it may have had a phase shortened by it, and is flagged (``clock_bound``). A solve
that found no allocation within its work budget is retried once with
:data:`RETRY_FACTOR` times both budgets; if it still finds none, the pass lets nothing,
its units wait for the next round, and the pass is flagged (``no_allocation``) — never
silently.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from attribution.models.compatibility import build_problem
from attribution.models.errors import PolicyInfeasible
from attribution.models.problem import AllocationProblem
from attribution.models.quotas import QuotaSystem
from attribution.models.territory import Territory
from attribution.optimizer import SolveParams, solve

from .accounts import Accounts, surplus_only

#: A solve that found nothing within its budgets is retried once with this many times them.
RETRY_FACTOR = 3
#: A solve that used more than this share of its wall-clock limit may have had a phase
#: shortened by it (the CP-SAT models get 0.3, the LP 0.4 of the time left): flagged.
CLOCK_BOUND_SHARE = 1 / 6
#: Largest CP-SAT model of a simulated solve (``SolveParams.max_model_arcs``): the pools
#: taken from the LP hold a few thousand arcs; the model of every arc (≈ 250,000 on the
#: bundled territory) is skipped. Measured (2026-12-01): after the small pools found
#: nothing under a carry-over, that model never found an allocation either, and took
#: 5–37 s of wall clock for 0.5 deterministic seconds of CP-SAT work.
SIMULATION_MODEL_ARCS = 50_000
#: Carry modes tried in order; the last one lets nothing.
MODES = ("full_buffered", "full_strict", "full", "surplus_only", "none", "nothing_let")
#: The modes that drop rows from the year-to-date carry (counted as ``relaxed_passes``).
RELAXED_MODES = MODES[MODES.index("surplus_only"):]


@dataclass(frozen=True)
class PassOutcome:
    """What one pass decided (offers, before refusals)."""

    problem: AllocationProblem
    quotas: QuotaSystem
    arcs: np.ndarray          # chosen arcs (offers)
    mode: str                 # which of MODES was used
    status: str               # solver status, or "empty" / "infeasible"
    seconds: float
    gap: float = 0.0          # largest certified relative gap of the solver's levels
    clock_bound: bool = False     # the wall clock may have shortened a phase (module doc)
    no_allocation: bool = False   # the solver found no allocation at all, even on retry


def carry_attempts(accounts: Accounts, quotas: QuotaSystem, carry_over: bool = True,
                   strict_flows: bool = False, buffers: tuple[tuple[int, int], ...] = ()
                   ) -> list[tuple[str, dict]]:
    """The carry-overs a pass tries, in order, as ``(mode, carry)`` pairs (module
    docstring); ``quotas`` are the pass's own rows (without carry)."""
    # Rows no arc of this pass touches cannot move: their carry is left out (a deficit
    # there would only make the pass infeasible).
    touched = set(quotas.names)

    def carried(strict: bool, spare: tuple = ()) -> dict:
        return {n: c for n, c in accounts.carry(strict, spare).items() if n in touched}

    if not carry_over:
        return [("full", {})]
    return ([("full_buffered", carried(strict_flows, buffers))] if buffers else []) + (
        [("full_strict", carried(True))] if strict_flows else []) + [
        ("full", carried(False)), ("surplus_only", surplus_only(accounts, carried(False))),
        ("none", {})]


def solve_pass(territory: Territory, accounts: Accounts, params: SolveParams, seed: int,
               carry_over: bool = True, strict_flows: bool = False,
               buffers: tuple[tuple[int, int], ...] = ()) -> PassOutcome:
    """Solve one pass of a round (see the module docstring).

    Parameters
    ----------
    territory
        The pass: policy (round date set), pending demands, units offered.
    accounts
        Year-to-date accounts before this pass.
    params, seed
        Passed to :func:`optimizer.solve`.
    carry_over
        Steer towards the annual figures (False = each round meets its own quotas).
    strict_flows
        First try the flows without their ±1 slack (the annual figure itself).
    buffers
        Before that, first try with rows kept that many attributions inside their bound,
        by year-to-date base (``full_buffered``, see :meth:`Accounts.carry`; the year's
        last round, so that its refusals cannot break a row).
    """
    started = time.perf_counter()
    problem = build_problem(territory)
    quotas = problem.quotas
    if len(problem.graph) == 0:
        return PassOutcome(problem, quotas, np.zeros(0, np.int64), "none", "empty",
                           time.perf_counter() - started)
    attempts = carry_attempts(accounts, quotas, carry_over, strict_flows, buffers)
    tried: list[dict] = []
    errors: list[str] = []
    clock_bound = False

    def near_clock(result, limits: SolveParams) -> bool:
        return result.solve_seconds > CLOCK_BOUND_SHARE * limits.time_limit

    for mode, carry in attempts:
        if carry in tried:
            continue                                  # same rows as a failed attempt
        tried.append(carry)
        candidate = problem.with_carry(carry)
        try:
            result = solve(candidate, params, seed=seed)
            clock_bound |= near_clock(result, params)
            if result.status == "NO_SOLUTION" and carry:
                errors.append(f"{mode}:NO_SOLUTION")  # the next relaxation, at once
                continue
            if result.status == "NO_SOLUTION":       # nothing found: once more, larger budgets
                retry = dataclasses.replace(
                    params, time_limit=RETRY_FACTOR * params.time_limit,
                    deterministic_limit=RETRY_FACTOR * params.deterministic_limit)
                result = solve(candidate, retry, seed=seed)
                clock_bound |= near_clock(result, retry)
        except PolicyInfeasible:
            errors.append(f"{mode}:INFEASIBLE")      # proven: the next relaxation
            continue
        except Exception as exc:  # noqa: BLE001 — see below
            # A solver failure under a carry is turned into the next relaxation, and named
            # in the pass's status; without a carry it is a bug and propagates.
            if not carry:
                raise
            errors.append(f"{mode}:{type(exc).__name__}")
            continue
        gap = max((level.gap for level in result.levels), default=0.0)
        status = "+".join([*errors, str(result.status)])
        return PassOutcome(candidate, candidate.quotas,
                           np.asarray(result.arcs, dtype=np.int64), mode, status,
                           time.perf_counter() - started, float(gap), clock_bound,
                           result.status == "NO_SOLUTION")
    return PassOutcome(problem, quotas, np.zeros(0, np.int64), "nothing_let", "infeasible",
                       time.perf_counter() - started)
