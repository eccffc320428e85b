"""Hand-sized allocation problems for the quota, allocation and solver tests.

``make_problem`` builds an :class:`AllocationProblem` straight from short lists (no files,
no eligibility rules): each unit is a dict of the attributes the quotas read, each demand
a dict of flags and a score, and the arcs are given explicitly. ``random_problem`` draws
one with random arcs (the solver tests compare with brute force and a MILP on them).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from attribution.models.policy import (Cotation, Eligibility, Flow, Policy, Quotas, Reservataire,
                           SpatialBalance, TerritoryInfo)
from attribution.models.problem import AllocationProblem, CompatibilityGraph
from attribution.models.territory import Demands, Territory, Units

COMMUNES = ("Aval", "Bourg", "Cap")
LANDLORDS = ("L1", "L2")
RESERVATAIRES = ("etat", "action_logement", "commune", "bailleur")


def make_policy(quotas: Quotas = Quotas(), flows=(), spatial: SpatialBalance | None = None
                ) -> Policy:
    """A policy with three communes, two landlords, the four réservataires and only the
    quota keys given (absent keys are not enforced)."""
    return Policy(
        territory=TerritoryInfo("Test", COMMUNES, dt.date(2025, 3, 1), 2025, None, LANDLORDS),
        quotas=quotas,
        reservataires=tuple(Reservataire(r) for r in RESERVATAIRES),
        flows=tuple(flows), spatial_balance=spatial,
        eligibility=Eligibility(0.33, {}), cotation=Cotation())


def _demands(rows: list[dict]) -> Demands:
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
        wished_communes=np.ones((n, len(COMMUNES)), dtype=bool),
        wished_typologies=np.ones((n, 6), dtype=bool),
        refusals=np.zeros(n, dtype=np.int64), criteria={})


def _units(rows: list[dict]) -> Units:
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
    territory = Territory(policy=policy, demands=_demands(demands), units=_units(units))
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
    units = [dict(landlord=int(rng.integers(len(LANDLORDS))),
                  commune=int(rng.integers(len(COMMUNES))), qpv=bool(rng.random() < 0.3),
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
                     if f.landlord == LANDLORDS[unit["landlord"]]]
            options = flows or list(RESERVATAIRES[1:])
        for j in np.flatnonzero(rng.random(n_demands) < density).tolist():
            arcs += [(j, k, r) for r in options]
    return make_problem(units, demands, arcs, policy)


def full_policy() -> Policy:
    """Every quota key, flows for both landlords and spatial balance."""
    flows = [Flow(b, r, s, 0.1) for b in LANDLORDS
             for r, s in (("etat", 0.3), ("action_logement", 0.3), ("bailleur", 0.4))]
    return make_policy(Quotas(0.25, 0.25, 0.5, 0.25, 0.5, 0.3), flows,
                       SpatialBalance(1, (0.1, 0.6), (0.1, 0.7)))
