"""``attribution simulate`` and ``attribution compare``: exit codes, stderr, the results
folder (files, confidence intervals, nothing half-written)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from attribution.cli import main
from attribution.models.generator import write_territory


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory):
    """Two scenarios on a tiny generated territory (150 demands, 6 units a month)."""
    root = tmp_path_factory.mktemp("cli")
    write_territory(root / "terr", 9, 150, 6)
    common = ('[territory]\nsource = "terr"\n[supply]\nunits_per_month = 6\n'
              '[simulation]\nmonths = 2\nseeds = 2\n')
    (root / "a.toml").write_text('[scenario]\nname = "a"\n' + common, encoding="utf-8")
    (root / "b.toml").write_text('[scenario]\nname = "b"\n' + common
                                 + '[policy]\nquotas.priority_min = 0.4\n', encoding="utf-8")
    (root / "bad.toml").write_text('[simulation]\nmonts = 2\nseeds = 0\n', encoding="utf-8")
    return root


@pytest.mark.usefixtures("english_messages")
def test_compare_writes_every_file_with_intervals(scenario_files, tmp_path):
    """Serial compare of two scenarios × 2 seeds: exit 0, progress on stderr, the KPI
    table with a confidence interval per scenario, the page and the manifest."""
    out = tmp_path / "cmp"
    result = CliRunner().invoke(main, ["compare", str(scenario_files / "a.toml"),
                                       str(scenario_files / "b.toml"), "--out", str(out),
                                       "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert "[4/4]" in result.stderr and "Simulating 2 scenario(s) × 2 seed(s)" in result.stderr
    assert {p.name for p in out.iterdir()} == {
        "kpis.csv", "kpis_by_seed.csv", "rounds.csv", "targets.csv", "failures.csv",
        "report.html", "manifest.json", "differences.csv"}
    kpis = pd.read_csv(out / "kpis.csv")
    rate = kpis[(kpis.kpi == "attribution_rate") & (kpis.group == "all")]
    assert rate["scenario"].tolist() == ["a", "b"] and (rate["n"] == 2).all()
    assert (rate["ci_low"] <= rate["mean"]).all() and (rate["mean"] <= rate["ci_high"]).all()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seeds"] == [0, 1] and len(manifest["scenarios"]) == 2
    assert "<svg" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.usefixtures("english_messages")
def test_simulate_lists_every_problem_and_writes_nothing(scenario_files, tmp_path):
    """An invalid scenario: exit 1, one line per problem on stderr, no folder."""
    out = tmp_path / "sim"
    result = CliRunner().invoke(main, ["simulate", str(scenario_files / "bad.toml"),
                                       "--out", str(out), "--workers", "0"])
    assert result.exit_code == 1
    assert "bad.toml, key 'simulation.monts': Unknown key 'monts'; did you mean 'months'?" \
        in result.stderr
    assert "bad.toml, key 'simulation.seeds': Expected an integer ≥ 1; got 0." in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.usefixtures("english_messages")
def test_existing_results_folder_is_a_usage_error(scenario_files, tmp_path):
    """An existing --out without --force: exit 2 before anything is simulated."""
    out = tmp_path / "taken"
    out.mkdir()
    (out / "x.txt").write_text("keep", encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario_files / "a.toml"),
                                       "--out", str(out), "--workers", "0"])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert (out / "x.txt").read_text(encoding="utf-8") == "keep"


@pytest.mark.usefixtures("english_messages")
def test_same_name_twice_is_refused(scenario_files, tmp_path):
    """compare needs distinct scenario names (they label the results)."""
    result = CliRunner().invoke(main, ["compare", str(scenario_files / "a.toml"),
                                       str(scenario_files / "a.toml"), "--out",
                                       str(tmp_path / "x"), "--workers", "0"])
    assert result.exit_code == 1
    assert "Expected a name not used by another scenario of the run; got 'a'" in result.stderr
