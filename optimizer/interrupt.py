"""CP-SAT solvers that leave signals to the package (see :mod:`attribution.interrupt`) and
skip symmetry detection (see :func:`cp_solver`).

CP-SAT's default (``catch_sigint_signal``) installs its own SIGINT handler during ``Solve``
and restores the *default* action afterwards, so that after the first solve Ctrl-C killed
the process outright. :func:`cp_solver` turns it off and registers the solver, so that
:func:`attribution.interrupt.interruptible` can stop its search on SIGINT or SIGTERM.
Every ``CpSolver`` of the package is made here (a test checks the source).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attribution.interrupt import register

if TYPE_CHECKING:
    from ortools.sat.python.cp_model import CpSolver


def cp_solver() -> CpSolver:
    """A ``cp_model.CpSolver`` that leaves signals to us and stops on one."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    # No symmetry detection: in OR-Tools 9.15 its presolve step can carry a solution hint
    # through the symmetries for minutes without reading the time limit (seen: a 45-variable
    # level-1 model of a simulated round held 8+ min in
    # DetectAndExploitSymmetriesInPresolve → SolutionCrush::MaybeUpdateVarWithSymmetriesToValue,
    # with a 88 s limit), and our assignment models gain nothing from it.
    solver.parameters.symmetry_level = 0
    return register(solver)
