"""Shortlists: for every unit, the ranked candidates a commission examines (CCH R441-3).

Rank 1 is the demand the optimal allocation gives the unit to. The alternatives are priced
by what choosing them instead would cost the objective — (units let, score sum), the
first two lexicographic levels:

1. **Direct move, every compatible demand** (``swap_bound``). The demand takes the unit;
   the holder leaves; if the demand was housed elsewhere, the holder takes its old unit
   when compatible (an exchange), otherwise that unit is left empty. The changed allocation
   is checked exactly against every quota row (:class:`reporting.analysis.moves.MoveChecker`). A
   move that keeps every quota is a valid allocation, so its cost is an *upper bound* on
   the true cost.
2. **Exact re-solve, the best few** (``exact``). For the ``pool`` alternatives with the best
   direct moves, the problem is re-solved with the unit restricted to that demand (and the
   demand to that unit, :func:`reporting.analysis.variants.restrict_unit_to_demand`). If the
   re-solve gives the unit to the demand, the cost is exact. If it leaves the unit empty,
   choosing that demand is worse than leaving the unit empty: the cost shown is a *lower
   bound* (``lower_bound``).

With a warm re-optimiser of the solved round (:mod:`optimizer.reoptimize`), step 2 gives
the unit *to* the demand and prices it without re-solving from scratch: the main LP's
reduced costs prove most costs with no solve at all, the rest are re-optimised from the
optimum and the LP kept in memory (exact when proven). ``exact="auto"`` then prices every
pool alternative within ``exact_seconds`` in all.

Without it, exact pricing costs one solve per alternative: with ``exact="auto"`` it runs when the sum
of the re-solved problems' sizes (``units × pool × arcs``) stays within ``exact_budget``
*and* the expected time (re-solves × the main solve's seconds) within ``exact_seconds``.
The second rule depends on the machine: two runs on the same machine decide alike unless
the estimate sits at the threshold; the decision is recorded (``pricing`` in kpis.json).
Alternatives are ordered by
pricing quality (exact, then bounded, then unpriced), then cost, then score (higher
first), then demand id.
"""

from __future__ import annotations

import bisect
import math
import os
import signal
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from attribution.interrupt import SIGNALS
from attribution.models.i18n import _
from attribution.models.policy import FINANCINGS, STATE
from attribution.models.problem import AllocationProblem
from attribution.optimizer.params import SolveParams

from .moves import MoveChecker
from ..text.shortlist_text import reason_pair
from ..tables.assignments import reservataire_labels, unit_holder
from .variants import Solver, level_values, restrict_unit_to_demand

if TYPE_CHECKING:
    from attribution.optimizer.reoptimize import Reoptimizer

SHORTLIST_COLUMNS: tuple[str, ...] = (
    "unit_id", "rank", "demand_id", "score", "assigned", "reservataire", "cost_units",
    "cost_score", "cost_method", "in_optimum", "exemption", "eligible_candidates", "reason",
    "motif")
EXACT_MODES = ("auto", "always", "never")
#: CCH R441-3 exemptions from the three-candidate rule, in the order they are listed.
EXEMPTIONS: tuple[str, ...] = ("fewer_eligible", "dalo_designation", "plai_a_unit")


def eligible_counts(problem: AllocationProblem) -> np.ndarray:
    """Per unit, the number of demands compatible with it (any réservataire)."""
    t, g = problem.territory, problem.graph
    n_d = max(len(t.demands), 1)
    return np.bincount(np.unique(g.unit.astype(np.int64) * n_d + g.demand) // n_d,
                       minlength=len(t.units))


