"""A quick proof that no allocation meets the quota rows: the class-count relaxation.

The quota rows read an allocation only through its counts per arc class
(``n_k = Σ_{a ∈ k} x_a``, :mod:`models.quotas`). Every allocation's counts also obey
bounds that need no arc variable:

- ``n_k ≤`` the distinct units, and the distinct demands, having an arc of class ``k``;
- for a group of classes sharing the unit attributes (landlord, commune, QPV, outside the
  flow), the demand attributes, or both: ``Σ_{k ∈ group} n_k ≤`` the distinct units, and
  the distinct demands, having an arc in the group (each unit and each demand is let at
  most once);
- ``Σ_k n_k ≤`` the size of a maximum matching.

A small integer model on the counts alone (a few hundred variables, one per class, and
the quota rows) is therefore a *relaxation* of the allocation problem: when CP-SAT proves
it infeasible, no allocation at all meets the rows, and the solve can say so at once
instead of searching pools of arcs that cannot hold any (a carry-over that the round
cannot repair: measured 2.7 s of a simulated year's 11 s of solver time). When it is
feasible, or its work budget runs out, nothing is concluded and the solve goes on.

The budget is CP-SAT's deterministic time (:data:`WORK`, or the solve's own
``deterministic_limit``): the same answer on a quiet or a loaded machine.
"""

from __future__ import annotations

import numpy as np

from .data import SolverData
from .interrupt import cp_solver
from .model import _BIG, _quota_rows

#: Work budget of the relaxation (CP-SAT deterministic seconds) when the solve sets none.
WORK = 1.0


def _distinct(owner_of_key: np.ndarray, group_of_key: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the number of distinct owners among (owner, group) keys."""
    if not len(owner_of_key):
        return np.zeros(n_groups, dtype=np.int64)
    key = np.unique(owner_of_key.astype(np.int64) * n_groups + group_of_key)
    return np.bincount(key % n_groups, minlength=n_groups)


def class_count_groups(data: SolverData) -> list[np.ndarray]:
    """Group ids per class: by unit attributes, by demand attributes, by both."""
    cls = data.quotas.classes
    unit_key = np.stack([cls.landlord, cls.commune, cls.qpv, cls.outside_flow], axis=1)
    demand_key = np.stack([cls.priority, cls.q1, cls.anru, cls.dalo, cls.state_agent], axis=1)
    out = []
    for key in (unit_key, demand_key, np.concatenate([unit_key, demand_key], axis=1)):
        _, gid = np.unique(key.astype(np.int64), axis=0, return_inverse=True)
        out.append(gid.reshape(-1).astype(np.int64))
    return out


def class_counts_infeasible(data: SolverData, matched: int, seed: int = 0,
                            work: float = 0.0, time_limit: float = 10.0,
                            at_least: int = 0) -> bool:
    """Whether the class-count relaxation (module docstring) is proven infeasible —
    then no allocation of ``data`` meets its quota rows (letting at least ``at_least``
    units: ``Σ_k n_k ≥ at_least`` is one more row).

    ``matched``: the size of a maximum matching (units let without any quota). ``work``:
    CP-SAT's deterministic budget (:data:`WORK` when 0); ``time_limit``: a wall-clock
    safety net. ``False`` means "not proven", never "feasible".
    """
    q = data.quotas
    if not data.n_arcs:
        return at_least > 0
    if not len(q) and at_least <= matched:
        return False
    n_cls = len(q.classes)
    of = q.classes.of_arc.astype(np.int64)
    # distinct (unit, class) and (demand, class) couples, then counts per group of classes
    uk = np.unique(data.unit.astype(np.int64) * n_cls + of)
    dk = np.unique(data.demand.astype(np.int64) * n_cls + of)
    u_owner, u_cls = uk // n_cls, uk % n_cls
    d_owner, d_cls = dk // n_cls, dk % n_cls
    cap = np.minimum(np.bincount(u_cls, minlength=n_cls),
                     np.bincount(d_cls, minlength=n_cls))
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    proto = model.proto
    for k in range(n_cls):
        proto.variables.add().domain.extend([0, int(cap[k])])

    def at_most(members: np.ndarray, bound: int) -> None:
        lin = proto.constraints.add().linear
        lin.vars.extend(members.tolist())
        lin.coeffs.extend([1] * len(members))
        lin.domain.extend([0, int(bound)])

    for gid in class_count_groups(data):
        n_groups = int(gid.max(initial=-1)) + 1
        bound = np.minimum(_distinct(u_owner, gid[u_cls], n_groups),
                           _distinct(d_owner, gid[d_cls], n_groups))
        sizes = np.bincount(gid, minlength=n_groups)
        order = np.argsort(gid, kind="stable")
        for g, members in enumerate(np.split(order, np.cumsum(sizes)[:-1])):
            if len(members) > 1 and bound[g] < cap[members].sum():
                at_most(members, bound[g])
    if matched < cap.sum():
        at_most(np.arange(n_cls), matched)
    if at_least > 0:
        lin = proto.constraints.add().linear
        lin.vars.extend(range(n_cls))
        lin.coeffs.extend([1] * n_cls)
        lin.domain.extend([int(at_least), _BIG])
    # the quota rows as the model of record writes them, over count variables 0..n-1
    _quota_rows(proto, data, np.arange(n_cls), dict(zip(range(n_cls), range(n_cls))), False)
    solver = cp_solver()  # signals: see optimizer.interrupt
    prm = solver.parameters
    prm.num_workers = 1
    prm.random_seed = int(seed)
    prm.max_deterministic_time = float(work if work > 0 else WORK)
    prm.max_time_in_seconds = max(0.01, float(time_limit))
    return solver.solve(model) == cp_model.INFEASIBLE
