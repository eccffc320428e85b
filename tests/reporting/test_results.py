"""The results folder end to end on small generated rounds: every file, its columns and the
invariants between them; reasons consistent with eligibility; determinism; atomicity.

Solved with the independent reference MILP (``milp_reference``) so that these tests check
the reporting layer alone; ``test_cli_solve.py`` runs the same invariants through the real
optimizer and the command line.
"""

import json

import numpy as np
import pandas as pd
import pytest

import milp_reference
from builders import random_territory
from attribution.models.compatibility import build_problem
from attribution.models.pair_rules import RULES, rule_masks
from attribution.reporting.tables.decisions import DECISION_COLUMNS
from attribution.reporting.files.manifest import TIMING_KEY
from attribution.reporting.results import InvalidAllocation, compute, run
from attribution.reporting.analysis.shortlists import SHORTLIST_COLUMNS, ShortlistParams
from attribution.reporting.tables.assignments import ASSIGNMENT_COLUMNS

FILES = {"assignments.csv", "shortlists.csv", "decisions.csv", "quotas.csv",
         "quota_prices.csv", "kpis.json", "manifest.json", "report.html", "results.xlsx",
         "agenda.html"}
OPTIONS = ShortlistParams(pool=2, exact="always")


def _run(problem, out, **kw):
    return run(problem, out, params=None, seed=3, solve=milp_reference.solve,
               options=OPTIONS, source_label="test", **kw)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    problem = build_problem(random_territory(21, 160, 10))
    out = tmp_path_factory.mktemp("r") / "results"
    _run(problem, out)
    return problem, out


def _csv(out, name):
    return pd.read_csv(out / name, dtype={"unit_id": str, "demand_id": str},
                       keep_default_na=False)


def test_every_file_is_written_with_the_contract_columns(folder):
    problem, out = folder
    assert {p.name for p in out.iterdir()} == FILES
    assert tuple(_csv(out, "assignments.csv").columns) == ASSIGNMENT_COLUMNS
    assert tuple(_csv(out, "decisions.csv").columns) == DECISION_COLUMNS
    assert tuple(_csv(out, "shortlists.csv").columns) == SHORTLIST_COLUMNS
    sheets = pd.read_excel(out / "results.xlsx", sheet_name=None)
    assert {"Attributions", "Candidats", "Décisions", "Quotas",
            "Ordre du jour CALEOL"} <= set(sheets)


def test_one_decision_per_demand_and_housed_matches_assignments(folder):
    problem, out = folder
    dec, asg = _csv(out, "decisions.csv"), _csv(out, "assignments.csv")
    assert dec["demand_id"].tolist() == problem.territory.demands.ids.tolist()
    housed = dec[dec["outcome"] == "housed"]
    assert set(housed["demand_id"]) == set(asg["demand_id"])
    pairs = dict(zip(asg["demand_id"], asg["unit_id"]))
    assert all(pairs[d] == u for d, u in zip(housed["demand_id"], housed["unit_id"]))
    assert (dec.loc[dec["outcome"] != "housed", "unit_id"] == "").all()
    assert set(dec["outcome"]) <= {"housed", "not_eligible", "no_unit_wished", "outranked",
                                   "held_by_quota"}   # never 'not_reached' on an optimum


def test_score_breakdown_adds_up_to_the_score(folder):
    _, out = folder
    dec = _csv(out, "decisions.csv")
    for text, score in zip(dec["score_breakdown"], dec["score"]):
        parts = [int(p.split("=")[1].split(" ")[0]) for p in text.split(";") if p]
        assert sum(parts) == int(score)


def test_reasons_are_consistent_with_eligibility(folder):
    """Recomputed with models.pair_rules: not_eligible ⇒ some wished unit and no unit
    passing every rule, main rule = the most frequent; no_unit_wished ⇒ no wished unit;
    other non-housed outcomes ⇒ some unit passes every rule."""
    problem, out = folder
    t = problem.territory
    dec = _csv(out, "decisions.csv")
    for i, row in enumerate(dec.itertuples()):
        masks = rule_masks(t, i)
        wished = masks["wished_commune"] & masks["wished_typology"]
        allowed = np.logical_and.reduce([masks[r] for r in RULES])
        if row.outcome == "no_unit_wished":
            assert not wished.any()
        elif row.outcome == "not_eligible":
            counts = {r: int((wished & ~masks[r]).sum()) for r in RULES}
            assert wished.any() and not allowed.any()
            assert counts[row.rule] == max(counts.values()) > 0
            assert int(row.wished_units) == int(wished.sum())
        elif row.outcome != "housed":
            assert allowed.any() and int(row.compatible_units) == int(allowed.sum())


