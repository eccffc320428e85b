"""``decisions.csv``: one row per demand — outcome, score and breakdown, rank among similar
demands, typical wait of the segment, and the reason in plain words.

Outcomes are decided in :mod:`reporting.analysis.outcomes`; segments (similar demands) and ranks in
:mod:`models.segments`; the score breakdown in :mod:`models.cotation`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.models.cotation import breakdown, components
from attribution.models.policy import TYPOLOGIES
from attribution.models.problem import AllocationProblem
from attribution.models.segments import similar_demands

from ..text.decision_text import reason_pair
from ..analysis.outcomes import Outcomes
from .assignments import housed_unit, reservataire_labels

DECISION_COLUMNS: tuple[str, ...] = (
    "demand_id", "outcome", "unit_id", "reservataire", "score", "score_breakdown",
    "segment", "rank_in_segment", "segment_size", "segment_typical_wait_months",
    "segment_score_median", "rule", "rule_detail", "quota", "quota_detail", "score_gap",
    "competitor_score", "related_unit_id", "wished_units", "compatible_units", "priority",
    "reason", "motif", "observed_wait_months", "observed_wait_households",
    "observed_wait_basis")
#: The columns :func:`reporting.text.decision_text.reason_text` reads.
_FACTS = ("outcome", "unit_id", "reservataire", "score", "rule", "rule_detail", "quota",
          "score_gap", "competitor_score", "related_unit_id", "wished_units",
          "compatible_units")
#: Fewest housed households an observed figure is given for.
MIN_OBSERVED = 3


def compact_breakdown(problem: AllocationProblem) -> np.ndarray:
    """Per demand, the non-zero score parts as ``name=points`` joined by ``;``.

    ``seniority`` carries the months in brackets, a rubric its winning criterion:
    ``seniority=45 (45 months);bonus_dalo=50;rubric_current housing=8 (hosted)``.
    """
    d, policy = problem.territory.demands, problem.territory.policy
    if len(d) == 0:
        return np.zeros(0, dtype=object)
    frame = breakdown(d, policy)
    parts = []
    for col in components(policy):
        values = frame[col].to_numpy()
        text = col + "=" + values.astype(str)
        if col == "seniority":
            text = text + " (" + frame["months"].to_numpy().astype(str) + " months)"
        elif col.startswith("rubric_"):
            text = text + " (" + frame[col + "_criterion"].to_numpy().astype(str) + ")"
        parts.append(np.where(values != 0, text, "").astype(object))
    joined = np.full(len(d), "", dtype=object)
    for part in parts:      # ";".join of the non-empty parts, a column at a time
        joined = np.where(part == "", joined,
                          np.where(joined == "", part, joined + ";" + part))
    return joined


def _or_missing(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable ints: -1 (not applicable) becomes missing (an empty CSV cell)."""
    out = pd.array(values, dtype="Int64")
    out[values < 0] = pd.NA
    return out


