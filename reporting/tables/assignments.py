"""The assignments table and the per-demand / per-unit labels every other table uses.

An allocation is a set of chosen arc indices into ``problem.graph``; this module turns it
into ``assignments.csv`` (the data contract's columns first, then optional ones) and into
per-demand arrays (unit held, réservataire, income quartile) for decisions and the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.models import household
from attribution.models.policy import FINANCINGS, TYPOLOGIES
from attribution.models.problem import AllocationProblem

#: Columns of assignments.csv, in order (the contract's first).
ASSIGNMENT_COLUMNS: tuple[str, ...] = (
    "unit_id", "demand_id", "reservataire", "landlord", "commune", "qpv", "score",
    "typology", "financing", "outside_flow", "priority", "dalo", "q1", "income_quartile",
)


def reservataire_labels(problem: AllocationProblem, codes: np.ndarray) -> np.ndarray:
    """Réservataire ids for codes (``-1`` = no réservataire, written as an empty string)."""
    ids = np.array(list(problem.territory.policy.reservataire_ids) + [""], dtype=object)
    return ids[np.asarray(codes, dtype=np.int64)]


def income_quartiles(problem: AllocationProblem) -> np.ndarray:
    """Income quartile 1..4 of each demand of the round (:func:`models.household.
    income_quartiles` at the round's Q1 threshold: quartile 1 is the problem's Q1 flag)."""
    d = problem.territory.demands
    return household.income_quartiles(d, household.quartile_edges(d, problem.q1_threshold))


def housed_unit(problem: AllocationProblem, arcs: np.ndarray) -> np.ndarray:
    """Per demand, the index of the unit it gets (-1 if none)."""
    out = np.full(len(problem.territory.demands), -1, dtype=np.int64)
    arcs = np.asarray(arcs, dtype=np.int64)
    out[problem.graph.demand[arcs]] = problem.graph.unit[arcs]
    return out


def unit_holder(problem: AllocationProblem, arcs: np.ndarray) -> np.ndarray:
    """Per unit, the index of the chosen arc (-1 if the unit is not let)."""
    out = np.full(len(problem.territory.units), -1, dtype=np.int64)
    arcs = np.asarray(arcs, dtype=np.int64)
    out[problem.graph.unit[arcs]] = arcs
    return out


def assignments_table(problem: AllocationProblem, arcs: np.ndarray) -> pd.DataFrame:
    """``assignments.csv``: one row per unit let, in unit order.

    Parameters
    ----------
    problem
        The solved problem.
    arcs
        Chosen arc indices into ``problem.graph``.
    """
    t = problem.territory
    g, u, d, policy = problem.graph, t.units, t.demands, t.policy
    arcs = np.asarray(arcs, dtype=np.int64)
    arcs = arcs[np.argsort(g.unit[arcs], kind="stable")]
    ui, di = g.unit[arcs].astype(np.int64), g.demand[arcs].astype(np.int64)
    landlords = np.array(policy.landlords, dtype=object)
    communes = np.array(policy.territory.communes, dtype=object)
    return pd.DataFrame({
        "unit_id": u.ids[ui],
        "demand_id": d.ids[di],
        "reservataire": reservataire_labels(problem, g.reservataire[arcs]),
        "landlord": landlords[u.landlord[ui]] if len(landlords) else np.array([], object),
        "commune": communes[u.commune[ui]],
        "qpv": u.qpv[ui],
        "score": problem.scores[di],
        "typology": np.array(TYPOLOGIES, dtype=object)[u.typology[ui]],
        "financing": np.array(FINANCINGS, dtype=object)[u.financing[ui]],
        "outside_flow": u.outside_flow[ui],
        "priority": d.priority[di],
        "dalo": d.dalo[di],
        "q1": problem.q1[di],
        "income_quartile": income_quartiles(problem)[di],
    }, columns=list(ASSIGNMENT_COLUMNS))
