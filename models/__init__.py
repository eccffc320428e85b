"""Domain layer: data, policy, scoring, eligibility and the meaning of a valid allocation.

Never imports ortools (a test enforces the layering).
"""

from .errors import (AttributionError, DataError, InvalidAllocation, NoSolutionInTime,
                     PolicyInfeasible, Problem, SolverFailure)
from .policy import FINANCINGS, STATE, TYPOLOGIES, Policy
from .problem import AllocationProblem, CompatibilityGraph
from .territory import Demands, Territory, Units
from .generator import bundled_territory_path, generate_territory, write_territory
from .io.readers import load_territory, read_table  # noqa: E402  (after territory: it uses it)
from .io.policy_io import load_policy  # noqa: E402
from .ceilings import available_years, ceiling_table, income_ceilings  # noqa: E402
from .household import (consumption_units, household_category, income_per_uc,  # noqa: E402
                        months_between, q1_flags, q1_threshold)
from .cotation import breakdown, score  # noqa: E402
from .segments import segment_table, similar_demands, similar_ranks  # noqa: E402
from .pair_rules import RULES, exclusion_reasons, rule_masks  # noqa: E402
from .compatibility import build_graph, build_problem  # noqa: E402
from .quotas import QuotaRow, QuotaSystem, build_quotas, exact_share  # noqa: E402
from .allocation import QuotaAttainment, check_allocation, quota_attainment  # noqa: E402

__all__ = [
    "load_territory", "read_table", "load_policy",
    "AllocationProblem", "AttributionError", "CompatibilityGraph", "DataError", "Demands",
    "FINANCINGS", "InvalidAllocation", "NoSolutionInTime", "Policy", "PolicyInfeasible", "Problem", "STATE",
    "SolverFailure", "TYPOLOGIES", "Territory", "Units",
    "bundled_territory_path", "generate_territory", "write_territory",
    "available_years", "ceiling_table", "income_ceilings", "consumption_units",
    "household_category", "income_per_uc", "months_between", "q1_flags", "q1_threshold",
    "breakdown", "score", "segment_table", "similar_demands", "similar_ranks", "RULES",
    "exclusion_reasons", "rule_masks", "build_graph", "build_problem",
    "QuotaRow", "QuotaSystem", "build_quotas", "exact_share", "QuotaAttainment",
    "check_allocation", "quota_attainment",
]
