"""The assignment oracle: a maximum-weight matching of units to demands, with its duals.

With the quota rows priced by multipliers λ, what is left of the problem is a pure
assignment on (unit, demand) pairs (the best réservataire arc of each pair). SciPy's
LAPJVsp solves it exactly in a fraction of a second; its dual prices π (per unit) are then
recovered from the matching as the least solution of the complementary-slackness
difference constraints (a longest-path fixpoint, vectorised over all pairs). Pricing
every arc against ``(π, σ)`` is what drives the column generation of ``bound.py``: one
oracle call brings in the arcs of a whole competing allocation at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from attribution.models.territory import _freeze
from .scipy_ext import min_weight_full_bipartite_matching


@dataclass(frozen=True)
class Pairs:
    """Arcs grouped by (unit, demand) pair; pairs sorted by unit then demand.

    Attributes
    ----------
    order, starts
        ``order[starts[p]:starts[p+1]]`` are the arcs of pair ``p``.
    unit, demand
        Owner unit and demand of each pair (int64).
    unit_starts, unit_owners
        Pairs of unit ``unit_owners[i]`` are ``unit_starts[i]:unit_starts[i+1]``.
    demand_order, demand_starts, demand_owners
        The same grouping of pairs by demand (a permutation).
    rank_arc, rank_pair, rank_starts
        The arcs again, by rank within their pair then by pair: ``rank_arc[:len(pairs)]``
        is the first arc of every pair, then ``rank_starts[j]:rank_starts[j+1]`` the
        ``j``-th arcs of the pairs having one, whose pairs are ``rank_pair[i - len(pairs)]``
        (what :meth:`best` reads: a pass per rank instead of a segmented reduction).
    """

    order: np.ndarray
    starts: np.ndarray
    unit: np.ndarray
    demand: np.ndarray
    unit_starts: np.ndarray
    unit_owners: np.ndarray
    demand_order: np.ndarray
    demand_starts: np.ndarray
    demand_owners: np.ndarray
    rank_arc: np.ndarray
    rank_pair: np.ndarray
    rank_starts: np.ndarray

    def __post_init__(self) -> None:
        _freeze(self)

    def __len__(self) -> int:
        return len(self.unit)

    def best(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per pair, the largest arc weight and the (first) arc attaining it.

        One pass per rank within a pair (a pair has a handful of arcs, one per
        réservataire): the first arcs, then each next arc replaces the best so far only
        when strictly larger — so the first arc attaining the maximum is kept."""
        n = len(self.unit)
        if not n:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        first = self.rank_arc[:n]
        wp = w[first]
        arc = first.astype(np.int64)
        for lo, hi in zip(self.rank_starts[1:-1].tolist(), self.rank_starts[2:].tolist()):
            cand_arc = self.rank_arc[lo:hi]
            pair = self.rank_pair[lo - n:hi - n]
            cand = w[cand_arc]
            better = np.flatnonzero(cand > wp[pair])
            if len(better):
                at = pair[better]
                wp[at] = cand[better]
                arc[at] = cand_arc[better]
        return wp, arc

    def _cached(self, key, make):
        """``make()``, computed once per ``key`` for these pairs (derived index arrays)."""
        cache = self.__dict__.setdefault("_derived", {})
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def key(self, n_demands: int) -> np.ndarray:
        """``unit · n_demands + demand`` of every pair (sorted: pairs are)."""
        return self._cached(("key", n_demands),
                            lambda: self.unit * max(n_demands, 1) + self.demand)

    def assignment_csr(self, n_units: int, n_demands: int) -> tuple:
        """The sparsity of the assignment oracle's matrix: units × (demands, then one
        private dummy column per unit), row by row the unit's pairs (by demand) then its
        dummy — the CSR a COO → CSR conversion of the same entries gives. Returns
        ``(indptr, indices, position of each pair, position of each unit's dummy)``."""
        def make():
            per_unit = np.bincount(self.unit, minlength=n_units) + 1
            indptr = np.r_[0, np.cumsum(per_unit)].astype(np.int32)
            pair_pos = np.arange(len(self.unit), dtype=np.int64) + self.unit
            dummy_pos = indptr[1:].astype(np.int64) - 1
            indices = np.empty(int(indptr[-1]), dtype=np.int32)
            indices[pair_pos] = self.demand
            indices[dummy_pos] = n_demands + np.arange(n_units)
            return indptr, indices, pair_pos, dummy_pos
        return self._cached(("csr", n_units, n_demands), make)

    def demand_max(self, values: np.ndarray, n_demands: int) -> np.ndarray:
        """Per demand ``max(0, max of values over its pairs)``."""
        out = np.zeros(n_demands)
        if len(self.unit):
            out[self.demand_owners] = np.maximum(
                np.maximum.reduceat(values[self.demand_order], self.demand_starts[:-1]), 0.0)
        return out

    def unit_max(self, values: np.ndarray, n_units: int) -> np.ndarray:
        """Per unit ``max(0, max of values over its pairs)``."""
        out = np.zeros(n_units)
        if len(self.unit):
            out[self.unit_owners] = np.maximum(
                np.maximum.reduceat(values, self.unit_starts[:-1]), 0.0)
        return out


