"""Domain layer: data, policy, scoring, eligibility and the meaning of a valid allocation.

Never imports ortools (a test enforces the layering).
"""

from .errors import AttributionError, DataError, NoSolutionInTime, PolicyInfeasible, Problem
from .policy import FINANCINGS, STATE, TYPOLOGIES, Policy
from .problem import AllocationProblem, CompatibilityGraph
from .territory import Demands, Territory, Units
from .generator import bundled_territory_path, generate_territory, write_territory
from .readers import load_territory, read_table  # noqa: E402  (after territory: it uses it)
from .policy_io import load_policy  # noqa: E402

__all__ = [
    "load_territory", "read_table", "load_policy",
    "AllocationProblem", "AttributionError", "CompatibilityGraph", "DataError", "Demands",
    "FINANCINGS", "NoSolutionInTime", "Policy", "PolicyInfeasible", "Problem", "STATE",
    "TYPOLOGIES", "Territory", "Units",
    "bundled_territory_path", "generate_territory", "write_territory",
]
