"""attribution solve: end to end through the command line and the real optimizer — files and
invariants, progress, --force, determinism, and one distinct exit code per failure, each
leaving no results folder and printing no traceback."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from attribution import optimizer
from attribution.cli import main
from attribution.models.errors import PolicyInfeasible
from attribution.models.i18n import language
from attribution.reporting.files.manifest import TIMING_KEY

FILES = {"assignments.csv", "shortlists.csv", "decisions.csv", "quotas.csv",
         "quota_prices.csv", "kpis.json", "manifest.json", "report.html", "results.xlsx",
         "agenda.html"}


def _solve(*args):
    return CliRunner().invoke(main, ["solve", *map(str, args)])


@pytest.fixture(scope="module")
def solved(territory, tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "results"
    result = _solve(territory, "--out", out, "--time-limit", 20)
    return out, result


def test_solve_writes_every_file_and_a_summary(solved):
    out, result = solved
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == FILES
    assert "optimum prouvé" in result.stdout and "logements attribués" in result.stdout
    # progress on stderr, in French too
    assert "résolution" in result.stderr and "écriture du dossier de résultats" in result.stderr


def test_invariants_between_the_files(solved, territory):
    """One decision per demand; housed ⇔ in assignments; rank 1 = the assignment."""
    out, _ = solved
    read = lambda n: pd.read_csv(out / n, dtype=str, keep_default_na=False)  # noqa: E731
    dec, asg, sl = read("decisions.csv"), read("assignments.csv"), read("shortlists.csv")
    demands = pd.read_csv(territory / "demands.csv", dtype=str)
    assert dec["demand_id"].tolist() == demands["demand_id"].tolist()
    assert set(dec.loc[dec["outcome"] == "housed", "demand_id"]) == set(asg["demand_id"])
    first = sl[sl["rank"] == "1"].set_index("unit_id")
    for unit, demand in zip(asg["unit_id"], asg["demand_id"]):
        assert first.loc[unit, "demand_id"] == demand and first.loc[unit, "assigned"] == "True"
    ranks = sl.groupby("unit_id")["rank"].apply(lambda s: list(map(int, s)))
    assert all(r == list(range(1, len(r) + 1)) for r in ranks)
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["counts"]["units_let"] == len(asg)
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["input"]["files"]) >= {"demands.csv", "units.csv", "policy.toml"}
    assert manifest["input"]["source"] == "territory"


def test_same_seed_same_files(territory, solved, tmp_path):
    """A second run with the same seed: identical files, timing aside."""
    first, _ = solved
    again = tmp_path / "again"
    assert _solve(territory, "--out", again, "--time-limit", 20, "-q").exit_code == 0
    for name in sorted(FILES):
        a, b = (first / name).read_bytes(), (again / name).read_bytes()
        if name.endswith(".json"):
            a, b = json.loads(a), json.loads(b)
            a.pop(TIMING_KEY), b.pop(TIMING_KEY)
        assert a == b, name


def test_quiet_prints_no_progress(territory, tmp_path):
    result = _solve(territory, "--out", tmp_path / "r", "--quiet", "--shortlists", "bound",
                    "--quota-prices", "never")
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.usefixtures("english_messages")
def test_existing_folder_needs_force(territory, solved, tmp_path):
    """Exit 2 and the folder untouched without --force; replaced with it when this tool
    wrote it; a folder with some other manifest.json or a user's file is refused."""
    import shutil
    out = tmp_path / "r"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    refused = _solve(territory, "--out", out, "-q")
    assert refused.exit_code == 2 and "--force" in refused.output
    refused = _solve(territory, "--out", out, "-q", "--force", "--shortlists", "bound")
    assert refused.exit_code == 2 and "did not write" in refused.output
    assert (out / "manifest.json").read_text() == "{}"
    out.rmdir() if (out / "manifest.json").unlink() is None else None
    shutil.copytree(solved[0], out)
    forced = _solve(territory, "--out", out, "-q", "--force", "--shortlists", "bound")
    assert forced.exit_code == 0 and {p.name for p in out.iterdir()} == FILES
    (out / "notes_commission.txt").write_text("mine")
    refused = _solve(territory, "--out", out, "-q", "--force", "--shortlists", "bound")
    assert refused.exit_code == 2 and "notes_commission.txt" in refused.output
    assert (out / "notes_commission.txt").read_text() == "mine"


