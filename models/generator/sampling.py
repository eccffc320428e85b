"""Vectorised random draws the generator needs beyond ``numpy.random.Generator``."""

from __future__ import annotations

import numpy as np


def controlled_counts(n: int, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split ``n`` items over cells of probability ``p``, each count within 1 of ``n·p``.

    The integer parts are given deterministically and the remainder is drawn without
    replacement in proportion to the fractional parts, so counts are unbiased and a small
    round keeps the territory's shares (e.g. 32 QPV units out of 115, not 20 or 45).
    """
    expected = n * np.asarray(p, dtype=np.float64) / np.sum(p)
    counts = np.floor(expected).astype(np.int64)
    frac = expected - counts
    rest = n - int(counts.sum())
    if rest > 0:
        extra = rng.choice(len(p), size=rest, replace=False, p=frac / frac.sum())
        counts[extra] += 1
    return counts


def categorical(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One draw per row of the row-stochastic matrix ``p`` (shape ``(n, k)``)."""
    cum = np.cumsum(p, axis=1)
    u = rng.random(len(p)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), p.shape[1] - 1)


def top_k_without_replacement(rng: np.random.Generator, logw: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct column indices per row, drawn in order with weights ``exp(logw)``.

    The Gumbel-top-k trick: adding Gumbel noise to log-weights and sorting is the same as
    drawing successively without replacement in proportion to the weights. Columns with
    ``-inf`` weight are drawn last.
    """
    keys = logw + rng.gumbel(size=logw.shape)
    return np.argsort(-keys, axis=1, kind="stable")[:, :k]
