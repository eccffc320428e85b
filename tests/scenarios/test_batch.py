"""The batch on Dask: a LocalCluster of two workers runs the simulated years, a task that
raises is reported (scenario, seed, error) while the others complete and are gathered,
and the Dask path gives the same KPIs as the serial one."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from attribution.models.generator import write_territory
from attribution.scenarios.batch import run_batch
from attribution.scenarios.simulation import prepare
from attribution.scenarios.spec import parse_scenario


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    folder = write_territory(tmp_path_factory.mktemp("terr") / "tiny", 5, 200, 10)
    raw = {"territory": {"source": str(folder)}, "supply": {"units_per_month": 8},
           "simulation": {"months": 2, "round_time_limit_s": 60}}
    good = prepare(parse_scenario(raw, "good.toml", default_name="good"))
    bad = dataclasses.replace(good, scenario=dataclasses.replace(
        good.scenario, name="bad").with_simulation(task_time_limit_s=1e-9))
    return good, bad


@pytest.mark.usefixtures("english_messages")
def test_failed_task_is_reported_and_the_others_complete(prepared):
    """On a 2-worker LocalCluster, the two 'bad' tasks fail with TaskTimeout and are
    listed; the two 'good' ones finish and their KPIs are gathered in one table."""
    good, bad = prepared
    lines = []
    result = run_batch([good, bad], [0, 1], workers=2, progress=lines.append)
    assert result.workers == 2
    assert [(y.scenario, y.seed) for y in result.years] == [("good", 0), ("good", 1)]
    assert sorted(result.kpis["seed"].unique()) == [0, 1]
    assert set(result.kpis["scenario"]) == {"good"}
    f = result.failures
    assert f[["scenario", "seed"]].values.tolist() == [["bad", 0], ["bad", 1]]
    assert f["error"].str.startswith("TaskTimeout: The simulated horizon of 'bad'").all()
    assert sum("FAILED" in line for line in lines) == 2
    assert sum(line.endswith("done") for line in lines) == 2

    serial = run_batch([good], [0, 1], workers=0)
    assert serial.workers == 0 and serial.failures.empty
    pd.testing.assert_frame_equal(serial.kpis, result.kpis)


def test_existing_scheduler_is_used(prepared):
    """With a scheduler address the batch runs on that cluster (here one worker) and
    leaves it running; results match the serial run."""
    from distributed import LocalCluster

    good, _ = prepared
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster:
        result = run_batch([good], [1], scheduler=cluster.scheduler_address)
        assert result.workers == 1 and result.failures.empty
        assert len(cluster.workers) == 1          # still up: the batch does not close it
    serial = run_batch([good], [1], workers=0)
    pd.testing.assert_frame_equal(serial.kpis, result.kpis)
