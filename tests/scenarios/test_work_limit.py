"""Simulated rounds are bounded by work, not by the wall clock, and never let nothing
silently: every CP-SAT model of a simulated solve gets ``max_deterministic_time`` =
``simulation.round_work_limit`` with one worker; no model of every arc is built; a pass
whose solver finds no allocation is retried with larger budgets and then flagged."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from attribution.models.generator import write_territory
from attribution.optimizer import SolveParams
from attribution.optimizer import heuristic, model
from attribution.scenarios import rounds as rounds_module
from attribution.scenarios.simulation import prepare, simulate_year
from attribution.scenarios.spec import parse_scenario


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = write_territory(tmp_path_factory.mktemp("terr") / "small", 11, 400, 20)
    raw = {"territory": {"source": str(folder)}, "supply": {"units_per_month": 15},
           "simulation": {"months": 2, "seeds": 1, "round_work_limit": 0.7}}
    return prepare(parse_scenario(raw, "test.toml", default_name="small"))


def test_every_cp_sat_model_gets_the_work_limit(prepared, monkeypatch):
    seen = []

    def spy(original):
        def make():
            solver = original()
            seen.append(solver)
            return solver
        return make

    monkeypatch.setattr(model, "cp_solver", spy(model.cp_solver))
    monkeypatch.setattr(heuristic, "cp_solver", spy(heuristic.cp_solver))
    year = simulate_year(prepared, seed=1)
    assert year.rounds["let"].sum() > 0 and len(seen) > 0
    for solver in seen:
        assert solver.parameters.max_deterministic_time == pytest.approx(0.7)
        assert solver.parameters.num_workers == 1
    assert (year.rounds["clock_bound"] == 0).all()
    assert (year.rounds["no_allocation"] == 0).all()


def test_no_model_of_every_arc_in_a_simulated_round(prepared, monkeypatch):
    sizes = []
    original = model.build_model

    def spy(data, arcs, *args, **kwargs):
        sizes.append((len(arcs), data.n_arcs))
        return original(data, arcs, *args, **kwargs)

    monkeypatch.setattr("attribution.optimizer.search.build_model", spy)
    simulate_year(prepared, seed=1)
    assert sizes and all(n <= rounds_module.SIMULATION_MODEL_ARCS for n, _ in sizes)


def test_a_pass_without_allocation_is_retried_then_flagged(prepared, monkeypatch):
    """The solver finds nothing, even with three times its budgets: the pass lets
    nothing, its units wait, and the round says so (no silent empty round)."""
    calls = []
    real = rounds_module.solve

    def nothing(problem, params, seed=0):
        calls.append(params)
        result = real(problem, params, seed=seed)
        return dataclasses.replace(result, status="NO_SOLUTION",
                                   arcs=np.zeros(0, dtype=np.int64))

    monkeypatch.setattr(rounds_module, "solve", nothing)
    sc = prepared.scenario.with_simulation(months=1, carry_over=False)
    year = simulate_year(dataclasses.replace(prepared, scenario=sc), seed=1)
    row = year.rounds.iloc[0]
    assert row["let"] == 0 and row["no_allocation"] >= 1
    assert row["units_left_empty"] == row["units_offered"]
    # one solve, then one retry with three times the work and the wall-clock budgets
    assert len(calls) == 2
    assert calls[1].deterministic_limit == pytest.approx(3 * calls[0].deterministic_limit)
    assert calls[1].time_limit == pytest.approx(3 * calls[0].time_limit)


def test_solve_params_check_the_new_fields():
    with pytest.raises(ValueError, match="deterministic_limit"):
        SolveParams(deterministic_limit=-1)
    with pytest.raises(ValueError, match="max_model_arcs"):
        SolveParams(max_model_arcs=0)
