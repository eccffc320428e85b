"""Solver layer: everything that knows OR-Tools (CP-SAT model, bounds, solve).

The entry point is :func:`solve`; see ``docs/model.md`` for the model and the proof.
"""

from .params import SolveParams
from .result import LEVELS, Conflict, Level, Result
from .solve import solve

__all__ = ["Conflict", "LEVELS", "Level", "Result", "SolveParams", "solve"]
