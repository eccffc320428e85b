"""Output layer: the results folder (CSV, JSON, HTML, XLSX) and per-demand explanations.

May import ``models`` and ``optimizer``; never imported by them. Entry points:
:func:`run` (solve one round and write its folder), :func:`compute` / :func:`write` (the
two halves), :func:`explain` (one applicant's explanation from a folder).
"""

from .files.atomic import ResultsFolderError, atomic_folder
from .tables.decisions import DECISION_COLUMNS, decisions_table
from .text.explain import UnknownDemand, explain
from .analysis.outcomes import Outcomes, classify
from .analysis.quota_price import quota_prices
from attribution.models.errors import InvalidAllocation

from .results import Computed, compute, run, write
from .analysis.shortlists import SHORTLIST_COLUMNS, ShortlistParams, build_shortlists
from .tables.assignments import ASSIGNMENT_COLUMNS, assignments_table

__all__ = [
    "ASSIGNMENT_COLUMNS", "Computed", "DECISION_COLUMNS", "InvalidAllocation", "Outcomes",
    "ResultsFolderError", "SHORTLIST_COLUMNS", "ShortlistParams", "UnknownDemand",
    "assignments_table", "atomic_folder", "build_shortlists", "classify", "compute",
    "decisions_table", "explain", "quota_prices", "run", "write",
]
