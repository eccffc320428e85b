"""The workbook written by a forked child (issue 12): the same bytes as written in-process,
in the run's language; a child that fails leaves the file to the parent; no fork while
another thread runs; a failing parent ends its child."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import milp_reference
from attribution.models.i18n import language
from attribution.reporting import results
from attribution.reporting.analysis.shortlists import ShortlistParams
from attribution.reporting.files import forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _run(problem, folder, lang):
    with language(lang):
        results.run(problem, folder, params=None, solve=milp_reference.solve,
                    price_quotas="never", options=ShortlistParams(exact="never"))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_forked_workbook_has_the_bytes_of_one_written_in_process(
        tmp_path, monkeypatch, small_round, lang):
    children = []
    start = forked.start

    def counted(fn, *args):
        child = start(fn, *args)
        children.append(child)
        return child
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    monkeypatch.setattr(forked, "start", counted)
    _run(small_round, tmp_path / "forked", lang)
    assert children and children[0] is not None       # the child wrote it
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    _run(small_round, tmp_path / "inline", lang)
    assert ((tmp_path / "forked" / "results.xlsx").read_bytes()
            == (tmp_path / "inline" / "results.xlsx").read_bytes())


def test_a_failing_child_leaves_the_file_to_the_parent(tmp_path, monkeypatch):
    monkeypatch.setattr(forked, "can_fork", lambda: True)

    def boom(path):
        path.write_text("half")
        raise RuntimeError("disk full")
    child = forked.start(boom, tmp_path / "f")
    assert child is not None and child.wait() is False
    ok = forked.start(lambda path: path.write_text("done"), tmp_path / "g")
    assert ok.wait() is True and (tmp_path / "g").read_text() == "done"


def test_a_workbook_child_that_fails_is_replaced_by_the_parent(tmp_path, monkeypatch,
                                                              small_round):
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    real = results.write_workbook
    parent = os.getpid()

    def fails_in_child(path, tables):
        if os.getpid() != parent:
            raise OSError("no space left")
        real(path, tables)
    monkeypatch.setattr(results, "write_workbook", fails_in_child)
    _run(small_round, tmp_path / "r", "fr")
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    monkeypatch.setattr(results, "write_workbook", real)
    _run(small_round, tmp_path / "s", "fr")
    assert (tmp_path / "r" / "results.xlsx").read_bytes() == \
        (tmp_path / "s" / "results.xlsx").read_bytes()


def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="busy")
    other.start()
    try:
        assert forked.can_fork() is False
        assert forked.start(lambda: None) is None
    finally:
        stop.set()
        other.join()


def test_a_failing_parent_ends_its_child_and_leaves_no_folder(tmp_path, monkeypatch,
                                                             small_round):
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    started = []
    start = forked.start

    def spy(fn, *args):
        child = start(lambda *a: threading.Event().wait(60), *args)  # a child that hangs
        started.append(child)
        return child
    monkeypatch.setattr(forked, "start", spy)

    def broken(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(results, "write_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        _run(small_round, tmp_path / "r", "fr")
    assert not (tmp_path / "r").exists()
    with pytest.raises(ChildProcessError):      # stopped and reaped
        os.waitpid(started[0].pid, os.WNOHANG)


ORPHAN = """
import os, signal, sys, time
from attribution.reporting.files import forked
forked.can_fork = lambda: True
child = forked.start(time.sleep, 60)
print(child.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")
def test_a_parent_killed_with_kill_9_takes_its_child_along():
    proc = subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True,
                          timeout=60)
    pid = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    pytest.fail("the child outlived its parent")
