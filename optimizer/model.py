"""The CP-SAT model of record, built on any subset of the arcs.

Section order as in the OR-Tools samples: variables → one small function per constraint
family → objective → solve → extract. Variables: one Boolean per arc of the subset, then
one integer count per arc class (the quota rows are written on these counts, so each quota
row has a handful of terms instead of one per arc). The model is written straight into the
``CpModelProto`` from ``numpy`` arrays: building a hundred thousand Booleans through the
expression API costs seconds, this costs a fraction of one.

Families (all hard):

- ``_one_arc_per_unit`` / ``_one_arc_per_demand``: ``AddAtMostOne`` rows;
- ``_class_counts``: ``n_k = Σ_{a ∈ class k} x_a``;
- ``_quota_rows``: every row of :mod:`models.quotas`, ``Σ_k coef_k·n_k ≥ rhs``;
- ``_level_rows``: rows fixing earlier lexicographic levels (``Σ coef·x ≥ rhs``);
- ``_objective`` and ``_objective_window``: the level's objective, and optional valid
  cuts ``lo ≤ objective ≤ hi`` (a proven bound, an incumbent's value).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .bound import SideRows
from .data import SolverData
from .interrupt import cp_solver

_BIG = 2**62


@dataclass
class SubModel:
    """A CP-SAT model on a subset of arcs, and how its variables map back."""

    model: cp_model.CpModel
    arcs: np.ndarray       # global index of the arc of Boolean variable i
    classes: np.ndarray    # global class of count variable len(arcs) + j


@dataclass(frozen=True)
class SubOutcome:
    """What one CP-SAT solve returned (arcs are global indices, sorted)."""

    status: str            # OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN | MODEL_INVALID
    arcs: np.ndarray
    value: int | None      # objective of the solution found
    bound: int | None      # CP-SAT's bound on the subset model
    seconds: float
    variables: int
    constraints: int


def build_model(data: SolverData, arcs: np.ndarray, objective: np.ndarray, *,
                maximize: bool = True, side: SideRows = SideRows(),
                window: tuple[int | None, int | None] = (None, None),
                hint: np.ndarray | None = None, assumptions: bool = False,
                every_unit_let: bool = False, fixed: np.ndarray | None = None) -> SubModel:
    """CP-SAT model of the allocation restricted to ``arcs`` (sorted global indices).

    Parameters
    ----------
    objective
        Integer coefficient of every arc (global array).
    maximize
        Sense of the objective.
    side
        Rows fixing earlier levels.
    window
        Optional valid cuts ``lo ≤ objective ≤ hi``.
    hint
        Arcs of a complete feasible allocation inside ``arcs`` (all other variables are
        hinted too, so the hint is complete).
    assumptions
        Enforce each quota row only under its own literal, added as an assumption (for
        infeasibility cores, ``conflicts.py``).
    every_unit_let
        Every unit with an arc in the subset must be let (``AddExactlyOne`` instead of
        ``AddAtMostOne``): valid when an earlier level lets all lettable units.
    fixed
        Arcs of the subset fixed to 1 (a neighbourhood search around them).
    """
    arcs = np.asarray(arcs, dtype=np.int64)
    model = cp_model.CpModel()
    proto = model.proto
    n = len(arcs)
    _variables(proto, n)
    if fixed is not None and len(fixed):
        for i in np.flatnonzero(np.isin(arcs, fixed)).tolist():
            proto.variables[i].domain[0] = 1
    _one_arc_per_unit(proto, data.unit[arcs], every_unit_let)
    _one_arc_per_demand(proto, data.demand[arcs])
    cls = data.quotas.classes.of_arc[arcs]
    present, count_var = _class_counts(proto, cls, n)
    _quota_rows(proto, data, present, count_var, assumptions)
    _level_rows(proto, side, arcs)
    coef = objective[arcs].astype(np.int64)
    _objective(proto, coef, maximize)
    _objective_window(proto, coef, *window)
    if hint is not None:
        _hint(proto, arcs, np.asarray(hint, dtype=np.int64), cls, present)
    return SubModel(model=model, arcs=arcs, classes=present)


def _variables(proto, n: int) -> None:
    """One Boolean per arc (proto indices 0..n-1)."""
    if n:
        proto.merge_text_format("variables { domain: [0, 1] }\n" * n)


def _at_most_one_groups(proto, owner: np.ndarray, exactly: bool = False) -> None:
    order = np.argsort(owner, kind="stable")
    own = owner[order]
    cuts = np.flatnonzero(own[1:] != own[:-1]) + 1
    for group in np.split(order, cuts):
        if exactly:
            proto.constraints.add().exactly_one.literals.extend(group.tolist())
        elif len(group) > 1:
            proto.constraints.add().at_most_one.literals.extend(group.tolist())


def _one_arc_per_unit(proto, unit: np.ndarray, exactly: bool = False) -> None:
    """Each unit is let at most once (one réservataire, one demand) — exactly once when
    an earlier level lets every unit."""
    _at_most_one_groups(proto, unit, exactly)


def _one_arc_per_demand(proto, demand: np.ndarray) -> None:
    """Each demand is housed at most once."""
    _at_most_one_groups(proto, demand)


def _class_counts(proto, cls: np.ndarray, n: int) -> tuple[np.ndarray, dict[int, int]]:
    """An integer ``n_k`` per class present, tied to its Booleans by ``Σ x − n_k = 0``."""
    present, inverse, sizes = np.unique(cls, return_inverse=True, return_counts=True)
    count_var = {}
    order = np.argsort(inverse, kind="stable")
    groups = np.split(order, np.cumsum(sizes)[:-1])
    for j, (k, members) in enumerate(zip(present.tolist(), groups)):
        var = n + j
        proto.variables.add().domain.extend([0, int(len(members))])
        lin = proto.constraints.add().linear
        lin.vars.extend(members.tolist() + [var])
        lin.coeffs.extend([1] * len(members) + [-1])
        lin.domain.extend([0, 0])
        count_var[k] = var
    return present, count_var


def _quota_rows(proto, data: SolverData, present: np.ndarray, count_var: dict[int, int],
                assumptions: bool) -> None:
    """Every quota row over the class counts (rows with no class present are constants)."""
    q = data.quotas
    for i, row in enumerate(q.rows):
        coef = q.coef[i, present]
        nz = np.flatnonzero(coef)
        con = proto.constraints.add()
        if assumptions:
            lit = len(proto.variables)
            proto.variables.add().domain.extend([0, 1])
            con.enforcement_literal.append(lit)
            proto.assumptions.append(lit)
        lin = con.linear
        lin.vars.extend([count_var[int(k)] for k in present[nz]])
        lin.coeffs.extend(coef[nz].tolist())
        lin.domain.extend([int(q.rhs[i]), _BIG])


def _level_rows(proto, side: SideRows, arcs: np.ndarray) -> None:
    """Rows fixing earlier lexicographic levels: ``Σ coef·x ≥ rhs``."""
    idx = np.arange(len(arcs))
    for coef, rhs in zip(side.coefs, side.rhs):
        c = coef[arcs].astype(np.int64)
        nz = np.flatnonzero(c)
        lin = proto.constraints.add().linear
        lin.vars.extend(idx[nz].tolist())
        lin.coeffs.extend(c[nz].tolist())
        lin.domain.extend([int(rhs), _BIG])


def _objective(proto, coef: np.ndarray, maximize: bool) -> None:
    """CP-SAT minimises ``scaling_factor·Σ coeffs·x``; a maximisation negates both."""
    nz = np.flatnonzero(coef)
    proto.objective.vars.extend(nz.tolist())
    proto.objective.coeffs.extend((-coef[nz] if maximize else coef[nz]).tolist())
    proto.objective.scaling_factor = -1.0 if maximize else 1.0
    if not len(nz):   # keep an objective so that status OPTIMAL means "proven"
        proto.objective.offset = 0.0


def _objective_window(proto, coef: np.ndarray, lo: int | None, hi: int | None) -> None:
    """Valid cuts on the objective value (proven bound, incumbent value)."""
    if lo is None and hi is None:
        return
    nz = np.flatnonzero(coef)
    lin = proto.constraints.add().linear
    lin.vars.extend(nz.tolist())
    lin.coeffs.extend(coef[nz].tolist())
    lin.domain.extend([-_BIG if lo is None else int(lo), _BIG if hi is None else int(hi)])


def _hint(proto, arcs: np.ndarray, chosen: np.ndarray, cls: np.ndarray,
          present: np.ndarray) -> None:
    """A complete hint: every Boolean and every class count."""
    x = np.isin(arcs, chosen).astype(np.int64)
    counts = np.bincount(np.searchsorted(present, cls[x == 1]), minlength=len(present))
    n = len(arcs)
    proto.solution_hint.vars.extend(list(range(n + len(present))))
    proto.solution_hint.values.extend(x.tolist() + counts.tolist())


def run(sub: SubModel, *, time_limit: float, seed: int, workers: int = 1,
        log: bool = False, relative_gap: float = 0.0, log_file: str = "",
        title: str = "", deterministic_limit: float = 0.0) -> SubOutcome:
    """Solve ``sub`` with CP-SAT and map the answer back to global arcs.

    With ``log_file``, CP-SAT's search log is appended to that file (after a line
    ``== title ==``) instead of going to stdout.
    """
    solver = cp_solver()  # signals: see optimizer.interrupt
    prm = solver.parameters
    prm.max_time_in_seconds = max(float(time_limit), 0.01)
    if deterministic_limit > 0:   # a work budget: the same stopping point on any load
        prm.max_deterministic_time = float(deterministic_limit)
    prm.num_workers = int(workers)
    prm.random_seed = int(seed)
    prm.log_search_progress = bool(log or log_file)
    with contextlib.ExitStack() as stack:
        if log_file:
            fh = stack.enter_context(open(log_file, "a", encoding="utf-8"))
            fh.write(f"== {title or 'CP-SAT model'} ==\n")
            prm.log_to_stdout = False
            solver.log_callback = lambda line: fh.write(line + "\n")
        return _solve(solver, sub, relative_gap)


def _solve(solver: cp_model.CpSolver, sub: SubModel, relative_gap: float) -> SubOutcome:
    prm = solver.parameters
    # Level 2 linearisation (at-most-one and quota rows in CP-SAT's LP, with cuts) is
    # what closes these models fast; level 1 left the small round unsolved in 20 s.
    prm.linearization_level = 2
    if relative_gap > 0:
        prm.relative_gap_limit = float(relative_gap)
    start = time.perf_counter()
    status = solver.solve(sub.model)
    seconds = time.perf_counter() - start
    name = solver.status_name(status)
    proto = sub.model.proto
    arcs, value, bound = np.zeros(0, dtype=np.int64), None, None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = np.asarray(list(solver.response_proto.solution), dtype=np.int64)[:len(sub.arcs)]
        arcs = sub.arcs[values == 1]
        value = int(round(solver.objective_value))
        bound = int(round(solver.best_objective_bound))
    return SubOutcome(status=name, arcs=arcs, value=value, bound=bound, seconds=seconds,
                      variables=len(proto.variables), constraints=len(proto.constraints))
