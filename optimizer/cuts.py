"""Rounded quota rows for rounds that let every lettable unit.

A quota row ``left ≥ share·right − slack`` is a ratio between two counts, and its LP
relaxation is weak when the counts are small (a landlord with 7 units, a commune with 4).
When level 1 lets every unit that has a compatible demand — the usual case — every base
``right`` that only depends on the *unit* (its landlord, commune, QPV flag or flow
exclusion) is a known constant ``B``: the units of that set. The row then says that an
integer count lies in ``[share·B − slack, ...]``, and rounding the real bound to the next
integer is exact (a Chvátal–Gomory cut). Flows, spatial balance, the territory's priority
floor and both QPV rows all qualify; the per-réservataire rows (whose base depends on the
orientation chosen) do not.

The cuts are valid for every allocation letting all lettable units, so they may be added
to the LP and the CP-SAT model of levels 2 and 3 once level 1 is known to let them all.
On the CARENE round they close the LP gap entirely.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np

from attribution.models.quotas import QuotaRow, QuotaSystem

from .data import SolverData


def _unit_key(data: SolverData) -> np.ndarray:
    """Per class, the unit attributes it carries (one integer)."""
    cls = data.quotas.classes
    communes = int(cls.commune.max(initial=0)) + 1
    return ((cls.landlord * communes + cls.commune) * 2 + cls.qpv) * 2 + cls.outside_flow


def rounded_rows(data: SolverData) -> list[QuotaRow]:
    """Rounded cardinality rows, valid when every unit having an arc is let."""
    q = data.quotas
    if not len(q) or not data.n_arcs:
        return []
    key = _unit_key(data)
    keys, key_of_class = np.unique(key, return_inverse=True)
    lettable = np.flatnonzero(np.r_[True, data.unit[1:] != data.unit[:-1]])  # first arcs
    units_per_key = np.bincount(key_of_class[q.classes.of_arc[lettable]],
                                minlength=len(keys))
    # per row and unit key: how many of the key's classes are in the row's base
    order = np.argsort(key_of_class, kind="stable")
    first = np.flatnonzero(np.r_[True, np.diff(key_of_class[order]) != 0])
    right = np.stack([row.right for row in q.rows])[:, order].astype(np.int64)
    in_base = np.add.reduceat(right, first, axis=1)
    per_key = np.diff(np.r_[first, len(order)])
    cuts = []
    for i, row in enumerate(q.rows):
        lo = in_base[i] == per_key        # every class of the key is in the base
        if ((in_base[i] > 0) != lo).any():
            continue   # the base depends on the réservataire chosen: no constant
        base = row.share * (int(units_per_key[lo].sum()) + row.carry_right)
        if row.sense == ">=":
            m = math.ceil(base - row.slack) - row.carry_left
            if m <= 0:
                continue
            slack = -m
        else:
            m = math.floor(base + row.slack) - row.carry_left
            slack = m
        cuts.append(QuotaRow(name=f"{row.name}.rounded", family="rounded",
                             policy_key=row.policy_key, sense=row.sense, share=Fraction(0),
                             slack=slack, left=row.left, right=np.zeros_like(row.right),
                             description=f"{row.description} (all units let, rounded)"))
    return cuts


def with_rounded_rows(data: SolverData) -> SolverData:
    """``data`` whose quota system also holds the rounded rows (for LP and CP-SAT only;
    validity is always checked against the policy's own rows)."""
    cuts = rounded_rows(data)
    if not cuts:
        return data
    q = data.quotas
    pairs = [row.integer_row() for row in cuts]
    system = QuotaSystem(classes=q.classes, rows=q.rows + tuple(cuts),
                         coef=np.vstack([q.coef, np.stack([p[0] for p in pairs])]),
                         rhs=np.r_[q.rhs, np.array([p[1] for p in pairs], dtype=np.int64)])
    return dataclasses.replace(data, quotas=system)