def observed_wait_columns(size_class: np.ndarray, commune: np.ndarray,
                          observed: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Per demand, the observed wait of housed households of its segment.

    ``observed`` (from a ledger, ``attribution.ledger.waits``) has one row per
    ``(size_class, commune)`` with ``months_median`` and ``households``; ``commune = "*"``
    rows cover a size class over all communes. A demand gets its own segment's figure
    when at least :data:`MIN_OBSERVED` households of it were housed (basis
    ``segment``), else its size class's (``size_class``), else none (``none``: no
    observed figure exists yet — the pending queue's seniority is not a wait).
    """
    n = len(size_class)
    months = np.full(n, np.nan)
    households = np.zeros(n, dtype=np.int64)
    basis = np.full(n, "none", dtype=object)
    if observed is not None and len(observed):
        table = {(int(s), str(c)): (float(m), int(h)) for s, c, m, h in zip(
            observed["size_class"], observed["commune"], observed["months_median"],
            observed["households"]) if h >= MIN_OBSERVED}
        for i, (s, c) in enumerate(zip(size_class.tolist(), commune.tolist())):
            for key, label in (((s, c), "segment"), ((s, "*"), "size_class")):
                if key in table:
                    months[i], households[i] = table[key]
                    basis[i] = label
                    break
    return {"observed_wait_months": months, "observed_wait_households": households,
            "observed_wait_basis": basis}


def decisions_table(problem: AllocationProblem, arcs: np.ndarray,
                    outcomes: Outcomes, proven: bool = True,
                    observed_waits: pd.DataFrame | None = None) -> pd.DataFrame:
    """The decisions table, one row per demand in file order.

    Parameters
    ----------
    problem, arcs
        The solved problem and its allocation.
    outcomes
        :func:`reporting.analysis.outcomes.classify` of ``arcs``.
    proven
        Whether the allocation is a proven optimum (changes the wording of reasons).
    observed_waits
        Observed waits of housed households per segment (a ledger's), or None.
    """
    t, g = problem.territory, problem.graph
    d, u, policy = t.demands, t.units, t.policy
    arcs = np.asarray(arcs, dtype=np.int64)
    res = np.full(len(d), -1, dtype=np.int64)
    res[g.demand[arcs]] = g.reservataire[arcs]
    unit = housed_unit(problem, arcs)
    uid = lambda idx: np.where(idx >= 0, u.ids[np.maximum(idx, 0)] if len(u) else "", "")  # noqa
    seg = similar_demands(d, policy, problem.scores)
    communes = np.array(policy.territory.communes, dtype=object)
    frame = pd.DataFrame({
        "demand_id": d.ids, "outcome": outcomes.outcome, "unit_id": uid(unit),
        "reservataire": np.where(unit >= 0, reservataire_labels(problem, res), ""),
        "score": problem.scores,
        "score_breakdown": compact_breakdown(problem),
        "segment": ("size " + seg["size_class"].astype(str) + " · " + seg["commune"]).to_numpy(),
        "rank_in_segment": seg["rank"].to_numpy(),
        "segment_size": seg["demands"].to_numpy(),
        "segment_typical_wait_months": seg["typical_wait_months"].to_numpy(),
        "segment_score_median": seg["score_median"].to_numpy(),
        "rule": outcomes.rule, "rule_detail": outcomes.rule_counts,
        "quota": outcomes.quota, "quota_detail": outcomes.quota_rows,
        "score_gap": _or_missing(outcomes.score_gap),
        "competitor_score": _or_missing(outcomes.competitor_score),
        "related_unit_id": uid(outcomes.related_unit),
        "wished_units": outcomes.wished, "compatible_units": outcomes.compatible,
        "priority": problem.priority_group,
    }, columns=list(DECISION_COLUMNS[:DECISION_COLUMNS.index("reason")]))
    ui = np.maximum(unit, 0)
    commune = np.where(unit >= 0, communes[u.commune[ui]] if len(u) else "", "")
    typology = np.where(unit >= 0, np.array(TYPOLOGIES, dtype=object)[u.typology[ui]]
                        if len(u) else "", "")
    # The facts of each row as Python values (``tolist`` per column: far quicker than
    # ``to_dict("records")`` over pyarrow-backed text columns), missing numbers as None.
    facts = {k: frame[k].tolist() for k in _FACTS}
    for k in ("competitor_score", "score_gap"):
        facts[k] = [None if v is pd.NA or v is None else int(v) for v in facts[k]]
    facts["commune"], facts["typology"] = commune.tolist(), typology.tolist()
    keys = list(facts)
    texts = [reason_pair({**dict(zip(keys, row)), "proven": proven})
             for row in zip(*facts.values())]
    frame["reason"] = [r for r, _ in texts]
    frame["motif"] = [m for _, m in texts]
    for name, values in observed_wait_columns(seg["size_class"].to_numpy(),
                                              seg["commune"].to_numpy(),
                                              observed_waits).items():
        frame[name] = values
    return frame
