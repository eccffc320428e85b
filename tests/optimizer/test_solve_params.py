"""SolveParams (errors, ``from_file``), ``Result.summary()``, and the solve command's
``--params``, ``--log``, ``--export-model`` and ``--max-memory`` (issue 11 item 7,
issue 10's memory guard)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from ortools.sat import cp_model_pb2

from attribution.cli import EXIT_TOO_LARGE, main
from attribution.models.allocation import QuotaAttainment
from attribution.optimizer import SolveParams
from attribution.optimizer.result import Conflict, Level, Result


@pytest.mark.usefixtures("english_messages")
@pytest.mark.parametrize("name, value", [
    ("time_limit", 0), ("time_limit", -1.0), ("time_limit", "60"), ("time_limit", True),
    ("time_limit", float("nan")), ("time_limit", float("inf")),
    ("workers", 0), ("workers", 1.5), ("workers", True),
    ("log", "yes"), ("fit_preference", 1),
    ("pmr_misuse_cost", -1), ("pmr_misuse_cost", 2.5), ("surplus_room_cost", -2),
    ("relative_gap", 1.0), ("relative_gap", -0.1), ("relative_gap", "0"),
    ("diagnose", "no"), ("diagnosis_time_limit", -1),
    ("log_file", 3), ("export_model", None)])
def test_each_bad_parameter_is_named(name, value):
    """One sentence in the scikit-learn template, naming the parameter and the value."""
    with pytest.raises(ValueError) as err:
        SolveParams(**{name: value})
    message = str(err.value)
    assert message.startswith(f"The '{name}' parameter of SolveParams must be ")
    assert f"got {value!r} instead." in message


def test_from_file_reads_every_key(tmp_path):
    f = tmp_path / "params.toml"
    f.write_text('time_limit = 12.5\nworkers = 2\nrelative_gap = 0.001\n'
                 'fit_preference = false\nlog_file = "search.log"\n')
    p = SolveParams.from_file(f)
    assert (p.time_limit, p.workers, p.relative_gap, p.fit_preference, p.log_file) == \
        (12.5, 2, 0.001, False, "search.log")
    assert p.diagnose is SolveParams().diagnose   # keys left out keep their default


@pytest.mark.usefixtures("english_messages")
@pytest.mark.parametrize("text, expected", [
    ("time_limt = 5\n", "unknown SolveParams keys ['time_limt']"),
    ("time_limit = \n", "is not valid TOML"),
    ("workers = 0\n", "The 'workers' parameter of SolveParams must be an integer ≥ 1"),
    ("time_limit = '5'\n", "The 'time_limit' parameter of SolveParams must be")])
def test_from_file_errors_name_the_file(tmp_path, text, expected):
    f = tmp_path / "params.toml"
    f.write_text(text)
    with pytest.raises(ValueError) as err:
        SolveParams.from_file(f)
    assert expected in str(err.value) and str(f) in str(err.value)


def test_summary_says_what_the_result_holds():
    """Every number of the result appears in its summary, with the proven flags."""
    quotas = tuple(QuotaAttainment(name=n, family="f", policy_key="k", sense="min",
                                   left=3, right=10, share=0.3, target=0.25, slack=0,
                                   satisfied=True, margin=m, tight=t, description="")
                   for n, m, t in (("priority", 0.5, True), ("q1_outside_qpv", 2.0, False)))
    r = Result(status="FEASIBLE", arcs=np.array([0, 1]), solve_seconds=1.25,
               levels=(Level("units_let", "max", 9, 10), Level("score_sum", "max", 500, 500),
                       Level("fit", "min", 7, 5)),
               quotas=quotas, units_without_quotas=11, units_lost_to_quotas=1,
               conflicts=(Conflict(("priority",), 1, True, "too few priority demands"),))
    text = r.summary()
    assert text.splitlines()[0] == "status FEASIBLE in 1.25 s, gap 10.000 %"
    assert "units_let               9 (bound ≤ 10)" in text
    assert "score_sum             500 (bound ≤ 500, proven)" in text
    assert "fit                     7 (bound ≥ 5)" in text
    assert "quota rows 2, 1 binding: priority" in text
    assert "the quotas keep 1 unit(s) empty (11 could be let without them)" in text
    assert "conflict: priority (too few priority demands)" in text


# --- the command ---------------------------------------------------------------------

def _solve(*args):
    return CliRunner().invoke(main, ["solve", *map(str, args)])


def test_params_log_and_export_model(territory, tmp_path):
    """The file's parameters are used (time limit overridden by --time-limit), the search
    log goes to --log, and every CP-SAT model is a readable CpModelProto."""
    params = tmp_path / "p.toml"
    params.write_text("time_limit = 17\nfit_preference = true\nrelative_gap = 0.0\n")
    log, models, out = tmp_path / "search.log", tmp_path / "models", tmp_path / "r"
    res = _solve(territory, "--out", out, "--params", params, "--log", log,
                 "--export-model", models, "--quiet")
    assert res.exit_code == 0, res.output
    recorded = json.loads((out / "manifest.json").read_text())["params"]
    assert recorded["time_limit"] == 17 and recorded["log_file"] == str(log)
    files = sorted(models.glob("*.pb"))
    assert files, "no model exported"
    headers = [line for line in log.read_text().splitlines() if line.startswith("== ")]
    assert headers == [f"== {f.stem} ==" for f in files]   # one log section per model
    assert "CP-SAT" in log.read_text()
    for f in files:
        proto = cp_model_pb2.CpModelProto()
        proto.ParseFromString(f.read_bytes())
        assert len(proto.variables) > 0 and len(proto.constraints) > 0
    res = _solve(territory, "--out", tmp_path / "r2", "--params", params,
                 "--time-limit", 9, "--quiet")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "r2" / "manifest.json").read_text())["params"][
        "time_limit"] == 9


@pytest.mark.usefixtures("english_messages")
def test_bad_params_file_is_a_usage_error(territory, tmp_path):
    params = tmp_path / "p.toml"
    params.write_text("time_limit = 5\nworker = 2\n")
    res = _solve(territory, "--out", tmp_path / "r", "--params", params)
    assert res.exit_code == 2
    assert "unknown SolveParams keys ['worker']" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "r").exists()


@pytest.mark.usefixtures("english_messages")
def test_a_round_beyond_the_memory_budget_is_refused(territory, tmp_path):
    """Exit 6, the estimated size, and how to split the round; nothing written."""
    res = _solve(territory, "--out", tmp_path / "r", "--max-memory", "1M")
    assert res.exit_code == EXIT_TOO_LARGE
    assert "too large for the memory budget" in res.output
    assert "by commune" in res.output and "by landlord" in res.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("size", ["lots", "-3G", "0", "8X"])
def test_a_bad_memory_size_is_a_usage_error(territory, tmp_path, size):
    res = _solve(territory, "--out", tmp_path / "r", "--max-memory", size)
    assert res.exit_code == 2 and "expected a size such as 8G" in res.output


def test_running_out_of_memory_is_not_reported_as_a_bug(territory, tmp_path, monkeypatch):
    """A MemoryError anywhere in the run: exit 6 and advice, never 'Internal error'."""
    import attribution.reporting.command as command

    def no_memory(_):
        raise MemoryError

    monkeypatch.setattr(command, "build_problem", no_memory)
    res = _solve(territory, "--out", tmp_path / "r")
    assert res.exit_code == EXIT_TOO_LARGE
    assert "manqué de mémoire" in res.output and "Erreur interne" not in res.output
