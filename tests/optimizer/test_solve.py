"""attribution.optimizer.solve against independent answers: brute force on tiny rounds, a MILP on
small and medium ones; determinism; quotas that cost units; infeasible carry-overs."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from builders import full_policy, make_policy, make_problem, random_problem
from attribution.models.errors import PolicyInfeasible
from attribution.models.policy import Flow, Quotas
from attribution.models.quotas import build_quotas
from attribution.optimizer import SolveParams, solve

PARAMS = SolveParams(time_limit=30)


def _fit(problem):
    """Fit cost per arc, written out from docs/model.md (PMR misuse 3, surplus room 1)."""
    g, u, d = problem.graph, problem.territory.units, problem.territory.demands
    return (3 * (u.pmr[g.unit] & ~d.pmr_need[g.demand])
            + np.maximum(u.rooms[g.unit] - d.household_size[g.demand], 0))


def _brute_force(problem):
    """Best (units, score, −fit) over every matching of the arcs, by enumeration."""
    g, q = problem.graph, build_quotas(problem)
    score, fit = problem.scores[g.demand], _fit(problem)
    by_unit = [np.flatnonzero(g.unit == k) for k in range(len(problem.territory.units))]
    best = [(-1,)]

    def walk(k, chosen, used):
        if k == len(by_unit):
            arcs = np.array(chosen, dtype=np.int64)
            if (q.coef @ q.classes.counts(arcs) >= q.rhs).all():
                key = (len(arcs), int(score[arcs].sum()), -int(fit[arcs].sum()))
                best[0] = max(best[0], key)
            return
        walk(k + 1, chosen, used)
        for a in by_unit[k].tolist():
            if g.demand[a] not in used:
                walk(k + 1, chosen + [a], used | {int(g.demand[a])})

    walk(0, [], frozenset())
    return best[0]


def _milp_levels(problem):
    """The three levels one after the other with scipy's HiGHS MILP on every arc."""
    g, n = problem.graph, len(problem.graph)
    n_u, n_d = len(problem.territory.units), len(problem.territory.demands)
    cols = np.arange(n)
    cons = [LinearConstraint(sp.csr_matrix((np.ones(n), (g.unit, cols)), shape=(n_u, n)), 0, 1),
            LinearConstraint(sp.csr_matrix((np.ones(n), (g.demand, cols)), shape=(n_d, n)), 0, 1)]
    q = build_quotas(problem)
    if len(q):
        rows = np.stack([q.per_arc(i) for i in range(len(q))]).astype(float)
        cons.append(LinearConstraint(rows, q.rhs.astype(float), np.inf))
    values = []
    for c in (np.ones(n), problem.scores[g.demand].astype(float), -_fit(problem).astype(float)):
        res = milp(-c, constraints=cons, integrality=np.ones(n), bounds=Bounds(0, 1))
        value = int(round(-res.fun))
        values.append(value)
        cons.append(LinearConstraint(c[None, :], value, np.inf))
    return values[0], values[1], -values[2]


def _key(result):
    units, score, fit = result.objective
    return (units, score, -fit)


@pytest.mark.parametrize("seed", range(6))
def test_tiny_rounds_match_brute_force(seed):
    """Every level equals the enumeration over all matchings, and is proven."""
    problem = random_problem(seed, 7, 4, 0.45, full_policy())
    result = solve(problem, PARAMS, seed=0)
    assert result.status == "OPTIMAL"
    assert _key(result) == _brute_force(problem)


@pytest.mark.parametrize("seed,n_d,n_u", [(0, 40, 10), (1, 60, 15), (2, 120, 30)])
def test_small_and_medium_rounds_match_a_milp(seed, n_d, n_u):
    """Units let, score sum and fit cost equal a lexicographic MILP on every arc."""
    problem = random_problem(seed, n_d, n_u, 0.25, full_policy())
    result = solve(problem, PARAMS, seed=0)
    assert result.status == "OPTIMAL"
    assert result.objective == _milp_levels(problem)
    assert result.bound == result.objective and result.gap == 0.0


def test_same_input_and_seed_same_allocation():
    problem = random_problem(11, 120, 30, 0.25, full_policy())
    first = solve(problem, PARAMS, seed=3)
    second = solve(problem, PARAMS, seed=3)
    assert np.array_equal(first.arcs, second.arcs)


def test_arcs_are_valid_and_sorted_by_unit():
    problem = random_problem(5, 60, 15, 0.25, full_policy())
    result = solve(problem, PARAMS)
    units = problem.graph.unit[result.arcs]
    assert np.all(np.diff(units) > 0)
    assert all(q.satisfied for q in result.quotas)


def test_without_fit_preference_two_levels():
    problem = random_problem(2, 40, 10, 0.3, full_policy())
    result = solve(problem, SolveParams(time_limit=30, fit_preference=False))
    assert [lv.name for lv in result.levels] == ["units_let", "score_sum"]
    assert result.objective == _milp_levels(problem)[:2]


def _two_publics(policy):
    """4 units; 4 priority non-Q1 demands and 4 Q1 non-priority ones; every pair is an arc."""
    demands = [{"priority": True, "score": 10} for _ in range(4)] + \
              [{"q1": True, "score": 5} for _ in range(4)]
    arcs = [(j, k, "bailleur") for k in range(4) for j in range(8)]
    return make_problem([{} for _ in range(4)], demands, arcs, policy)


