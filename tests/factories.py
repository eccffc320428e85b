"""Builders of small random but *valid* territories for tests (no files involved).

``random_territory(seed, n_demands, n_units)`` returns a :class:`models.Territory` whose
demands and units are drawn with explicit seeds, with a CARENE-shaped policy (ten communes,
six landlords, the four réservataires, flow conventions, quotas and an illustrative
cotation grid). Distributions are chosen so that a useful share of pairs is compatible and
every rule of the data contract excludes some pairs: incomes straddle the ceilings, rents
straddle the rent-burden cap, some demands need a PMR unit, some name wished typologies,
some units are pre-oriented or outside the flow.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from attribution.models.policy import (
    Cotation,
    Eligibility,
    Flow,
    Policy,
    Quotas,
    Reservataire,
    Rubric,
    SpatialBalance,
    TerritoryInfo,
)
from attribution.models.territory import Demands, Territory, Units

COMMUNES: tuple[str, ...] = (
    "Saint-Nazaire", "Pornichet", "Trignac", "Montoir-de-Bretagne", "Donges",
    "Saint-André-des-Eaux", "Besné", "La Chapelle-des-Marais", "Saint-Joachim",
    "Saint-Malo-de-Guersac",
)
LANDLORDS: tuple[str, ...] = (
    "Silène", "CISN Résidences locatives", "Habitat 44", "Atlantique Habitations",
    "LogiOuest", "Harmonie Habitat",
)
#: Weights of each commune in demand wishes and in the freed units (Saint-Nazaire dominates).
COMMUNE_WEIGHTS = np.array([0.55, 0.08, 0.07, 0.06, 0.05, 0.05, 0.035, 0.035, 0.035, 0.035])
CRITERIA: tuple[str, ...] = ("homeless", "hosted", "overcrowded", "violence", "eviction",
                             "single_parent")


def default_policy(round_date: dt.date = dt.date(2025, 3, 1), ceilings_year: int = 2025,
                   q1_threshold: float | None = None) -> Policy:
    """A CARENE-shaped policy with every key of the data contract present.

    Parameters
    ----------
    round_date, ceilings_year, q1_threshold
        The ``[territory]`` keys; ``q1_threshold=None`` means ``"auto"``.
    """
    reservataires = (
        Reservataire("etat", ("priority", "dalo", "state_agent")),
        Reservataire("action_logement", ("private_employee",)),
        Reservataire("commune", ()),
        Reservataire("bailleur", ()),
    )
    flows = []
    for landlord in LANDLORDS:
        flows += [Flow(landlord, "etat", 0.30, 0.05), Flow(landlord, "action_logement", 0.30, 0.05),
                  Flow(landlord, "commune", 0.15, 0.05), Flow(landlord, "bailleur", 0.25, 0.05)]
    # One landlord without a State convention, so that the flow rule matters per landlord.
    flows = [f for f in flows if not (f.landlord == "Harmonie Habitat" and f.reservataire == "etat")]
    return Policy(
        territory=TerritoryInfo("CARENE", COMMUNES, round_date, ceilings_year, q1_threshold,
                                LANDLORDS),
        quotas=Quotas(0.25, 0.25, 0.95, 0.25, 0.50, 0.30),
        reservataires=reservataires,
        flows=tuple(flows),
        spatial_balance=SpatialBalance(1, (0.15, 0.45), (0.10, 0.60)),
        eligibility=Eligibility(0.33, {1: ("T1", "T2"), 2: ("T2", "T3"), 3: ("T3",),
                                       4: ("T3", "T4"), 5: ("T4", "T5"), 6: ("T5", "T6")}),
        cotation=Cotation(points_per_month=1, overdue_months=36, overdue_bonus=20,
                          refusal_malus=10, bonus={"dalo": 50, "priority": 40},
                          rubrics=(Rubric("current housing",
                                          {"homeless": 17, "hosted": 8, "overcrowded": 4}),
                                   Rubric("family", {"violence": 20, "single_parent": 5}))),
    )


def random_demands(rng: np.random.Generator, n: int, policy: Policy) -> Demands:
    """Draw ``n`` valid demands (ids ``D000001``...) consistent with ``policy``."""
    n_communes = len(policy.territory.communes)
    round_date = np.datetime64(policy.territory.round_date, "D")
    registered_on = round_date - rng.integers(0, 8 * 365, n).astype("timedelta64[D]")
    size = np.minimum(rng.geometric(0.45, n), 8).astype(np.int64)
    adults = np.minimum(size, np.where(size == 1, 1, rng.integers(1, 3, n))).astype(np.int64)
    children = (size - adults).astype(np.int64)
    couple = (adults >= 2) & (rng.random(n) < 0.8)
    ages_sum = np.where(couple, rng.integers(36, 130, n), 0).astype(np.int64)
    dependants = np.where(rng.random(n) < 0.7, children, 0).astype(np.int64)
    disability = rng.random(n) < 0.08
    pmr_need = disability & (rng.random(n) < 0.5)
    # Incomes around the ceilings: 0 .. ~1.3 × PLUS of the household size.
    annual_income = np.round(rng.gamma(2.5, 6000.0, n) * (0.6 + 0.4 * size), 0)
    annual_income[rng.random(n) < 0.03] = 0.0
    monthly_income = np.round(annual_income / 12 * rng.uniform(0.7, 1.3, n), 2)
    monthly_income[rng.random(n) < 0.02] = 0.0
    housing_allowance = np.where(rng.random(n) < 0.5, np.round(rng.uniform(0, 350, n), 2), 0.0)
    priority = rng.random(n) < 0.3
    dalo = rng.random(n) < 0.05
    first = rng.choice(n_communes, n, p=COMMUNE_WEIGHTS)
    wished_communes = rng.random((n, n_communes)) < 0.15
    wished_communes[np.arange(n), first] = True
    wished_communes[rng.random(n) < 0.1] = True   # "any commune" (empty list in the file)
    wished_typologies = np.ones((n, 6), dtype=bool)
    narrow = rng.random(n) < 0.25
    wished_typologies[narrow] = rng.random((int(narrow.sum()), 6)) < 0.5
    wished_typologies[~wished_typologies.any(axis=1)] = True
    criteria = {c: (rng.random(n) < p).astype(np.float64)
                for c, p in zip(CRITERIA, (0.05, 0.15, 0.1, 0.04, 0.05, 0.12))}
    return Demands(
        ids=np.array([f"D{i:06d}" for i in range(1, n + 1)], dtype=object),
        registered_on=registered_on.astype("datetime64[D]"),
        household_size=size, adults=adults, children_under_14=children,
        dependants=dependants, couple=couple, ages_sum=ages_sum, disability=disability,
        pmr_need=pmr_need, annual_income=annual_income, monthly_income=monthly_income,
        housing_allowance=housing_allowance, priority=priority, dalo=dalo,
        mutation=rng.random(n) < 0.15, anru=rng.random(n) < 0.03,
        private_employee=rng.random(n) < 0.35, state_agent=rng.random(n) < 0.04,
        wished_communes=wished_communes, wished_typologies=wished_typologies,
        refusals=np.where(rng.random(n) < 0.1, rng.integers(1, 3, n), 0).astype(np.int64),
        criteria=criteria,
    )


def random_units(rng: np.random.Generator, n: int, policy: Policy) -> Units:
    """Draw ``n`` valid freed units (ids ``U00001``...) consistent with ``policy``."""
    typology = rng.choice(6, n, p=[0.08, 0.25, 0.32, 0.23, 0.09, 0.03]).astype(np.int64)
    rooms = typology + 1
    surface = np.round(rng.uniform(18, 28, n) + 17.0 * typology, 1)
    financing = rng.choice(4, n, p=[0.2, 0.05, 0.6, 0.15]).astype(np.int64)
    rent = np.round(150 + 4.5 * surface * (0.8 + 0.2 * financing) + rng.uniform(0, 80, n), 2)
    n_res = len(policy.reservataires)
    named = rng.random(n) < 0.3
    reservataire = np.where(named, rng.integers(0, n_res, n), -1).astype(np.int64)
    outside_flow = rng.random(n) < 0.08
    reservataire[outside_flow] = -1
    round_date = np.datetime64(policy.territory.round_date, "D")
    return Units(
        ids=np.array([f"U{i:05d}" for i in range(1, n + 1)], dtype=object),
        landlord=rng.integers(0, len(policy.landlords), n).astype(np.int64),
        commune=rng.choice(len(policy.territory.communes), n, p=COMMUNE_WEIGHTS).astype(np.int64),
        qpv=rng.random(n) < 0.28,
        typology=typology, rooms=rooms.astype(np.int64), surface_m2=surface, rent=rent,
        financing=financing, pmr=rng.random(n) < 0.12,
        available_on=(round_date + rng.integers(0, 60, n).astype("timedelta64[D]")),
        reservataire=reservataire, outside_flow=outside_flow,
    )


def random_territory(seed: int, n_demands: int, n_units: int,
                     policy: Policy | None = None) -> Territory:
    """A random valid territory, fully determined by ``seed``.

    Parameters
    ----------
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same territory.
    n_demands, n_units
        Sizes.
    policy
        Policy to use; :func:`default_policy` when omitted.
    """
    policy = policy or default_policy()
    rng = np.random.default_rng(seed)
    demands = random_demands(rng, n_demands, policy)
    units = random_units(rng, n_units, policy)
    return Territory(policy=policy, demands=demands, units=units)


def make_demands(n: int = 1, **columns) -> Demands:
    """``n`` hand-written demands: neutral defaults, any column overridden by keyword.

    Defaults: one adult alone registered on the round date of :func:`default_policy`, no
    income, every flag false, any commune and typology wished, no criterion. A scalar is
    repeated ``n`` times; ``criteria`` is a dict of column -> values. ``n_communes``
    sets the width of ``wished_communes`` (10 by default).
    """
    n_communes = columns.pop("n_communes", len(COMMUNES))
    criteria = {k: np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)).copy()
                for k, v in columns.pop("criteria", {}).items()}
    defaults = dict(
        ids=np.array([f"D{i:06d}" for i in range(1, n + 1)], dtype=object),
        registered_on=np.datetime64("2025-03-01"), household_size=1, adults=1,
        children_under_14=0, dependants=0, couple=False, ages_sum=0, disability=False,
        pmr_need=False, annual_income=0.0, monthly_income=0.0, housing_allowance=0.0,
        priority=False, dalo=False, mutation=False, anru=False, private_employee=False,
        state_agent=False, wished_communes=np.ones(n_communes, dtype=bool),
        wished_typologies=np.ones(6, dtype=bool), refusals=0,
    )
    dtypes = dict(registered_on="datetime64[D]", household_size=np.int64, adults=np.int64,
                  children_under_14=np.int64, dependants=np.int64, ages_sum=np.int64,
                  annual_income=np.float64, monthly_income=np.float64,
                  housing_allowance=np.float64, refusals=np.int64)
    defaults.update(columns)
    out = {}
    for name, value in defaults.items():
        arr = np.asarray(value, dtype=dtypes.get(name, object if name == "ids" else bool))
        if name in ("wished_communes", "wished_typologies"):
            arr = np.broadcast_to(arr, (n, arr.shape[-1])).copy()
        else:
            arr = np.broadcast_to(arr, (n,)).copy()
        out[name] = arr
    return Demands(**out, criteria=criteria)


def make_units(n: int = 1, **columns) -> Units:
    """``n`` hand-written units: neutral defaults, any column overridden by keyword.

    Defaults: a PLUS T1 of landlord 0 in commune 0, outside QPV, rent 0, not PMR, no
    réservataire named, in the flow.
    """
    defaults = dict(
        ids=np.array([f"U{i:05d}" for i in range(1, n + 1)], dtype=object), landlord=0,
        commune=0, qpv=False, typology=0, rooms=1, surface_m2=30.0, rent=0.0,
        financing=2, pmr=False, available_on=np.datetime64("2025-03-01"),
        reservataire=-1, outside_flow=False,
    )
    dtypes = dict(landlord=np.int64, commune=np.int64, typology=np.int64, rooms=np.int64,
                  surface_m2=np.float64, rent=np.float64, financing=np.int64,
                  available_on="datetime64[D]", reservataire=np.int64)
    defaults.update(columns)
    out = {name: np.broadcast_to(np.asarray(value, dtype=dtypes.get(
        name, object if name == "ids" else bool)), (n,)).copy()
        for name, value in defaults.items()}
    return Units(**out)
