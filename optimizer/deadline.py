"""The clock of one solve: a deadline every phase reads."""

from __future__ import annotations

import time


class Deadline:
    """Wall-clock budget of one solve, started at construction.

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

    def left(self, share: float = 1.0) -> float:
        """``share`` of the time left, at least 0.05 s (a phase always gets a slice)."""
        return max(0.05, share * (self.limit - self.elapsed()))
