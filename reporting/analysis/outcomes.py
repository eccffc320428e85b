"""The outcome of every demand in a solved round, with the fact that explains it.

Definitions (also in ``docs/outputs.md``), for a demand ``d`` with score ``s``:

``housed``
    ``d`` gets a unit in the allocation.
``no_unit_wished``
    no unit of the round lies in a commune ``d`` wished *and* has a typology ``d`` wished
    (empty lists meaning any).
``not_eligible``
    some wished unit exists, but the compatibility graph has no arc for ``d``: every unit
    fails some rule. ``rule`` = the rule that excludes the most wished units.
``outranked``
    ``d`` has arcs, and every unit it could get went to a demand with a score ≥ ``s``.
    ``score_gap`` = (lowest score among those holders) − ``s`` ≥ 0.
``held_by_quota``
    ``d`` has an arc to a *winnable* unit — left empty, or let to a lower-scored demand — but
    every such direct move (``d`` takes the unit, its holder leaves) breaks a quota row.
    ``quota`` = the first row broken by the move chosen for the explanation (fewest rows
    broken, then an empty unit, then the largest score gain, then unit order).
``not_reached``
    some direct move houses ``d`` with a better objective and breaks no quota: the run
    stopped before optimality (a time limit). Never occurs on a proven optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attribution.models.pair_rules import RULES
from attribution.models.problem import AllocationProblem

from .blocking import blocking
from .moves import MoveChecker
from ..tables.assignments import housed_unit, unit_holder


@dataclass(frozen=True)
class Outcomes:
    """Per-demand outcome arrays (index = demand index); see the module docstring.

    ``unit`` is the unit received (-1), ``related_unit`` the unit the explanation is about
    (-1), ``rule`` / ``quota`` / ``quota_rows`` strings ("" when not applicable),
    ``score_gap`` and ``competitor_score`` int (-1 when not applicable), ``wished`` and
    ``compatible`` the numbers of wished units and of units with an arc, and
    ``rule_counts`` the "rule:count" list of not-eligible demands.
    """

    outcome: np.ndarray
    unit: np.ndarray
    related_unit: np.ndarray
    rule: np.ndarray
    rule_counts: np.ndarray
    quota: np.ndarray
    quota_rows: np.ndarray
    score_gap: np.ndarray
    competitor_score: np.ndarray
    wished: np.ndarray
    compatible: np.ndarray


def classify(problem: AllocationProblem, arcs: np.ndarray,
             checker: MoveChecker | None = None) -> Outcomes:
    """Classify every demand of a solved round.

    Parameters
    ----------
    problem
        The problem.
    arcs
        The chosen arcs.
    checker
        A :class:`MoveChecker` for ``arcs`` (built if omitted).
    """
    n = len(problem.territory.demands)
    arcs = np.asarray(arcs, dtype=np.int64)
    checker = checker or MoveChecker(problem, arcs)
    unit = housed_unit(problem, arcs)
    str_ = lambda: np.full(n, "", dtype=object)  # noqa: E731
    out = dict(outcome=str_(), unit=unit, related_unit=np.full(n, -1, np.int64),
               rule=str_(), rule_counts=str_(), quota=str_(), quota_rows=str_(),
               score_gap=np.full(n, -1, np.int64), competitor_score=np.full(n, -1, np.int64),
               wished=wished_units(problem), compatible=_compatible_units(problem))
    out["outcome"][unit >= 0] = "housed"
    _without_arcs(problem, out)
    _with_arcs(problem, arcs, checker, out)
    return Outcomes(**out)


def wished_units(problem: AllocationProblem) -> np.ndarray:
    """Per demand, the number of units of the round in a wished commune with a wished
    typology (an empty wish list — stored all-True or all-False — admits everything)."""
    t = problem.territory
    d, u = t.demands, t.units
    communes = d.wished_communes | ~d.wished_communes.any(axis=1, keepdims=True)
    typologies = d.wished_typologies | ~d.wished_typologies.any(axis=1, keepdims=True)
    grid = np.zeros((communes.shape[1], typologies.shape[1]), dtype=np.int64)
    np.add.at(grid, (u.commune, u.typology), 1)
    return ((communes.astype(np.int64) @ grid) * typologies).sum(axis=1)


#: Largest demands × units grid :func:`_compatible_units` marks in memory (bytes).
_GRID_CELLS = 50_000_000


def _compatible_units(problem: AllocationProblem) -> np.ndarray:
    """Per demand, the number of distinct units it has an arc to (an arc per réservataire
    of a unit counts the unit once)."""
    g = problem.graph
    n_d, n_u = len(problem.territory.demands), len(problem.territory.units)
    if n_d * n_u <= _GRID_CELLS:      # mark a grid: no sort of the arcs
        grid = np.zeros((n_d, n_u), dtype=bool)
        grid[g.demand, g.unit] = True
        return grid.sum(axis=1, dtype=np.int64)
    pairs = np.unique(g.demand.astype(np.int64) * max(len(problem.territory.units), 1)
                      + g.unit.astype(np.int64))
    n_units = max(len(problem.territory.units), 1)
    return np.bincount(pairs // n_units, minlength=len(problem.territory.demands))


def _without_arcs(problem: AllocationProblem, out: dict) -> None:
    no_arc = np.flatnonzero(out["compatible"] == 0)
    if not len(no_arc):
        return
    b = blocking(problem.territory, no_arc)
    out["outcome"][no_arc] = np.where(b.wished > 0, "not_eligible", "no_unit_wished")
    out["rule"][no_arc] = b.main_rule()
    for i, d in enumerate(no_arc):
        if b.wished[i]:
            order = np.argsort(-b.counts[i], kind="stable")
            out["rule_counts"][d] = ";".join(f"{RULES[k]}:{b.counts[i, k]}" for k in order
                                             if b.counts[i, k])


def _first_per_demand(demand: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions (in ``order``, sorted by demand first) of each demand's first row."""
    d = demand[order]
    keep = np.ones(len(d), dtype=bool)
    keep[1:] = d[1:] != d[:-1]
    return order[keep]


