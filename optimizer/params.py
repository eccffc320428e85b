"""Solver parameters: a small frozen dataclass, checked once, loadable from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path


@dataclass(frozen=True)
class SolveParams:
    """How :func:`optimizer.solve` works; the seed is passed to ``solve`` separately.

    Parameters
    ----------
    time_limit
        Wall-clock budget in seconds for the whole solve (all levels); when it runs out
        the best allocation found is returned with its certified gap.
    workers
        CP-SAT search workers. 1 (the default) makes the search deterministic: the same
        input and seed give the same allocation.
    log
        Print the CP-SAT and HiGHS search logs.
    fit_preference
        Solve the third lexicographic level (fit of the unit to the household, see
        ``docs/model.md``); ``False`` stops after the score level.
    pmr_misuse_cost
        Fit cost of giving an accessible (PMR) unit to a demand that does not need one.
    surplus_room_cost
        Fit cost of each habitable room beyond the household size.
    relative_gap
        Stop a level as soon as its certified relative gap is at most this (0 = prove
        optimality).
    diagnose
        When the quotas cost units (fewer units let than without them), search for the
        smallest set of quota rows responsible.
    diagnosis_time_limit
        Budget in seconds for that search (on top of ``time_limit``).
    """

    time_limit: float = 60.0
    workers: int = 1
    log: bool = False
    fit_preference: bool = True
    pmr_misuse_cost: int = 3
    surplus_room_cost: int = 1
    relative_gap: float = 0.0
    diagnose: bool = True
    diagnosis_time_limit: float = 30.0

    def __post_init__(self) -> None:
        checks = (
            ("time_limit", self.time_limit > 0, "a positive number of seconds"),
            ("workers", isinstance(self.workers, int) and self.workers >= 1,
             "an integer ≥ 1"),
            ("pmr_misuse_cost", isinstance(self.pmr_misuse_cost, int)
             and self.pmr_misuse_cost >= 0, "an integer ≥ 0"),
            ("surplus_room_cost", isinstance(self.surplus_room_cost, int)
             and self.surplus_room_cost >= 0, "an integer ≥ 0"),
            ("relative_gap", 0 <= self.relative_gap < 1, "a number in [0, 1)"),
            ("diagnosis_time_limit", self.diagnosis_time_limit >= 0,
             "a number of seconds ≥ 0"),
        )
        for name, ok, expected in checks:
            if not ok:
                raise ValueError(f"The '{name}' parameter of SolveParams must be "
                                 f"{expected}; got {getattr(self, name)!r} instead.")

    @classmethod
    def from_file(cls, path: str | Path) -> "SolveParams":
        """Parameters from a TOML file whose keys are the field names (all optional)."""
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"The file {path} has unknown SolveParams keys {unknown}; "
                             f"expected some of {sorted(known)}.")
        return cls(**data)