def test_a_quota_alone_costs_units_and_is_named():
    """priority_min 0.75 with a single priority household: at most 1 unit can be let
    (1 ≥ 0.75·n ⇒ n ≤ 1); the diagnosis names priority_min and the 3 units it costs."""
    demands = [{"priority": True, "score": 1}] + [{"score": 9} for _ in range(5)]
    arcs = [(j, k, "bailleur") for k in range(4) for j in range(6)]
    problem = make_problem([{} for _ in range(4)], demands, arcs,
                           make_policy(Quotas(priority_min=0.75)))
    result = solve(problem, PARAMS)
    assert result.status == "OPTIMAL" and result.objective[0] == 1
    assert result.units_without_quotas == 4 and result.units_lost_to_quotas == 3
    (conflict,) = result.conflicts
    assert conflict.rows == ("priority_min",) and conflict.units_lost == 3 and conflict.minimal


def test_two_quotas_that_contradict_each_other():
    """≥ 75 % priority and ≥ 75 % Q1 outside QPV with disjoint publics: each alone lets
    all 4 units, together none — the conflict is exactly these two rows."""
    problem = _two_publics(make_policy(Quotas(priority_min=0.75, q1_outside_qpv_min=0.75)))
    result = solve(problem, PARAMS)
    assert result.objective[0] == 0 and result.units_lost_to_quotas == 4
    (conflict,) = result.conflicts
    assert set(conflict.rows) == {"priority_min", "q1_outside_qpv_min"} and conflict.minimal
    for alone in (Quotas(priority_min=0.75), Quotas(q1_outside_qpv_min=0.75)):
        assert solve(_two_publics(make_policy(alone)), PARAMS).objective[0] == 4


def test_carry_over_that_nothing_can_repair_raises():
    """Year to date 0 priority of 10 and no priority household this round: no allocation,
    not even the empty one, meets priority_min — PolicyInfeasible names it."""
    problem = make_problem([{}], [{}], [(0, 0, "bailleur")],
                           make_policy(Quotas(priority_min=0.25)),
                           carry={"priority_min": (0, 10)})
    with pytest.raises(PolicyInfeasible) as err:
        solve(problem, PARAMS)
    assert "priority_min" in err.value.conflicts


def test_unrepaired_carry_over_without_a_proof_is_no_solution(monkeypatch):
    """When no allocation meeting the carried-over rows is found and the model on every arc
    (the proof of infeasibility) is out of reach, the answer is NO_SOLUTION with no arcs —
    never the empty allocation that breaks the rows (it used to raise an internal error)."""
    import sys

    module = sys.modules["attribution.optimizer.solve"]
    monkeypatch.setattr(module, "MAX_MODEL_ARCS", 0)
    # nor the class-count relaxation (which proves this one: test_feasibility.py)
    monkeypatch.setattr(module, "class_counts_infeasible", lambda *a, **k: False)
    demands = [{"score": s} for s in range(30)]
    problem = make_problem([{}], demands, [(d, 0, "bailleur") for d in range(30)],
                           make_policy(Quotas(priority_min=0.25)),
                           carry={"priority_min": (0, 10)})
    result = solve(problem, PARAMS)
    assert result.status == "NO_SOLUTION" and len(result.arcs) == 0


def test_carry_over_that_the_round_repairs():
    """Year to date 0 of 3: the round must house the priority household (1 ≥ 0.25 × 4)."""
    problem = make_problem([{}], [{"priority": True, "score": 1}, {"score": 50}],
                           [(0, 0, "bailleur"), (1, 0, "bailleur")],
                           make_policy(Quotas(priority_min=0.25)),
                           carry={"priority_min": (0, 3)})
    result = solve(problem, PARAMS)
    assert result.status == "OPTIMAL" and result.objective[:2] == (1, 1)


def test_round_without_any_arc():
    problem = make_problem([{}], [{}], [], make_policy(Quotas(priority_min=0.25)))
    result = solve(problem, PARAMS)
    assert result.status == "OPTIMAL" and len(result.arcs) == 0


def test_flows_hold_in_the_solution():
    """With a tight flow (share 0.5 ± 0 for L1→etat), the optimum respects it although
    the etat arcs score higher."""
    units = [{"landlord": 0} for _ in range(6)]
    demands = [{"score": 10 + j} for j in range(12)]
    arcs = [(2 * k + i, k, r) for k in range(6) for i in range(2)
            for r in ("etat", "bailleur")]
    problem = make_problem(units, demands, arcs, make_policy(
        flows=[Flow("L1", "etat", 0.5, 0.0), Flow("L1", "bailleur", 0.5, 0.0)]))
    result = solve(problem, PARAMS)
    assert result.status == "OPTIMAL"
    assert _key(result) == _brute_force(problem)


def test_gap_target_may_stop_at_the_quick_allocation():
    """With a loose gap target the quick allocation can be the answer: valid, and its
    certified gap (against the quota-free bound) within the target."""
    for seed in range(8):
        problem = random_problem(seed, 80, 20, 0.3, full_policy())
        result = solve(problem, SolveParams(time_limit=30, relative_gap=0.5))
        assert all(q.satisfied for q in result.quotas)
        assert result.gap <= 0.5
        if result.stats.get("score") is None:          # the LP was skipped
            assert result.stats["quick"]["score"] == result.objective[1]
            return
    pytest.fail("the quick route was never taken")