def unit_exemptions(problem: AllocationProblem, arcs: np.ndarray,
                    eligible: np.ndarray | None = None) -> np.ndarray:
    """Per unit, the R441-3 exemptions from the three-candidate rule that apply to it.

    CCH R441-3: the commission examines at least three candidates per unit, "sauf en cas
    d'insuffisance du nombre des candidats" (``fewer_eligible``: fewer than three demands
    are eligible), and except for a candidate designated by the préfet under the DALO
    procedure (``dalo_designation``: the unit is let through "etat" to a DALO household —
    a DALO household through any other réservataire does not exempt the unit) and for
    PLAI-adapté units (``plai_a_unit``). Several may apply: ``;``-joined in
    :data:`EXEMPTIONS` order; ``""`` when none does.
    """
    t, g = problem.territory, problem.graph
    arcs = np.asarray(arcs, dtype=np.int64)
    n_u = len(t.units)
    if eligible is None:
        eligible = eligible_counts(problem)
    ids = t.policy.reservataire_ids
    state = ids.index(STATE) if STATE in ids else -2
    designated = np.zeros(n_u, dtype=bool)
    chosen = arcs[(g.reservataire[arcs] == state) & t.demands.dalo[g.demand[arcs]]]
    designated[g.unit[chosen]] = True
    flags = (eligible < 3, designated, t.units.financing == FINANCINGS.index("PLAI-A"))
    out = np.full(n_u, "", dtype=object)
    for u in range(n_u):
        out[u] = ";".join(name for name, f in zip(EXEMPTIONS, flags) if f[u])
    return out


@dataclass(frozen=True)
class ShortlistParams:
    """How shortlists are built.

    Parameters
    ----------
    candidates
        Ranked candidates per unit (rank 1 included), when that many are eligible.
    pool
        Alternatives per unit priced exactly (the best by direct move).
    exact
        ``"auto"`` (exact within both budgets), ``"always"`` or ``"never"``.
    exact_budget
        In ``"auto"``, largest ``Σ arcs`` over all re-solves.
    exact_seconds
        In ``"auto"``, largest expected time of all re-solves (their number × the main
        solve's seconds).
    """

    candidates: int = 3
    pool: int = 3
    exact: str = "auto"
    exact_budget: int = 20_000_000
    exact_seconds: float = 60.0

    def __post_init__(self) -> None:
        for name, ok, expected in (
                ("candidates", isinstance(self.candidates, int) and self.candidates >= 1,
                 "an integer ≥ 1"),
                ("pool", isinstance(self.pool, int) and self.pool >= 0, "an integer ≥ 0"),
                ("exact", self.exact in EXACT_MODES, f"one of {EXACT_MODES}"),
                ("exact_budget", self.exact_budget >= 0, "a number ≥ 0"),
                ("exact_seconds", self.exact_seconds >= 0, "a number of seconds ≥ 0")):
            if not ok:
                raise ValueError(f"The '{name}' parameter of ShortlistParams must be "
                                 f"{expected}; got {getattr(self, name)!r} instead.")


