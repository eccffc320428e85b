"""One error type per kind of failure, shared by the layers (models.errors)."""

import numpy as np
import pytest

from builders import random_problem
from attribution.models import allocation
from attribution.models.errors import AttributionError, InvalidAllocation, SolverFailure
from attribution.optimizer import SolveParams, solve
from attribution.optimizer.matching import min_cost_flow


def test_reporting_re_exports_the_same_class():
    """``attribution.reporting.InvalidAllocation`` (public) is the one of models.errors."""
    import attribution
    from attribution import reporting
    from attribution.reporting import results

    assert reporting.InvalidAllocation is InvalidAllocation is results.InvalidAllocation
    assert attribution.InvalidAllocation is InvalidAllocation
    assert issubclass(InvalidAllocation, AttributionError)


def test_the_optimizer_refuses_its_own_invalid_allocation(monkeypatch, english_messages):
    """If the final check finds broken rules, solve raises InvalidAllocation naming them
    (the first three quoted, all kept), never a bare RuntimeError."""
    broken = [f"rule {k} broken." for k in range(5)]
    import importlib

    solve_module = importlib.import_module("attribution.optimizer.solve")
    monkeypatch.setattr(solve_module, "check_allocation", lambda *a, **k: list(broken))
    with pytest.raises(InvalidAllocation, match=r"rule 0 broken\. rule 1 broken\. "
                                               r"rule 2 broken\. \(2 more\)") as info:
        solve(random_problem(1, 20, 5, 0.5), SolveParams(time_limit=10))
    assert info.value.errors == tuple(broken)


def test_a_real_check_failure_is_worded_by_check_allocation():
    """The message is check_allocation's own sentence (a unit let twice)."""
    p = random_problem(2, 20, 5, 0.6)
    g = p.graph
    twice = np.flatnonzero(g.unit == g.unit[0])[:2]
    if len(twice) < 2:
        pytest.skip("the first unit has one arc")
    errors = allocation.check_allocation(p, twice)
    assert errors
    assert str(InvalidAllocation(errors)).endswith(" ".join(errors[:3]))


def test_min_cost_flow_failure_is_a_solver_failure(monkeypatch, english_messages):
    """A status other than OPTIMAL (impossible on this network) is a SolverFailure."""
    from ortools.graph.python import min_cost_flow as mcf

    monkeypatch.setattr(mcf.SimpleMinCostFlow, "solve",
                        lambda self: mcf.SimpleMinCostFlow.INFEASIBLE)
    p = random_problem(3, 10, 3, 0.5)
    g = p.graph
    with pytest.raises(SolverFailure, match="min-cost flow ended with status"):
        min_cost_flow(g.unit, g.demand, p.scores[g.demand], 3, 10)
