"""Issue 10, "Time and memory at scale": ``SolveParams.time_limit`` bounds the whole solve,
and the quick allocation is returned (with its certified gap) when time runs out.

Each test slows one phase down on purpose (a monkeypatched LP or CP-SAT) and checks the
wall time against the limit, the validity of the answer with the solver-independent
``check_allocation``, and that ``NO_SOLUTION`` only comes when no allocation exists in time.
"""

import sys
import dataclasses
import time

import numpy as np
import pytest

from builders import full_policy, random_problem
from attribution.models.allocation import check_allocation
from attribution.models.quotas import build_quotas
from attribution.optimizer import SolveParams, solve
from attribution.optimizer import search as search_module
from attribution.optimizer.data import solver_data
from attribution.optimizer.deadline import Deadline
from attribution.optimizer.heuristic import quick_allocation
from attribution.optimizer.model import SubOutcome

solve_module = sys.modules["attribution.optimizer.solve"]

LIMIT = 1.5
SLACK = 0.5   # seconds on top of 10 % (process noise on a shared machine)


@pytest.fixture(scope="module")
def hard_round():
    """300 demands × 60 units, every quota key: the quick allocation (score 3158-3160) is
    below the quota-free bound (3162), so the LP, CP-SAT and a proof all run (~9 s
    unhurried)."""
    return random_problem(3, 300, 60, 0.2, full_policy())


def _timed_solve(problem, limit=LIMIT, **params):
    start = time.perf_counter()
    result = solve(problem, SolveParams(time_limit=limit, **params), seed=0)
    return result, time.perf_counter() - start


def _assert_valid(problem, result):
    assert result.status in ("OPTIMAL", "FEASIBLE")
    assert not check_allocation(problem, result.arcs, build_quotas(problem))
    for lv in result.levels:   # the bound is on the right side of the value
        assert (lv.bound >= lv.value) if lv.sense == "max" else (lv.bound <= lv.value)


def test_the_limit_bounds_a_round_that_needs_more(hard_round):
    """Unhurried the round takes several seconds; with 1.5 s the answer comes in time,
    valid, every unit let, at least as good as the quick allocation."""
    result, wall = _timed_solve(hard_round)
    assert wall <= LIMIT * 1.1 + SLACK
    _assert_valid(hard_round, result)
    assert result.objective[0] == result.units_without_quotas == 60
    assert result.objective[1] >= result.stats["quick"]["score"]
    assert result.stats["first_allocation"] <= LIMIT


def test_a_slow_lp_does_not_break_the_limit(hard_round, monkeypatch):
    """Every LP takes 0.7 s longer than its budget: still in time, still an answer."""
    real = search_module.lp_bound

    def slow(*args, **kwargs):
        time.sleep(0.7)
        return real(*args, **kwargs)

    monkeypatch.setattr(search_module, "lp_bound", slow)
    result, wall = _timed_solve(hard_round)
    assert wall <= LIMIT * 1.1 + SLACK + 0.7   # at most one LP round past its budget
    _assert_valid(hard_round, result)


def _cp_sat_never_answers(sub, *, time_limit, **_):
    """CP-SAT that spends its whole budget and finds nothing."""
    time.sleep(min(time_limit, 5.0))
    return SubOutcome(status="UNKNOWN", arcs=np.zeros(0, dtype=np.int64), value=None,
                      bound=None, seconds=time_limit, variables=0, constraints=0)


def test_when_cp_sat_finds_nothing_the_quick_allocation_is_returned(hard_round,
                                                                    monkeypatch):
    """The heuristic's allocation is the fallback: FEASIBLE with its certified gap, never
    NO_SOLUTION."""
    monkeypatch.setattr(search_module, "run", _cp_sat_never_answers)
    result, wall = _timed_solve(hard_round)
    assert wall <= LIMIT * 1.1 + SLACK
    _assert_valid(hard_round, result)
    assert result.status == "FEASIBLE"
    quick = result.stats["quick"]
    assert result.objective[:2] == (60, quick["score"])   # the quick allocation itself
    assert quick["score"] < result.levels[1].bound <= quick["quota_free_bound"]
    assert 0 < result.gap < 0.01


def test_no_allocation_in_time_is_no_solution_in_time(hard_round, monkeypatch):
    """Without the heuristic and with a CP-SAT that finds nothing, the honest answer is
    NO_SOLUTION — at the limit, not after it."""
    monkeypatch.setattr(search_module, "run", _cp_sat_never_answers)
    monkeypatch.setattr(solve_module, "quick_allocation", lambda *a, **k: None)
    result, wall = _timed_solve(hard_round)
    assert wall <= LIMIT * 1.1 + SLACK
    assert result.status == "NO_SOLUTION" and len(result.arcs) == 0


def test_the_quick_allocation_stops_at_the_deadline(hard_round):
    """An expired deadline stops the heuristic (None); a live one lets it answer."""
    data = solver_data(hard_round, SolveParams())
    expired = Deadline(0.0)
    assert quick_allocation(data, deadline=expired) is None
    arcs = quick_allocation(data, deadline=Deadline(60.0))
    assert arcs is not None and not check_allocation(hard_round, arcs, data.quotas)


def test_deadline_arithmetic():
    """``left`` is a share of what remains, never below 0.05 s; ``expired`` with a margin."""
    d = Deadline(10.0)
    assert 4.0 < d.left(0.5) <= 5.0 and not d.expired() and d.expired(margin=11.0)
    assert Deadline(0.0).left() == 0.05 and Deadline(0.0).expired()


