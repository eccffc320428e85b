"""Ctrl-C and SIGTERM (issue 10): real processes, real signals, at every stage of a run.

Each test starts ``python -m attribution solve`` in a subprocess with its own temporary
folder (TMPDIR) and the test hook ``ATTRIBUTION_PAUSE_AT`` (the process prints
``paused at: STAGE`` and sleeps there), sends SIGINT or SIGTERM, and checks: exit 130, one
plain line, no traceback, no results folder, no ``.tmp-*`` folder beside it and nothing
left in the temporary folder (openpyxl's files included). A separate test interrupts a
long CP-SAT search itself (C++ code) after a first solve, the case where CP-SAT used to
restore the default SIGINT action and the process died silently.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

INT, TERM = signal.SIGINT, signal.SIGTERM


def _run_until(args, stage, sig, tmp_path, timeout=180):
    """Start the command paused at ``stage``, send ``sig`` when it gets there."""
    work, tmpdir = tmp_path / "work", tmp_path / "tmpdir"
    work.mkdir(parents=True)
    tmpdir.mkdir(parents=True)
    env = {**os.environ, "ATTRIBUTION_PAUSE_AT": stage, "ATTRIBUTION_PAUSE_SECONDS": "60",
           "TMPDIR": str(tmpdir)}
    env.pop("ATTRIBUTION_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "attribution", *map(str, args)],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=work, env=env)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("paused at:"):
            proc.send_signal(sig)
            break
    rest = proc.stderr.read()
    code = proc.wait(timeout=timeout)
    return code, "".join(seen) + rest, work, tmpdir


# the stages as the (French) progress lines name them; "starting" and "writing: tables
# written" are the test hook's own names
STAGES = [("starting", INT), ("starting", TERM), ("lecture", TERM),
          ("graphe de compatibilité", INT), ("résolution", TERM), ("explication", INT),
          ("évaluation", TERM), ("writing: tables written", INT),
          ("writing: tables written", TERM)]


@pytest.mark.parametrize("stage,sig", STAGES, ids=[f"{s}-{g.name}" for s, g in STAGES])
def test_a_signal_at_any_stage_exits_130_and_leaves_nothing(territory, tmp_path, stage, sig):
    args = ["solve", territory, "--out", "results", "--quota-prices", "always",
            "--shortlists", "exact", "--time-limit", "30"]
    code, err, work, tmpdir = _run_until(args, stage, sig, tmp_path)
    assert "paused at:" in err and stage in err, err
    assert code == 130, err
    assert "Interrompu" in err and "Traceback" not in err and "Aborted" not in err
    assert list(work.iterdir()) == []          # no results, no .results.tmp-*
    assert list(tmpdir.iterdir()) == []        # no openpyxl.* or other temporary file


def test_validate_and_generate_exit_130_too(territory, tmp_path):
    """The other commands: interrupted while starting, exit 130, not click's exit 1."""
    code, err, _, _ = _run_until(["validate", territory], "starting", INT, tmp_path / "v")
    assert code == 130 and "Aborted" not in err
    code, err, work, _ = _run_until(["generate", "t"], "starting", TERM, tmp_path / "g")
    assert code == 130 and list(work.iterdir()) == []


CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    from ortools.sat.python import cp_model
    from attribution.interrupt import interruptible
    from attribution.optimizer.interrupt import cp_solver

    def market_split(m, n, seed):  # notoriously hard for branch and bound
        rng = np.random.default_rng(seed)
        a = rng.integers(0, 100, size=(m, n))
        model = cp_model.CpModel()
        x = [model.new_bool_var(f"x{j}") for j in range(n)]
        for i in range(m):
            model.add(sum(int(a[i, j]) * x[j] for j in range(n)) == int(a[i].sum() // 2))
        return model

    with interruptible():
        try:
            first = cp_solver()
            first.parameters.max_time_in_seconds = 5
            first.solve(market_split(1, 6, 0))            # a first, quick solve
            solver = cp_solver()
            solver.parameters.max_time_in_seconds = 120
            solver.parameters.num_workers = 1
            print("searching", flush=True)
            start = time.perf_counter()
            solver.solve(market_split(6, 60, 1))
            print("finished without interruption", flush=True)
        except KeyboardInterrupt:
            print(f"interrupted after {time.perf_counter() - start:.1f} s", flush=True)
            sys.exit(130)
""")


@pytest.mark.parametrize("sig", [INT, TERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_a_running_cp_sat_search(tmp_path, sig):
    """In C++ code, after an earlier solve: stopped within seconds, exit 130 (was: killed
    outright by the default action CP-SAT restored, exit -2, no cleanup)."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert proc.stdout.readline().strip() == "searching"
    time.sleep(1.0)
    sent = time.perf_counter()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    waited = time.perf_counter() - sent
    assert proc.returncode == 130, (out, err)
    assert "interrupted after" in out
    assert waited < 10, f"the search took {waited:.1f} s to stop"


def test_every_cp_sat_solver_is_made_by_cp_solver():
    """A CpSolver made elsewhere would bring the bug back (CP-SAT's own SIGINT handler)."""
    root = Path(__file__).resolve().parents[2]
    offenders = [str(p.relative_to(root)) for d in ("optimizer", "reporting", "scenarios",
                                                   "models")
                 for p in (root / d).rglob("*.py")
                 if "CpSolver()" in p.read_text("utf-8") and p.name != "interrupt.py"]
    assert offenders == []


def test_kill_9_leftovers_are_cleaned_at_the_next_run(territory, tmp_path):
    """kill -9 while the results folder is half written leaves .results.tmp-*; the next
    run on the same target removes it before doing anything else."""
    from attribution.reporting.files.atomic import check_target

    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "ATTRIBUTION_PAUSE_AT": "writing: tables written",
           "ATTRIBUTION_PAUSE_SECONDS": "60"}
    proc = subprocess.Popen([sys.executable, "-m", "attribution", "solve", str(territory),
                             "--out", "results", "--shortlists", "bound",
                             "--quota-prices", "never"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            cwd=work, env=env)
    for line in proc.stderr:
        if line.startswith("paused at:"):
            proc.kill()
            break
    proc.wait(timeout=60)
    left = [p.name for p in work.iterdir()]
    assert len(left) == 1 and left[0].startswith(".results.tmp-"), left
    assert (work / left[0] / "decisions.csv").exists()   # half written indeed
    check_target(work / "results")                      # what the next run does first
    assert list(work.iterdir()) == []


STUCK = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    from attribution.interrupt import interruptible, temporary

    def ignore(signum, frame):
        pass

    tmp = Path(sys.argv[1])
    tmp.mkdir()
    with interruptible(), temporary(tmp):
        try:
            print("stuck", flush=True)
            time.sleep(100)
        except KeyboardInterrupt:
            # from now on like C++ code holding the main thread (HiGHS, CP-SAT loading a
            # large model): the signals still reach the wake-up pipe, never Python code
            for s in (signal.SIGINT, signal.SIGTERM):
                signal.signal(s, ignore)
            while True:
                time.sleep(100)
""")


@pytest.mark.parametrize("second", [False, True], ids=["grace", "second-signal"])
def test_a_stage_that_holds_the_signal_still_exits_130(tmp_path, second):
    """When the main thread cannot unwind, the process still leaves with exit 130 and the
    interruption line: GRACE_SECONDS after the signal, or at once on a second signal; the
    registered temporary folder is removed."""
    from attribution.interrupt import GRACE_SECONDS
    folder = tmp_path / ".results.tmp-x"
    proc = subprocess.Popen([sys.executable, "-c", STUCK, str(folder)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "stuck"
    assert folder.is_dir()
    start = time.perf_counter()
    proc.send_signal(TERM)
    if second:
        time.sleep(0.5)
        proc.send_signal(INT)
    code = proc.wait(timeout=GRACE_SECONDS + 60)
    took = time.perf_counter() - start
    err = proc.stderr.read()
    assert code == 130, err
    assert "Interrompu" in err or "Interrupted" in err, err
    assert "Traceback" not in err
    assert not folder.exists()
    if second:
        assert took < GRACE_SECONDS, took
    else:
        assert took >= GRACE_SECONDS * 0.9, took


@pytest.mark.parametrize("code, status, said", [(None, 0, ""), (3, 3, ""),
                                                ("bad input", 1, "bad input")])
def test_leave_runs_the_exit_callbacks_flushes_and_keeps_the_status(tmp_path, code,
                                                                   status, said):
    """Issue 12: a finished command leaves without the interpreter's teardown
    (interrupt.leave) — the atexit callbacks still run (a temporary folder's finalizer
    removes it), buffered output is flushed, and the exit status is the command's."""
    script = textwrap.dedent(f"""
        import sys, tempfile, atexit
        from attribution.interrupt import leave
        kept = tempfile.TemporaryDirectory(dir={str(tmp_path)!r})   # never cleaned up here
        open({str(tmp_path / 'path')!r}, 'w').write(kept.name)
        atexit.register(lambda: open({str(tmp_path / 'ran')!r}, 'w').write('yes'))
        sys.stdout.write('buffered, not flushed')
        leave({code!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == status
    assert proc.stdout == "buffered, not flushed"
    assert proc.stderr.strip() == said
    assert (tmp_path / "ran").read_text() == "yes"
    assert not Path((tmp_path / "path").read_text()).exists()
