"""A fast feasible allocation letting every unit, for a hint, a fallback or a large instance.

Both routes start from the quota-free best allocation (the assignment oracle with weights
``score + μ``) and are vectorised over the whole graph.

The *row repair* (first, general and fast) works on every quota row at once — floors and
caps, flows per landlord × réservataire, commune maxima with their DALO exemption, each
landlord's own 25 %, the rounded rows:

1. candidate arcs: for every unit and every kind of arc it has (réservataire × demand
   flags, all a row can tell apart), its best few arcs, plus every other réservataire of
   each of those (unit, demand) pairs;
2. descent on the total violation ``Σ max(0, −row)/scale``: each pass prices every
   candidate move (a let unit to a free demand, or to another réservataire of its pair)
   on the distinct (old class, new class) couples, then applies the moves that lower the
   violation, least score lost per unit of violation first, each re-checked against the
   current rows before it is applied;
3. polish: moves that raise the score and keep every row (checked in integers).

The *orientation route* (second, within a share of the time left; kept when it scores
higher, which it often does on CARENE-like rounds):

4. *pair rows* — the quota rows that do not depend on the réservataire (priority floor,
   QPV mix, spatial balance) — are repaired by greedy swaps: a unit moves to a free demand
   that improves the most violated row at the least loss of score, never breaking another
   row;
5. *orientation*: with the (unit, demand) pairs fixed, the réservataires are chosen by a
   tiny CP-SAT model on bins of interchangeable pairs (flows, per-réservataire and State
   rows are linear in the bin counts). It is infeasible when the pairs do not hold enough
   households of each kind per landlord (the usual case on the métropole profile).

The result is checked like any other (:func:`models.allocation.check_allocation`, in
``solve.py``); ``None`` when both routes fail (the LP route then works alone). Nothing
here is a proof: bounds come from ``bound.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .assignment import assign, pairs_of
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
    order = np.argsort(group, kind="stable")
    first = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    coef = q.coef[:, order]
    lo = np.minimum.reduceat(coef, first, axis=1)
    hi = np.maximum.reduceat(coef, first, axis=1)
    return np.flatnonzero((lo == hi).all(axis=1)).astype(np.int64)


def quick_allocation(data: SolverData, seed: int = 0, time_limit: float = 10.0,
                     start: np.ndarray | None = None,
                     deadline: Deadline | None = None,
                     on_found: Callable[[np.ndarray], None] | None = None,
                     deterministic_limit: float = 0.0,
                     improve_start: bool = False) -> np.ndarray | None:
    """Arcs of an allocation letting every unit ``start`` lets, meeting every row of
    ``data.quotas``, or ``None``.

    ``start`` is the quota-free best allocation when already computed (step 1). The row
    repair (steps 4-6) runs first: it is the fast and general route, and ``on_found`` is
    called with its allocation as soon as it exists. The orientation route (steps 2-3)
    then runs within a quarter of the time left (``time_limit`` at most) and is kept when
    its score is higher. Both give up (``None``) once ``deadline`` has passed.
    ``deterministic_limit`` (when > 0) bounds the orientation route's CP-SAT model by work
    rather than by time only (:class:`optimizer.params.SolveParams`).
    With ``improve_start`` (``start`` is a bare maximum matching: no time was left for the
    oracle on the whole graph), the row repair starts from the quota-free best allocation
    on the candidate arcs instead (:func:`best_on`).
    """
    if not data.n_arcs:
        return None
    if start is None:
        mu = 2.0 * float(np.abs(data.score).max(initial=0)) + 1.0
        w = (data.score + mu).astype(np.float64)
        start = assign(data.pairs, w, data.n_units, data.n_demands).arcs
    index = ArcIndex(data)
    tick = time.perf_counter()
    cand = candidate_arcs(data, start, deadline=deadline, index=index)
    one_pass = time.perf_counter() - tick
    for _ in range(_START_ROUNDS if improve_start else 0):
        # a round costs about one candidate pass; keep two for the repair itself
        if cand is None or (deadline is not None and deadline.expired(3 * one_pass)):
            break
        better = best_on(data, cand)
        if len(better) < len(start):
            break
        start = better
        housed = np.zeros(data.n_demands, dtype=bool)
        housed[data.demand[start]] = True
        more = candidate_arcs(data, start, deadline=deadline, housed=housed, index=index)
        if more is None:
            break
        cand = np.union1d(cand, more)
    best = None if cand is None else repair_rows(data, start, deadline, cand, index)
    if best is not None:
        best = polish(data, best, deadline, cand)
        if on_found is not None:
            on_found(best)
    if deadline is not None and deadline.expired():
        return best
    route = Deadline(time_limit if deadline is None or best is None
                     else min(time_limit, deadline.left(0.25)))
    if deadline is not None and best is None:
        route = deadline
    arcs = _repair_pair_rows(data, start, route)
    if arcs is None or route.expired():
        return best
    oriented = _orient(data, arcs, seed, min(time_limit, route.left()), deterministic_limit)
    if oriented is None:
        return best
    oriented = polish(data, oriented, deadline, cand)
    if best is None or data.score[oriented].sum() > data.score[best].sum():
        return oriented
    return best


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


def orientation_model(q, bins: np.ndarray, count: np.ndarray
                      ) -> tuple[cp_model.CpModel, dict[tuple[int, int], int]]:
    """The orientation model of :func:`_orient`, written straight into the proto: a
    count ``y[b, j] ∈ [0, count[b]]`` per bin and option (variable index), ``Σ_j y[b, j]
    = count[b]``, and every quota row over the counts, its terms by variable index — the
    model the expression API builds from the same sums (a test compares the protos), at a
    fraction of its cost."""
    model = cp_model.CpModel()
    proto = model.proto
    y: dict[tuple[int, int], int] = {}
    var_cls = []
    for b, row in enumerate(bins.tolist()):
        members = []
        for j, k in enumerate(row):
            if k >= 0:
                y[b, j] = len(proto.variables)
                proto.variables.add().domain.extend([0, int(count[b])])
                members.append(y[b, j])
                var_cls.append(k)
        lin = proto.constraints.add().linear
        lin.vars.extend(members)
        lin.coeffs.extend([1] * len(members))
        lin.domain.extend([int(count[b]), int(count[b])])
    var_cls = np.asarray(var_cls, dtype=np.int64)
    coef = q.coef[:, var_cls] if len(var_cls) else np.zeros((len(q), 0), dtype=np.int64)
    for i in range(len(q)):
        nz = np.flatnonzero(coef[i])
        if not len(nz):   # a constant row: as the API adds `0 >= rhs` (a Boolean)
            model.add(bool(0 >= int(q.rhs[i])))
            continue
        lin = proto.constraints.add().linear
        lin.vars.extend(nz.tolist())
        lin.coeffs.extend(coef[i, nz].astype(np.int64).tolist())
        lin.domain.extend([int(q.rhs[i]), _INT64_MAX])
    return model, y


_INT64_MAX = 2**63 - 1


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
    model, y = orientation_model(q, bins, count)
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
                k = int(solver.response_proto.solution[y[b, j]])
                chosen[members[start:start + k]] = options[members[start:start + k], j]
                start += k
    return np.sort(chosen)


#: Best arcs kept per unit and kind of arc (réservataire × demand flags) as candidates.
CANDIDATES_PER_KIND = 2
#: Passes of the row repair and of the polish.
_MAX_PASSES = 60
#: Rounds of (best allocation on the candidates, new candidates among the demands it
#: leaves free) from a bare matching.
_START_ROUNDS = 2
#: Times the row repair ranks new candidates among the free demands when stuck.
_MAX_REFRESH = 3
#: Consecutive refusals after which a pass is cut short and the moves re-priced.
_MAX_REFUSED = 2000
#: (row × couple) cells priced at once.
_CHUNK = 4_000_000


class _Moves:
    """Candidate arcs of the row repair and the row state of an allocation.

    ``v`` is the integer slack of every row (``coef·n − rhs``, ≥ 0 when the row holds);
    ``cur`` the arc of every unit (-1: not let); ``used`` the demands housed.
    """

    def __init__(self, data: SolverData, arcs: np.ndarray, cand: np.ndarray):
        q = data.quotas
        self.data = data
        self.of_arc = q.classes.of_arc
        self.coef_t = np.ascontiguousarray(q.coef.T)                  # class × row
        self.reach = np.abs(q.coef).max(axis=1, initial=0)           # per row, one arc
        self.scale = np.maximum(self.reach, 1).astype(np.float64)
        self.v = q.coef @ q.classes.counts(arcs) - q.rhs
        self.cur = np.full(data.n_units, -1, dtype=np.int64)
        self.cur[data.unit[arcs]] = arcs
        self.used = np.zeros(data.n_demands, dtype=bool)
        self.used[data.demand[arcs]] = True
        self.cand = cand
        self.c_unit = data.unit[self.cand].astype(np.int64)
        self.c_demand = data.demand[self.cand].astype(np.int64)

    def violation(self, v: np.ndarray) -> float:
        return float((np.maximum(-v, 0) / self.scale).sum())

    def open_moves(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidates that are a move now: ``(index into cand, old class, new class)``."""
        data = self.data
        old = self.cur[self.c_unit]
        same_pair = data.demand[np.maximum(old, 0)] == self.c_demand
        ok = (old >= 0) & (old != self.cand) & (~self.used[self.c_demand] | same_pair)
        c = np.flatnonzero(ok)
        return c, self.of_arc[old[c]].astype(np.int64), self.of_arc[self.cand[c]].astype(np.int64)

    def couples(self, ko: np.ndarray, kn: np.ndarray, rows: np.ndarray):
        """Distinct (old, new) class couples and, per couple, the change of ``rows``
        (yielded by chunks: ``inverse, first couple, delta`` of shape couple × row)."""
        n = len(self.coef_t)
        upk, inv = np.unique(ko * n + kn, return_inverse=True)
        coef_t = self.coef_t[:, rows]
        step = max(1, _CHUNK // max(1, len(rows)))
        for lo in range(0, len(upk), step):
            part = upk[lo:lo + step]
            yield inv, lo, coef_t[part % n] - coef_t[part // n]

    def apply(self, j: int, new_v: np.ndarray) -> None:
        a, u, d = int(self.cand[j]), int(self.c_unit[j]), int(self.c_demand[j])
        self.used[self.data.demand[self.cur[u]]] = False
        self.used[d] = True
        self.cur[u] = a
        self.v = new_v

    def arcs(self) -> np.ndarray:
        return np.sort(self.cur[self.cur >= 0])

    def extend(self, cand: np.ndarray) -> None:
        """Replace the candidate arcs (a superset)."""
        self.cand = cand
        self.c_unit = self.data.unit[cand].astype(np.int64)
        self.c_demand = self.data.demand[cand].astype(np.int64)


class ArcIndex:
    """What :func:`candidate_arcs` reads on every arc, computed once per quick
    allocation: the *slot* of each arc (its unit × its kind: réservataire × demand
    flags) and the sorted keys of the (unit, demand) pairs."""

    def __init__(self, data: SolverData):
        cls = data.quotas.classes
        dkey = ((((cls.priority.astype(np.int64) * 2 + cls.q1) * 2 + cls.anru) * 2
                 + cls.dalo) * 2 + cls.state_agent)
        kind = (cls.reservataire.astype(np.int64) + 1) * 32 + dkey
        self.n_slots = data.n_units * (int(kind.max(initial=0)) + 1)
        dtype = np.int32 if self.n_slots < 2**31 else np.int64
        kind = kind.astype(dtype)
        self.slot = data.unit.astype(dtype) * dtype(self.n_slots // max(data.n_units, 1))
        self.slot += kind[data.quotas.classes.of_arc]
        self.pair_key = data.pairs.unit * max(data.n_demands, 1) + data.pairs.demand


def candidate_arcs(data: SolverData, arcs: np.ndarray,
                   per_kind: int = CANDIDATES_PER_KIND,
                   deadline: Deadline | None = None,
                   housed: np.ndarray | None = None,
                   index: ArcIndex | None = None) -> np.ndarray | None:
    """``arcs``, the ``per_kind`` best-scored arcs of every unit in each kind of arc it
    has (réservataire × demand flags: the classes of one unit), and every arc of the
    (unit, demand) pairs of those (the other réservataires of a pair). With ``housed``
    (bool per demand), only arcs to the other demands are ranked. ``None`` when
    ``deadline`` passes (read between the passes over the arcs). Among arcs of equal
    score in a slot the first (lowest index) is taken."""
    index = ArcIndex(data) if index is None else index
    slot = index.slot
    keep = [np.asarray(arcs, dtype=np.int64)]
    s = data.score.astype(np.float64)
    if housed is not None:
        s[housed[data.demand]] = -np.inf
    for k in range(per_kind):
        if deadline is not None and deadline.expired():
            return None
        best = np.full(index.n_slots, -np.inf)
        np.maximum.at(best, slot, s)
        hit = np.flatnonzero((s == best[slot]) & (s > -np.inf))
        first = np.full(index.n_slots, len(s), dtype=np.int64)
        np.minimum.at(first, slot[hit], hit)
        first = first[first < len(s)]
        keep.append(first)
        if k + 1 < per_kind:
            s[first] = -np.inf       # s is a copy (astype)
    del s
    chosen = np.unique(np.concatenate(keep))
    pairs = data.pairs
    p = np.unique(np.searchsorted(index.pair_key, data.unit[chosen].astype(np.int64)
                                  * max(data.n_demands, 1) + data.demand[chosen]))
    sizes = np.diff(pairs.starts)[p]
    offset = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    siblings = pairs.order[np.repeat(pairs.starts[p], sizes) + offset]
    return np.unique(np.r_[chosen, siblings.astype(np.int64)])


def best_on(data: SolverData, cand: np.ndarray) -> np.ndarray:
    """The quota-free best allocation (max ``score + μ``) on the arcs ``cand`` only —
    one assignment on about 2 arcs per unit and kind instead of the whole graph. When
    ``cand`` holds a maximum matching, the result lets as many units (``μ`` puts units
    let first)."""
    unit, demand = data.unit[cand], data.demand[cand]
    mu = 2.0 * float(np.abs(data.score[cand]).max(initial=0)) + 1.0
    pairs = pairs_of(unit, demand, data.n_demands)
    chosen = cand[assign(pairs, data.score[cand] + mu, data.n_units, data.n_demands,
                         max_rounds=0).arcs]
    return chosen


def repair_rows(data: SolverData, start: np.ndarray, deadline: Deadline | None = None,
                cand: np.ndarray | None = None, index: ArcIndex | None = None
                ) -> np.ndarray | None:
    """From ``start`` (any allocation), moves of let units until every row of
    ``data.quotas`` holds; the arcs, or ``None`` when stuck or out of time.

    Each pass prices every open move by the change of the total violation
    ``Σ_i max(0, −v_i)/scale_i`` (on distinct class couples), and applies the improving
    ones, least score lost per unit of violation removed first, each re-checked on the
    current rows. Units let stay let (the count of ``start`` is kept). ``cand``: the
    candidate arcs (:func:`candidate_arcs` of ``start`` when not given).
    """
    start = np.asarray(start, dtype=np.int64)
    if not len(start) or not len(data.quotas):
        return np.sort(start)
    index = ArcIndex(data) if index is None else index
    cand = candidate_arcs(data, start, deadline=deadline, index=index) if cand is None \
        else cand
    if cand is None:
        return None
    m = _Moves(data, start, cand)
    score, scale = data.score, m.scale
    refreshed = 0
    for _ in range(_MAX_PASSES):
        total = m.violation(m.v)
        if total <= 0:
            return m.arcs()
        if deadline is not None and deadline.expired():
            return None
        c, ko, kn = m.open_moves()
        # only rows a single move can take across their boundary (or violated) count
        near = np.flatnonzero(m.v < 2 * m.reach)
        v_near, scale_near = m.v[near], scale[near]
        here = float((np.maximum(-v_near, 0) / scale_near).sum())
        change = np.empty(len(c))
        for inv, lo, delta in m.couples(ko, kn, near):
            vals = (np.maximum(-(v_near[None, :] + delta), 0) / scale_near).sum(axis=1) - here
            sel = (inv >= lo) & (inv < lo + len(delta))
            change[sel] = vals[inv[sel] - lo]
        better = np.flatnonzero(change < -1e-9)
        if not len(better):
            # stuck: the candidates' demands are housed (the best households of a kind
            # are every unit's best); rank again among the demands still free
            if refreshed >= _MAX_REFRESH:
                return None
            refreshed += 1
            more = candidate_arcs(data, m.arcs(), deadline=deadline, housed=m.used,
                                  index=index)
            if more is None:
                return None
            m.extend(np.union1d(m.cand, more))
            continue
        j = c[better]
        loss = (score[m.cur[m.c_unit[j]]] - score[m.cand[j]]) / -change[better]
        order = j[np.argsort(loss, kind="stable")]
        if not _descend(m, order, deadline):
            return None
    return None


def _descend(m: _Moves, order: np.ndarray, deadline: Deadline | None) -> bool:
    """Apply the moves of ``order`` that still lower the violation; whether any was."""
    touched = np.zeros(len(m.cur), dtype=bool)
    applied = refused = 0
    total = m.violation(m.v)
    demand_of = m.data.demand
    for j in order.tolist():
        u, d = int(m.c_unit[j]), int(m.c_demand[j])
        old = int(m.cur[u])
        if touched[u] or (m.used[d] and demand_of[old] != d):
            continue
        new_v = m.v + m.coef_t[m.of_arc[m.cand[j]]] - m.coef_t[m.of_arc[old]]
        new_total = m.violation(new_v)
        if new_total >= total - 1e-9:
            refused += 1
            if refused >= _MAX_REFUSED:
                break
            continue
        m.apply(j, new_v)
        touched[u], total, refused = True, new_total, 0
        applied += 1
        if total <= 0:
            break
        if applied % 256 == 0 and deadline is not None and deadline.expired():
            break
    return applied > 0


def polish(data: SolverData, arcs: np.ndarray, deadline: Deadline | None = None,
           cand: np.ndarray | None = None) -> np.ndarray:
    """Raise the score of a valid ``arcs`` by single moves that keep every row (checked
    in integers): best gain first, until none is left, a pass cap or the deadline.
    ``cand``: the candidate arcs (:func:`candidate_arcs` of ``arcs`` when not given)."""
    arcs = np.asarray(arcs, dtype=np.int64)
    if not len(arcs):
        return arcs
    cand = candidate_arcs(data, arcs, deadline=deadline) if cand is None else cand
    if cand is None:
        return arcs
    m = _Moves(data, arcs, cand)
    if (m.v < 0).any():
        return arcs
    score = data.score
    for _ in range(_MAX_PASSES):
        if deadline is not None and deadline.expired():
            break
        c, ko, kn = m.open_moves()
        gain = score[m.cand[c]] - score[m.cur[m.c_unit[c]]]
        up = gain > 0
        c, ko, kn, gain = c[up], ko[up], kn[up], gain[up]
        if not len(c):
            break
        keeps = np.empty(len(c), dtype=bool)
        near = np.flatnonzero(m.v < 2 * m.reach)
        for inv, lo, delta in m.couples(ko, kn, near):
            ok = (m.v[near][None, :] + delta >= 0).all(axis=1)
            sel = (inv >= lo) & (inv < lo + len(delta))
            keeps[sel] = ok[inv[sel] - lo]
        c, gain = c[keeps], gain[keeps]
        if not len(c):
            break
        order = c[np.argsort(-gain, kind="stable")]
        touched = np.zeros(len(m.cur), dtype=bool)
        applied = 0
        for j in order.tolist():
            u, d = int(m.c_unit[j]), int(m.c_demand[j])
            old = int(m.cur[u])
            if touched[u] or (m.used[d] and data.demand[old] != d):
                continue
            if score[m.cand[j]] <= score[old]:
                continue
            new_v = m.v + m.coef_t[m.of_arc[m.cand[j]]] - m.coef_t[m.of_arc[old]]
            if (new_v < 0).any():
                continue
            m.apply(j, new_v)
            touched[u] = True
            applied += 1
        if not applied:
            break
    return m.arcs()