def _pair_arcs(problem: AllocationProblem, d: np.ndarray, u: np.ndarray,
               pref_res: np.ndarray, index: tuple[np.ndarray, np.ndarray] | None = None
               ) -> np.ndarray:
    """Arc of each (demand, unit) pair, preferring réservataire ``pref_res`` (-1 if none).

    ``index`` is :func:`_arc_index` of the problem, when already computed."""
    n_u, n_r = len(problem.territory.units), len(problem.territory.policy.reservataires) + 1
    order, skey = index if index is not None else _arc_index(problem)
    out = np.full(len(d), -1, dtype=np.int64)
    ok = (d >= 0) & (u >= 0)
    base = (np.maximum(d, 0) * n_u + np.maximum(u, 0)) * n_r
    want = base + np.maximum(pref_res, -1) + 1
    pos = np.searchsorted(skey, want)
    hit = ok & (pos < len(skey)) & (skey[np.minimum(pos, len(skey) - 1)] == want)
    out[hit] = order[pos[hit]]
    pos = np.searchsorted(skey, base)        # any réservataire: the first of the pair
    hit2 = ok & ~hit & (pos < len(skey)) & (skey[np.minimum(pos, len(skey) - 1)] // n_r
                                          == base // n_r)
    out[hit2] = order[pos[hit2]]
    return out


def _arc_index(problem: AllocationProblem) -> tuple[np.ndarray, np.ndarray]:
    """The arcs sorted by (demand, unit, réservataire): the order and the sorted keys."""
    g = problem.graph
    n_u, n_r = len(problem.territory.units), len(problem.territory.policy.reservataires) + 1
    key = (g.demand.astype(np.int64) * n_u + g.unit) * n_r + (g.reservataire + 1)
    order = np.argsort(key, kind="stable")
    return order, key[order]


def direct_moves(problem: AllocationProblem, arcs: np.ndarray,
                 checker: MoveChecker) -> pd.DataFrame:
    """Every (unit, other compatible demand) pair priced by its direct move.

    Returns one row per pair: ``unit``, ``demand``, ``arc`` (the arc used), ``cost_units``,
    ``cost_score`` (the move's loss), ``feasible`` and ``broken`` (first quota broken).
    """
    g, s = problem.graph, problem.scores
    holder = unit_holder(problem, arcs)
    of_demand = np.full(len(problem.territory.demands), -1, dtype=np.int64)
    of_demand[g.demand[arcs]] = arcs
    pairs = np.unique(g.unit.astype(np.int64) * len(problem.territory.demands) + g.demand)
    u, d = pairs // len(problem.territory.demands), pairs % len(problem.territory.demands)
    h = holder[u]
    hd = np.where(h >= 0, g.demand[np.maximum(h, 0)], -1).astype(np.int64)
    keep = d != hd
    u, d, h, hd = u[keep], d[keep], h[keep], hd[keep]
    index = _arc_index(problem)
    a = _pair_arcs(problem, d, u, np.where(h >= 0, g.reservataire[np.maximum(h, 0)], -1),
                   index)
    b = of_demand[d]
    v = np.where(b >= 0, g.unit[np.maximum(b, 0)], -1)
    c = _pair_arcs(problem, np.where((h >= 0) & (b >= 0), hd, -1), v,
                   np.where(b >= 0, g.reservataire[np.maximum(b, 0)], -1), index)
    gain_units = 1 - (h >= 0) - (b >= 0) + (c >= 0)
    sd, shd = s[d], np.where(hd >= 0, s[np.maximum(hd, 0)], 0)
    gain_score = sd - np.where(h >= 0, shd, 0) - np.where(b >= 0, sd, 0) + \
        np.where(c >= 0, shd, 0)
    n_bad, first = checker.first_violation(np.stack([h, b], axis=1), np.stack([a, c], axis=1))
    return pd.DataFrame({"unit": u, "demand": d, "arc": a, "cost_units": -gain_units,
                         "cost_score": -gain_score, "feasible": n_bad == 0, "broken": first,
                         "exchange": c >= 0, "holder_arc": h, "old_arc": b,
                         "exchange_arc": c})


def move_allocation(arcs: np.ndarray, move) -> np.ndarray:
    """The allocation a direct move (a row of :func:`direct_moves`) leads to."""
    drop = [x for x in (int(move.holder_arc), int(move.old_arc)) if x >= 0]
    add = [x for x in (int(move.arc), int(move.exchange_arc)) if x >= 0]
    return np.union1d(np.setdiff1d(np.asarray(arcs, dtype=np.int64), drop), add)


def _exact(problem: AllocationProblem, solve: Solver, params: SolveParams | None, seed: int,
           base: tuple[int, int], unit: int, demand: int) -> tuple[int, int, str]:
    sub, index = restrict_unit_to_demand(problem, unit, demand)
    result = solve(sub, params, seed=seed)
    arcs = index[np.asarray(result.arcs, dtype=np.int64)]
    units, score = level_values(problem, arcs)
    got = bool(np.any((problem.graph.unit[arcs] == unit) & (problem.graph.demand[arcs] == demand)))
    method = "exact" if got else "lower_bound"
    if str(getattr(result, "status", "OPTIMAL")) != "OPTIMAL" and got:
        method = "swap_bound"   # a feasible allocation with this choice: an upper bound
    return base[0] - units, base[1] - score, method


def _warm(problem: AllocationProblem, arcs: np.ndarray, reopt: Reoptimizer,
          base: tuple[int, int],
          row) -> tuple[int, int, str] | None:
    """Cost of one alternative by a warm-started re-optimisation (``None``: not applicable,
    re-solve from scratch). The unit is *given* to the candidate: the cost is exact when
    proven, otherwise the best allocation found with that choice bounds it."""
    hint = move_allocation(arcs, row) if bool(row.feasible) else None
    out = reopt.pair_cost(int(row.unit), int(row.demand), hint)
    if out is None:
        return None
    return base[0] - out.units, base[1] - out.score, "exact" if out.proven else "swap_bound"


@dataclass(frozen=True)
class _Pricing:
    """What pricing one alternative needs (shared with the forked worker, never pickled)."""

    problem: AllocationProblem
    arcs: np.ndarray
    reopt: Any
    solve: Solver | None
    params: Any
    seed: int
    base: tuple[int, int]
    deadline: float


def _price_one(ctx: _Pricing, row) -> tuple[int, int, str] | None:
    got = _warm(ctx.problem, ctx.arcs, ctx.reopt, ctx.base, row) \
        if ctx.reopt is not None else None
    if got is None and ctx.solve is not None:
        got = _exact(ctx.problem, ctx.solve, ctx.params, ctx.seed, ctx.base, int(row.unit),
                     int(row.demand))
    return got


def _rank_key(cost_units: int, cost_score: int, row) -> tuple:
    """Where an exactly priced alternative ranks among its unit's (the table's order)."""
    return (int(cost_units), int(cost_score), -int(row.score), str(row.demand_id))


@dataclass(frozen=True)
class _UnitTask:
    """One unit's alternatives that need a re-optimisation.

    ``rows`` are ``(row, low)`` pairs, lowest first: ``low`` is the rank key of the
    cheapest cost the alternative could have (its proven lower bound from the main LP's
    reduced costs; ``None`` when there is none — priced first, never skipped). ``known``
    holds the rank keys of the unit's costs already proven, sorted, and ``shown`` how many
    alternatives the unit's shortlist shows.
    """

    rows: list
    known: list
    shown: int


def _price_unit(ctx: _Pricing, task: _UnitTask
                ) -> tuple[list[tuple[Any, tuple[int, int, str]]], bool]:
    """Price a unit's alternatives, cheapest lower bound first, and stop as soon as the
    unit's shown places are held by proven costs that rank before every lower bound left:
    whatever those alternatives cost, they are not shown (an unpriced alternative ranks
    after every exactly priced one), so pricing them would change nothing in the table.
    Returns ``([(row index, cost)], cut by the deadline)``."""
    out = []
    known = list(task.known)
    for row, low in task.rows:
        if low is not None and len(known) >= task.shown and low > known[task.shown - 1]:
            break
        if time.perf_counter() > ctx.deadline:
            return out, True
        got = _price_one(ctx, row)
        if got is not None:
            out.append((row.Index, got))
            if got[2] == "exact":
                bisect.insort(known, _rank_key(got[0], got[1], row))
    return out, False


#: Fewest alternatives needing a re-optimisation before a second process shares them
#: (forking costs ~0.05 s).
PARALLEL_MIN = 12


def _processes(n_heavy: int, params: Any) -> int:
    """How many processes price the alternatives that need a re-optimisation: 2 when fork
    is available, there are enough of them, CP-SAT runs single-threaded (``workers`` = 1),
    this process has no other live thread than the signal watcher (forking a busy
    multi-threaded process is unsafe), and the machine has a core idle (1-minute load
    average below the cores available minus one half); otherwise 1."""
    import multiprocessing
    import threading

    if n_heavy < PARALLEL_MIN or getattr(params, "workers", 1) != 1:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods() \
            or multiprocessing.current_process().daemon:
        return 1
    others = [t for t in threading.enumerate()
              if t is not threading.current_thread() and t.name != "attribution-signals"]
    if others:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        busy = 0.0
    # a second process only helps when a core is idle (else it slows both down)
    return 2 if cores >= 2 and busy < cores - 0.5 else 1


def _next_task(counter) -> int:
    """Take the next task number from the counter shared by both processes."""
    with counter.get_lock():
        k = counter.value
        counter.value = k + 1
    return k


def _forked_worker(ctx: _Pricing, tasks: list[_UnitTask], counter, conn,
                   parent: int) -> None:
    """The forked process: take tasks from the shared counter until none is left (or the
    parent is gone), then send ``{task number: (priced, cut)}`` back. A signal ends it at
    once (the parent, interrupted too, cleans up); a failure sends what was done — the
    parent prices the rest itself."""
    import signal

    # Started with SIGINT and SIGTERM blocked (:class:`_SharedPricing`): the parent's
    # handlers are replaced before either can be delivered here, then a pending one ends
    # this process silently (default action) instead of raising a KeyboardInterrupt with
    # a traceback from the parent's handler.
    try:
        signal.set_wakeup_fd(-1)
    except (ValueError, OSError):
        pass
    for s in SIGNALS:
        signal.signal(s, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    done: dict[int, tuple[list, bool]] = {}
    try:
        while os.getppid() == parent:
            k = _next_task(counter)
            if k >= len(tasks):
                break
            done[k] = _price_unit(ctx, tasks[k])
    except Exception:  # noqa: BLE001 — the parent re-prices whatever is missing
        pass
    finally:
        try:
            conn.send(done)
        finally:
            conn.close()


class _SharedPricing:
    """Unit tasks priced by this process and, when :func:`_processes` allows, a forked one
    started at once: both take the next task from a shared counter, so the forked process
    works while this one does other things (the caller's explanations and quota prices)
    and this one joins in when it comes back (:meth:`finish`). Every cost is a proven
    optimum (or a bound, marked so), whichever process computes it: the table does not
    depend on the split."""

    def __init__(self, ctx: _Pricing, tasks: list[_UnitTask], progress=None):
        import multiprocessing

        self.ctx, self.tasks, self.progress = ctx, tasks, progress
        self.proc = self.conn = None
        n_rows = sum(len(t.rows) for t in tasks)
        if _processes(n_rows, ctx.params) < 2:
            self.counter = None
            return
        mp = multiprocessing.get_context("fork")
        self.counter = mp.Value("i", 0)
        read, write = mp.Pipe(duplex=False)
        self.proc = mp.Process(target=_forked_worker, daemon=True,
                               args=(ctx, tasks, self.counter, write, os.getpid()))
        # the child starts with the two signals blocked (see _forked_worker); here a
        # signal arriving meanwhile is delivered as soon as they are unblocked
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
        try:
            self.proc.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        write.close()
        self.conn = read

    def finish(self) -> tuple[dict[Any, tuple[int, int, str]], bool]:
        """Price what is left here, gather the forked share: ``({row index: cost}, cut)``."""
        priced: dict[Any, tuple[int, int, str]] = {}
        cut = False
        mine: set[int] = set()
        try:
            n = len(self.tasks)
            while True:
                k = _next_task(self.counter) if self.counter is not None else len(mine)
                if k >= n:
                    break
                if self.progress and k % 25 == 0:
                    self.progress(_("pricing shortlist alternatives {k}/{n}").format(
                        k=k, n=n))
                got, was_cut = _price_unit(self.ctx, self.tasks[k])
                priced.update(got)
                cut = cut or was_cut
                mine.add(k)
            theirs = self._gather()
            if self.proc is not None:
                self.proc.join()
        finally:
            self.close()
        for k, (got, was_cut) in theirs.items():
            priced.update(got)
            cut = cut or was_cut
        for k in range(len(self.tasks)):   # taken by a worker that failed: priced here
            if k not in mine and k not in theirs:
                got, was_cut = _price_unit(self.ctx, self.tasks[k])
                priced.update(got)
                cut = cut or was_cut
        return priced, cut

    def _gather(self) -> dict[int, tuple[list, bool]]:
        if self.conn is None:
            return {}
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return {}

    def close(self) -> None:
        """Stop the forked process if it still runs (an interruption, an error: its share
        is not needed any more) and release the pipe."""
        if self.proc is not None:
            if self.proc.is_alive():
                self.proc.terminate()
            self.proc.join(timeout=5.0)
            self.proc = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _unit_tasks(ctx: _Pricing, to_price: pd.DataFrame, shown: np.ndarray
                ) -> tuple[dict[Any, tuple[int, int, str]], list[_UnitTask]]:
    """Price at once what the main LP's reduced costs settle; group the others by unit,
    cheapest lower bound first (:class:`_UnitTask`)."""
    priced: dict[Any, tuple[int, int, str]] = {}
    heavy: dict[int, list] = {}
    known: dict[int, list] = {}
    n = len(to_price)
    lower = np.full(n, -1, dtype=np.int64)
    settled = np.zeros(n, dtype=bool)
    if ctx.reopt is not None and n:
        units = to_price["unit"].to_numpy(dtype=np.int64)
        demands = to_price["demand"].to_numpy(dtype=np.int64)
        lower = ctx.reopt.pair_min_costs(units, demands)
        # The direct move is an allocation with the pair (when it keeps every quota).
        feasible = to_price["feasible"].to_numpy(dtype=bool)
        settled = ctx.reopt.settled_by_reduced_costs(
            units, demands, np.where(feasible, to_price["cost_units"].to_numpy(), -1),
            to_price["cost_score"].to_numpy())
    for k, row in enumerate(to_price.itertuples()):
        u = int(row.unit)
        if settled[k]:
            cost = (0, int(row.cost_score), "exact")
            priced[row.Index] = cost
            known.setdefault(u, []).append(_rank_key(cost[0], cost[1], row))
        else:
            low = int(lower[k])
            heavy.setdefault(u, []).append(
                (row, None if low < 0 else _rank_key(0, low, row)))
    tasks = []
    for u, entries in heavy.items():
        entries.sort(key=lambda e: (e[1] is not None, e[1] or ()))
        tasks.append(_UnitTask(entries, sorted(known.get(u, [])), int(shown[u])))
    return priced, tasks


def _decide(options: ShortlistParams, can: bool, n_solves: int, n_arcs: int,
            solve_seconds: float | None, warm: bool = False) -> tuple[bool, str]:
    """Whether to price exactly, and why (recorded in kpis.json)."""
    if not can:
        return False, "no re-solve (no solver, or the main solve is not proven optimal)"
    if options.exact != "auto":
        return options.exact == "always", f"shortlists mode '{options.exact}'"
    if warm:
        return True, (f"{n_solves} warm-started re-optimisations (reduced-cost pruning), "
                      f"within {options.exact_seconds:g} s")
    if n_solves * n_arcs > options.exact_budget:
        return False, (f"{n_solves} re-solves × {n_arcs} arcs exceed the budget of "
                       f"{options.exact_budget}")
    if solve_seconds is not None and n_solves * solve_seconds > options.exact_seconds:
        return False, (f"{n_solves} re-solves × {solve_seconds:.2f} s exceed "
                       f"{options.exact_seconds:g} s")
    return True, f"{n_solves} re-solves within the budgets"


def build_shortlists(problem: AllocationProblem, arcs: np.ndarray, checker: MoveChecker,
                     solve: Solver | None = None, params: SolveParams | None = None,
                     seed: int = 0,
                     options: ShortlistParams = ShortlistParams(),
                     progress=None, solve_seconds: float | None = None,
                     reopt: Reoptimizer | None = None
                     ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``shortlists.csv`` and a summary (counts, whether pricing was exact).

    Parameters
    ----------
    problem, arcs, checker
        The solved problem, its allocation and a move checker for it.
    solve, params, seed
        The optimizer entry point and its arguments, for exact pricing (``None`` = none).
    options
        :class:`ShortlistParams`.
    progress
        Optional ``callable(str)`` told how far exact pricing is.
    solve_seconds
        Time of the main solve, for the ``exact_seconds`` rule (``None`` = not applied).
    reopt
        An :class:`optimizer.reoptimize.Reoptimizer` of the solved round: alternatives are
        then priced by warm-started re-optimisations (exact, most without any solve),
        within ``exact_seconds`` in total; those it does not cover are re-solved with
        ``solve`` from scratch.
    """
    pending = start_shortlists(problem, arcs, checker, solve, params, seed, options,
                               progress, solve_seconds, reopt)
    try:
        return pending.finish()
    finally:
        pending.close()


def start_shortlists(problem: AllocationProblem, arcs: np.ndarray, checker: MoveChecker,
                     solve: Solver | None = None, params: SolveParams | None = None,
                     seed: int = 0,
                     options: ShortlistParams = ShortlistParams(),
                     progress=None, solve_seconds: float | None = None,
                     reopt: Reoptimizer | None = None) -> "PendingShortlists":
    """:func:`build_shortlists` in two steps: this one prices what the main LP settles at
    once and, when a core is idle, starts a forked process on the alternatives that need
    a re-optimisation; the caller does other work, then calls
    :meth:`PendingShortlists.finish` (and :meth:`PendingShortlists.close` in a
    ``finally``: an interruption stops the forked process)."""
    return PendingShortlists(problem, np.asarray(arcs, dtype=np.int64), checker, solve,
                             params, seed, options, progress, solve_seconds, reopt)


class PendingShortlists:
    """Shortlists being priced (:func:`start_shortlists`)."""

    def __init__(self, problem: AllocationProblem, arcs: np.ndarray, checker: MoveChecker,
                 solve: Solver | None, params: SolveParams | None, seed: int,
                 options: ShortlistParams, progress, solve_seconds: float | None,
                 reopt: Reoptimizer | None):
        t, g = problem.territory, problem.graph
        self.problem, self.arcs, self.options = problem, arcs, options
        moves = direct_moves(problem, arcs, checker)
        moves["score"] = problem.scores[moves["demand"].to_numpy()]
        moves["demand_id"] = t.demands.ids[moves["demand"].to_numpy()]
        moves = moves.sort_values(["unit", "feasible", "cost_units", "cost_score", "score",
                                   "demand_id"],
                                  ascending=[True, False, True, True, False, True])
        moves["pool_rank"] = moves.groupby("unit").cumcount()
        pool = moves[moves["pool_rank"] < max(options.pool, options.candidates)].copy()
        to_price = pool[pool["pool_rank"] < options.pool]
        warm = reopt is not None and getattr(reopt, "usable", False)
        self.exact, self.why = _decide(options, solve is not None or warm, len(to_price),
                                       len(g), solve_seconds, warm)
        pool["method"] = np.where(pool["feasible"], "swap_bound", "none")
        self.pool, self.n_to_price = pool, len(to_price)
        self.priced: dict[Any, tuple[int, int, str]] = {}
        self.shared: _SharedPricing | None = None
        if self.exact:
            base = level_values(problem, arcs)
            deadline = time.perf_counter() + options.exact_seconds \
                if warm and options.exact == "auto" else math.inf
            ctx = _Pricing(problem, arcs, reopt if warm else None, solve, params, seed, base,
                           deadline)
            holder = unit_holder(problem, arcs)
            shown = options.candidates - (holder >= 0)
            self.priced, tasks = _unit_tasks(ctx, to_price, shown)
            self.shared = _SharedPricing(ctx, tasks, progress)

    def finish(self) -> tuple[pd.DataFrame, dict[str, Any]]:
        """Price what is left, then the table and its summary."""
        problem, arcs, options, pool = self.problem, self.arcs, self.options, self.pool
        t = problem.territory
        exact, why = self.exact, self.why
        if self.shared is not None:
            got, cut = self.shared.finish()
            priced = {**self.priced, **got}
            if priced:
                idx = list(priced)
                pool.loc[idx, "cost_units"] = [v[0] for v in priced.values()]
                pool.loc[idx, "cost_score"] = [v[1] for v in priced.values()]
                pool.loc[idx, "method"] = [v[2] for v in priced.values()]
            if cut:
                exact = False
                why += (f"; time budget reached after {len(priced)} of {self.n_to_price} "
                        "alternatives (the others keep their direct-move bound)")
        quality = pool["method"].map({"exact": 0, "swap_bound": 1, "lower_bound": 2,
                                      "none": 3})
        pool = pool.assign(quality=quality).sort_values(
            ["unit", "quality", "cost_units", "cost_score", "score", "demand_id"],
            ascending=[True, True, True, True, False, True])
        eligible = eligible_counts(problem)
        exemptions = unit_exemptions(problem, arcs, eligible)
        frame = _assemble(problem, arcs, pool, options, eligible, exemptions)
        short = np.flatnonzero((eligible > 0) & (eligible < 3))
        summary = {"units": len(t.units), "units_with_candidates": int((eligible > 0).sum()),
                   "units_with_3_or_more": int((eligible >= 3).sum()),
                   "units_short_of_candidates": int(len(short)),
                   "exempt_units": int(sum(1 for u in np.flatnonzero(eligible > 0)
                                           if exemptions[u])),
                   # Every unit with fewer than three candidates, by the exemption(s).
                   "short_units_by_exemption": {
                       k: int(v) for k, v in sorted(
                           pd.Series(exemptions[short], dtype=object).value_counts().items())},
                   "pricing": "exact" if exact else "swap_bound", "pricing_reason": why,
                   "short_units": [{"unit_id": str(t.units.ids[u]),
                                    "eligible": int(eligible[u]),
                                    "exemption": exemptions[u]} for u in short]}
        return frame, summary

    def close(self) -> None:
        """Stop the forked pricing process if it still runs."""
        if self.shared is not None:
            self.shared.close()


def _assemble(problem: AllocationProblem, arcs: np.ndarray, pool: pd.DataFrame,
              options: ShortlistParams, eligible: np.ndarray,
              exemptions: np.ndarray) -> pd.DataFrame:
    t, g = problem.territory, problem.graph
    holder = unit_holder(problem, arcs)
    housed_at = np.full(len(t.demands), -1, dtype=np.int64)
    housed_at[g.demand[arcs]] = g.unit[arcs]
    res_ids = reservataire_labels(problem, np.arange(-1, len(t.policy.reservataire_ids)))
    res_of = {c - 1: r for c, r in enumerate(res_ids)}     # code -> id ("" for -1)
    # pool is sorted by unit, then rank: each unit's rows are one contiguous slice
    p_unit = pool["unit"].to_numpy(dtype=np.int64)
    cols = {c: pool[c].to_numpy() for c in ("demand", "arc", "cost_units", "cost_score",
                                             "method", "broken")}
    lo = np.searchsorted(p_unit, np.arange(len(t.units)), side="left")
    hi = np.searchsorted(p_unit, np.arange(len(t.units)), side="right")
    rows = []
    for u in range(len(t.units)):
        h = holder[u]
        entries = []
        if h >= 0:
            entries.append((int(g.demand[h]), int(h), 0, 0, "optimal", True, ""))
        take = max(options.candidates - len(entries), 0)
        for k in range(lo[u], min(hi[u], lo[u] + take)):
            entries.append((int(cols["demand"][k]), int(cols["arc"][k]),
                            int(cols["cost_units"][k]), int(cols["cost_score"][k]),
                            cols["method"][k], False, cols["broken"][k]))
        if not entries:
            continue
        exemption = exemptions[u]
        for rank, (d, a, cu, cs, method, assigned, broken) in enumerate(entries, start=1):
            where = int(housed_at[d])
            reason, motif = reason_pair(rank, assigned, method, cu, cs,
                                        int(problem.scores[d]), broken,
                                        t.units.ids[where] if where >= 0 else "")
            rows.append((t.units.ids[u], rank, t.demands.ids[d], int(problem.scores[d]),
                         assigned, res_of[int(g.reservataire[a])],
                         cu if method != "none" else None, cs if method != "none" else None,
                         method, t.units.ids[where] if where >= 0 else "", exemption,
                         int(eligible[u]), reason, motif))
    frame = pd.DataFrame(rows, columns=list(SHORTLIST_COLUMNS))
    for col in ("cost_units", "cost_score"):
        frame[col] = frame[col].astype("Int64")
    return frame
