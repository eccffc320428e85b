"""The naive baseline formulation reaches the same levels 1–2 as solve on a small round."""

from builders import full_policy, random_problem
from attribution.optimizer import SolveParams, solve
from attribution.optimizer.naive import naive_solve


def test_naive_model_agrees_with_solve():
    problem = random_problem(0, 30, 8, 0.3, full_policy())
    ours = solve(problem, SolveParams(time_limit=30))
    naive = naive_solve(problem, time_limit=30, workers=1, target=ours.objective[:2])
    assert naive.status == "OPTIMAL"
    assert (naive.units, naive.score) == ours.objective[:2]
    assert naive.time_to_target is not None
