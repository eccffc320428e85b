"""The quota system of a round is built once and passed on: the problem holds it
(:attr:`AllocationProblem.quotas`); the solver, the validity checks and the report read
that one, and a simulated pass derives its carried rows from the same arc classes."""

import numpy as np
import pytest

from builders import random_territory
from attribution.models import quotas as quotas_module
from attribution.models.compatibility import build_problem
from attribution.optimizer import SolveParams, solve
from attribution.reporting.results import run
from attribution.reporting.analysis.shortlists import ShortlistParams
from attribution.scenarios.accounts import Accounts
from attribution.scenarios.rounds import solve_pass


@pytest.fixture
def counted(monkeypatch):
    """Counts of build_quotas and arc_classes calls (the O(arcs) part) while a test runs."""
    calls = {"build_quotas": 0, "arc_classes": 0}
    for name in calls:
        original = getattr(quotas_module, name)

        def wrapper(*args, _original=original, _name=name, **kw):
            calls[_name] += 1
            return _original(*args, **kw)

        monkeypatch.setattr(quotas_module, name, wrapper)
    return calls


def test_one_solve_and_report_build_the_quota_system_once(tmp_path, counted):
    """solve + compute + write of one round (no re-solve of derived problems)."""
    problem = build_problem(random_territory(5, 120, 12))
    run(problem, tmp_path / "results", params=SolveParams(time_limit=20), seed=1,
        options=ShortlistParams(exact="never"), price_quotas="never")
    assert counted == {"build_quotas": 1, "arc_classes": 1}


def test_the_problem_holds_one_system(counted):
    """Every reader gets the same object; a carried variant reuses the arc classes."""
    problem = build_problem(random_territory(6, 80, 8))
    assert problem.quotas is problem.quotas
    result = solve(problem, SolveParams(time_limit=10))
    assert result.status in ("OPTIMAL", "FEASIBLE")
    name = problem.quotas.rows[0].name
    carried = problem.with_carry({name: (0, 3)})
    assert carried.quotas.classes is problem.quotas.classes
    assert counted["arc_classes"] == 1 and counted["build_quotas"] == 2
    # The carried rows are those build_quotas writes from scratch (independent rebuild).
    fresh = quotas_module.build_quotas(carried)
    assert fresh.names == carried.quotas.names
    assert np.array_equal(fresh.coef, carried.quotas.coef)
    assert np.array_equal(fresh.rhs, carried.quotas.rhs)


def test_a_simulated_pass_computes_the_arc_classes_once(counted):
    """A pass under a year-to-date carry: one arc classing, the carried rows derived."""
    territory = random_territory(7, 100, 10)
    problem = build_problem(territory)
    first = np.unique(problem.graph.unit, return_index=True)[1]
    chosen = first[np.unique(problem.graph.demand[first], return_index=True)[1]]
    accounts = Accounts().add(problem.quotas, chosen)
    counted.update(build_quotas=0, arc_classes=0)
    outcome = solve_pass(territory, accounts, SolveParams(time_limit=10), seed=0)
    assert outcome.mode in ("full", "full_strict", "surplus_only", "none")
    assert counted["arc_classes"] == 1
    assert outcome.quotas is outcome.problem.quotas
