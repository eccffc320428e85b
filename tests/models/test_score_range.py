"""The supported range of points and scores (issue 10, "wrong answers").

Beyond ±10⁹ points per value or per demand, or when units × max|score| passes 2⁵³, the
input is refused when it is read (file, key or row, and the expected range), by
``validate`` and ``solve`` alike. At the edge of the range the optimizer's answer is the
optimum proven by the independent MILP of tests/milp_reference.py.
"""

from __future__ import annotations

import milp_reference
import numpy as np
import pandas as pd
import pytest
from attribution.cli import main
from attribution.models.allocation import check_allocation
from attribution.models.compatibility import build_problem
from attribution.models.generator import write_territory
from attribution.models.io.readers import load_territory
from attribution.models.score_range import MAX_OBJECTIVE, MAX_SCORE, check_objective
from attribution.optimizer import SolveParams, solve
from click.testing import CliRunner

#: these tests check the English source text of the messages (--lang en)
pytestmark = pytest.mark.usefixtures("english_messages")


def _territory(tmp_path, n_demands=250, n_units=12, seed=4):
    folder = tmp_path / "t"
    write_territory(folder, seed, n_demands, n_units)
    (folder / "manifest.json").unlink()  # edited below: no longer what generate wrote
    return folder


def _set_policy(folder, old, new):
    text = (folder / "policy.toml").read_text("utf-8")
    assert text.count(old) == 1, old
    (folder / "policy.toml").write_text(text.replace(old, new), "utf-8")


def _both(folder, tmp_path):
    """validate and solve on the same folder: (exit codes, stderr of validate)."""
    v = CliRunner().invoke(main, ["validate", str(folder), "--lang", "en"])
    s = CliRunner().invoke(main, ["solve", str(folder), "--out", str(tmp_path / "r"), "-q",
                                  "--lang", "en"])
    assert "Traceback" not in v.output + s.output
    assert not (tmp_path / "r").exists()
    return v.exit_code, s.exit_code, v.stderr


@pytest.mark.parametrize("old,new,key", [
    ("priority = 40", "priority = 1000000001", "cotation.bonus.priority"),
    ("priority = 40", "priority = 9223372036854775807", "cotation.bonus.priority"),
    ("priority = 40", "priority = -1000000001", "cotation.bonus.priority"),
    ("violence = 30", "violence = 1000000000000000", "cotation.rubric[2].points.violence"),
    ("points_per_month = 1", "points_per_month = 4294967296", "cotation.points_per_month"),
    ("overdue_bonus = 20", "overdue_bonus = 100000000000000", "cotation.overdue_bonus"),
    ("refusal_malus = 10", "refusal_malus = 2000000000", "cotation.refusal_malus"),
])
def test_points_beyond_the_range_are_refused_naming_the_key(tmp_path, old, new, key):
    folder = _territory(tmp_path)
    _set_policy(folder, old, new)
    v, s, err = _both(folder, tmp_path)
    assert (v, s) == (1, 1)
    assert f"key '{key}'" in err and "between -1,000,000,000 and 1,000,000,000" in err


def test_points_at_the_limit_are_accepted_when_scores_fit(tmp_path):
    """Exactly 10⁹ on a criterion no demand has: the policy is valid."""
    folder = _territory(tmp_path)
    _set_policy(folder, "priority = 40", f"priority = {MAX_SCORE}")
    demands = pd.read_csv(folder / "demands.csv", dtype=str, keep_default_na=False)
    demands["priority"] = "false"
    demands.to_csv(folder / "demands.csv", index=False)
    assert CliRunner().invoke(main, ["validate", str(folder)]).exit_code == 0


@pytest.mark.parametrize("value", ["1e30", "1e300", "2000000000", "-1e12"])
def test_a_criterion_value_that_blows_the_score_is_refused_naming_the_row(tmp_path, value):
    """The probe: criterion values of 1e30 gave negative scores and exit 0."""
    folder = _territory(tmp_path)
    demands = pd.read_csv(folder / "demands.csv", dtype=str, keep_default_na=False)
    demands.loc[5, "high_rent_burden"] = value      # spreadsheet row 7
    demands.to_csv(folder / "demands.csv", index=False)
    v, s, err = _both(folder, tmp_path)
    assert (v, s) == (1, 1), err
    assert "demands.csv, row 7, column 'high_rent_burden'" in err
    assert "±1,000,000,000" in err


def test_a_score_sum_beyond_2_53_is_refused(tmp_path):
    """units × max|score| > 2⁵³: refused with the figures (a round of 10⁷ units of
    scores near 10⁹ — represented here by the count alone)."""
    folder = _territory(tmp_path)
    _set_policy(folder, "priority = 40", "priority = 999000000")
    t = load_territory(folder)
    assert check_objective(t.demands, t.units, t.policy) == []
    many = range(MAX_OBJECTIVE // 999_000_000 + 1)
    problems = check_objective(t.demands, many, t.policy)
    assert len(problems) == 1 and "exceeds 2^53" in str(problems[0])


def test_at_the_edge_of_the_range_the_optimum_is_proven_by_the_milp(tmp_path):
    """Scores up to the limit (a priority bonus of 999,990,000 plus seniority and the
    other criteria, every demand's |score| ≤ 10⁹) and a score sum above 2³² (where a
    32-bit sum used to wrap): our solver's units let and score sum equal the optimum of
    the independent HiGHS MILP, and the allocation is valid."""
    folder = _territory(tmp_path, 250, 12, seed=4)
    _set_policy(folder, "priority = 40", "priority = 999990000")
    t = load_territory(folder)
    problem = build_problem(t)
    scores = np.asarray(problem.scores, dtype=np.int64)
    assert np.abs(scores).max() <= MAX_SCORE and np.abs(scores).max() > MAX_SCORE - 10_000
    result = solve(problem, SolveParams(time_limit=60), seed=0)
    assert result.status == "OPTIMAL"
    assert not check_allocation(problem, result.arcs)
    ref = milp_reference.solve(problem)
    ours = (len(result.arcs), int(scores[problem.graph.demand[result.arcs]].sum()))
    assert ours == ref.objective
    assert ours[1] > 2 ** 32
    assert tuple(result.objective[:2]) == ref.objective
