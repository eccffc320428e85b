"""Solver parameters: a small frozen dataclass, checked once, loadable from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from attribution.models.i18n import N_, _


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
        Budget in seconds for that search, within what is left of ``time_limit``.
    log_file
        When not empty, the CP-SAT search log of every model (and one header line per
        model) is appended to this file.
    deterministic_limit
        When positive, the work budget of every CP-SAT model of the solve in CP-SAT's
        deterministic seconds (``max_deterministic_time``, an operation count scaled to
        about one second; 0 = none). With one worker and a ``time_limit`` that does not
        run out, the solve then does the same work and returns the same allocation
        however loaded the machine is (the simulated rounds use it, docs/scenarios.md).
    max_model_arcs
        Largest arc set given to one CP-SAT model (at most the solver's own cap, 2 M):
        a pool or a proof beyond it is skipped and the LP bound stands. The simulated
        rounds lower it so that a round never spends minutes on a model of every arc
        that its small pools already showed to be out of reach.
    export_model
        When not empty, a folder where every CP-SAT model of the search and the proofs is
        written as a binary ``CpModelProto`` (``NNN-<level>-<phase>.pb``), to reproduce
        a run outside this package (e.g. for a bug report to OR-Tools).
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
    log_file: str = ""
    export_model: str = ""
    deterministic_limit: float = 0.0
    max_model_arcs: int = 2_000_000

    def __post_init__(self) -> None:
        checks = (
            ("time_limit", _number(self.time_limit) and 0 < self.time_limit < float("inf"),
             N_("a positive number of seconds")),
            ("workers", _integer(self.workers) and self.workers >= 1, N_("an integer ≥ 1")),
            ("log", isinstance(self.log, bool), N_("true or false")),
            ("fit_preference", isinstance(self.fit_preference, bool), N_("true or false")),
            ("pmr_misuse_cost", _integer(self.pmr_misuse_cost)
             and self.pmr_misuse_cost >= 0, N_("an integer ≥ 0")),
            ("surplus_room_cost", _integer(self.surplus_room_cost)
             and self.surplus_room_cost >= 0, N_("an integer ≥ 0")),
            ("relative_gap", _number(self.relative_gap) and 0 <= self.relative_gap < 1,
             N_("a number in [0, 1)")),
            ("diagnose", isinstance(self.diagnose, bool), N_("true or false")),
            ("diagnosis_time_limit", _number(self.diagnosis_time_limit)
             and self.diagnosis_time_limit >= 0, N_("a number of seconds ≥ 0")),
            ("log_file", isinstance(self.log_file, str), N_("a file path (text)")),
            ("export_model", isinstance(self.export_model, str), N_("a folder path (text)")),
            ("deterministic_limit", _number(self.deterministic_limit)
             and 0 <= self.deterministic_limit < float("inf"), N_("a number ≥ 0")),
            ("max_model_arcs", _integer(self.max_model_arcs) and self.max_model_arcs >= 1,
             N_("an integer ≥ 1")),
        )
        for name, ok, expected in checks:
            if not ok:
                raise ValueError(_("The '{name}' parameter of SolveParams must be {expected}; "
                                   "got {value} instead.").format(
                    name=name, expected=_(expected), value=repr(getattr(self, name))))

    @classmethod
    def from_file(cls, path: str | Path) -> "SolveParams":
        """Parameters from a TOML file whose keys are the field names (all optional).

        Raises
        ------
        ValueError
            The file is not valid TOML, has a key that is not a field, or a value the
            field does not accept (one sentence naming the file and the key).
        OSError
            The file cannot be read.
        """
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise ValueError(_("The file {path} is not valid TOML: {error}.").format(
                path=path, error=exc)) from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(_("The file {path} has unknown SolveParams keys {keys}; expected "
                               "some of {known}.").format(path=path, keys=unknown,
                                                          known=sorted(known)))
        try:
            return cls(**data)
        except ValueError as exc:
            raise ValueError(_("In {path}: {error}").format(path=path, error=exc)) from None


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and value == value   # not NaN
