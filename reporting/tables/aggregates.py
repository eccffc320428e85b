"""Aggregate tables of a solved round, for the report, the workbook and kpis.json.

Only counts and shares: nothing here identifies a household, so these tables may be
published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.models.household import priority_group
from attribution.models.problem import AllocationProblem

from .assignments import income_quartiles


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).round(4)


def _group(assign: pd.DataFrame, key: str, universe: pd.Series) -> pd.DataFrame:
    """Units freed (from ``universe``) and let, with priority and Q1 shares, per ``key``."""
    freed = universe.value_counts().rename("units_freed")
    g = assign.groupby(key)
    frame = pd.concat([freed, g.size().rename("units_let"),
                       g["priority_group"].sum().rename("priority"),
                       g["q1"].sum().rename("q1")], axis=1).fillna(0)
    frame = frame.astype(np.int64)
    frame["let_rate"] = _share(frame["units_let"], frame["units_freed"])
    frame["priority_share"] = _share(frame["priority"], frame["units_let"])
    frame["q1_share"] = _share(frame["q1"], frame["units_let"])
    frame.index.name = key
    return frame.reset_index()


def _assign_frame(problem: AllocationProblem, assignments: pd.DataFrame) -> pd.DataFrame:
    a = assignments.copy()
    a["priority_group"] = priority_group(a["priority"], a["dalo"])
    a["qpv_label"] = np.where(a["qpv"], "QPV", "non-QPV")
    a["non_qpv"] = ~a["qpv"].astype(bool)
    a["reservataire"] = a["reservataire"].replace("", "(outside flow)")
    return a


def by_commune(problem: AllocationProblem, assignments: pd.DataFrame) -> pd.DataFrame:
    """Per commune of the policy: units freed, let, let rate, priority and Q1 shares."""
    t = problem.territory
    communes = np.array(t.policy.territory.communes, dtype=object)
    frame = _group(_assign_frame(problem, assignments), "commune",
                   pd.Series(communes[t.units.commune]))
    frame = frame.set_index("commune").reindex(communes)
    counts = ["units_freed", "units_let", "priority", "q1"]
    frame[counts] = frame[counts].fillna(0).astype(np.int64)
    frame.index.name = "commune"
    return frame.reset_index()


def by_qpv(problem: AllocationProblem, assignments: pd.DataFrame) -> pd.DataFrame:
    """QPV and non-QPV units: freed, let, priority and Q1 shares."""
    t = problem.territory
    a = _assign_frame(problem, assignments).rename(columns={"qpv_label": "location"})
    universe = pd.Series(np.where(t.units.qpv, "QPV", "non-QPV"))
    frame = _group(a, "location", universe)
    return frame.sort_values("location", ascending=False).reset_index(drop=True)


def by_reservataire(problem: AllocationProblem, assignments: pd.DataFrame) -> pd.DataFrame:
    """Per réservataire: attributions, priority share and share on non-QPV units."""
    a = _assign_frame(problem, assignments)
    ids = list(problem.territory.policy.reservataire_ids) + ["(outside flow)"]
    g = a.groupby("reservataire")
    frame = pd.DataFrame({"attributions": g.size(),
                          "priority": g["priority_group"].sum(),
                          "dalo": g["dalo"].sum(),
                          "non_qpv": g["non_qpv"].sum()})
    frame = frame.reindex(ids).fillna(0).astype(np.int64)   # counts only: shares below
    frame.insert(3, "other_priority", frame["priority"] - frame["dalo"])
    frame["priority_share"] = _share(frame["priority"], frame["attributions"])
    frame["dalo_share"] = _share(frame["dalo"], frame["attributions"])
    frame["non_qpv_share"] = _share(frame["non_qpv"], frame["attributions"])
    frame.index.name = "reservataire"
    return frame.reset_index()


def by_landlord(problem: AllocationProblem, assignments: pd.DataFrame) -> pd.DataFrame:
    """Per landlord: units freed and let, DALO apart from the other priority households,
    Q1 households and attributions outside QPV, with their shares of the units let."""
    t = problem.territory
    names = np.array(t.policy.landlords, dtype=object)
    a = _assign_frame(problem, assignments)
    freed = pd.Series(names[t.units.landlord]).value_counts()
    g = a.groupby("landlord")
    frame = pd.DataFrame({"units_freed": freed, "units_let": g.size(),
                          "priority": g["priority_group"].sum(), "dalo": g["dalo"].sum(),
                          "q1": g["q1"].sum(), "non_qpv": g["non_qpv"].sum()})
    frame = frame.reindex(list(names)).fillna(0).astype(np.int64)
    frame.insert(4, "other_priority", frame["priority"] - frame["dalo"])
    frame["let_rate"] = _share(frame["units_let"], frame["units_freed"])
    frame["priority_share"] = _share(frame["priority"], frame["units_let"])
    frame["dalo_share"] = _share(frame["dalo"], frame["units_let"])
    frame["q1_share"] = _share(frame["q1"], frame["units_let"])
    frame["non_qpv_share"] = _share(frame["non_qpv"], frame["units_let"])
    frame.index.name = "landlord"
    return frame.reset_index()


def by_income_quartile(problem: AllocationProblem, assignments: pd.DataFrame) -> pd.DataFrame:
    """Per income quartile (1 = Q1): demands, attributions, their shares and housing rate."""
    quart = pd.Series(income_quartiles(problem))
    demands = quart.value_counts().reindex([1, 2, 3, 4], fill_value=0)
    let = assignments["income_quartile"].value_counts().reindex([1, 2, 3, 4], fill_value=0)
    frame = pd.DataFrame({"quartile": [f"Q{k}" for k in range(1, 5)],
                          "demands": demands.to_numpy(), "attributions": let.to_numpy()})
    frame["demand_share"] = _share(frame["demands"], pd.Series([frame["demands"].sum()] * 4))
    frame["attribution_share"] = _share(frame["attributions"],
                                        pd.Series([frame["attributions"].sum()] * 4))
    frame["housing_rate"] = _share(frame["attributions"], frame["demands"])
    return frame


def outcome_counts(decisions: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Number and share of demands per outcome, in ``order``."""
    counts = decisions["outcome"].value_counts().reindex(order, fill_value=0)
    frame = pd.DataFrame({"outcome": order, "demands": counts.to_numpy()})
    frame["share"] = _share(frame["demands"], pd.Series([max(len(decisions), 1)] * len(order)))
    return frame


def blocking_rules(decisions: pd.DataFrame) -> pd.DataFrame:
    """For not-eligible demands: how many have each rule as their main blocking rule."""
    ne = decisions[decisions["outcome"] == "not_eligible"]
    counts = ne["rule"].value_counts()
    return pd.DataFrame({"rule": counts.index.to_numpy(), "demands": counts.to_numpy()})
