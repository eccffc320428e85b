"""The quick allocation: valid whenever it answers, and the pair rows it repairs."""

import numpy as np
import pytest

from builders import full_policy, random_problem
from attribution.models.allocation import check_allocation
from attribution.optimizer.cuts import with_rounded_rows
from attribution.optimizer.data import solver_data
from attribution.optimizer.heuristic import pair_rows, quick_allocation
from attribution.optimizer.params import SolveParams


@pytest.mark.parametrize("seed", range(8))
def test_quick_allocation_is_valid_when_it_answers(seed):
    """Whatever it returns passes the solver-independent check (or it returns None)."""
    problem = random_problem(seed, 80, 20, 0.3, full_policy())
    data = with_rounded_rows(solver_data(problem, SolveParams()))
    arcs = quick_allocation(data, seed=0)
    if arcs is not None:
        assert check_allocation(problem, arcs) == []
        assert len(np.unique(problem.graph.unit[arcs])) == len(arcs)


def test_some_quick_allocation_answers():
    """On loose random rounds the heuristic does produce allocations (not always None)."""
    answers = 0
    for seed in range(8):
        problem = random_problem(seed, 80, 20, 0.3, full_policy())
        answers += quick_allocation(solver_data(problem, SolveParams())) is not None
    assert answers > 0


def test_pair_rows_are_those_independent_of_the_reservataire(quota_round):
    problem = quota_round
    data = solver_data(problem, SolveParams())
    names = {data.quotas.names[i] for i in pair_rows(data)}
    assert "priority_min" in names and "q1_outside_qpv_min" in names
    assert any(n.startswith("spatial[") for n in names)
    assert not any(n.startswith(("flow[", "state_", "priority_min_per")) for n in names)


def test_spatial_maxima_leaving_dalo_out_stay_pair_rows():
    """A commune maximum leaves DALO households out (data contract, spatial balance): its
    coefficients differ between DALO and other priority households, never between
    réservataires, so every spatial row — maxima included — is a pair row the heuristic
    repairs (it used to miss the maxima when classes were split by the DALO flag)."""
    problem = random_problem(1, 60, 12, 0.3, full_policy())
    assert problem.territory.demands.dalo.any()
    data = solver_data(problem, SolveParams())
    names = {data.quotas.names[i] for i in pair_rows(data)}
    spatial = {n for n in data.quotas.names if n.startswith("spatial[")}
    assert any(n.endswith(".max") for n in spatial) and spatial <= names


# --- the row repair on generated rounds (issue 10: métropole rounds got no quick answer) --