def _boundaries(sorted_keys: np.ndarray) -> np.ndarray:
    if not len(sorted_keys):
        return np.zeros(1, dtype=np.int64)
    first = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    return np.r_[first, len(sorted_keys)].astype(np.int64)


#: Arcs sorted at once when grouping them into pairs (whole units per chunk).
PAIRS_CHUNK = 1 << 22


def pairs_of(unit: np.ndarray, demand: np.ndarray, n_demands: int,
             tick: Callable[[], None] | None = None, chunk: int | None = None) -> Pairs:
    """Group arcs (given by their unit and demand) into pairs.

    When the arcs come grouped by unit (the compatibility graph's order), they are sorted
    by chunks of whole units — the same order as one stable sort, in passes of ``chunk``
    arcs — and ``tick`` is called between chunks (it may raise to stop the work: a
    deadline; ``chunk`` defaults to :data:`PAIRS_CHUNK`). The pairs are then grouped by
    demand by one stable sort, which merges the units' sorted runs.
    """
    n = len(unit)
    chunk = PAIRS_CHUNK if chunk is None else chunk
    index = np.int32 if n < 2**31 else np.int64
    bounds = _unit_chunks(unit, chunk)
    order = np.empty(n, dtype=index)
    starts_parts = []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if tick is not None:
            tick()
        key = unit[lo:hi].astype(np.int64) * max(n_demands, 1) + demand[lo:hi]
        local = np.argsort(key, kind="stable")
        order[lo:hi] = local + lo
        b = _boundaries(key[local])
        starts_parts.append(b[:-1] + lo)
    starts = np.r_[np.concatenate(starts_parts) if starts_parts else np.zeros(0, np.int64),
                   n].astype(np.int64)
    first = order[starts[:-1]]
    p_unit, p_demand = unit[first].astype(np.int64), demand[first].astype(np.int64)
    unit_starts = _boundaries(p_unit)
    if tick is not None:
        tick()
    # one stable sort of the pairs by demand: each chunk's pairs are sorted by demand
    # within a unit, so the sort merges runs
    demand_order = np.argsort(p_demand, kind="stable")
    demand_starts = _boundaries(p_demand[demand_order])
    rank_arc, rank_pair, rank_starts = _by_rank(order, starts, index)
    return Pairs(order=order, starts=starts, unit=p_unit, demand=p_demand,
                 unit_starts=unit_starts, unit_owners=p_unit[unit_starts[:-1]],
                 demand_order=demand_order.astype(index), demand_starts=demand_starts,
                 demand_owners=p_demand[demand_order[demand_starts[:-1]]],
                 rank_arc=rank_arc, rank_pair=rank_pair, rank_starts=rank_starts)


def _by_rank(order: np.ndarray, starts: np.ndarray, index) -> tuple:
    """The arcs of ``order`` by rank within their pair, then by pair (``Pairs.rank_*``):
    one gather per rank (a pair has a handful of arcs)."""
    first = starts[:-1]
    sizes = np.diff(starts)
    arcs, pairs, bounds = [order[first]], [], [0, len(first)]
    j = 1
    have = np.flatnonzero(sizes > 1)
    while len(have):
        arcs.append(order[first[have] + j])
        pairs.append(have.astype(index, copy=False))
        bounds.append(bounds[-1] + len(have))
        j += 1
        have = have[sizes[have] > j]
    rank_pair = np.concatenate(pairs) if pairs else np.zeros(0, dtype=index)
    return (np.concatenate(arcs), rank_pair,
            np.array(bounds if len(first) else [0], dtype=np.int64))


