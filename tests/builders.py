"""Builders of the tests' territories and problems, in one place (the named fixtures of
``conftest.py`` are built from them).

Three families, no files unless asked:

- **CARENE-shaped random territories**: ``random_territory(seed, n_demands, n_units)``
  returns a valid :class:`models.Territory` drawn with explicit seeds, with a CARENE-shaped
  policy (``default_policy``: ten communes, six landlords, the four réservataires, flow
  conventions, quotas and an illustrative cotation grid). Distributions are chosen so that
  a useful share of pairs is compatible and every rule of the data contract excludes some
  pairs: incomes straddle the ceilings, rents straddle the rent-burden cap, some demands
  need a PMR unit, some name wished typologies, some units are pre-oriented or outside the
  flow. ``make_demands`` / ``make_units`` build a few rows by hand.
- **Hand-sized allocation problems** for the quota, allocation and solver tests:
  ``make_problem`` builds an :class:`AllocationProblem` straight from short lists (no
  eligibility rules): each unit is a dict of the attributes the quotas read, each demand a
  dict of flags and a score, and the arcs are given explicitly; ``random_problem`` draws
  one with random arcs (compared with brute force and a MILP); ``make_policy`` /
  ``full_policy`` are their policies (``HAND_COMMUNES``, ``HAND_LANDLORDS``).
- **The tiny territory folder** written by hand: ``write_tiny_territory(path)`` writes
  ``demands.csv`` (8 demands), ``units.csv`` (4 units) and ``policy.toml`` (3 communes, 2
  landlords, the réservataires etat / action_logement / commune / bailleur with flows, all
  quotas, a cotation grid with bonuses and one rubric); ``TINY_DEMANDS``, ``TINY_UNITS``
  and ``TINY_POLICY`` are its texts. Tests that need a malformed territory start from it
  and apply one defect.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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
from attribution.models.problem import AllocationProblem, CompatibilityGraph
from attribution.models.territory import Demands, Territory, Units


# --- CARENE-shaped random territories ----------------------------------------------

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


# --- hand-sized allocation problems ------------------------------------------------

#: The hand-sized problems' territory (three communes, two landlords, four réservataires).
HAND_COMMUNES = ("Aval", "Bourg", "Cap")
HAND_LANDLORDS = ("L1", "L2")
HAND_RESERVATAIRES = ("etat", "action_logement", "commune", "bailleur")


def make_policy(quotas: Quotas = Quotas(), flows=(), spatial: SpatialBalance | None = None
                ) -> Policy:
    """A policy with three communes, two landlords, the four réservataires and only the
    quota keys given (absent keys are not enforced)."""
    return Policy(
        territory=TerritoryInfo("Test", HAND_COMMUNES, dt.date(2025, 3, 1), 2025, None,
                                HAND_LANDLORDS),
        quotas=quotas,
        reservataires=tuple(Reservataire(r) for r in HAND_RESERVATAIRES),
        flows=tuple(flows), spatial_balance=spatial,
        eligibility=Eligibility(0.33, {}), cotation=Cotation())


def _hand_demands(rows: list[dict]) -> Demands:
    n = len(rows)
    get = lambda key, default: np.array([r.get(key, default) for r in rows])  # noqa: E731
    size = get("household_size", 1).astype(np.int64)
    flag = lambda key: get(key, False).astype(bool)  # noqa: E731
    return Demands(
        ids=np.array([f"D{i + 1:02d}" for i in range(n)], dtype=object),
        registered_on=np.full(n, np.datetime64("2022-01-01", "D")),
        household_size=size, adults=np.ones(n, dtype=np.int64),
        children_under_14=(size - 1).astype(np.int64), dependants=np.zeros(n, dtype=np.int64),
        couple=np.zeros(n, dtype=bool), ages_sum=np.zeros(n, dtype=np.int64),
        disability=np.zeros(n, dtype=bool), pmr_need=flag("pmr_need"),
        annual_income=np.full(n, 15000.0), monthly_income=np.full(n, 1200.0),
        housing_allowance=np.zeros(n), priority=flag("priority"), dalo=flag("dalo"),
        mutation=np.zeros(n, dtype=bool), anru=flag("anru"),
        private_employee=np.zeros(n, dtype=bool), state_agent=flag("state_agent"),
        wished_communes=np.ones((n, len(HAND_COMMUNES)), dtype=bool),
        wished_typologies=np.ones((n, 6), dtype=bool),
        refusals=np.zeros(n, dtype=np.int64), criteria={})


def _hand_units(rows: list[dict]) -> Units:
    n = len(rows)
    get = lambda key, default: np.array([r.get(key, default) for r in rows])  # noqa: E731
    rooms = get("rooms", 2).astype(np.int64)
    return Units(
        ids=np.array([f"U{i + 1:02d}" for i in range(n)], dtype=object),
        landlord=get("landlord", 0).astype(np.int64), commune=get("commune", 0).astype(np.int64),
        qpv=get("qpv", False).astype(bool), typology=np.clip(rooms - 1, 0, 5),
        rooms=rooms, surface_m2=np.full(n, 50.0), rent=np.full(n, 400.0),
        financing=get("financing", 2).astype(np.int64), pmr=get("pmr", False).astype(bool),
        available_on=np.full(n, np.datetime64("2025-03-15", "D")),
        reservataire=np.full(n, -1, dtype=np.int64),
        outside_flow=get("outside_flow", False).astype(bool))


def make_problem(units: list[dict], demands: list[dict], arcs: list[tuple[int, int, str]],
                 policy: Policy | None = None, carry: dict | None = None) -> AllocationProblem:
    """A problem from lists; ``arcs`` are ``(demand, unit, réservataire id or "")``.

    Demand dicts may carry ``score`` (int), ``q1`` and the flags ``priority``, ``dalo``,
    ``anru``, ``state_agent``, ``pmr_need`` and ``household_size``; unit dicts ``landlord``,
    ``commune`` (indices), ``qpv``, ``outside_flow``, ``pmr``, ``rooms`` and ``financing``
    (code in ``FINANCINGS``, PLUS by default).
    """
    policy = policy or make_policy()
    ids = policy.reservataire_ids
    d = np.array([a[0] for a in arcs], dtype=np.int32)
    u = np.array([a[1] for a in arcs], dtype=np.int32)
    r = np.array([ids.index(a[2]) if a[2] else -1 for a in arcs], dtype=np.int16)
    order = np.lexsort((d, r, u))
    territory = Territory(policy=policy, demands=_hand_demands(demands),
                          units=_hand_units(units))
    return AllocationProblem(
        territory=territory,
        scores=np.array([x.get("score", 0) for x in demands], dtype=np.int64),
        q1=np.array([x.get("q1", False) for x in demands], dtype=bool), q1_threshold=9000.0,
        graph=CompatibilityGraph(demand=d[order], unit=u[order], reservataire=r[order]),
        carry=carry or {})


def random_problem(seed: int, n_demands: int, n_units: int, density: float,
                   policy: Policy | None = None) -> AllocationProblem:
    """Random attributes and arcs; each unit's réservataires are those with a flow for its
    landlord (all four when the policy has no flow)."""
    rng = np.random.default_rng(seed)
    policy = policy or make_policy()
    units = [dict(landlord=int(rng.integers(len(HAND_LANDLORDS))),
                  commune=int(rng.integers(len(HAND_COMMUNES))),
                  qpv=bool(rng.random() < 0.3),
                  outside_flow=bool(rng.random() < 0.1), pmr=bool(rng.random() < 0.2),
                  rooms=int(rng.integers(1, 5))) for _ in range(n_units)]
    demands = [dict(score=int(rng.integers(0, 60)), priority=bool(rng.random() < 0.35),
                    dalo=bool(rng.random() < 0.05), q1=bool(rng.random() < 0.3),
                    anru=bool(rng.random() < 0.05), pmr_need=bool(rng.random() < 0.1),
                    household_size=int(rng.integers(1, 5))) for _ in range(n_demands)]
    arcs = []
    for k, unit in enumerate(units):
        if unit["outside_flow"]:
            options = [""]
        else:
            flows = [f.reservataire for f in policy.flows
                     if f.landlord == HAND_LANDLORDS[unit["landlord"]]]
            options = flows or list(HAND_RESERVATAIRES[1:])
        for j in np.flatnonzero(rng.random(n_demands) < density).tolist():
            arcs += [(j, k, r) for r in options]
    return make_problem(units, demands, arcs, policy)


def full_policy() -> Policy:
    """Every quota key, flows for both landlords and spatial balance."""
    flows = [Flow(b, r, s, 0.1) for b in HAND_LANDLORDS
             for r, s in (("etat", 0.3), ("action_logement", 0.3), ("bailleur", 0.4))]
    return make_policy(Quotas(0.25, 0.25, 0.5, 0.25, 0.5, 0.3), flows,
                       SpatialBalance(1, (0.1, 0.6), (0.1, 0.7)))


# --- the tiny territory folder -----------------------------------------------------

TINY_DEMANDS = """\
demand_id,registered_on,household_size,adults,children_under_14,dependants,couple,ages_sum,disability,pmr_need,annual_income,monthly_income,housing_allowance,priority,dalo,mutation,anru,private_employee,state_agent,wished_communes,wished_typologies,refusals,homeless,hosted
D01,2022-01-15,1,1,0,0,false,,false,false,15000,1200,150,true,false,false,false,false,false,Saint-Nazaire,,0,true,false
D02,2023-06-01,2,2,0,0,true,50,false,false,24000,2100,0,false,false,true,false,true,false,Saint-Nazaire;Pornichet,T2;T3,0,false,false
D03,2021-09-30,3,1,2,2,false,,false,false,18000,1500,250,true,true,false,false,false,false,,,1,false,true
D04,2024-11-10,4,2,2,2,true,70,true,true,30000,2600,100,false,false,false,true,false,true,Trignac,,0,false,false
D05,2020-03-01,1,1,0,0,false,,false,false,9000,700,200,false,false,false,false,false,false,Pornichet;Trignac,T1;T2,2,false,true
D06,2024-02-29,5,2,3,3,true,80,false,false,35000,2900,300,true,false,false,false,true,false,Saint-Nazaire,,0,true,false
D07,2019-12-31,2,1,1,1,false,,false,false,16000,1300,180,false,true,false,false,false,false,Saint-Nazaire;Trignac,,0,false,false
D08,2023-01-01,6,2,4,4,true,90,false,false,41000,3300,0,false,false,true,false,false,false,Pornichet,T5;T6,0,false,false
"""

TINY_UNITS = """\
unit_id,landlord,commune,qpv,typology,rooms,surface_m2,rent,financing,pmr,available_on,reservataire,outside_flow
U01,Silène,Saint-Nazaire,true,T2,2,48.5,420.0,PLUS,false,2025-03-15,,false
U02,Silène,Pornichet,false,T3,3,65,510,PLAI,true,2025-04-01,etat,false
U03,Habitat 44,Trignac,false,T4,4,80,640,PLS,false,2025-03-20,,false
U04,Habitat 44,Saint-Nazaire,true,T1,1,30,310,PLAI-A,false,2025-03-10,,true
"""

TINY_POLICY = """\
[territory]
name = "Tiny"
communes = ["Saint-Nazaire", "Pornichet", "Trignac"]
round_date = 2025-03-01
ceilings_year = 2025
q1_threshold = "auto"

