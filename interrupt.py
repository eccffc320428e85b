"""Ctrl-C and SIGTERM at any stage of a run: stop running solves, raise KeyboardInterrupt.

By default CP-SAT installs its own SIGINT handler while ``Solve`` runs and restores the
*default* action when it returns (parameter ``catch_sigint_signal``): after the first
solve of a run, Ctrl-C killed the process outright — no message, no cleanup, a temporary
results folder left behind. And a Python signal handler cannot run while the main thread
is inside the solver's C++ code, so without help Ctrl-C would wait for the time limit.

So every CP-SAT solver of this package is made by
:func:`attribution.optimizer.interrupt.cp_solver`, which turns that parameter off and
registers the solver (:func:`register`) while it exists; and the command line runs inside
:func:`interruptible`, which

* makes SIGINT and SIGTERM raise :class:`KeyboardInterrupt` in the main thread, and
* routes both signals through a wake-up pipe (:func:`signal.set_wakeup_fd`, written by
  the C-level handler even while the main thread is in C++) to a small thread that calls
  ``stop_search()`` on every registered solver. The solve returns within milliseconds and
  the pending ``KeyboardInterrupt`` is raised as soon as it does; the caller's cleanup
  (the atomic results folder) runs as for any exception.

This module imports nothing heavy, so the command line installs it before anything else
(a Ctrl-C while the libraries load gives exit 130 too, not click's "Aborted!" and exit 1).
The HiGHS LP of the bound, or CP-SAT loading a large model, holds the main thread in C++
where ``stop_search()`` cannot reach: an interrupt there is handled when the call returns.
So that no stage can hold a signal for long, the watching thread gives the main thread
:data:`GRACE_SECONDS` to unwind; past that, or at a second signal, it removes the
temporary folders registered with :func:`temporary` (the atomic results folders), prints
the interruption line and leaves with exit 130 at once (:func:`_leave_now`).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn, Protocol, TypeVar

_SOLVERS: weakref.WeakSet = weakref.WeakSet()
_LOCK = threading.Lock()
#: Signals that interrupt a run.
SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None))
                if s is not None)


#: Seconds the main thread has, after a signal, to unwind (the pending KeyboardInterrupt and
#: the cleanup it runs) before the process leaves at once (exit 130).
GRACE_SECONDS = 5.0
#: Exit status of an interrupted run (128 + SIGINT, as shells report Ctrl-C).
EXIT_INTERRUPTED = 130
_TEMPORARY: set[Path] = set()


class Stoppable(Protocol):
    """A running search that can be stopped (``cp_model.CpSolver``)."""

    def stop_search(self) -> None: ...


S = TypeVar("S", bound=Stoppable)


def register(solver: S) -> S:
    """Remember ``solver`` (anything with ``stop_search()``) until it is garbage; returns it."""
    with _LOCK:
        _SOLVERS.add(solver)
    return solver


def stop_all() -> None:
    """Stop every running search (thread-safe; a solver not solving ignores it)."""
    with _LOCK:
        solvers = list(_SOLVERS)
    for solver in solvers:
        solver.stop_search()


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def temporary(path: Path) -> Iterator[Path]:
    """Register ``path`` (a temporary folder) for removal should the process have to leave
    at once after a signal (:func:`_leave_now`); the caller removes it otherwise."""
    with _LOCK:
        _TEMPORARY.add(Path(path))
    try:
        yield path
    finally:
        with _LOCK:
            _TEMPORARY.discard(Path(path))


def _leave_now() -> None:
    """The main thread did not unwind in time: remove the registered temporary folders, say
    so, and exit 130 without running the rest of the program (no file is half-written:
    results are written into a temporary folder and renamed whole)."""
    with _LOCK:
        leftovers = list(_TEMPORARY)
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
    try:
        from attribution.models.i18n import _

        line = _("Interrupted; stopped cleanly, nothing was written.")
    except Exception:  # noqa: BLE001 (leaving anyway)
        line = "Interrupted; stopped cleanly, nothing was written."
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_INTERRUPTED)


def leave(code: int | str | None) -> NoReturn:
    """Leave the process once a command is over, with ``code`` (a :class:`SystemExit`
    code: ``None`` is 0, a text is printed and gives 1).

    The standard streams are flushed and the ``atexit`` callbacks run (temporary files'
    finalizers, logging, multiprocessing), then the process exits without the
    interpreter's teardown: freeing every object one by one and the native libraries'
    destructors — OR-Tools' alone ≈ 0.12 s, ≈ 0.25 s at the end of a ``solve`` — work a
    finished command does not need. Every file the commands write is closed before they
    return (results are written into a temporary folder and renamed whole)."""
    import atexit

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        sys.stderr.write(f"{code}\n")
        status = 1
    try:
        run = getattr(atexit, "_run_exitfuncs", None)
        if run is not None:
            run()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 (a closed pipe: nothing left to say)
                pass
        os._exit(status)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM stop any running solve and raise ``KeyboardInterrupt``.

    A no-op outside the main thread. The previous handlers and wake-up descriptor are
    restored when the block ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    try:
        previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    except (ValueError, OSError):  # not supported here: handlers only
        os.close(read_end)
        os.close(write_end)
        read_end = write_end = -1
        previous_fd = None
    previous = {s: signal.signal(s, _raise_interrupt) for s in SIGNALS}
    done = threading.Event()

    def watch() -> None:
        seen = 0
        while not done.is_set():
            try:
                data = os.read(read_end, 64)
            except OSError:
                return
            if not data or done.is_set():
                return
            signals = sum(b in SIGNALS for b in data)
            if not signals:
                continue
            stop_all()
            seen += signals
            if seen > 1:                      # a second signal: leave now
                _leave_now()
            timer = threading.Timer(GRACE_SECONDS, lambda: done.is_set() or _leave_now())
            timer.daemon = True
            timer.start()

    watcher = None
    if read_end >= 0:
        watcher = threading.Thread(target=watch, name="attribution-signals", daemon=True)
        watcher.start()
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if watcher is not None:
            signal.set_wakeup_fd(previous_fd)
            done.set()
            try:
                os.write(write_end, b"\0")
            except OSError:
                pass
            watcher.join(timeout=1.0)
            os.close(read_end)
            os.close(write_end)


def pause_point(stage: str) -> None:
    """A hook for the tests of interruption: when the environment variable
    ``ATTRIBUTION_PAUSE_AT`` is a substring of ``stage``, print ``paused at: STAGE`` on
    stderr and sleep ``ATTRIBUTION_PAUSE_SECONDS`` (default 30), so that a test can send a
    real signal to a real process at a known stage. Does nothing otherwise."""
    wanted = os.environ.get("ATTRIBUTION_PAUSE_AT")
    if not wanted or wanted not in stage:
        return
    import sys
    import time

    print(f"paused at: {stage}", file=sys.stderr, flush=True)
    time.sleep(float(os.environ.get("ATTRIBUTION_PAUSE_SECONDS", "30")))