def _unit_chunks(unit: np.ndarray, chunk: int) -> np.ndarray:
    """Chunk boundaries (arc positions) that never split a unit's arcs, about ``chunk``
    arcs apart, when ``unit`` is non-decreasing; else one chunk (a single sort)."""
    n = len(unit)
    if n <= chunk or not bool(np.all(unit[1:] >= unit[:-1])):
        return np.array([0, n], dtype=np.int64)
    cuts = np.searchsorted(unit, unit[np.arange(chunk, n, chunk)], side="left")
    return np.unique(np.r_[0, cuts, n]).astype(np.int64)


@dataclass(frozen=True)
class Assignment:
    """A maximum-weight matching and dual prices of its units.

    Attributes
    ----------
    arcs
        The best arc of every matched pair (only pairs of positive weight are matched).
    pi
        Unit prices π ≥ 0; with ``σ_d = max(0, max (w − π_u))`` they are dual feasible.
    value
        Weight of the matching.
    """

    arcs: np.ndarray
    pi: np.ndarray
    value: float


def assign(pairs: Pairs, w: np.ndarray, n_units: int, n_demands: int,
           best: tuple[np.ndarray, np.ndarray] | None = None,
           max_rounds: int = 500, deadline=None) -> Assignment:
    """Maximum-weight matching (not necessarily of maximum size) for arc weights ``w``;
    ``best`` is ``pairs.best(w)`` when already computed. The prices' fixpoint stops at
    ``deadline`` (a :class:`deadline.Deadline`): any prices ``π ≥ 0`` still certify a
    bound once σ is recomputed (``bound.py``), only a weaker one."""
    if not len(pairs):
        return Assignment(np.zeros(0, dtype=np.int64), np.zeros(n_units), 0.0)
    wp, best_arc = best if best is not None else pairs.best(w)
    shift = 1.0 + max(0.0, -float(wp.min()))   # LAPJVsp needs non-zero weights
    # One private dummy column per unit (leaving it empty). The matrix is built on the
    # pairs' cached sparsity, already negated (a maximisation): the same arrays the COO
    # construction and ``maximize=True`` gave, without their sort and copies.
    indptr, indices, pair_pos, dummy_pos = pairs.assignment_csr(n_units, n_demands)
    values = np.empty(len(indices))
    values[pair_pos] = wp + shift
    values[dummy_pos] = shift
    np.negative(values, out=values)
    graph = sp.csr_matrix((values, indices, indptr), shape=(n_units, n_demands + n_units))
    r, c = min_weight_full_bipartite_matching(graph, maximize=False)
    real = c < n_demands
    p = np.searchsorted(pairs.key(n_demands),
                        r[real].astype(np.int64) * max(n_demands, 1) + c[real])
    p = p[wp[p] > 0]
    pi = _prices(pairs, wp, p, n_units, n_demands, max_rounds, deadline)
    return Assignment(arcs=np.sort(best_arc[p]), pi=pi, value=float(wp[p].sum()))


def _prices(pairs: Pairs, wp: np.ndarray, matched: np.ndarray, n_units: int,
            n_demands: int, max_rounds: int, deadline=None) -> np.ndarray:
    """Least unit prices meeting complementary slackness with the matching ``matched``.

    With ``σ_d = w(matched pair of d) − π(its unit)`` (0 if d is free), dual feasibility
    asks ``π_u ≥ w_p − σ_d`` on every pair; iterate from π = 0 to the fixpoint.
    """
    mate = np.full(n_demands, -1, dtype=np.int64)
    mate[pairs.demand[matched]] = pairs.unit[matched]
    w_matched = np.zeros(n_demands)
    w_matched[pairs.demand[matched]] = wp[matched]
    has_mate = mate >= 0
    pi = np.zeros(n_units)
    for _ in range(max_rounds):
        sigma = np.where(has_mate, w_matched - pi[np.maximum(mate, 0)], 0.0)
        new = np.maximum(pi, pairs.unit_max(wp - sigma[pairs.demand], n_units))
        if np.all(new - pi <= 1e-9 * (1.0 + np.abs(pi))):
            return new
        pi = new
        if deadline is not None and deadline.expired():
            break
    return pi
