"""The restricted LP of column generation, kept warm between pricing rounds.

Rows are fixed once: one per unit (≤ 1), one per demand (≤ 1), one per side row
(``≥ rhs``, with an artificial slack column when ``rhs > 0`` so that a restricted master is
always feasible). Columns (arcs) are only ever added, and HiGHS restarts from the previous
basis. HiGHS is reached through the binding SciPy ships (``scipy.optimize._highspy``),
else through ``highspy`` when installed; if neither is importable, every round is
solved from scratch with :func:`scipy.optimize.linprog` (slower, same answers).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp



def _scipy_highs():  # pragma: no cover - depends on the environment
    """SciPy's HiGHS extension module, loaded without running ``scipy.optimize``'s
    ``__init__`` (which imports scipy.special, fft, linalg...: 0.2–0.8 s of start-up that
    the solver never uses). It is registered under its own name, so a later
    ``import scipy.optimize`` reuses it. Any surprise falls back to the normal import."""
    from .scipy_ext import extension

    return extension("scipy.optimize._highspy._core")


try:  # pragma: no cover - depends on the environment
    # SciPy's own binding first: highspy's Highs() prints a banner on stdout.
    _hs = _scipy_highs()
    _Highs, _Sense = _hs._Highs, _hs.ObjSense
except ImportError:  # pragma: no cover
    try:
        import highspy as _hs
        _Highs, _Sense = _hs.Highs, _hs.ObjSense
    except ImportError:
        _Highs = None


class Master:
    """Restricted LP ``max c·x`` over added arcs; duals are returned for every row.

    Parameters
    ----------
    n_units, n_demands
        Sizes of the assignment rows.
    side_rhs
        Right-hand sides of the side rows ``Σ A x ≥ rhs``.
    penalty
        Objective cost of one unit of artificial slack on a side row.
    """

    def __init__(self, n_units: int, n_demands: int, side_rhs: np.ndarray, penalty: float,
                 log: bool = False):
        self.n_units, self.n_demands = n_units, n_demands
        self.side_rhs = np.asarray(side_rhs, dtype=np.float64)
        self.n_rows = n_units + n_demands + len(self.side_rhs)
        self.art_rows = n_units + n_demands + np.flatnonzero(self.side_rhs > 0)
        self.penalty = penalty
        self.n_cols = 0
        self._costs: list[np.ndarray] = []
        self._mats: list[sp.csc_matrix] = []
        self._h = None
        if _Highs is not None:
            self._h = _Highs()
            self._h.setOptionValue("output_flag", bool(log))
            self._h.setOptionValue("presolve", "off")
            # Primal simplex: after adding columns the old basis stays primal feasible, so
            # it restarts where it stopped (dual simplex was 10-40x slower here).
            self._h.setOptionValue("simplex_strategy", 4)
            self._h.changeObjectiveSense(_Sense.kMaximize)
            inf = self._h.getInfinity()
            lower = np.r_[np.full(n_units + n_demands, -inf), self.side_rhs]
            upper = np.r_[np.ones(n_units + n_demands), np.full(len(self.side_rhs), inf)]
            self._h.addRows(self.n_rows, lower, upper, 0, np.zeros(self.n_rows, np.int32),
                            np.zeros(0, np.int32), np.zeros(0))
        art = sp.csc_matrix((np.ones(len(self.art_rows)),
                             (self.art_rows, np.arange(len(self.art_rows)))),
                            shape=(self.n_rows, len(self.art_rows)))
        self._add(np.full(len(self.art_rows), -penalty), art)

    def _add(self, cost: np.ndarray, mat: sp.csc_matrix) -> None:
        mat = sp.csc_matrix(mat)
        mat.sort_indices()
        self._costs.append(cost)
        self._mats.append(mat)
        if self._h is not None and mat.shape[1]:
            inf = self._h.getInfinity()
            k = mat.shape[1]
            self._h.addCols(k, cost.astype(np.float64), np.zeros(k), np.full(k, inf),
                            mat.nnz, mat.indptr[:-1].astype(np.int32),
                            mat.indices.astype(np.int32), mat.data.astype(np.float64))
        self.n_cols += mat.shape[1]

    def add_columns(self, cost: np.ndarray, unit: np.ndarray, demand: np.ndarray,
                    side: np.ndarray) -> None:
        """Add arcs: their objective, unit, demand and ``(n_side, k)`` side coefficients."""
        k = len(cost)
        ar = np.arange(k)
        s_rows, s_cols = np.nonzero(side)
        r = np.r_[unit, self.n_units + demand, self.n_units + self.n_demands + s_rows]
        c = np.r_[ar, ar, s_cols]
        v = np.r_[np.ones(2 * k), side[s_rows, s_cols]]
        self._add(np.asarray(cost, dtype=np.float64),
                  sp.csc_matrix((v, (r, c)), shape=(self.n_rows, k)))

    def raise_penalty(self, factor: float) -> None:
        """Multiply the cost of artificial slack (when it looks cheaper than the arcs)."""
        self.penalty *= factor
        self._costs[0] = np.full(len(self.art_rows), -self.penalty)
        if self._h is not None and len(self.art_rows):
            idx = np.arange(len(self.art_rows), dtype=np.int32)
            self._h.changeColsCost(len(idx), idx, self._costs[0])

    def solve(self, time_limit: float) -> tuple[np.ndarray, float, np.ndarray, float]:
        """Row duals (≥ 0 for assignment rows, ≥ 0 multipliers of side rows), objective,
        primal of the arc columns (in order of addition) and total artificial slack."""
        n_art = len(self.art_rows)
        if self._h is not None:
            # HiGHS' clock runs across calls: the limit is on its total run time.
            self._h.setOptionValue("time_limit",
                                   float(self._h.getRunTime() + max(time_limit, 0.01)))
            self._h.run()
            sol = self._h.getSolution()
            x = np.asarray(sol.col_value)
            if len(x) != self.n_cols or not sol.dual_valid:
                return np.zeros(self.n_rows), float("nan"), np.zeros(self.n_cols - n_art), \
                    float("inf")
            y = np.asarray(sol.row_dual)
            duals = np.r_[y[:self.n_units + self.n_demands], -y[self.n_units + self.n_demands:]]
            value = float(self._h.getObjectiveValue())
        else:
            duals, value, x = self._linprog(time_limit)
        return np.maximum(duals, 0.0), value, x[n_art:], float(x[:n_art].sum())

    def _linprog(self, time_limit: float):
        from scipy.optimize import linprog

        A = sp.hstack(self._mats, format="csc")
        cost = np.concatenate(self._costs)
        ns = self.n_units + self.n_demands
        # max c·x, assignment rows ≤ 1, side rows ≥ rhs  →  min −c·x, all rows as ≤.
        A_ub = sp.vstack([A[:ns], -A[ns:]], format="csc")
        b_ub = np.r_[np.ones(ns), -self.side_rhs]
        res = linprog(-cost, A_ub=A_ub, b_ub=b_ub, bounds=(0, None), method="highs-ds",
                      options={"time_limit": float(max(time_limit, 0.01))})
        if res.x is None:
            return np.zeros(self.n_rows), float("nan"), np.zeros(self.n_cols)
        return -res.ineqlin.marginals, float(-res.fun), res.x
