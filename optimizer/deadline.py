"""The clock of one solve: a deadline every phase reads."""

from __future__ import annotations

import time


class Deadline:
    """Wall-clock budget of one solve, started at construction.

    Every phase of :func:`optimizer.solve` reads it: the LP gets a share of what is left,
    each CP-SAT model its own share, the loops of the quick allocation stop when it has
    passed, and no new phase starts after it (the best allocation so far is returned).

    Parameters
    ----------
    limit
        Seconds from now.
    """

    def __init__(self, limit: float):
        self.start, self.limit = time.perf_counter(), float(limit)

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        """Seconds left (negative once past the deadline)."""
        return self.limit - self.elapsed()

    def expired(self, margin: float = 0.0) -> bool:
        """Fewer than ``margin`` seconds are left."""
        return self.remaining() <= margin

    def left(self, share: float = 1.0) -> float:
        """``share`` of the time left, at least 0.05 s (a phase always gets a slice)."""
        return max(0.05, share * (self.limit - self.elapsed()))
