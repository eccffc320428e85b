"""Issue 10, "Wrong answers": scores at the edge of the solver's exact range are solved
to the same optimum as an independent brute force in Python integers, and a score beyond
the range is refused with a clear error instead of a wrapped sum."""

import dataclasses

import numpy as np
import pytest

from builders import full_policy, random_problem
from attribution.models.errors import DataError
from attribution.optimizer import SolveParams, solve
from attribution.optimizer.data import max_abs_coefficient
from attribution.optimizer.solve import MAX_MODEL_ARCS
from test_solve import _brute_force


def _scaled(problem, top: int, seed: int):
    """The problem with scores spread over [0, top] (distinct low digits, no ties)."""
    rng = np.random.default_rng(seed)
    n = len(problem.scores)
    scores = (problem.scores.astype(np.int64) * (top // 60)
              + rng.integers(0, 1000, n)).clip(0, top)
    return dataclasses.replace(problem, scores=scores)


def _limit(problem) -> int:
    t = problem.territory
    return max_abs_coefficient(len(t.units), len(t.demands), MAX_MODEL_ARCS)


@pytest.mark.parametrize("seed", range(4))
def test_scores_at_the_edge_of_the_range_are_solved_exactly(seed):
    """Scores up to the limit (≈ 7.7e11 here, far beyond 32 bits): proven optimum equal
    to the brute force's, bound equal to the value (no wrap, no float rounding)."""
    base = random_problem(seed, 7, 4, 0.45, full_policy())
    problem = _scaled(base, _limit(base), seed)
    assert problem.scores.max() > 2**32
    result = solve(problem, SolveParams(time_limit=30), seed=0)
    units, score, neg_fit = _brute_force(problem)
    assert result.status == "OPTIMAL"
    assert result.objective[:2] == (units, score)
    assert result.bound[:2] == (units, score)


def test_a_score_beyond_the_range_is_refused():
    """One problem naming policy.toml's cotation, the score and the limit."""
    base = random_problem(1, 7, 4, 0.45, full_policy())
    limit = _limit(base)
    problem = _scaled(base, 2**62, 1)
    with pytest.raises(DataError) as err:
        solve(problem, SolveParams(time_limit=5))
    (p,) = err.value.problems
    assert p.file == "policy.toml" and p.column == "cotation"
    assert f"{limit:,}" in p.message and "beyond what the solver handles exactly" in p.message


def test_the_limit_shrinks_with_the_round():
    """Allocation sums stay below 2**53 and model sums below 2**62."""
    for units, demands in ((4, 7), (115, 6_002), (13_000, 60_000)):
        top = max_abs_coefficient(units, demands, MAX_MODEL_ARCS)
        assert (3 * top + 1) * min(units, demands) <= 2**53
        assert (3 * top + 1) * MAX_MODEL_ARCS <= 2**62
