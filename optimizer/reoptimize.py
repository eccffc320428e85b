"""Warm-started re-optimisations of a solved round: quota prices and shortlist costs.

A quota's price and a shortlist alternative's cost are optima of problems that differ from
the solved one by a few rows (the quota's rows dropped) or by one forced pair (a unit given
to one demand). Re-solving each from scratch costs a whole solve; here they share what the
main solve already established, and every answer is still *proven*:

- the problem's per-arc arrays, pairs and quota rows (with the rounded rows of
  ``cuts.py``) are derived **once**;
- the LP relaxation is kept **in memory** in one HiGHS model (``lp.Master``) with the
  columns of the main LP; a variant changes a few row bounds or one column's cost, HiGHS
  restarts from the previous basis, and columns are priced against its duals until the
  certified bound (``bound.py``: σ recomputed over **every** arc, so the bound never rests
  on the LP's accuracy) stops improving;
- **reduced-cost pruning**: the certificate ``(U, r)`` of the main LP says that every
  allocation letting every lettable unit has ``score ≤ U − Σ r_a x_a``; forcing a pair whose
  arcs have reduced cost ``r`` therefore costs at least ``⌈r − (U − z*)⌉``. When a known
  allocation with that pair (the direct move of ``reporting.analysis.shortlists``) loses exactly
  that much, the cost is proven without any solve;
- otherwise the optimal allocation (a *complete* hint and a valid lower cut), the variant's
  certified bound (an upper cut) and its reduced costs (to fix arcs, ``reduction.py``) are
  given to CP-SAT on a small arc pool, exactly as the main solve proves its optimum.

Scope: the cost is over the first two levels (units let, then score sum) and the route
applies when the optimum lets every lettable unit (the usual case: then the unit level
cannot change by relaxing a quota, and a forced pair that keeps every unit let is
priced on the score level alone). Outside it (quotas that cost units, a forced pair that
empties another unit, no HiGHS binding), the methods return ``None`` and the caller
re-solves from scratch.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from attribution.models.problem import AllocationProblem
from attribution.models.quotas import QuotaSystem

from .bound import SideRows, _certificate, _pick, lp_bound
from .cuts import with_rounded_rows
from .data import SolverData, solver_data
from .lp import Master
from .model import build_model, run
from .params import SolveParams
from .reduction import cheapest_per_unit, fixing_threshold, kept_arcs

#: CP-SAT deterministic seconds one model of a re-optimisation may use (the models of the
#: bundled round's alternatives use at most 0.002; a dive, a widened pool or a proof that
#: needs more is reported as not proven — a bound — never as exact).
WORK_LIMIT = 1.0
#: Largest arc set a proof model may have (beyond it the cost is reported as not proven).
MAX_PROOF_ARCS = 200_000


@dataclass(frozen=True)
class Repriced:
    """The optimum of a variant, relative to the solved round.

    Attributes
    ----------
    units, score
        Units let and score sum of the variant's best allocation found.
    proven
        Whether that allocation is proven optimal for the variant (levels 1–2).
    bound
        Proven upper bound on the variant's score (with ``units`` units let).
    arcs
        The allocation (global arc indices, sorted).
    how
        How it was settled: ``reduced cost``, ``LP bound``, ``CP-SAT``, ``not proven``.
    """

    units: int
    score: int
    proven: bool
    bound: int
    arcs: np.ndarray
    how: str


class _WarmMaster(Master):
    """The restricted LP kept between variants: column costs and side-row bounds change."""

    def set_costs(self, cols: np.ndarray, costs: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        self._h.changeColsCost(len(cols), cols, np.asarray(costs, dtype=np.float64))

    def set_side_lower(self, rows: np.ndarray, lower: np.ndarray) -> None:
        inf = self._h.getInfinity()
        for r, lo in zip(np.asarray(rows).tolist(), np.asarray(lower).tolist()):
            i = self.n_units + self.n_demands + int(r)
            self._h.changeRowBounds(i, float(lo), inf)


@dataclass(frozen=True)
class _Variant:
    """One re-optimisation: its data and side rows, the integer bound ``ub`` of its
    certificate (``bound`` as a float, with the reduced costs), its deadline and the arcs
    it must keep."""

    data: SolverData
    side: SideRows
    score: np.ndarray
    ub: int
    bound: float
    reduced: np.ndarray
    deadline: float
    must: np.ndarray | None


@dataclass(frozen=True)
class _Incumbent:
    """The best allocation found so far (``value`` None: none yet)."""

    arcs: np.ndarray
    value: int | None

    def better(self, out) -> "_Incumbent":
        """This incumbent or a CP-SAT answer that beats it."""
        if out.status in ("OPTIMAL", "FEASIBLE") and (self.value is None
                                                      or out.value > self.value):
            return _Incumbent(out.arcs, out.value)
        return self

    def proven(self, how: str) -> Repriced:
        return Repriced(len(self.arcs), self.value, True, self.value, self.arcs, how)


class Reoptimizer:
    """Re-solves variants of a solved round from its optimum (see the module docstring).

    Parameters
    ----------
    problem
        The solved problem.
    arcs
        Its optimal allocation (proven optimal on levels 1–2).
    params, seed
        The main solve's parameters (fit costs, workers, log) and seed.
    time_limit
        Budget of one variant's CP-SAT search and proof (seconds); a variant not proven
        within it is returned with ``proven=False``.
    """

    def __init__(self, problem: AllocationProblem, arcs: np.ndarray,
                 params: SolveParams = SolveParams(), seed: int = 0,
                 time_limit: float = 5.0):
        self.problem, self.params, self.seed = problem, params, seed
        self.time_limit = time_limit
        self.arcs = np.sort(np.asarray(arcs, dtype=np.int64))
        self.stats = {"variants": 0, "reduced_cost": 0, "lp": 0, "cpsat": 0,
                      "not_proven": 0, "seconds": 0.0}
        tick = time.perf_counter()
        data = solver_data(problem, params)
        self.data = data
        lettable = len(np.unique(data.unit))
        self.units = len(self.arcs)
        self.score = int(data.score[self.arcs].sum())
        # The route needs every lettable unit let and a HiGHS binding for the warm LP.
        self.usable = self.units == lettable and self.units > 0 and _has_highs()
        if not self.usable:
            return
        self.rounded = with_rounded_rows(data)
        self.mu = 2 * int(np.abs(data.score).max(initial=0)) + 1
        self.obj = (data.score + self.mu).astype(np.float64)
        self.shift = self.mu * self.units          # objective = score + μ·L when all let
        self.ones = np.ones(data.n_arcs, dtype=np.int64)
        q = self.rounded.quotas
        self.side_rhs = q.rhs.astype(np.float64)
        self.coef = q.coef.astype(np.float64)
        base = lp_bound(self.rounded, self.obj, columns=self.arcs,
                        time_limit=max(1.0, time_limit))
        top = 1.0 + float(np.abs(self.obj).max(initial=0.0))
        self.top = top
        self.master = _WarmMaster(data.n_units, data.n_demands, self.side_rhs, 1e3 * top)
        self.col_of = np.full(data.n_arcs, -1, dtype=np.int64)
        self.cols = np.zeros(0, dtype=np.int64)
        self._add(np.union1d(base.pool, self.arcs))
        self.base_value = base.value - self.shift          # U': score bound when all let
        self.base_reduced = base.reduced
        self.base_duals = base.side_duals[:len(q)]
        self.base_gap = self.base_value - self.score       # 0 when the LP closes the gap
        self.pair_min = np.minimum.reduceat(base.reduced[data.pairs.order],
                                            data.pairs.starts[:-1]) \
            if len(data.pairs) else np.zeros(0)
        self.stats["setup_seconds"] = time.perf_counter() - tick

    # -- the warm LP ----------------------------------------------------------------
    def _add(self, arcs: np.ndarray) -> None:
        arcs = np.asarray(arcs, dtype=np.int64)
        arcs = arcs[self.col_of[arcs] < 0]
        if not len(arcs):
            return
        d, q = self.rounded, self.rounded.quotas
        block = self.coef[:, q.classes.of_arc[arcs]] if len(q) \
            else np.zeros((0, len(arcs)))
        self.col_of[arcs] = len(self.master.art_rows) + len(self.cols) + np.arange(len(arcs))
        self.cols = np.r_[self.cols, arcs]
        self.master.add_columns(self.obj[arcs], d.unit[arcs], d.demand[arcs], block)

    def _lp(self, obj: np.ndarray, free_rows: np.ndarray, deadline: float,
            max_rounds: int = 100):
        """Column generation on the warm master for objective ``obj`` with the side rows
        ``free_rows`` relaxed. Returns ``(U, reduced costs, support arcs, their x)``."""
        data, q = self.data, self.rounded.quotas
        n_u, n_d = data.n_units, data.n_demands
        rhs = self.side_rhs.copy()
        rhs[free_rows] = 0.0
        best = None
        for _ in range(max_rounds):
            duals, lp_value, primal, _art = self.master.solve(max(0.05, deadline
                                                                  - time.perf_counter()))
            pi_m, sigma_m = duals[:n_u], duals[n_u:n_u + n_d]
            lam = duals[n_u + n_d:].copy()
            lam[free_rows] = 0.0
            gl = lam @ self.coef if len(q) else np.zeros(0)
            wp = self._pair_max(obj, gl)
            cert = _certificate(data, wp, pi_m, lam, rhs)
            if best is None or cert[0] < best[0]:
                best = cert + (gl,)
            viol = wp - pi_m[data.pairs.unit] - sigma_m[data.pairs.demand]
            new = self._pick(viol, obj, gl)
            done = not len(new) or (math.isfinite(lp_value) and math.floor(
                best[0] + best[1]) <= math.floor(lp_value + best[1]))
            if done or time.perf_counter() > deadline:
                break
            self._add(new)
        value, tol, pi, sigma, gl = best
        reduced = pi[data.unit] + sigma[data.demand] - self._weights(obj, gl)
        np.maximum(reduced, 0.0, out=reduced)
        x = np.zeros(len(self.cols))
        x[:len(primal)] = primal
        keep = x > 1e-9
        return value + tol, reduced, self.cols[keep], x[keep]

    def _weights(self, obj: np.ndarray, gl: np.ndarray, arcs: np.ndarray | None = None
                 ) -> np.ndarray:
        """Arc weights ``w = obj + λ·A`` (of ``arcs``, or of every arc): ``gl`` is ``λ·A``
        per arc class."""
        of_arc = self.rounded.quotas.classes.of_arc
        if arcs is None:
            return obj + gl[of_arc] if len(gl) else obj.copy()
        return obj[arcs] + gl[of_arc[arcs]] if len(gl) else obj[arcs]

    def _pair_max(self, obj: np.ndarray, gl: np.ndarray) -> np.ndarray:
        """Per pair, the largest arc weight (``Pairs.best`` without the arg-max).

        The objectives here are constant over a pair's arcs (a demand's score, checked
        once, plus the bonus of a forced pair on all its arcs), which differ only by their
        class: the
        largest weight is the pair's objective plus the largest ``λ·A`` over the pair's
        classes, computed once per distinct set of classes (:meth:`_signatures`) instead
        of over every arc. Exact: ``fl(o + max g) = max fl(o + g)``."""
        p = self.data.pairs
        sig = self._signatures()
        if sig is None or not len(gl):
            return p.best(self._weights(obj, gl))[0]
        classes, pair_sig = sig
        g = np.where(classes >= 0, gl[np.maximum(classes, 0)], -np.inf).max(axis=1)
        return obj[p.order[p.starts[:-1]]] + g[pair_sig]

    def _signatures(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The distinct sets of arc classes of the pairs (rows padded with -1) and each
        pair's set; ``None`` when the main objective is not constant over every pair."""
        if getattr(self, "_sig", False) is not False:
            return self._sig
        p = self.data.pairs
        sizes = np.diff(p.starts)
        self._sig = None
        if len(sizes) and np.array_equal(self.obj[p.order],
                                         np.repeat(self.obj[p.order[p.starts[:-1]]], sizes)):
            width = int(sizes.max())
            pos = np.arange(len(p.order)) - np.repeat(p.starts[:-1], sizes)
            table = np.full((len(sizes), width), -1, dtype=np.int64)
            table[np.repeat(np.arange(len(sizes)), sizes), pos] = \
                self.rounded.quotas.classes.of_arc[p.order]
            table.sort(axis=1)
            base = int(table.max()) + 2
            if width * math.log2(base) < 62:   # one integer per set: a fast unique
                code = np.zeros(len(table), dtype=np.int64)
                for j in range(width):
                    code = code * base + (table[:, j] + 1)
                _, first, pair_sig = np.unique(code, return_index=True, return_inverse=True)
                classes = table[first]
            else:
                classes, pair_sig = np.unique(table, axis=0, return_inverse=True)
            self._sig = (classes, pair_sig.ravel())
        return self._sig

    def _pick(self, viol: np.ndarray, obj: np.ndarray, gl: np.ndarray) -> np.ndarray:
        """New columns: the best arc of the most violated pairs (``bound._pick``), found
        for those pairs only."""
        p = self.data.pairs
        cand = np.flatnonzero(viol > 1e-7 * self.top)
        if not len(cand):
            return np.zeros(0, dtype=np.int64)
        sizes = p.starts[cand + 1] - p.starts[cand]
        pos = np.repeat(p.starts[cand], sizes) + (np.arange(sizes.sum())
                                                  - np.repeat(np.cumsum(sizes) - sizes, sizes))
        arcs = p.order[pos].astype(np.int64)
        w = self._weights(obj, gl, arcs)
        group = np.repeat(np.arange(len(cand)), sizes)
        top = np.maximum.reduceat(w, np.cumsum(sizes) - sizes)
        hit = np.flatnonzero(w == top[group])
        first = hit[np.r_[True, group[hit][1:] != group[hit][:-1]]]   # first arg-max
        best_arc = np.full(len(p.unit), -1, dtype=np.int64)
        best_arc[cand] = arcs[first]
        new = _pick(self.data, viol, best_arc, 1e-7 * self.top)
        return new[(new >= 0)][self.col_of[new[new >= 0]] < 0]

    # -- search and proof -----------------------------------------------------------
    def _search(self, data: SolverData, side: SideRows, bound: float, reduced: np.ndarray,
                support: np.ndarray, x: np.ndarray, hint: np.ndarray, deadline: float,
                must: np.ndarray | None = None) -> Repriced | None:
        """Best allocation of ``data`` under ``side`` with every lettable unit let, from
        the complete ``hint``; ``bound`` (float) and ``reduced`` are the variant's
        certificate: ``score·x ≤ bound − Σ r_a x_a``."""
        v = _Variant(data, side, data.score.astype(np.int64),
                     math.floor(bound + 1e-6 * (1 + abs(bound))), bound, reduced, deadline,
                     must)
        if hint is None:
            inc = _Incumbent(np.zeros(0, dtype=np.int64), None)
        else:
            arcs = np.sort(np.asarray(hint, dtype=np.int64))
            inc = _Incumbent(arcs, int(v.score[arcs].sum()))
            if inc.value >= v.ub:
                return inc.proven("LP bound")
        inc, pool = self._dive(v, inc, support, x)
        if inc.value is not None and inc.value >= v.ub:
            return inc.proven("CP-SAT")
        inc, wider, status = self._widen(v, inc, pool)
        if inc.value is not None and inc.value >= v.ub:
            return inc.proven("CP-SAT")
        if inc.value is None:
            return None
        return self._prove(v, inc, wider, status)

    def _dive(self, v: "_Variant", inc: "_Incumbent", support: np.ndarray,
              x: np.ndarray) -> tuple["_Incumbent", np.ndarray]:
        """A dive around the LP vertex: its integral arcs fixed, the other units free over
        the LP's support (and the incumbent's arcs). Returns the incumbent and the pool."""
        extra = inc.arcs if v.must is None else np.union1d(inc.arcs, v.must)
        pool = np.union1d(support, extra)
        one = support[x > 1 - 1e-6]
        if v.must is not None and not np.isin(v.must, one).any():
            one = one[~np.isin(v.data.unit[one], v.data.unit[v.must])
                      & ~np.isin(v.data.demand[one], v.data.demand[v.must])]
        left = v.deadline - time.perf_counter()
        if left > 0.01:
            h = inc.arcs if inc.value is not None else None
            sub = build_model(v.data, pool, v.score, side=v.side, window=(inc.value, v.ub),
                              hint=h, fixed=one if len(one) else None, every_unit_let=True)
            inc = inc.better(self._run(sub, left))
        left = v.deadline - time.perf_counter()
        if len(one) and (inc.value is None or inc.value < v.ub) and left > 0.01:
            # the vertex's integral arcs held the dive away from the bound: the same small
            # pool with nothing fixed (still a few hundred arcs, far cheaper than widening)
            h = inc.arcs if inc.value is not None else None
            sub = build_model(v.data, pool, v.score, side=v.side, window=(inc.value, v.ub),
                              hint=h, every_unit_let=True)
            inc = inc.better(self._run(sub, left))
        return inc, pool

    def _widen(self, v: "_Variant", inc: "_Incumbent", pool: np.ndarray
               ) -> tuple["_Incumbent", np.ndarray, str]:
        """Before the proof, a better incumbent (it keeps fewer arcs): the pool with the
        cheapest arcs (variant's reduced costs) of every unit among those an improving
        allocation may use. Returns the incumbent, the arcs searched and the status."""
        cand = np.flatnonzero(v.reduced <= (np.inf if inc.value is None else
                                            fixing_threshold(v.bound, inc.value)))
        wider = np.union1d(pool, cand[cheapest_per_unit(v.reduced[cand], v.data.unit[cand],
                                                        4)])
        left = v.deadline - time.perf_counter()
        h = inc.arcs if inc.value is not None and np.isin(inc.arcs, wider).all() else None
        sub = build_model(v.data, wider, v.score, side=v.side, window=(inc.value, v.ub),
                          hint=h, every_unit_let=True)
        out = self._run(sub, left)
        return inc.better(out), wider, out.status

    def _run(self, sub, left: float):
        """One CP-SAT model of a variant, bounded by **work** (:data:`WORK_LIMIT`) so that
        it stops at the same point of its search on a quiet or a loaded machine — the
        costs shown do not depend on the load; the variant's wall-clock budget ``left``
        is only a safety net."""
        return run(sub, time_limit=left, seed=self.seed, workers=self.params.workers,
                   deterministic_limit=WORK_LIMIT)

    def _prove(self, v: "_Variant", inc: "_Incumbent", wider: np.ndarray,
               status: str) -> Repriced:
        """The proof on every arc an improving allocation may use (reduced-cost fixing)."""
        kept = kept_arcs(v.reduced, v.bound, inc.value, inc.arcs)
        if v.must is not None:
            kept = np.union1d(kept, v.must)
        if status == "OPTIMAL" and np.isin(kept, wider).all():
            # optimal on a superset of every arc an improving allocation may use
            return inc.proven("CP-SAT")
        left = v.deadline - time.perf_counter()
        if len(kept) > MAX_PROOF_ARCS or left <= 0.01:
            return Repriced(len(inc.arcs), inc.value, False, v.ub, inc.arcs, "not proven")
        sub = build_model(v.data, kept, v.score, side=v.side, window=(inc.value, v.ub),
                          hint=inc.arcs, every_unit_let=True)
        out = self._run(sub, left)
        if out.status == "OPTIMAL":
            return inc.better(out).proven("CP-SAT")
        inc = inc.better(out)
        if out.status == "INFEASIBLE":   # nothing beats the incumbent on the kept arcs
            return inc.proven("CP-SAT")
        bnd = v.ub if out.bound is None else min(v.ub, max(inc.value, int(out.bound)))
        return Repriced(len(inc.arcs), inc.value, bnd == inc.value, bnd, inc.arcs,
                        "CP-SAT" if bnd == inc.value else "not proven")

    # -- the two variants -------------------------------------------------------------
    def pair_cost(self, unit: int, demand: int,
                  hint: np.ndarray | None = None) -> Repriced | None:
        """Best allocation that gives ``unit`` to ``demand`` (through any réservataire).

        ``hint`` is a valid allocation with that pair letting every lettable unit (e.g.
        the direct move), or ``None``. Returns ``None`` when the route does not apply
        (see the module docstring): the caller re-solves from scratch.
        """
        if not self.usable:
            return None
        tick = time.perf_counter()
        self.stats["variants"] += 1
        data = self.data
        got = self._pair_hint(unit, demand, hint)
        if got is None:
            return None
        pair, hint = got
        try:
            if hint is not None:
                value = int(data.score[hint].sum())
                lower = self.pair_min_cost(unit, demand)
                if lower is not None and self.score - value <= lower:
                    self.stats["reduced_cost"] += 1
                    return Repriced(len(hint), value, True, value, hint, "reduced cost")
            bonus = 8.0 * self.mu
            self._add(pair)
            cols = self.col_of[pair]
            self.master.set_costs(cols, self.obj[pair] + bonus)
            obj = self.obj.copy()
            obj[pair] += bonus
            deadline = time.perf_counter() + self.time_limit
            try:
                bound, reduced, support, x = self._lp(obj, np.zeros(0, dtype=np.int64),
                                                      deadline)
            finally:
                self.master.set_costs(cols, self.obj[pair])
            bound -= self.shift + bonus
            mask = np.zeros(data.n_arcs, dtype=np.int64)
            mask[pair] = 1
            side = SideRows().add(self.ones, self.units).add(mask, 1)
            out = self._search(self.rounded, side, bound, reduced, support, x, hint,
                               deadline, must=pair)
            if out is None:   # no allocation with the pair letting every unit found
                return None
            self._count(out)
            return out
        finally:
            self.stats["seconds"] += time.perf_counter() - tick

    def _pair_hint(self, unit: int, demand: int, hint: np.ndarray | None
                   ) -> tuple[np.ndarray, np.ndarray | None] | None:
        """The arcs of the pair and the hint kept (``None`` when it is not a complete
        allocation with the pair); ``None`` when the pair has no arc."""
        data = self.data
        i = self._pair_index(unit, demand)
        if i is None:
            return None
        pair = np.sort(data.pairs.order[data.pairs.starts[i]:data.pairs.starts[i + 1]]
                       ).astype(np.int64)
        hint = None if hint is None else np.sort(np.asarray(hint, dtype=np.int64))
        if hint is not None and (len(hint) != self.units
                                 or not np.isin(pair, hint).any()):
            hint = None
        return pair, hint

    def settled_by_reduced_costs(self, units: np.ndarray, demands: np.ndarray,
                                 loss_units: np.ndarray, loss_score: np.ndarray
                                 ) -> np.ndarray:
        """Which of these pairs the main LP's reduced costs price without any LP or
        search: each has a known allocation with the pair (e.g. its direct move) losing
        ``(loss_units, loss_score)`` — pass ``-1`` units for none; when it keeps every unit
        let and loses no more than the pair's lower bound (:meth:`pair_min_costs`), that
        loss is the exact cost (the check :meth:`pair_cost` makes first, for many pairs
        at once). Counted in :attr:`stats`."""
        lower = self.pair_min_costs(units, demands)
        settled = ((np.asarray(loss_units) == 0) & (lower >= 0)
                   & (np.asarray(loss_score) <= lower))
        n = int(settled.sum())
        self.stats["variants"] += n
        self.stats["reduced_cost"] += n
        return settled

    def pair_min_cost(self, unit: int, demand: int) -> int | None:
        """Proven lower bound on the score lost by giving ``unit`` to ``demand`` among
        allocations letting every lettable unit (from the main LP's reduced costs)."""
        low = int(self.pair_min_costs(np.array([unit]), np.array([demand]))[0])
        return None if low < 0 else low

    def pair_min_costs(self, units: np.ndarray, demands: np.ndarray) -> np.ndarray:
        """:meth:`pair_min_cost` of many pairs at once (``-1`` where there is none)."""
        out = np.full(len(units), -1, dtype=np.int64)
        if not self.usable or not len(units):
            return out
        i = self._pair_indices(units, demands)
        hit = i >= 0
        r = self.pair_min[i[hit]] - self.base_gap
        out[hit] = np.maximum(0, np.ceil(r - 1e-6 * (1.0 + abs(self.base_value))))
        return out

    def _pair_indices(self, units: np.ndarray, demands: np.ndarray) -> np.ndarray:
        """Index of each (unit, demand) pair in ``data.pairs`` (sorted by unit, demand),
        ``-1`` where the pair has no arc."""
        n = self.data.n_demands
        key = self.data.pairs.key(n)
        want = np.asarray(units, dtype=np.int64) * max(n, 1) + np.asarray(demands,
                                                                          dtype=np.int64)
        if not len(key):
            return np.full(len(want), -1, dtype=np.int64)
        i = np.minimum(np.searchsorted(key, want), len(key) - 1)
        return np.where(key[i] == want, i, -1)

    def _pair_index(self, unit: int, demand: int) -> int | None:
        """Index of the (unit, demand) pair in ``data.pairs``, ``None`` if it has no arc."""
        i = int(self._pair_indices(np.array([unit]), np.array([demand]))[0])
        return None if i < 0 else i

    def relaxed_gain(self, kept: QuotaSystem) -> Repriced | None:
        """Best allocation when the quota rows are only those of ``kept`` (the quota
        system of the relaxed policy, :func:`models.quotas.build_quotas`): the rows of the
        main system missing from it are dropped, with their rounded rows. Returns ``None``
        when ``kept`` is not a subset of the main rows (the caller re-solves from scratch).
        """
        if not self.usable:
            return None
        tick = time.perf_counter()
        self.stats["variants"] += 1
        try:
            q = self.data.quotas
            names = {row.name: i for i, row in enumerate(q.rows)}
            for j, row in enumerate(kept.rows):
                i = names.get(row.name)
                if i is None or kept.rhs[j] != q.rhs[i] or not np.array_equal(
                        kept.coef[j], q.coef[i]):
                    return None
            keep_names = {row.name for row in kept.rows}
            rq = self.rounded.quotas
            drop = np.array([row.name.removesuffix(".rounded") not in keep_names
                             for row in rq.rows], dtype=bool)
            free = np.flatnonzero(drop)
            if not len(free):
                return Repriced(self.units, self.score, True, self.score, self.arcs,
                                "reduced cost")
            if self.base_gap < 1 - 1e-6 and not np.any(self.base_duals[free] > 0):
                # The main certificate gives these rows no weight: it stays valid without
                # them, so nothing scores more than the optimum.
                self.stats["reduced_cost"] += 1
                return Repriced(self.units, self.score, True, self.score, self.arcs,
                                "reduced cost")
            deadline = time.perf_counter() + self.time_limit
            self.master.set_side_lower(free, np.full(len(free), -np.inf))
            try:
                bound, reduced, support, x = self._lp(self.obj, free, deadline)
            finally:
                self.master.set_side_lower(free, self.side_rhs[free])
            bound -= self.shift
            sub = QuotaSystem(classes=rq.classes,
                              rows=tuple(r for r, d in zip(rq.rows, drop) if not d),
                              coef=rq.coef[~drop], rhs=rq.rhs[~drop])
            data = dataclasses.replace(self.rounded, quotas=sub)
            side = SideRows().add(self.ones, self.units)
            out = self._search(data, side, bound, reduced, support, x, self.arcs, deadline)
            self._count(out)
            return out
        finally:
            self.stats["seconds"] += time.perf_counter() - tick

    def relaxed_item_gain(self, policy_key: str, detail: str = "") -> Repriced | None:
        """:meth:`relaxed_gain` for one policy item, as ``reporting.analysis.variants.relax`` drops
        it (a ``[quotas]`` key, a spatial-balance share, or the ``[[flows]]`` entry
        ``detail`` = ``"landlord→réservataire"``), without building the relaxed policy:
        its rows are those with that ``policy_key`` (and, for a flow, that entry)."""
        if not self.usable:
            return None
        q = self.data.quotas
        tag = f"[{detail}]"
        drop = np.array([row.policy_key == policy_key and (not detail or tag in row.name)
                         for row in q.rows], dtype=bool)
        kept = QuotaSystem(classes=q.classes,
                           rows=tuple(r for r, d in zip(q.rows, drop) if not d),
                           coef=q.coef[~drop], rhs=q.rhs[~drop])
        return self.relaxed_gain(kept)

    def _count(self, out: Repriced) -> None:
        key = {"LP bound": "lp", "CP-SAT": "cpsat"}.get(out.how, "not_proven")
        self.stats[key] += 1


def _has_highs() -> bool:
    from . import lp
    return lp._Highs is not None
