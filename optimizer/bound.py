"""A certified upper bound on a level's objective: the LP relaxation by column generation.

The relaxation of one level is ``max c·x`` over the assignment polytope (each unit and each
demand at most once) cut by a few side rows ``Σ_a A_ka x_a ≥ b_k`` — the quota rows
(written on arc classes) and the rows that fix earlier levels. HiGHS solves it on a small
set of columns (``lp.py``); new columns come from two pricers: the *assignment oracle*
(``assignment.py``), which prices the side rows with the restricted LP's multipliers λ and
returns a whole best-response allocation over all arcs, and classic arc pricing against
the restricted LP's own duals. It stops when the integer bound cannot improve any more.

Validity does not rest on the LP solver's accuracy. For *any* multipliers λ ≥ 0 of the
side rows and π ≥ 0 of the units, setting every demand's multiplier to
``σ_d = max(0, max_{a∋d} (c_a + λ·A_a − π_u))`` (recomputed here over all arcs) makes
``(π, σ, λ)`` dual feasible, so for every feasible allocation x::

    c·x ≤ U − Σ_a r_a x_a,   U = Σπ + Σσ − λ·b,   r_a = π_u + σ_d − c_a − λ·A_a ≥ 0.

``U`` is the bound and ``r`` the reduced costs used to fix arcs (``reduction.py``). Both
pricers' duals give such a certificate; the smaller ``U`` is kept.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .assignment import assign
from .data import SolverData
from .deadline import Deadline
from .lp import Master

#: Arcs tight for the certificate's duals added per unit and pricing round.
TIGHT_PER_UNIT = 1


@dataclass(frozen=True)
class SideRows:
    """Rows fixing earlier levels: ``Σ_a coefs[i][a]·x_a ≥ rhs[i]`` (coefs per arc)."""

    coefs: tuple[np.ndarray, ...] = ()
    rhs: tuple[int, ...] = ()

    def add(self, coef: np.ndarray, rhs: int) -> "SideRows":
        return SideRows(self.coefs + (coef,), self.rhs + (int(rhs),))


@dataclass(frozen=True)
class LPBound:
    """Outcome of :func:`lp_bound`.

    Attributes
    ----------
    value
        Valid upper bound ``U`` (float, from the recomputed dual).
    bound
        ``floor`` of ``value`` plus a float-error margin: no allocation does better.
    reduced
        Reduced cost ``r_a ≥ 0`` of every arc.
    support, x
        LP solution: arcs with a positive value and their values.
    lp_value
        Objective of the last restricted LP (equal to ``value`` at convergence).
    converged
        No arc had a positive reduced cost w.r.t. the last restricted LP.
    feasible
        The last restricted LP met every side row without artificial slack (if ``False``
        at convergence, the relaxation is very likely infeasible).
    side_duals
        Multipliers λ of the quota rows then of the level rows.
    pool
        Arcs of the last restricted LP (sorted): a good search space for an incumbent.
    iterations, seconds
        Pricing rounds, wall time.
    """

    value: float
    bound: int
    reduced: np.ndarray
    support: np.ndarray
    x: np.ndarray
    lp_value: float
    converged: bool
    feasible: bool
    side_duals: np.ndarray
    pool: np.ndarray
    iterations: int
    seconds: float


def lp_bound(data: SolverData, objective: np.ndarray, side: SideRows = SideRows(),
             columns: np.ndarray | None = None, time_limit: float = 60.0,
             max_rounds: int = 200, log: bool = False,
             first: np.ndarray | None = None) -> LPBound:
    """Solve the LP relaxation of ``max objective·x`` by column generation.

    Parameters
    ----------
    data
        Shared arrays of the problem.
    objective
        Integer coefficient of every arc.
    side
        Level rows on top of the quota rows.
    columns
        Arcs to start from (e.g. an incumbent allocation), besides the oracle's best
        response to λ = 0.
    time_limit, max_rounds
        Budget; when it runs out the bound is still valid, only weaker.
    log
        Print one line per pricing round.
    first
        The oracle's best response to λ = 0 (the quota-free best allocation for
        ``objective``) when the caller already has it: the same arcs, one oracle call
        fewer.
    """
    start = time.perf_counter()
    deadline = Deadline(time_limit)   # the oracle's prices stop at it (still certified)
    obj = objective.astype(np.float64)
    n_quota = len(data.quotas)
    side_rhs = np.r_[data.quotas.rhs.astype(np.float64), np.array(side.rhs, dtype=np.float64)]
    top = 1.0 + float(np.abs(obj).max(initial=0.0))
    master = Master(data.n_units, data.n_demands, side_rhs, 1e3 * top)
    in_master = np.zeros(data.n_arcs, dtype=bool)
    cols = np.zeros(0, dtype=np.int64)
    if first is None:
        first = assign(data.pairs, obj, data.n_units, data.n_demands, deadline=deadline).arcs
    new = np.unique(np.r_[first, np.asarray(columns if columns is not None else [],
                                            dtype=np.int64)])
    best = None
    for it in range(1, max_rounds + 1):
        round_start = time.perf_counter()
        in_master[new] = True
        cols = np.r_[cols, new]
        _add(master, data, obj, side, new)
        duals, lp_value, primal, art = master.solve(time_limit - (time.perf_counter() - start))
        pi_m = duals[:data.n_units]
        sigma_m = duals[data.n_units:data.n_units + data.n_demands]
        lam = duals[data.n_units + data.n_demands:]
        w = obj + data.side_weights(lam[:n_quota])
        for mu, coef in zip(lam[n_quota:], side.coefs):
            if mu:
                w += mu * coef
        best, new = _price(data, w, lam, (pi_m, sigma_m), side_rhs, top, best, in_master,
                           deadline)
        feasible = art <= 1e-7
        value, tol = best[0], best[1]
        if log:
            print(f"[lp] round {it}: columns {len(cols)}, restricted {lp_value:.3f}, "
                  f"bound {value:.3f}, new {len(new)}, {time.perf_counter() - start:.2f} s")
        # Stop when the next round (about as long as this one) would end past the limit.
        now = time.perf_counter()
        if now - start + (now - round_start) > time_limit:
            break
        done = not len(new) or (math.isfinite(lp_value)
                                and math.floor(value + tol) <= math.floor(lp_value + tol))
        if done and not feasible and master.penalty < 1e12:
            master.raise_penalty(100.0)   # artificial slack may only look cheaper
            new = new[:0]
            continue
        if done:
            break
    value, tol, pi, sigma, w, lam = best
    reduced = pi[data.unit] + sigma[data.demand] - w
    np.maximum(reduced, 0.0, out=reduced)
    keep = primal > 1e-9
    order = np.argsort(cols[keep])
    return LPBound(value=value, bound=math.floor(value + tol), reduced=reduced,
                   support=cols[keep][order], x=primal[keep][order], lp_value=lp_value,
                   converged=not len(new), feasible=bool(feasible), side_duals=lam,
                   pool=np.sort(cols), iterations=it, seconds=time.perf_counter() - start)


def _price(data: SolverData, w: np.ndarray, lam: np.ndarray, master_duals: tuple,
           side_rhs: np.ndarray, top: float, best: tuple | None,
           in_master: np.ndarray, deadline: Deadline | None = None
           ) -> tuple[tuple, np.ndarray]:
    """One pricing round for arc weights ``w = c + λ·A``: the best certificate so far
    ``(U, tol, π, σ, w, λ)`` and the candidate new columns.

    New columns: the oracle's allocation, then arcs tight for its duals (a few per unit);
    classic pricing against the restricted LP's duals ``master_duals = (π, σ)`` once those
    run dry; never a column already in the master (``in_master``).
    """
    pi_m, sigma_m = master_duals
    wp, best_arc = data.pairs.best(w)
    response = assign(data.pairs, w, data.n_units, data.n_demands, (wp, best_arc),
                      deadline=deadline)
    certs = [_certificate(data, wp, pi, lam, side_rhs) for pi in (pi_m, response.pi)]
    for cert in certs:
        if best is None or cert[0] < best[0]:
            best = cert + (w, lam)
    _, _, pi_a, sigma_a = certs[1]
    tight = np.flatnonzero(wp - pi_a[data.pairs.unit] - sigma_a[data.pairs.demand]
                           >= -1e-9 * top)
    new = np.unique(np.r_[response.arcs, best_arc[_per_unit(data, tight, TIGHT_PER_UNIT)]])
    new = new[~in_master[new]]
    if not len(new):
        viol = wp - pi_m[data.pairs.unit] - sigma_m[data.pairs.demand]
        new = _pick(data, viol, best_arc, 1e-7 * top)
        new = new[~in_master[new]]
    return best, new


def quota_free_bound(data: SolverData, objective: np.ndarray, deadline=None
                     ) -> tuple[float, int, np.ndarray]:
    """Certified bound of ``max objective·x`` with every side row dropped (λ = 0).

    One call of the assignment oracle: its allocation's value, certified by its prices
    (σ recomputed over all arcs). Returns ``(U, floor of U with margin, allocation)``.
    The prices stop improving at ``deadline`` (the bound stays valid, weaker).
    """
    w = objective.astype(np.float64)
    wp, best_arc = data.pairs.best(w)
    response = assign(data.pairs, w, data.n_units, data.n_demands, (wp, best_arc),
                      deadline=deadline)
    value, tol, _, _ = _certificate(data, wp, response.pi, np.zeros(0), np.zeros(0))
    return value, math.floor(value + tol), response.arcs


def _certificate(data: SolverData, wp: np.ndarray, pi: np.ndarray, lam: np.ndarray,
                 side_rhs: np.ndarray) -> tuple:
    """``(U, tol, π, σ)``: the bound of the dual ``(π, σ, λ)`` with σ recomputed."""
    sigma = data.pairs.demand_max(wp - pi[data.pairs.unit], data.n_demands)
    value = float(pi.sum() + sigma.sum() - lam @ side_rhs)
    tol = 1e-9 * (1.0 + float(pi.sum() + sigma.sum() + np.abs(lam * side_rhs).sum()))
    return value, tol, pi, sigma


def _add(master: Master, data: SolverData, obj, side: SideRows, arcs: np.ndarray) -> None:
    """Add ``arcs`` as columns of ``master``."""
    q = data.quotas
    rows = [q.coef[:, q.classes.of_arc[arcs]].astype(np.float64)] if len(q) else []
    rows += [coef[arcs][None, :].astype(np.float64) for coef in side.coefs]
    block = np.vstack(rows) if rows else np.zeros((0, len(arcs)))
    master.add_columns(obj[arcs], data.unit[arcs], data.demand[arcs], block)


def _per_unit(data: SolverData, pairs: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` of the given (sorted) pair indices of every unit."""
    if not len(pairs):
        return pairs
    own = data.pairs.unit[pairs]
    head = np.r_[True, own[1:] != own[:-1]]
    group_start = np.maximum.accumulate(np.where(head, np.arange(len(own)), 0))
    return pairs[np.arange(len(own)) - group_start < k]


def _pick(data: SolverData, viol: np.ndarray, best_arc: np.ndarray, tol: float) -> np.ndarray:
    """Best arc of the most violated pair of every demand and of the two of every unit."""
    cand = np.flatnonzero(viol > tol)
    if not len(cand):
        return np.zeros(0, dtype=np.int64)
    picked = []
    for owner, k in ((data.pairs.demand[cand], 1), (data.pairs.unit[cand], 2)):
        order = np.lexsort((cand, -viol[cand], owner))
        own = owner[order]
        head = np.r_[True, own[1:] != own[:-1]]
        group_start = np.maximum.accumulate(np.where(head, np.arange(len(own)), 0))
        picked.append(cand[order[np.arange(len(own)) - group_start < k]])
    return best_arc[np.unique(np.concatenate(picked))]
