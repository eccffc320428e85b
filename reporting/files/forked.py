"""Write one file in a forked child process while this process writes the others (issue 12).

The workbook (``results.xlsx``) is the longest file of a results folder to write, and
writing it is Python code holding the GIL: a thread does not overlap it with the CSV files
(measured: no gain). A child process forked just before does, on a core left idle.

The child is only forked when that is safe and useful — ``fork`` exists, this process has
no live thread other than the signal watcher of :mod:`attribution.interrupt` (forking a
multi-threaded process is unsafe), it is not a daemonic worker, and a core is idle (the
1-minute load average is below the cores available minus one half); otherwise
:func:`start` returns ``None`` and the caller writes the file itself. The child resets the
signal handlers (a Ctrl-C ends it at once; the parent removes the folder) and leaves with
``os._exit``; on Linux it is ended by the kernel if the parent dies first (``kill -9``).
Whatever goes wrong in the child, :meth:`Child.wait` says so and the caller
writes the file itself, so errors surface as they would without the child.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from attribution.interrupt import SIGNALS

#: The thread of :mod:`attribution.interrupt` (blocked on a pipe; safe across a fork).
_WATCHER = "attribution-signals"


def can_fork() -> bool:
    """Whether forking a writer child is safe and likely to help (see the module)."""
    if not hasattr(os, "fork"):
        return False
    import multiprocessing  # noqa: PLC0415 (only here)

    if multiprocessing.current_process().daemon:
        return False
    if any(t is not threading.current_thread() and t.name != _WATCHER
           for t in threading.enumerate()):
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        return False
    return cores >= 2 and busy < cores - 0.5


class Child:
    """A forked child running one function; :meth:`wait` or :meth:`stop` it once."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._done = False

    def wait(self) -> bool:
        """Wait for the child; ``True`` when it finished without error."""
        if self._done:
            return False
        _, status = os.waitpid(self.pid, 0)     # interrupted: stop() still reaps it
        self._done = True
        return os.waitstatus_to_exitcode(status) == 0

    def stop(self) -> None:
        """End the child now (this process is failing) and reap it."""
        if self._done:
            return
        self._done = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def start(fn: Callable[..., Any], *args: Any) -> Child | None:
    """``fn(*args)`` in a forked child, or ``None`` when :func:`can_fork` says no (the
    caller then runs it itself)."""
    if not can_fork():
        return None
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return Child(pid)
    code = 1
    try:       # the child: never returns into the caller's code
        _die_with(parent)
        for s in SIGNALS:       # a Ctrl-C or a kill ends the child at once
            signal.signal(s, signal.SIG_DFL)
        try:
            signal.set_wakeup_fd(-1)
        except ValueError:
            pass
        fn(*args)
        code = 0
    except BaseException:  # noqa: BLE001,S110 (the parent writes the file itself)
        pass
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:
    """Have the kernel end this child when its parent ends (Linux ``PR_SET_PDEATHSIG``:
    a parent killed with ``kill -9`` leaves no child writing into its folder); leave at
    once if the parent is already gone."""
    try:
        import ctypes  # noqa: PLC0415 (the child only)

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)   # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)