[quotas]
priority_min = 0.25
priority_min_per_reservataire = 0.25
state_priority_min = 0.95
q1_outside_qpv_min = 0.25
non_q1_in_qpv_min = 0.50
state_outside_qpv_min = 0.30

[[reservataires]]
id = "etat"
eligible_if_any = ["priority", "dalo", "state_agent"]

[[reservataires]]
id = "action_logement"
eligible_if_any = ["private_employee"]

[[reservataires]]
id = "commune"
eligible_if_any = []

[[reservataires]]
id = "bailleur"

[[flows]]
landlord = "Silène"
reservataire = "etat"
share = 0.30
tolerance = 0.05

[[flows]]
landlord = "Silène"
reservataire = "action_logement"
share = 0.20
tolerance = 0.05

[[flows]]
landlord = "Silène"
reservataire = "commune"
share = 0.20
tolerance = 0.05

[[flows]]
landlord = "Silène"
reservataire = "bailleur"
share = 0.30
tolerance = 0.05

[[flows]]
landlord = "Habitat 44"
reservataire = "etat"
share = 0.30
tolerance = 0.05

[[flows]]
landlord = "Habitat 44"
reservataire = "bailleur"
share = 0.70
tolerance = 0.05

[spatial_balance]
slack_units = 1
q1_share = [0.15, 0.45]
priority_share = [0.10, 0.60]

[eligibility]
max_rent_burden = 0.33
typology_by_size = { 1 = ["T1", "T2"], 2 = ["T2", "T3"], 3 = ["T3"], 4 = ["T3", "T4"], 5 = ["T4", "T5"], 6 = ["T5", "T6"] }

[cotation]
points_per_month = 1
overdue_months = 36
overdue_bonus = 20
refusal_malus = 10

[cotation.bonus]
dalo = 50
priority = 40

[[cotation.rubric]]
name = "current housing"
points = { homeless = 17, hosted = 8 }
"""


def write_tiny_territory(path: str | Path) -> Path:
    """Write the tiny valid territory into folder ``path`` (created) and return it."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demands.csv").write_text(TINY_DEMANDS, encoding="utf-8")
    (folder / "units.csv").write_text(TINY_UNITS, encoding="utf-8")
    (folder / "policy.toml").write_text(TINY_POLICY, encoding="utf-8")
    return folder
