"""What a simulated year records: one row per attribution, and who was there.

Kept apart from the year loop (:mod:`scenarios.simulation`) so that both stay short; the
tables are what :mod:`scenarios.year_kpis` reads.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from attribution.models.household import income_quartiles, months_between, priority_group
from attribution.models.policy import FINANCINGS, TYPOLOGIES
from attribution.models.problem import AllocationProblem
from attribution.models.segments import ANY, segment_keys
from attribution.models.territory import Demands

from .rows import take


def entrants(demands: Demands, edges) -> pd.DataFrame:
    """Demands present, counted by income quartile and priority (or DALO) flag."""
    frame = pd.DataFrame({"quartile": income_quartiles(demands, edges),
                          "priority": np.asarray(priority_group(demands.priority, demands.dalo)),
                          "count": 1})
    return frame.groupby(["quartile", "priority"], as_index=False)["count"].sum()


def attributions(problem: AllocationProblem, arcs: np.ndarray, k: int, p: int, date: dt.date, edges) -> pd.DataFrame:
    """One row per accepted offer: who got what, through whom, after how long."""
    t = problem.territory
    d_idx = problem.graph.demand[arcs].astype(np.int64)
    u_idx = problem.graph.unit[arcs].astype(np.int64)
    res = problem.graph.reservataire[arcs].astype(np.int64)
    d, u, policy = t.demands, t.units, t.policy
    ids = np.array(policy.reservataire_ids + ("",), dtype=object)
    chosen = take(d, d_idx)
    size_class, main = segment_keys(chosen, policy)
    names = np.array(list(policy.territory.communes) + [ANY], dtype=object)
    return pd.DataFrame({
        "round": k, "pass": p, "unit_id": u.ids[u_idx], "demand_id": d.ids[d_idx],
        "landlord": np.array(policy.landlords, dtype=object)[u.landlord[u_idx]],
        "commune": np.array(policy.territory.communes, dtype=object)[u.commune[u_idx]],
        "qpv": u.qpv[u_idx], "typology": np.array(TYPOLOGIES, dtype=object)[u.typology[u_idx]],
        "financing": np.array(FINANCINGS, dtype=object)[u.financing[u_idx]],
        "reservataire": ids[res], "outside_flow": u.outside_flow[u_idx],
        "priority": problem.priority_group[d_idx], "dalo": d.dalo[d_idx],
        "q1": problem.q1[d_idx], "anru": d.anru[d_idx], "score": problem.scores[d_idx],
        "wait_months": months_between(d.registered_on[d_idx], date),
        "household_size": d.household_size[d_idx], "quartile": income_quartiles(chosen, edges),
        "segment": pd.Series(size_class).map("size {}".format).to_numpy(dtype=object)
        + " · " + names[main],
    })