def test_a_model_too_slow_to_build_in_time_is_not_built(hard_round, monkeypatch):
    """Building is not interruptible: with a predicted build rate of 1 s per arc no model
    fits in the time left, none is built, and the quick allocation is the answer."""
    monkeypatch.setattr(search_module, "BUILD_SECONDS_PER_ARC", 1.0)
    result, wall = _timed_solve(hard_round, limit=5.0)
    assert wall <= 5.0 * 1.1 + SLACK
    _assert_valid(hard_round, result)
    assert result.objective[:2] == (60, result.stats["quick"]["score"])
    searched = result.stats["score"]["search"]
    assert searched and all(s["status"].startswith("not built") for s in searched)


@pytest.fixture(scope="module")
def metro_round(tmp_path_factory):
    """A métropole-profile round (6,000 demands × 600 units, 188 k arcs) whose full solve
    takes about 5 s here; the orientation route of the quick allocation is infeasible on
    it, so only the row repair gives an early answer (issue 10: such rounds exited 4)."""
    from attribution.models.compatibility import build_problem
    from attribution.models.generator import write_territory
    from attribution.models.io.readers import load_territory
    folder = tmp_path_factory.mktemp("metro") / "round"
    write_territory(folder, 1, 6000, 600, profile="metro")
    return build_problem(load_territory(folder))


def test_a_metropole_round_answers_feasible_within_the_limit(metro_round):
    """With a limit below what the round needs, the answer is a valid allocation letting
    every unit, in time (limit + 5 %, plus process noise), its first allocation the quick
    one (before the LP)."""
    limit = 3.0
    result, wall = _timed_solve(metro_round, limit=limit)
    assert wall <= limit * 1.05 + SLACK
    _assert_valid(metro_round, result)
    assert result.objective[0] == result.units_without_quotas == 600
    # the first allocation is the quick one (the row repair's), before any LP: 0.5-1.2 s
    # here at load 3-12 on 2 cores (load-dependent, so the benchmark records it)
    timings = result.stats["timings"]
    assert result.stats["quick"]["score"] is not None
    assert result.stats["first_allocation"] <= (timings["data"] + timings["quick"]
                                                + timings.get("quota_free_bound", 0) + 0.5)


def test_a_metropole_round_falls_back_on_the_quick_allocation(metro_round, monkeypatch):
    """CP-SAT finding nothing: the row repair's allocation is the answer, FEASIBLE with a
    certified gap (never NO_SOLUTION)."""
    monkeypatch.setattr(search_module, "run", _cp_sat_never_answers)
    result, wall = _timed_solve(metro_round, limit=3.0)
    assert wall <= 3.0 * 1.05 + SLACK
    _assert_valid(metro_round, result)
    assert result.status == "FEASIBLE"
    assert result.objective[:2] == (600, result.stats["quick"]["score"])
    assert 0 < result.gap < 0.02


def test_the_solver_arrays_stop_at_the_deadline(hard_round, monkeypatch):
    """The arrays are derived by chunks with the deadline read between them: with chunks
    of 64 arcs and each chunk slowed down, a short limit stops the derivation — the
    answer is NO_SOLUTION at the limit (exit 4 from the CLI), not after the whole pass."""
    from attribution.models import quotas as quotas_module
    from attribution.optimizer import assignment as assignment_module
    from attribution.optimizer import data as data_module
    monkeypatch.setattr(quotas_module, "ARC_CHUNK", 64)
    monkeypatch.setattr(data_module, "ARRAYS_CHUNK", 64)
    monkeypatch.setattr(assignment_module, "PAIRS_CHUNK", 64)
    real = quotas_module.arc_classes

    def slow_classes(problem, tick=None):
        def slow_tick():
            time.sleep(0.02)
            tick()
        return real(problem, slow_tick if tick is not None else None)

    monkeypatch.setattr(quotas_module, "arc_classes", slow_classes)
    chunks = -(-len(hard_round.graph) // 64)
    assert chunks * 0.02 > 3 * 0.3            # the whole pass would take ≥ 3 limits
    fresh = dataclasses.replace(hard_round)   # its quota rows not yet built (and held)
    assert "quotas" not in fresh.__dict__
    result, wall = _timed_solve(fresh, limit=0.3)
    assert wall <= 0.3 * 1.1 + SLACK
    assert result.status == "NO_SOLUTION" and len(result.arcs) == 0
    assert "solver's arrays" in result.stats["stopped"]
    assert result.levels[0].bound == len(hard_round.territory.units)   # the trivial bound


def test_chunked_arrays_equal_one_pass(hard_round, monkeypatch):
    """Deriving the arrays by chunks (of 50 arcs here) gives the same arrays as one pass."""
    from attribution.models import quotas as quotas_module
    from attribution.optimizer import assignment as assignment_module
    from attribution.optimizer import data as data_module
    whole = solver_data(hard_round, SolveParams())
    for module, name in ((quotas_module, "ARC_CHUNK"), (data_module, "ARRAYS_CHUNK"),
                         (assignment_module, "PAIRS_CHUNK")):
        monkeypatch.setattr(module, name, 50)
    parts = solver_data(hard_round, SolveParams(), deadline=Deadline(60.0))
    for a, b in ((whole.score, parts.score), (whole.fit, parts.fit),
                 (whole.quotas.classes.of_arc, parts.quotas.classes.of_arc),
                 (whole.quotas.coef, parts.quotas.coef)):
        assert np.array_equal(a, b)
    for field in ("order", "starts", "unit", "demand", "demand_order", "rank_arc", "rank_pair",
                  "rank_starts"):
        assert np.array_equal(getattr(whole.pairs, field), getattr(parts.pairs, field))
