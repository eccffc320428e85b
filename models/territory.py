"""Validated territory data: demands and units as frozen dataclasses of read-only arrays.

Categorical columns are stored as integer codes into the policy's tuples (communes,
landlords, réservataires) or the module constants (typologies, financings); list columns
as boolean matrices. Objects are built by :func:`models.io.readers.load_territory` (or
directly in tests) and never mutated; make variants with :func:`dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from .policy import Policy


def _freeze(obj) -> None:
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, np.ndarray):
                    v.setflags(write=False)


@dataclass(frozen=True)
class Demands:
    """Pending demands, one entry per row of ``demands.csv`` (same order).

    Arrays have length ``n``; ``wished_communes`` is ``(n, n_communes)`` bool and
    ``wished_typologies`` is ``(n, 6)`` bool (an empty list in the file = all True).
    ``criteria`` holds every other numeric/bool column (float64), by column name.
    """

    ids: np.ndarray                 # str (object)
    registered_on: np.ndarray       # datetime64[D]
    household_size: np.ndarray      # int64
    adults: np.ndarray              # int64
    children_under_14: np.ndarray   # int64
    dependants: np.ndarray          # int64
    couple: np.ndarray              # bool
    ages_sum: np.ndarray            # int64, 0 when missing
    disability: np.ndarray          # bool
    pmr_need: np.ndarray            # bool
    annual_income: np.ndarray       # float64
    monthly_income: np.ndarray      # float64
    housing_allowance: np.ndarray   # float64, 0 when missing
    priority: np.ndarray            # bool
    dalo: np.ndarray                # bool
    mutation: np.ndarray            # bool
    anru: np.ndarray                # bool
    private_employee: np.ndarray    # bool
    state_agent: np.ndarray         # bool
    wished_communes: np.ndarray     # bool (n, n_communes)
    wished_typologies: np.ndarray   # bool (n, 6)
    refusals: np.ndarray            # int64
    criteria: dict[str, np.ndarray]  # extra columns, float64

    def __post_init__(self) -> None:
        _freeze(self)

    def __len__(self) -> int:
        return len(self.ids)

    def column(self, name: str) -> np.ndarray:
        """A numeric view of any standard or criterion column (bools as 0/1 float)."""
        if name in self.criteria:
            return self.criteria[name]
        value = getattr(self, name, None)
        if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype.kind not in "biuf":
            raise KeyError(name)
        return value.astype(np.float64)

    def has_column(self, name: str) -> bool:
        try:
            self.column(name)
        except KeyError:
            return False
        return True


@dataclass(frozen=True)
class Units:
    """Freed units of the round, one entry per row of ``units.csv`` (same order)."""

    ids: np.ndarray            # str (object)
    landlord: np.ndarray       # int64 code into policy.landlords
    commune: np.ndarray        # int64 code into policy.territory.communes
    qpv: np.ndarray            # bool
    typology: np.ndarray       # int64 0..5 (T1..T6)
    rooms: np.ndarray          # int64
    surface_m2: np.ndarray     # float64
    rent: np.ndarray           # float64
    financing: np.ndarray      # int64 code into policy.FINANCINGS
    pmr: np.ndarray            # bool
    available_on: np.ndarray   # datetime64[D]
    reservataire: np.ndarray   # int64 code into policy.reservataire_ids, -1 = none named
    outside_flow: np.ndarray   # bool

    def __post_init__(self) -> None:
        _freeze(self)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Territory:
    """A validated territory folder: policy, demands and units of one round."""

    policy: Policy
    demands: Demands
    units: Units
    source: Path | None = None            # folder it was read from
    file_hashes: dict[str, str] | None = None  # file name -> sha256, for the manifest
