"""A fast feasible allocation letting every unit, for a hint or a large instance.

Three steps, each on the whole graph and vectorised:

1. the quota-free best allocation: the assignment oracle with weights ``score + μ``;
2. *pair rows* — the quota rows that do not depend on the réservataire (priority floor,
   QPV mix, spatial balance) — are repaired by greedy swaps: a unit moves to a free demand
   that improves the most violated row at the least loss of score, never breaking another
   row;
3. *orientation*: with the (unit, demand) pairs fixed, the réservataires are chosen by a
   tiny CP-SAT model on bins of interchangeable pairs (flows, per-réservataire and State
   rows are linear in the bin counts).

The result is checked like any other; ``None`` when a step fails (the LP route then
works alone). Nothing here is a proof: bounds come from ``bound.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .assignment import assign
from .data import SolverData
from .interrupt import cp_solver
from .deadline import Deadline

_MAX_SWAPS = 2000


def pair_rows(data: SolverData) -> np.ndarray:
    """Indices of the quota rows whose coefficients do not depend on the réservataire."""
    q, cls = data.quotas, data.quotas.classes
    if not len(q):
        return np.zeros(0, dtype=np.int64)
    # every demand and unit attribute of a class except the réservataire (the DALO and
    # State-agent flags too: a spatial maximum leaves DALO households out)
    key = np.stack([cls.landlord, cls.commune, cls.qpv, cls.outside_flow, cls.priority,
                    cls.q1, cls.anru, cls.dalo, cls.state_agent], axis=1)
    _, group = np.unique(key, axis=0, return_inverse=True)
    group = group.reshape(-1)
    rows = []
    for i in range(len(q)):
        lo = np.full(group.max() + 1, np.iinfo(np.int64).max)
        hi = np.full(group.max() + 1, np.iinfo(np.int64).min)
        np.minimum.at(lo, group, q.coef[i])
        np.maximum.at(hi, group, q.coef[i])
        if np.array_equal(lo, hi):
            rows.append(i)
    return np.array(rows, dtype=np.int64)


def quick_allocation(data: SolverData, seed: int = 0, time_limit: float = 10.0,
                     start: np.ndarray | None = None,
                     deadline: Deadline | None = None,
                     deterministic_limit: float = 0.0) -> np.ndarray | None:
    """Arcs of a valid allocation letting every matched unit, or ``None``.

    ``start`` is the quota-free best allocation when already computed (step 1); the repair
    gives up (``None``) once ``deadline`` has passed. ``deterministic_limit`` (when > 0)
    bounds the CP-SAT model of the last step by work rather than by time only
    (:class:`optimizer.params.SolveParams`).
    """
    if not data.n_arcs:
        return None
    if start is None:
        mu = 2.0 * float(np.abs(data.score).max(initial=0)) + 1.0
        w = (data.score + mu).astype(np.float64)
        start = assign(data.pairs, w, data.n_units, data.n_demands).arcs
    arcs = _repair_pair_rows(data, start, deadline)
    if arcs is None or (deadline is not None and deadline.expired()):
        return None
    return _orient(data, arcs, seed, time_limit, deterministic_limit)


def _repair_pair_rows(data: SolverData, arcs: np.ndarray,
                      deadline: Deadline | None = None) -> np.ndarray | None:
    """Greedy swaps until every pair row holds: each pass takes the most violated row and
    applies, best ratio (score lost per unit of the row gained) first, the swaps that help
    it without breaking another row, until it holds."""
    q, pairs = data.quotas, data.pairs
    rows = pair_rows(data)
    if not len(rows):
        return arcs
    of_arc = q.classes.of_arc
    first_arc = pairs.order[pairs.starts[:-1]]
    pair_cls = of_arc[first_arc]                     # any arc of the pair will do here
    coef = q.coef[rows]
    state = _SwapState(value=coef @ q.classes.counts(arcs) - q.rhs[rows],
                       current=np.full(data.n_units, -1, dtype=np.int64),
                       used=np.zeros(data.n_demands, dtype=bool))
    state.current[data.unit[arcs]] = arcs
    state.used[data.demand[arcs]] = True
    score = data.score
    for _ in range(_MAX_SWAPS):
        bad = np.flatnonzero(state.value < 0)
        if not len(bad):
            return np.sort(state.current[state.current >= 0])
        if deadline is not None and deadline.expired():
            return None
        i = bad[np.argmin(state.value[bad])]
        cur = state.current[pairs.unit]
        ok = (cur >= 0) & ~state.used[pairs.demand]
        gain = np.where(ok, coef[i][pair_cls] - coef[i][of_arc[np.maximum(cur, 0)]], 0)
        cand = np.flatnonzero(gain > 0)
        if not len(cand):
            return None
        loss = score[cur[cand]] - score[first_arc[cand]]
        order = cand[np.lexsort((cand, loss / gain[cand]))]
        if not _swap_pass(data, state, order, i, coef, pair_cls, first_arc):
            return None
    return None


@dataclass
class _SwapState:
    value: np.ndarray      # slack of every pair row (≥ 0: the row holds)
    current: np.ndarray    # arc of every unit, -1 if not let
    used: np.ndarray       # demand housed


def _swap_pass(data: SolverData, state: _SwapState, order: np.ndarray, i: int,
               coef: np.ndarray, pair_cls: np.ndarray, first_arc: np.ndarray) -> bool:
    """Apply swaps of ``order`` (candidate pairs, best first) for row ``i`` until it holds;
    a swap must not make any row worse where it is violated. Gives up after 200
    consecutive refusals. Returns whether any swap was applied."""
    pairs, of_arc = data.pairs, data.quotas.classes.of_arc
    touched: set[int] = set()
    applied, refused = 0, 0
    for p in order.tolist():
        u, d = int(pairs.unit[p]), int(pairs.demand[p])
        if u in touched or state.used[d]:
            continue
        old = int(state.current[u])
        new = state.value + coef[:, pair_cls[p]] - coef[:, of_arc[old]]
        if not np.all((new >= 0) | (new >= state.value)):
            refused += 1
            if refused >= 200:
                break
            continue
        state.value, refused = new, 0
        state.current[u] = int(first_arc[p])
        state.used[data.demand[old]] = False
        state.used[d] = True
        touched.add(u)
        applied += 1
        if state.value[i] >= 0:
            break
    return applied > 0


def _orient(data: SolverData, arcs: np.ndarray, seed: int, time_limit: float,
            deterministic_limit: float = 0.0) -> np.ndarray | None:
    """Choose the réservataire of every (unit, demand) pair of ``arcs`` under all rows."""
    q, pairs = data.quotas, data.pairs
    key = pairs.unit * max(data.n_demands, 1) + pairs.demand
    p = np.searchsorted(key, data.unit[arcs].astype(np.int64) * max(data.n_demands, 1)
                        + data.demand[arcs])
    sizes = np.diff(pairs.starts)[p]
    width = int(sizes.max(initial=1))
    options = np.full((len(p), width), -1, dtype=np.int64)
    for j in range(width):
        has = sizes > j
        options[has, j] = pairs.order[pairs.starts[p[has]] + j]
    opt_cls = np.where(options >= 0, q.classes.of_arc[np.maximum(options, 0)], -1)
    bins, bin_of = np.unique(opt_cls, axis=0, return_inverse=True)
    bin_of = bin_of.reshape(-1)
    count = np.bincount(bin_of, minlength=len(bins))
    model = cp_model.CpModel()
    y = {}
    for b, row in enumerate(bins):
        vars_b = []
        for j, k in enumerate(row.tolist()):
            if k >= 0:
                y[b, j] = model.new_int_var(0, int(count[b]), "")
                vars_b.append(y[b, j])
        model.add(sum(vars_b) == int(count[b]))
    by_class: dict[int, list] = {}
    for (b, j), var in y.items():
        by_class.setdefault(int(bins[b][j]), []).append(var)
    for i in range(len(q)):
        terms = [(int(q.coef[i, k]), v) for k, vs in by_class.items() if q.coef[i, k]
                 for v in vs]
        model.add(sum(c * v for c, v in terms) >= int(q.rhs[i]))
    solver = cp_solver()  # signals: see optimizer.interrupt
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    if deterministic_limit > 0:
        solver.parameters.max_deterministic_time = float(deterministic_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = np.empty(len(p), dtype=np.int64)
    for b in range(len(bins)):
        members = np.flatnonzero(bin_of == b)
        start = 0
        for j in range(width):
            if (b, j) in y:
                k = int(solver.value(y[b, j]))
                chosen[members[start:start + k]] = options[members[start:start + k], j]
                start += k
    return np.sort(chosen)