@pytest.mark.usefixtures("english_messages")
def test_bad_data_exits_1_and_writes_nothing(territory, tmp_path):
    """A unit in an unknown commune: exit 1, the file, row and column named."""
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("demands.csv", "policy.toml"):
        (bad / name).write_bytes((territory / name).read_bytes())
    units = pd.read_csv(territory / "units.csv", dtype=str, keep_default_na=False)
    units.loc[2, "commune"] = "Atlantis"
    units.to_csv(bad / "units.csv", index=False)
    result = _solve(bad, "--out", tmp_path / "r")
    assert result.exit_code == 1
    assert "units.csv" in result.stderr and "row 4" in result.stderr and "Atlantis" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "r").exists()


def _fake(monkeypatch, behaviour):
    monkeypatch.setattr(optimizer, "solve", behaviour)


def test_infeasible_policy_exits_3(territory, tmp_path, monkeypatch):
    def infeasible(problem, params, seed=0):
        raise PolicyInfeasible(["priority_min", "q1_outside_qpv_min"], "no allocation")
    _fake(monkeypatch, infeasible)
    result = _solve(territory, "--out", tmp_path / "r", "-q")
    assert result.exit_code == 3
    from attribution.reporting.text.labels import quota_label
    with language("fr"):   # the rows in words (no internal name), in French by default
        assert f"{quota_label('priority_min')}; {quota_label('q1_outside_qpv_min')}" in \
            result.stderr
    assert not (tmp_path / "r").exists()


@pytest.mark.usefixtures("english_messages")
def test_no_solution_in_time_exits_4(territory, tmp_path, monkeypatch):
    def nothing(problem, params, seed=0):
        return optimizer.Result(status="NO_SOLUTION", arcs=np.zeros(0, dtype=np.int64),
                                levels=(), solve_seconds=params.time_limit)
    _fake(monkeypatch, nothing)
    result = _solve(territory, "--out", tmp_path / "r", "-q", "--time-limit", 0.5)
    assert result.exit_code == 4 and "time limit" in result.stderr
    assert not (tmp_path / "r").exists()


def test_internal_error_exits_5_without_traceback(territory, tmp_path, monkeypatch):
    def bug(problem, params, seed=0):
        raise RuntimeError("index out of range")
    _fake(monkeypatch, bug)
    monkeypatch.delenv("ATTRIBUTION_DEBUG", raising=False)
    result = _solve(territory, "--out", tmp_path / "r", "-q")
    assert result.exit_code == 5 and "Erreur interne" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "r").exists()


def test_interrupt_exits_130_and_leaves_nothing(territory, tmp_path, monkeypatch):
    def interrupted(problem, params, seed=0):
        raise KeyboardInterrupt
    _fake(monkeypatch, interrupted)
    result = _solve(territory, "--out", tmp_path / "r", "-q")
    assert result.exit_code == 130 and "rien n’a été écrit" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_usage_errors_exit_2(territory, tmp_path):
    assert _solve(territory).exit_code == 2                       # no --out
    assert _solve(tmp_path / "missing", "--out", tmp_path / "r").exit_code == 2
    assert _solve(territory, "--out", tmp_path / "r", "--shortlists", "x").exit_code == 2


@pytest.mark.usefixtures("english_messages")
def test_sigterm_during_the_run_leaves_nothing(tmp_path):
    """A real process stopped with SIGTERM while it prices quotas: exit 130, no results
    folder and no temporary folder left beside it."""
    import signal
    import subprocess
    import sys

    out = tmp_path / "results"
    proc = subprocess.Popen([sys.executable, "-c", "from attribution.cli import main; main()", "solve",
                             "--out", str(out), "--quota-prices", "always"],
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    for line in proc.stderr:
        if "pricing" in line or "writing" in line:
            proc.send_signal(signal.SIGTERM)
            break
    proc.stderr.read()
    assert proc.wait(timeout=120) == 130
    assert list(tmp_path.iterdir()) == []



def test_disk_full_is_reported_plainly_and_leaves_nothing(territory, tmp_path, monkeypatch):
    """An OSError while writing (the disk is full): exit 2, one plain sentence, no folder."""
    import errno

    import attribution.reporting.results as results

    def full(*_, **__):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(results, "write_xlsx", full)
    result = _solve(territory, "--out", tmp_path / "r", "-q", "--shortlists", "bound")
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert "Traceback" not in result.output and list(tmp_path.iterdir()) == []
