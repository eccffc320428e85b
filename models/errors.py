"""Exceptions and the structured description of an input problem.

Every user mistake becomes a :class:`Problem` (one sentence naming file, row, column, what
was expected and what was found); problems are collected and raised together in one
:class:`DataError`, so a user fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    Parameters
    ----------
    file
        File name as the user knows it (``demands.csv``, ``policy.toml``).
    row
        Row number as a spreadsheet shows it (header = row 1, first data row = row 2), or
        ``None`` when the problem is not tied to a row.
    column
        Column (or policy key, dotted: ``quotas.priority_min``), or ``None``.
    message
        What was expected and what was found, one sentence, no location prefix.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        from .i18n import _, colon
        where = [self.file]
        if self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        if self.column is not None:
            where.append(_("column '{column}'").format(column=self.column)
                         if "." not in self.column
                         else _("key '{key}'").format(key=self.column))
        return f"{colon(', '.join(where))} {self.message}"


class AttributionError(Exception):
    """Base class of every error this package raises on purpose."""


class DataError(AttributionError):
    """The input territory (files or policy) is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        from .i18n import colon, ngettext
        n = len(self.problems)
        head = ngettext("{n} problem in the input", "{n} problems in the input", n).format(n=n)
        super().__init__(colon(head) + "\n" + "\n".join(f"- {p}" for p in self.problems))


class PolicyInfeasible(AttributionError):
    """The hard quotas of the policy cannot all hold in this round.

    Parameters
    ----------
    conflicts
        Names of the quota rows forming the smallest conflicting set found.
    detail
        Plain-words explanation.
    """

    def __init__(self, conflicts: list[str] | tuple[str, ...], detail: str = ""):
        self.conflicts = tuple(conflicts)
        self.detail = detail
        msg = "The policy's hard quotas cannot all hold: " + ", ".join(self.conflicts)
        super().__init__(msg + (f". {detail}" if detail else "."))


class NoSolutionInTime(AttributionError):
    """The time limit ran out before any allocation was found."""


class InvalidAllocation(AttributionError):
    """An allocation that breaks the rules where only a valid one may stand: the optimizer's
    answer (checked before it is returned, and again before a results folder is written).
    Always a bug; nothing is written.

    Parameters
    ----------
    errors
        The broken rules, one sentence each (:func:`models.allocation.check_allocation`).
    """

    #: How many of the broken rules the message quotes (all are kept in ``errors``).
    QUOTED = 3

    def __init__(self, errors: list[str] | tuple[str, ...]):
        self.errors = tuple(errors)
        more = len(self.errors) - self.QUOTED
        from .i18n import _  # noqa: PLC0415 (errors is imported by everything)

        super().__init__(_("The optimizer's allocation is invalid (a bug): {errors}").format(
            errors=" ".join(self.errors[:self.QUOTED]))
            + (" " + _("({n} more)").format(n=more) if more > 0 else ""))


class SolverFailure(AttributionError):
    """A solver ended with a status it cannot reach on the model it was given (OR-Tools'
    min-cost flow on a network that always has a feasible flow, for one): a bug."""

    def __init__(self, solver: str, status: object):
        self.solver = solver
        self.status = status
        from .i18n import _  # noqa: PLC0415

        super().__init__(_("{solver} ended with status {status} on a model that always has "
                           "a solution (a bug)").format(solver=solver, status=status))
