"""Local moves on an allocation and the quota rows they would break.

A *move* removes at most one chosen arc and adds one arc (give unit u to demand d instead
of its current holder, or let an empty unit). Whether the changed allocation still meets
every quota is decided exactly on the integer rows of :mod:`models.quotas`
(``Σ_k coef[i, k]·n_k ≥ rhs[i]`` over arc-class counts ``n``), so thousands of moves are
checked at once without rebuilding anything. Used to explain non-attributions
(which quota holds a demand back) and to bound the cost of shortlist alternatives.
"""

from __future__ import annotations

import numpy as np

from attribution.models.problem import AllocationProblem
from attribution.models.quotas import QuotaSystem



class MoveChecker:
    """Checks moves against the quota rows, relative to one allocation.

    Parameters
    ----------
    problem
        The problem.
    arcs
        The chosen arcs of the allocation (indices into ``problem.graph``).
    quotas
        The problem's quota rows; the ones the problem holds if omitted.
    """

    def __init__(self, problem: AllocationProblem, arcs: np.ndarray,
                 quotas: QuotaSystem | None = None):
        self.problem = problem
        self.quotas = quotas if quotas is not None else problem.quotas
        self.arcs = np.asarray(arcs, dtype=np.int64)
        self._of_arc = self.quotas.classes.of_arc.astype(np.int64)
        counts = self.quotas.classes.counts(self.arcs)
        # value of each row minus its right-hand side: ≥ 0 when the row holds
        self.value = self.quotas.coef @ counts - self.quotas.rhs if len(self.quotas) \
            else np.zeros(0, dtype=np.int64)

    @property
    def names(self) -> tuple[str, ...]:
        return self.quotas.names

    def violations(self, remove: np.ndarray, add: np.ndarray) -> np.ndarray:
        """Which rows each move breaks.

        Parameters
        ----------
        remove
            int, per move the chosen arc taken out (-1 for none); shape ``(n_moves,)`` or
            ``(n_moves, k)`` for moves taking out up to ``k`` arcs (-1 pads).
        add
            int, the arcs put in, same conventions.

        Returns
        -------
        numpy.ndarray
            bool (n_moves, n_rows): True where the row fails after the move.
        """
        remove = np.asarray(remove, dtype=np.int64)
        add = np.asarray(add, dtype=np.int64)
        remove = remove[:, None] if remove.ndim == 1 else remove   # (0, k) stays (0, k)
        add = add[:, None] if add.ndim == 1 else add
        n_rows = len(self.quotas)
        if n_rows == 0 or len(add) == 0:
            return np.zeros((len(add), n_rows), dtype=bool)
        # A move only matters through the classes of its arcs: evaluate each distinct
        # combination of classes once (there are few), then broadcast back to the moves.
        cls = np.concatenate([np.where(add >= 0, self._of_arc[np.maximum(add, 0)], -1),
                              np.where(remove >= 0, self._of_arc[np.maximum(remove, 0)], -1)],
                             axis=1)
        base = len(self.quotas.classes) + 1
        if base ** cls.shape[1] < 2**62:
            # one integer per combination: a 1-D unique is many times faster than axis=0
            key = np.zeros(len(cls), dtype=np.int64)
            for j in range(cls.shape[1]):
                key = key * base + (cls[:, j] + 1)
            _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
            combos = cls[first]
        else:
            combos, inverse = np.unique(cls, axis=0, return_inverse=True)
        k_add = add.shape[1]
        coef = np.concatenate([self.quotas.coef, np.zeros((n_rows, 1), np.int64)], axis=1)
        delta = np.zeros((n_rows, len(combos)), dtype=np.int64)
        for j in range(combos.shape[1]):
            delta += (1 if j < k_add else -1) * coef[:, combos[:, j]]  # -1 → the zero column
        bad = ((self.value[:, None] + delta) < 0).T
        return bad[inverse.reshape(-1)]

    def first_violation(self, remove: np.ndarray, add: np.ndarray) -> tuple[np.ndarray,
                                                                            np.ndarray]:
        """Per move, the number of rows broken and the name of the first one ("" if none)."""
        bad = self.violations(remove, add)
        names = np.array(list(self.names) + [""], dtype=object)
        if bad.shape[1] == 0:
            return np.zeros(len(bad), dtype=np.int64), np.full(len(bad), "", dtype=object)
        first = np.where(bad.any(axis=1), np.argmax(bad, axis=1), len(self.names))
        return bad.sum(axis=1), names[first]

    def broken_lists(self, remove: np.ndarray, add: np.ndarray) -> np.ndarray:
        """Per move, the names of the rows it breaks joined by ``;`` ("" if none)."""
        bad = self.violations(remove, add)
        names = np.array(self.names, dtype=object)
        return np.array([";".join(names[row]) for row in bad], dtype=object)

    def broken_names(self, remove, add) -> list[str]:
        """Names of the rows one move breaks, in row order (``remove``/``add``: an arc or a
        list of arcs, -1 for none)."""
        bad = self.violations(np.atleast_1d(remove)[None, :], np.atleast_1d(add)[None, :])[0]
        return [n for n, b in zip(self.names, bad) if b]
