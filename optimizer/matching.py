"""Matchings without the quotas: the first bound on units let, and the network floor.

Without its side rows the problem is a bipartite matching, which network algorithms solve
in a fraction of a second. The maximum-cardinality matching bounds the units let from
above (quotas only remove allocations); the min-cost flow is the speed floor any exact
method is compared with in ``benchmarks/``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from attribution.models.errors import SolverFailure

from .data import SolverData
from .scipy_ext import maximum_bipartite_matching


def max_matching(data: SolverData) -> np.ndarray:
    """Arcs of a maximum-cardinality matching of units to demands, quotas ignored.

    Among parallel arcs (same unit and demand, several réservataires) the first is used.
    """
    pairs = data.pairs
    if not len(pairs):
        return np.zeros(0, dtype=np.int64)
    graph = sp.csr_matrix((np.ones(len(pairs), dtype=np.int8), (pairs.unit, pairs.demand)),
                          shape=(data.n_units, data.n_demands))
    mate = maximum_bipartite_matching(graph, perm_type="column")
    units = np.flatnonzero(mate >= 0)
    key = pairs.unit * max(data.n_demands, 1) + pairs.demand
    p = np.searchsorted(key, units * max(data.n_demands, 1) + mate[units])
    return np.sort(pairs.order[pairs.starts[p]].astype(np.int64))


def min_cost_flow(unit: np.ndarray, demand: np.ndarray, weights: np.ndarray, n_units: int,
                  n_demands: int) -> tuple[np.ndarray, float]:
    """Max-cardinality matching of maximum total ``weights`` (quotas ignored), with OR-Tools'
    ``SimpleMinCostFlow``; returns the chosen arcs and the flow's solve time in seconds."""
    import time

    from ortools.graph.python import min_cost_flow as mcf

    n_arcs = len(unit)
    if not n_arcs:
        return np.zeros(0, dtype=np.int64), 0.0
    flow = mcf.SimpleMinCostFlow()
    source, sink = n_units + n_demands, n_units + n_demands + 1
    w = weights.astype(np.int64)
    big = int(np.abs(w).max(initial=0)) * 2 + 1   # cardinality first, then weight
    tails = np.r_[np.full(n_units, source), unit, n_units + np.arange(n_demands), [source]]
    heads = np.r_[np.arange(n_units), n_units + demand, np.full(n_demands, sink), [sink]]
    caps = np.r_[np.ones(n_units + n_arcs + n_demands, dtype=np.int64), [n_units]]
    costs = np.r_[np.zeros(n_units, dtype=np.int64), -(w + big),
                  np.zeros(n_demands, dtype=np.int64), [0]]
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    del tails, heads, caps, costs
    flow.set_nodes_supplies(np.array([source, sink]), np.array([n_units, -n_units]))
    start = time.perf_counter()
    status = flow.solve()
    seconds = time.perf_counter() - start
    if status != flow.OPTIMAL:
        raise SolverFailure("OR-Tools' min-cost flow", status)
    f = flow.flows(np.arange(n_units, n_units + n_arcs))
    return np.flatnonzero(f > 0), seconds
