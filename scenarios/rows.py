"""Row operations on the frozen :class:`models.Demands` and :class:`models.Units` objects.

The simulation keeps its pools as the same validated objects the solver reads, and makes
every change by building a new object (select rows, append rows, replace a column): no
array is ever written in place.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

import numpy as np

from attribution.models.territory import Demands, Units

T = TypeVar("T", Demands, Units)


def take(table: T, index: np.ndarray) -> T:
    """Rows ``index`` (int positions or a bool mask) of ``table``, in that order."""
    index = np.asarray(index)
    changes = {}
    for f in dataclasses.fields(table):
        value = getattr(table, f.name)
        if isinstance(value, np.ndarray):
            changes[f.name] = value[index]
        elif isinstance(value, dict):
            changes[f.name] = {k: v[index] for k, v in value.items()}
    return dataclasses.replace(table, **changes)


def concat(first: T, second: T) -> T:
    """Rows of ``first`` then rows of ``second``; a criterion missing on one side is 0."""
    changes = {}
    for f in dataclasses.fields(first):
        a, b = getattr(first, f.name), getattr(second, f.name)
        if isinstance(a, np.ndarray):
            changes[f.name] = np.concatenate([a, b.astype(a.dtype, copy=False)])
        elif isinstance(a, dict):
            keys = list(dict.fromkeys([*a, *b]))
            changes[f.name] = {k: np.concatenate([a.get(k, np.zeros(len(first))),
                                                  b.get(k, np.zeros(len(second)))])
                               for k in keys}
    return dataclasses.replace(first, **changes)


def with_columns(table: T, **columns: np.ndarray) -> T:
    """A copy of ``table`` with whole columns replaced (lengths must match)."""
    for name, value in columns.items():
        if len(value) != len(table):
            raise ValueError(f"The column '{name}' must have {len(table)} rows; "
                             f"got {len(value)} instead.")
    return dataclasses.replace(table, **columns)


def renamed(table: T, prefix: str) -> T:
    """``table`` with ids ``{prefix}{0001..}`` (new ids for resampled rows)."""
    width = max(4, len(str(len(table))))
    ids = np.array([f"{prefix}{i:0{width}d}" for i in range(1, len(table) + 1)], dtype=object)
    return dataclasses.replace(table, ids=ids)
