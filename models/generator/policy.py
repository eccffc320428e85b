"""The generated ``policy.toml``: actors, quotas, flows, eligibility and a cotation grid.

The quotas are the legal and CIL figures of domain.md §3-§4 [S]; the flow conventions and
the cotation grid are ILLUSTRATIVE (CARENE's values are NOT FOUND), built from the
published grids of other territories and labelled as such in the file itself.
"""

from __future__ import annotations

import datetime as dt

from . import tomlwrite
from .incomes import table_year
from .profiles import RESERVATAIRES, Profile

#: Who each réservataire's flow may be offered to (demand columns; empty = everyone).
#: The communes' conventions often favour residents or workers of the commune [K]; the
#: demand file carries no such column, so the commune flow admits everyone here.
ELIGIBLE_IF_ANY: dict[str, list[str]] = {
    "etat": ["priority", "dalo", "state_agent"],   # [S] R441-5-2
    "action_logement": ["private_employee"],       # [K] employees of private firms
    "commune": [],
    "bailleur": [],                                # [K] anyone eligible
}

TYPOLOGY_BY_SIZE: dict[str, list[str]] = {        # [K] common practice, a parameter
    "1": ["T1", "T2"], "2": ["T2", "T3"], "3": ["T3"], "4": ["T3", "T4"],
    "5": ["T4", "T5"], "6": ["T5", "T6"],
}

_INLINE = frozenset({"eligibility.typology_by_size", "cotation.rubric.points"})

_HEADER = """\
Synthetic territory made by `attribution generate` ({profile} profile, seed {seed}).
Households, units and incomes are SYNTHETIC: no real person is described here.
Calibration and sources of every figure: docs/calibration.md of the attribution package."""

_COMMENTS = {
    "quotas": "Legal and CIL floors [S]: CCH L441-1, R441-5-2, CIL 2024 objectives.\n"
              "priority_min_per_reservataire: 25 % on each réservataire's flow and on each\n"
              "landlord's own flow (one row per landlord). state_priority_min = 0.95: the\n"
              "préfet's reservation (at most 30 % of each landlord's flow, R441-5) goes to\n"
              "priority or DALO households, except at most 5 % for State employees; the\n"
              "optional state_agent_max (e.g. 0.05) writes that 5 % of each landlord's\n"
              "flow literally.",
    "flows": "Flow conventions: State 30 % [S, maximum]; the other shares are plausible\n"
             "illustrations [E], not the signed conventions (NOT FOUND).",
    "spatial_balance": "Territorial rebalancing per commune [E]: illustrative bounds.",
    "cotation": "ILLUSTRATIVE cotation grid: CARENE's published values are NOT FOUND.\n"
                "Values borrowed from Toulouse Métropole, Rhône and Paris grids [S] or\n"
                "estimated [E]; edit them to match the PPGD before any real use.",
}


def policy_dict(profile: Profile, round_date: dt.date) -> dict:
    """The policy as nested dicts, exactly as ``tomllib`` reads back the written file."""
    return {
        "territory": {
            "name": profile.name,
            "communes": list(profile.communes),
            "landlords": list(profile.landlords),
            "round_date": round_date,
            "ceilings_year": table_year(round_date.year),
            "q1_threshold": "auto",
        },
        "quotas": {
            "priority_min": 0.25,
            "priority_min_per_reservataire": 0.25,
            "state_priority_min": 0.95,
            "q1_outside_qpv_min": 0.25,
            "non_q1_in_qpv_min": 0.50,
            "state_outside_qpv_min": 0.30,
        },
        "reservataires": [{"id": r, "eligible_if_any": list(ELIGIBLE_IF_ANY[r])}
                          for r in RESERVATAIRES],
        "flows": [{"landlord": landlord, "reservataire": r, "share": share,
                   "tolerance": profile.flow_tolerance}
                  for landlord in profile.landlords
                  for r, share in zip(RESERVATAIRES, profile.flows[landlord])],
        "spatial_balance": {"slack_units": 1, "q1_share": [0.15, 0.45],
                            "priority_share": [0.10, 0.60]},
        "eligibility": {"max_rent_burden": 0.33,
                        "typology_by_size": {k: list(v) for k, v in TYPOLOGY_BY_SIZE.items()}},
        "cotation": _cotation(),
    }


def _cotation() -> dict:
    """Illustrative grid in the contract's shape; sources per value in calibration.md."""
    return {
        "points_per_month": 1,        # [S] Toulouse Métropole
        "overdue_months": 36,         # [S] Toulouse Métropole
        "overdue_bonus": 20,          # [S] Toulouse Métropole
        "refusal_malus": 10,          # [E]
        "bonus": {
            "dalo": 50,               # [S] Toulouse Métropole
            "priority": 40,           # [S] Toulouse Métropole (PDALHPD)
            "disability": 4,          # [S] Paris 2014 (handicap)
            "single_parent": 5,       # [S] Rhône
            "high_rent_burden": 10,   # [S] Rhône
        },
        "rubric": [
            {"name": "logement actuel",
             "points": {"homeless": 17, "shelter": 12, "hosted": 8,   # 17 [S] Paris
                        "unfit_housing": 10, "overcrowded": 4}},      # 4 [S] Paris
            {"name": "risque de perte du logement",
             "points": {"violence": 30, "eviction": 20}},             # 20 [S] Rhône
        ],
    }


def policy_toml(policy: dict, *, profile_key: str, seed: int) -> str:
    """The text of ``policy.toml`` for ``policy``, with explanatory comments."""
    return tomlwrite.dumps(policy, inline=_INLINE,
                           header=_HEADER.format(profile=profile_key, seed=seed),
                           comments=_COMMENTS)