GENERATED = [("metro", 2000, 150, 1), ("metro", 2000, 150, 2), ("metro", 3000, 300, 1),
             ("metro", 3000, 300, 3), ("carene", 2000, 200, 1), ("carene", 2000, 200, 3)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Small generated rounds of both profiles (built once per module)."""
    from attribution.models.compatibility import build_problem
    from attribution.models.generator import write_territory
    from attribution.models.io.readers import load_territory

    cache = {}

    def get(profile, n_demands, n_units, seed):
        key = (profile, n_demands, n_units, seed)
        if key not in cache:
            folder = tmp_path_factory.mktemp(f"{profile}{seed}") / "round"
            write_territory(folder, seed, n_demands, n_units, profile=profile)
            cache[key] = build_problem(load_territory(folder))
        return cache[key]
    return get


def _start(data):
    from attribution.optimizer.bound import quota_free_bound
    mu = 2 * int(np.abs(data.score).max()) + 1
    return quota_free_bound(data, data.score + mu)[2]


@pytest.mark.parametrize("case", GENERATED, ids=lambda c: "-".join(map(str, c)))
def test_quick_allocation_is_feasible_on_generated_rounds(generated, case):
    """On both generator profiles the quick allocation exists, lets every unit the
    quota-free allocation lets, and passes the solver-independent check against every
    policy row (flows, commune maxima with the DALO exemption, each landlord's own 25 %...)."""
    problem = generated(*case)
    data = with_rounded_rows(solver_data(problem, SolveParams()))
    start = _start(data)
    arcs = quick_allocation(data, seed=0, start=start)
    assert arcs is not None
    assert check_allocation(problem, arcs) == []
    assert len(arcs) == len(start) == len(np.unique(problem.graph.unit[arcs]))


def test_the_row_repair_answers_where_the_orientation_cannot(generated):
    """The rounds where the orientation route is infeasible (the pairs lack households of
    some kind for a landlord's flows) are those the row repair exists for: there it alone
    gives a valid allocation letting every unit, and the polish keeps it valid."""
    from attribution.optimizer.heuristic import _orient, _repair_pair_rows, polish, repair_rows
    failed = 0
    for case in GENERATED:
        problem = generated(*case)
        data = with_rounded_rows(solver_data(problem, SolveParams()))
        start = _start(data)
        paired = _repair_pair_rows(data, start)
        failed += paired is None or _orient(data, paired, 0, 5.0) is None
        arcs = repair_rows(data, start)
        assert arcs is not None and check_allocation(problem, arcs) == []
        assert len(arcs) == len(start)
        better = polish(data, arcs)
        assert check_allocation(problem, better) == []
        assert len(better) == len(arcs)
        assert data.score[better].sum() >= data.score[arcs].sum()
    assert failed >= 2     # the cases do exercise the repair


@pytest.mark.parametrize("seed", range(8))
def test_row_repair_is_valid_when_it_answers_on_random_rounds(seed):
    """Random rounds with every quota key (each lets all its 20 units at the optimum):
    the repair answers, and its allocation passes the check."""
    from attribution.optimizer.heuristic import repair_rows
    problem = random_problem(seed, 80, 20, 0.3, full_policy())
    data = with_rounded_rows(solver_data(problem, SolveParams()))
    start = _start(data)
    arcs = repair_rows(data, start)
    assert arcs is not None
    assert check_allocation(problem, arcs) == []
    assert len(arcs) == len(start)


@pytest.mark.parametrize("case", GENERATED[::2], ids=lambda c: "-".join(map(str, c)))
def test_quick_allocation_from_a_bare_matching(generated, case):
    """With no time for the oracle the quick allocation starts from a maximum matching
    (``improve_start``): still valid per the checker, every matched unit let, and its
    score no better than the quota-free bound of the oracle (an independent bound)."""
    from attribution.optimizer.bound import quota_free_bound
    from attribution.optimizer.matching import max_matching
    problem = generated(*case)
    data = with_rounded_rows(solver_data(problem, SolveParams()))
    matching = max_matching(data)
    arcs = quick_allocation(data, seed=0, start=matching, improve_start=True)
    assert arcs is not None
    assert check_allocation(problem, arcs) == []
    assert len(arcs) == len(matching)
    mu = 2 * int(np.abs(data.score).max()) + 1
    bound = quota_free_bound(data, data.score + mu)[1] - mu * len(matching)
    assert data.score[arcs].sum() <= bound


def _orientation_model_by_api(q, bins, count):
    """The orientation model written with CP-SAT's expression API (the reference)."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    y = {}
    for b, row in enumerate(bins):
        vars_b = []
        for j, k in enumerate(row.tolist()):
            if k >= 0:
                y[b, j] = model.new_int_var(0, int(count[b]), "")
                vars_b.append(y[b, j])
        model.add(sum(vars_b) == int(count[b]))
    by_class = {}
    for (b, j), var in y.items():
        by_class.setdefault(int(bins[b][j]), []).append(var)
    for i in range(len(q)):
        terms = [(int(q.coef[i, k]), v) for k, vs in by_class.items() if q.coef[i, k]
                 for v in vs]
        model.add(sum(c * v for c, v in terms) >= int(q.rhs[i]))
    return model


@pytest.mark.parametrize("seed", range(5))
def test_orientation_model_is_the_api_model(seed):
    """The orientation model written into the proto equals, field for field, the one
    the expression API builds (same CP-SAT input, so the same answers): random bins over
    the classes of a round of the full policy, rows without any term included."""
    from attribution.optimizer.heuristic import orientation_model

    problem = random_problem(seed, n_demands=20, n_units=8, density=0.4,
                             policy=full_policy())
    q = problem.quotas
    rng = np.random.default_rng(seed)
    n_cls = len(q.classes)
    bins = np.unique(np.where(rng.random((6, 3)) < 0.7,
                              rng.integers(0, n_cls, (6, 3)), -1), axis=0)
    bins = bins[(bins >= 0).any(axis=1)]
    count = rng.integers(1, 4, len(bins))
    model, y = orientation_model(q, bins, count)
    assert str(model.proto) == str(_orientation_model_by_api(q, bins, count).proto)
    assert sorted(y.values()) == list(range(len(y)))
