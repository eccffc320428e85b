"""The territory's policy (``policy.toml``) as frozen, validated dataclasses.

Field names follow the keys of the data contract. A quota whose key is absent from the
file is ``None`` here and is not enforced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Typologies in order; index ``k`` in arrays is typology ``T{k+1}``.
TYPOLOGIES: tuple[str, ...] = ("T1", "T2", "T3", "T4", "T5", "T6")
#: Financing products; PLAI-A shares PLAI's ceilings, PLS = round(1.3 × PLUS).
FINANCINGS: tuple[str, ...] = ("PLAI", "PLAI-A", "PLUS", "PLS")
#: Identifier of the State réservataire, to which the State-specific quotas apply.
STATE = "etat"
#: The réservataire id of each landlord's own (non-reserved) flow.
LANDLORD = "bailleur"


@dataclass(frozen=True)
class TerritoryInfo:
    name: str
    communes: tuple[str, ...]
    round_date: dt.date
    ceilings_year: int
    q1_threshold: float | None  # None = "auto" (25th percentile of income per UC)
    landlords: tuple[str, ...] = ()  # optional key; flows' landlords are always known


@dataclass(frozen=True)
class Quotas:
    priority_min: float | None = None
    priority_min_per_reservataire: float | None = None
    state_priority_min: float | None = None
    q1_outside_qpv_min: float | None = None
    non_q1_in_qpv_min: float | None = None
    state_outside_qpv_min: float | None = None
    #: Optional (R441-5): State-employee attributions through "etat" ≤ share × each
    #: landlord's flow (+ 1 unit of slack). Absent = not enforced.
    state_agent_max: float | None = None


@dataclass(frozen=True)
class Reservataire:
    id: str
    eligible_if_any: tuple[str, ...] = ()  # demand columns; empty = everyone


@dataclass(frozen=True)
class Flow:
    landlord: str
    reservataire: str
    share: float
    tolerance: float = 0.0


@dataclass(frozen=True)
class SpatialBalance:
    slack_units: int = 1
    q1_share: tuple[float, float] | None = None
    priority_share: tuple[float, float] | None = None


@dataclass(frozen=True)
class Eligibility:
    max_rent_burden: float | None = None
    # household size (1..6, 6 = 6 and more) -> accepted typologies
    typology_by_size: dict[int, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rubric:
    name: str
    points: dict[str, int]  # criterion column -> points; only the highest true one counts


@dataclass(frozen=True)
class Cotation:
    points_per_month: int = 1
    overdue_months: int = 36
    overdue_bonus: int = 0
    refusal_malus: int = 0
    bonus: dict[str, int] = field(default_factory=dict)  # column -> points × value
    rubrics: tuple[Rubric, ...] = ()


@dataclass(frozen=True)
class Policy:
    territory: TerritoryInfo
    quotas: Quotas
    reservataires: tuple[Reservataire, ...]
    flows: tuple[Flow, ...]
    spatial_balance: SpatialBalance | None
    eligibility: Eligibility
    cotation: Cotation

    @property
    def reservataire_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.reservataires)

    @property
    def landlords(self) -> tuple[str, ...]:
        """Known landlords: the optional ``territory.landlords`` then the flows' ones."""
        seen = dict.fromkeys(self.territory.landlords)
        seen.update(dict.fromkeys(f.landlord for f in self.flows))
        return tuple(seen)