def test_outranked_and_held_by_quota_facts(folder):
    """outranked: every compatible unit is let to a score ≥ own; held_by_quota names a
    quota row of quotas.csv."""
    problem, out = folder
    dec, asg = _csv(out, "decisions.csv"), _csv(out, "assignments.csv")
    quotas = set(_csv(out, "quotas.csv")["name"])
    score_of_unit = dict(zip(asg["unit_id"], asg["score"].astype(int)))
    g, t = problem.graph, problem.territory
    for i, row in enumerate(dec.itertuples()):
        units = set(t.units.ids[g.unit[g.demand == i]])
        if row.outcome == "outranked":
            holders = [score_of_unit.get(u) for u in units]
            assert None not in holders and min(holders) >= int(row.score)
            assert int(row.score_gap) == min(holders) - int(row.score)
        if row.outcome == "held_by_quota":
            assert row.quota in quotas and row.related_unit_id in units


def test_kpis_and_manifest(folder):
    problem, out = folder
    kpis = json.loads((out / "kpis.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert kpis["status"] == "OPTIMAL" and kpis["proven_optimal"]
    assert kpis["counts"]["units_let"] == len(_csv(out, "assignments.csv"))
    assert sum(kpis["outcomes"].values()) == len(problem.territory.demands)
    assert len(kpis["quotas"]) == len(_csv(out, "quotas.csv"))
    assert set(kpis[TIMING_KEY]) >= {"started_at", "finished_at", "solve_seconds"}
    assert manifest["seed"] == 3 and manifest["input"]["demands"] == 160
    assert {"python", "ortools", "numpy", "pandas"} <= set(manifest["versions"])
    assert set(manifest["outputs"]) == FILES - {"kpis.json", "manifest.json"}


def test_report_is_self_contained(folder):
    """No script, no external resource, pseudonymous ids only (no income figure)."""
    _, out = folder
    html = (out / "report.html").read_text()
    assert "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "") and "https://" not in html
    assert html.count("<svg") >= 6
    assert "annual_income" not in html and "monthly_income" not in html


def _strip_timing(path):
    data = json.loads(path.read_text())
    data.pop(TIMING_KEY)
    return data


def test_same_seed_gives_identical_files(tmp_path):
    """Two runs: every file byte-identical except the 'timing' key of the two JSON files."""
    problem = build_problem(random_territory(22, 120, 6))
    a, b = tmp_path / "a", tmp_path / "b"
    _run(problem, a)
    _run(problem, b)
    for name in sorted(FILES):
        if name.endswith(".json"):
            assert _strip_timing(a / name) == _strip_timing(b / name), name
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_a_failing_run_leaves_no_folder(tmp_path, monkeypatch):
    """An exception while writing (here in the xlsx writer) leaves nothing behind."""
    import attribution.reporting.results as results

    problem = build_problem(random_territory(23, 120, 6))

    def boom(*_, **__):
        raise RuntimeError("disk full")

    monkeypatch.setattr(results, "write_xlsx", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        _run(problem, tmp_path / "results")
    assert list(tmp_path.iterdir()) == []


def test_an_invalid_allocation_is_never_written(tmp_path):
    """A solver answer breaking a rule (a unit let twice) is refused before writing."""
    problem = build_problem(random_territory(24, 120, 6))
    g = problem.graph
    twice = np.flatnonzero(g.unit == g.unit[0])[:2]

    def bad_solver(p, params=None, seed=0):
        return milp_reference.ReferenceResult("OPTIMAL", twice, (2, 0), (2, 0))

    with pytest.raises(InvalidAllocation, match="more than one arc"):
        run(problem, tmp_path / "results", params=None, solve=bad_solver)
    assert list(tmp_path.iterdir()) == []


def test_compute_without_re_solves(folder):
    """solve=None: shortlists priced by direct moves only, quota prices not computed."""
    problem, _ = folder
    result = milp_reference.solve(problem)
    computed = compute(problem, result, solve=None, params=None, seed=0)
    assert set(computed.tables["shortlists"]["cost_method"]) <= {"optimal", "swap_bound", "none"}
    assert computed.tables["quota_prices"].empty
    assert "Non calculé pour ce tour" in computed.html


def test_quota_prices_are_gains_of_binding_items(folder):
    """Every priced item has a tight row in quotas.csv, and dropping a constraint never
    makes the objective worse (gain ≥ 0, lexicographically)."""
    _, out = folder
    prices, quotas = _csv(out, "quota_prices.csv"), _csv(out, "quotas.csv")
    tight = set(quotas.loc[quotas["tight"].astype(str) == "True", "name"])
    assert len(prices) > 0
    for row in prices.itertuples():
        assert set(row.tight_rows.split(";")) <= tight
        assert (int(row.gain_units), int(row.gain_score)) >= (0, 0)
