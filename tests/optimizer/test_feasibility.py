"""The class-count relaxation (optimizer.feasibility) against brute force: whenever it
says "infeasible", no matching of the arcs meets the quota rows; and optimizer.solve
then raises PolicyInfeasible instead of searching."""

import numpy as np
import pytest

from builders import full_policy, make_policy, make_problem, random_problem
from attribution.models.errors import PolicyInfeasible
from attribution.models.policy import Quotas
from attribution.optimizer import SolveParams, solve
from attribution.optimizer.data import solver_data
from attribution.optimizer.feasibility import class_counts_infeasible
from attribution.optimizer.matching import max_matching


def _most_units_by_enumeration(problem) -> int:
    """The most units let by a matching of the arcs meeting every row (-1: none does,
    not even the empty one)."""
    g, q = problem.graph, problem.quotas
    by_unit = [np.flatnonzero(g.unit == k) for k in range(len(problem.territory.units))]

    def walk(k, chosen, used):
        if k == len(by_unit):
            arcs = np.array(chosen, dtype=np.int64)
            return len(arcs) if (q.coef @ q.classes.counts(arcs) >= q.rhs).all() else -1
        return max([walk(k + 1, chosen, used)]
                   + [walk(k + 1, chosen + [a], used | {int(g.demand[a])})
                      for a in by_unit[k].tolist() if int(g.demand[a]) not in used])

    return walk(0, [], frozenset())


def _feasible_by_enumeration(problem) -> bool:
    """Whether some matching of the arcs (the empty one included) meets every row."""
    return _most_units_by_enumeration(problem) >= 0


def _random_carry(rng, problem) -> dict:
    """Year-to-date counts for a random half of the rows (left ≤ right ≤ 12)."""
    carry = {}
    for name in problem.quotas.names:
        if rng.random() < 0.5:
            right = int(rng.integers(0, 13))
            carry[name] = (int(rng.integers(0, right + 1)), right)
    return carry


@pytest.mark.parametrize("seed", range(12))
def test_infeasible_only_when_no_matching_meets_the_rows(seed):
    """Soundness on tiny rounds of the full policy under random carry-overs, checked by
    enumerating every matching; the relaxation must also prove some of them (else the
    check would be vacuous: counted over the seeds below)."""
    rng = np.random.default_rng(1000 + seed)
    base = random_problem(seed, n_demands=6, n_units=4, density=0.5, policy=full_policy())
    for _ in range(6):
        problem = base.with_carry(_random_carry(rng, base))
        data = solver_data(problem, SolveParams())
        proven = class_counts_infeasible(data, len(max_matching(data)), seed=0)
        if proven:
            assert not _feasible_by_enumeration(problem)
            _PROVEN.append(seed)


_PROVEN: list[int] = []


def test_the_relaxation_proves_some_infeasible_carry_overs():
    """Runs after the soundness test above: some of its carry-overs were proven
    infeasible (the relaxation is not a stub answering "not proven" every time)."""
    if not _PROVEN:
        for seed in range(12):
            test_infeasible_only_when_no_matching_meets_the_rows(seed)
    assert len(_PROVEN) >= 3


@pytest.mark.parametrize("seed", range(8))
def test_units_refused_only_when_no_allocation_lets_them(seed):
    """``at_least=k`` (Σ n_k ≥ k): proven infeasible only when no matching meeting the
    rows lets k units (enumeration); and it proves some k on these rounds."""
    rng = np.random.default_rng(2000 + seed)
    base = random_problem(seed, n_demands=6, n_units=4, density=0.5, policy=full_policy())
    proven = 0
    for _ in range(4):
        problem = base.with_carry(_random_carry(rng, base))
        data = solver_data(problem, SolveParams())
        matched = len(max_matching(data))
        most = _most_units_by_enumeration(problem)
        for k in range(1, matched + 1):
            if class_counts_infeasible(data, matched, at_least=k):
                assert most < k
                proven += 1
    _PROVEN_UNITS.append(proven)


_PROVEN_UNITS: list[int] = []


def test_the_units_relaxation_is_not_vacuous():
    if not _PROVEN_UNITS:
        for seed in range(8):
            test_units_refused_only_when_no_allocation_lets_them(seed)
    assert sum(_PROVEN_UNITS) >= 3


def test_solve_raises_on_a_carry_over_the_counts_cannot_meet(monkeypatch):
    """30 arcs of one unit, no priority household, priority_min carried at 0 of 10: the
    relaxation proves it at once, so solve raises PolicyInfeasible naming the row without
    any search of the levels (even with the model on every arc out of reach)."""
    import sys

    monkeypatch.setattr(sys.modules["attribution.optimizer.solve"], "MAX_MODEL_ARCS", 0)
    demands = [{"score": s} for s in range(30)]
    problem = make_problem([{}], demands, [(d, 0, "bailleur") for d in range(30)],
                           make_policy(Quotas(priority_min=0.25)),
                           carry={"priority_min": (0, 10)})
    with pytest.raises(PolicyInfeasible) as err:
        solve(problem, SolveParams(time_limit=30))
    assert "priority_min" in err.value.conflicts


def test_a_feasible_round_is_never_refused():
    """A carry-over the round repairs (one priority household housed) is not refused."""
    problem = make_problem([{}], [{"priority": True, "score": 1}, {"score": 50}],
                           [(0, 0, "bailleur"), (1, 0, "bailleur")],
                           make_policy(Quotas(priority_min=0.25)),
                           carry={"priority_min": (0, 3)})
    data = solver_data(problem, SolveParams())
    assert not class_counts_infeasible(data, len(max_matching(data)))