def _with_arcs(problem: AllocationProblem, arcs: np.ndarray, checker: MoveChecker,
               out: dict) -> None:
    g, scores = problem.graph, problem.scores
    waiting = (out["compatible"] > 0) & (out["unit"] < 0)
    cand = np.flatnonzero(waiting[g.demand])
    if not len(cand):
        return
    holder = unit_holder(problem, arcs)[g.unit[cand]]
    d = g.demand[cand].astype(np.int64)
    s = scores[d]
    h_score = np.where(holder >= 0, scores[g.demand[np.maximum(holder, 0)]], -1)
    winnable = (holder < 0) | (h_score < s)
    unit = g.unit[cand].astype(np.int64)
    # outranked: demands without any winnable arc; the explanation is about the unit whose
    # holder has the lowest score (then the first unit)
    any_win = np.zeros(len(waiting), dtype=bool)
    any_win[d[winnable]] = True
    lost = np.flatnonzero(~any_win[d])
    if len(lost):
        best = _first_per_demand(d, lost[np.lexsort((unit[lost], h_score[lost], d[lost]))])
        idx = d[best]
        out["outcome"][idx] = "outranked"
        out["competitor_score"][idx] = h_score[best]
        out["score_gap"][idx] = h_score[best] - scores[idx]
        out["related_unit"][idx] = unit[best]
    win = np.flatnonzero(winnable)
    if not len(win):
        return
    n_bad, first = checker.first_violation(holder[win], cand[win])
    empty = holder[win] < 0
    gain = scores[d[win]] - h_score[win]
    # fewest rows broken, then an empty unit, then the largest score gain, then unit order
    order = np.lexsort((cand[win], unit[win], -gain, ~empty, n_bad, d[win]))
    pick = _first_per_demand(d[win], order)          # positions in ``win``
    rows = win[pick]
    idx = d[rows]
    free = n_bad[pick] == 0
    out["outcome"][idx] = np.where(free, "not_reached", "held_by_quota")
    out["related_unit"][idx] = unit[rows]
    out["quota"][idx] = first[pick]
    out["quota_rows"][idx] = checker.broken_lists(holder[rows], cand[rows])
    held = holder[rows] >= 0
    out["competitor_score"][idx] = np.where(held, h_score[rows], -1)
