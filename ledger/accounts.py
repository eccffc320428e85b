"""Year-to-date accounts from the ledger, counted by the quota rules themselves.

The ledger's attributions of a year (each with the unit's landlord, commune, QPV flag and
flow status, the réservataire it went through, and the household's priority, DALO, Q1
and ANRU flags as recorded) are turned into a small allocation problem with exactly one
arc per attribution, and counted by :func:`models.quotas.build_quotas` and
:class:`scenarios.accounts.Accounts` — the same rows, by the same names, as the solver and
the simulated year use. No quota rule is written a second time here.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from attribution.models.i18n import _
from attribution.models.policy import Policy
from attribution.models.problem import AllocationProblem, CompatibilityGraph
from attribution.models.territory import Demands, Territory, Units
from attribution.scenarios.accounts import Accounts

from .store import LedgerError

#: Columns an attributions frame must have (see :func:`attributions_problem`).
ATTRIBUTION_COLUMNS = ("unit_id", "demand_id", "reservataire", "landlord", "commune", "qpv",
                       "outside_flow", "priority", "dalo", "q1", "anru")


def _stub_demands(n: int, frame: pd.DataFrame, n_communes: int) -> Demands:
    zeros_i = np.zeros(n, dtype=np.int64)
    zeros_f = np.zeros(n, dtype=np.float64)
    false = np.zeros(n, dtype=bool)
    flag = lambda c: frame[c].to_numpy(dtype=bool) if n else false  # noqa: E731
    return Demands(
        ids=frame["demand_id"].to_numpy(dtype=object), registered_on=np.zeros(n, "datetime64[D]"),
        household_size=zeros_i + 1, adults=zeros_i + 1, children_under_14=zeros_i,
        dependants=zeros_i, couple=false, ages_sum=zeros_i, disability=false, pmr_need=false,
        annual_income=zeros_f, monthly_income=zeros_f, housing_allowance=zeros_f,
        priority=flag("priority"), dalo=flag("dalo"), mutation=false, anru=flag("anru"),
        private_employee=false, state_agent=false,
        wished_communes=np.zeros((n, n_communes), dtype=bool),
        wished_typologies=np.ones((n, 6), dtype=bool), refusals=zeros_i, criteria={})


def attributions_problem(policy: Policy, frame: pd.DataFrame) -> AllocationProblem:
    """One arc per attribution of ``frame`` (columns :data:`ATTRIBUTION_COLUMNS`).

    Landlords and communes the policy does not list are appended to it (they carry no
    flow or target, but are counted in the totals). A réservataire the policy does not
    know is an error.
    """
    frame = frame.reset_index(drop=True)
    n = len(frame)
    info = policy.territory
    landlords = list(policy.landlords)
    landlords += sorted(set(frame["landlord"]) - set(landlords))
    communes = list(info.communes)
    communes += sorted(set(frame["commune"]) - set(communes))
    policy = dataclasses.replace(policy, territory=dataclasses.replace(
        info, landlords=tuple(landlords), communes=tuple(communes)))
    ids = list(policy.reservataire_ids)
    unknown = sorted(set(frame["reservataire"]) - set(ids) - {""})
    if unknown:
        raise LedgerError(_("The ledger holds attributions through réservataires the policy "
                            "does not list: {names}.").format(names=", ".join(unknown)))
    res = np.array([ids.index(r) if r else -1 for r in frame["reservataire"]], dtype=np.int16)
    ll_code = {name: i for i, name in enumerate(landlords)}
    com_code = {name: i for i, name in enumerate(communes)}
    zeros_i = np.zeros(n, dtype=np.int64)
    units = Units(
        ids=frame["unit_id"].to_numpy(dtype=object),
        landlord=np.array([ll_code[x] for x in frame["landlord"]], dtype=np.int64),
        commune=np.array([com_code[x] for x in frame["commune"]], dtype=np.int64),
        qpv=frame["qpv"].to_numpy(dtype=bool), typology=zeros_i, rooms=zeros_i + 1,
        surface_m2=np.ones(n), rent=np.zeros(n), financing=zeros_i,
        pmr=np.zeros(n, dtype=bool), available_on=np.zeros(n, "datetime64[D]"),
        reservataire=res.astype(np.int64), outside_flow=frame["outside_flow"].to_numpy(dtype=bool))
    demands = _stub_demands(n, frame, len(communes))
    arange = np.arange(n, dtype=np.int32)
    graph = CompatibilityGraph(demand=arange, unit=arange, reservataire=res)
    return AllocationProblem(territory=Territory(policy, demands, units), scores=zeros_i,
                             q1=frame["q1"].to_numpy(dtype=bool) if n else np.zeros(0, bool),
                             q1_threshold=0.0, graph=graph)


def year_accounts(policy: Policy, frame: pd.DataFrame) -> Accounts:
    """The annual accounts of the attributions in ``frame`` under ``policy``."""
    if len(frame) == 0:
        return Accounts()
    problem = attributions_problem(policy, frame)
    return Accounts().add(problem.quotas, np.arange(len(frame), dtype=np.int64))
