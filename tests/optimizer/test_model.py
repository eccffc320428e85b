"""The CP-SAT model, one constraint family at a time: fix variables, expect the model to
be feasible or infeasible (the CP-SAT Primer's way of testing a model)."""

import numpy as np

from builders import make_policy, make_problem
from attribution.models.policy import Flow, Quotas
from attribution.optimizer.bound import SideRows
from attribution.optimizer.data import solver_data
from attribution.optimizer.model import build_model, run
from attribution.optimizer.params import SolveParams


def _status(problem, fixed, side=SideRows(), every_unit_let=False):
    data = solver_data(problem, SolveParams())
    arcs = np.arange(data.n_arcs)
    sub = build_model(data, arcs, np.zeros(data.n_arcs, dtype=np.int64), side=side,
                      fixed=np.asarray(fixed, dtype=np.int64), every_unit_let=every_unit_let)
    return run(sub, time_limit=5, seed=0).status


def _pair():
    """Two units, two demands, every pair an arc (4 arcs), no quota."""
    return make_problem([{}, {}], [{}, {}],
                        [(d, u, "bailleur") for u in range(2) for d in range(2)])


def _arc(p, demand, unit):
    g = p.graph
    return int(np.flatnonzero((g.demand == demand) & (g.unit == unit))[0])


def test_one_arc_per_unit():
    p = _pair()
    assert _status(p, [_arc(p, 0, 0)]) == "OPTIMAL"
    assert _status(p, [_arc(p, 0, 0), _arc(p, 1, 0)]) == "INFEASIBLE"


def test_one_arc_per_demand():
    p = _pair()
    assert _status(p, [_arc(p, 0, 0), _arc(p, 1, 1)]) == "OPTIMAL"
    assert _status(p, [_arc(p, 0, 0), _arc(p, 0, 1)]) == "INFEASIBLE"


def test_quota_rows_through_class_counts():
    """priority_min 0.5: one non-priority attribution alone breaks it; with a priority
    one beside it, it holds."""
    p = make_problem([{}, {}], [{"priority": True}, {}],
                     [(d, u, "bailleur") for u in range(2) for d in range(2)],
                     make_policy(Quotas(priority_min=0.5)))
    assert _status(p, [_arc(p, 1, 0)]) in ("OPTIMAL", "FEASIBLE")   # the model adds D1 on U2
    p_one_unit = make_problem([{}], [{"priority": True}, {}],
                              [(0, 0, "bailleur"), (1, 0, "bailleur")],
                              make_policy(Quotas(priority_min=0.5)))
    assert _status(p_one_unit, [_arc(p_one_unit, 1, 0)]) == "INFEASIBLE"
    assert _status(p_one_unit, [_arc(p_one_unit, 0, 0)]) == "OPTIMAL"


def test_flow_rows():
    """L1→etat share 0 ± 0: at most 1 unit through etat (slack), never 2."""
    units = [{"landlord": 0}, {"landlord": 0}]
    arcs = [(k, k, r) for k in range(2) for r in ("etat", "bailleur")]
    p = make_problem(units, [{}, {}], arcs, make_policy(flows=[Flow("L1", "etat", 0.0, 0.0)]))
    g, ids = p.graph, p.territory.policy.reservataire_ids
    etat = np.flatnonzero(g.reservataire == ids.index("etat"))
    assert _status(p, etat[:1]) == "OPTIMAL"
    assert _status(p, etat) == "INFEASIBLE"


def test_level_rows():
    """Σx ≥ 2 with a single demand: infeasible; with two demands: feasible."""
    p = _pair()
    ones = np.ones(len(p.graph), dtype=np.int64)
    assert _status(p, [], SideRows().add(ones, 2)) == "OPTIMAL"
    p1 = make_problem([{}, {}], [{}], [(0, 0, "bailleur"), (0, 1, "bailleur")])
    assert _status(p1, [], SideRows().add(np.ones(2, dtype=np.int64), 2)) == "INFEASIBLE"


def test_every_unit_let_uses_exactly_one():
    """With every_unit_let, a unit whose only demand is taken makes the model infeasible."""
    p = make_problem([{}, {}], [{}], [(0, 0, "bailleur"), (0, 1, "bailleur")])
    assert _status(p, [], every_unit_let=False) == "OPTIMAL"
    assert _status(p, [], every_unit_let=True) == "INFEASIBLE"


def test_objective_window_and_hint():
    """Maximise the score under the window hi = 5: the best allocation worth ≤ 5 is kept,
    and a complete hint is accepted."""
    p = make_problem([{}], [{"score": 3}, {"score": 7}], [(0, 0, "bailleur"), (1, 0, "bailleur")])
    data = solver_data(p, SolveParams())
    sub = build_model(data, np.arange(2), data.score, window=(None, 5), hint=np.array([0]))
    out = run(sub, time_limit=5, seed=0)
    assert out.status == "OPTIMAL" and out.value == 3 and out.arcs.tolist() == [0]
