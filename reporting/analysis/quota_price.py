"""The price of each quota ("prix de la mixité"): what the objective would gain without it.

A quota *binds* when one of its rows is tight at the optimum (it holds with less than one
attribution to spare, :attr:`models.allocation.QuotaAttainment.tight`). For each binding
policy item — a ``[quotas]`` key, a spatial-balance share, or one ``[[flows]]`` entry —
the round is re-solved with the same seed and parameters on a policy copy without it
(:func:`reporting.analysis.variants.relax`), and the gain of the first two objective levels is
reported: extra units let, extra score sum. A gain of zero means the quota binds but costs
nothing at the optimum. Non-binding quotas are not re-solved (their price is reported as
not computed), which keeps the number of solves small.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from attribution.models.allocation import QuotaAttainment
from attribution.models.errors import AttributionError
from attribution.models.i18n import _
from attribution.models.problem import AllocationProblem
from attribution.optimizer.params import SolveParams

from ..text.labels import quota_label
from .variants import Solver, level_values, relax

if TYPE_CHECKING:
    from attribution.optimizer.reoptimize import Reoptimizer

PRICE_COLUMNS: tuple[str, ...] = ("quota", "policy_key", "label", "tight_rows", "gain_units",
                                  "gain_score", "status")


def binding_items(rows: list[QuotaAttainment]) -> list[tuple[str, str, list[str]]]:
    """``(policy_key, detail, tight row names)`` per binding policy item, in row order.

    ``detail`` names the flow entry (``landlord→réservataire``) for ``flows``, the landlord's
    own flow (``landlord→bailleur``) for the per-landlord rows of
    ``quotas.priority_min_per_reservataire`` (each landlord's 25 % is priced on its own), and
    is empty otherwise.
    """
    items: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        if not row.tight:
            continue
        inside = row.name[row.name.index("[") + 1:row.name.index("]")] if "[" in row.name \
            else ""
        per_landlord = (row.policy_key == "quotas.priority_min_per_reservataire"
                        and "→" in inside)
        detail = inside if row.policy_key == "flows" or per_landlord else ""
        items.setdefault((row.policy_key, detail), []).append(row.name)
    return [(key, detail, names) for (key, detail), names in items.items()]


def _item_label(key: str, detail: str, first_row: str) -> str:
    """The relaxed item in words (a spatial share is relaxed for every commune at once)."""
    if key.startswith("spatial_balance."):
        group = "Q1" if key.endswith("q1_share") else "priority"
        return f"spatial balance per commune ({group} share, every commune)"
    if detail and key == "flows":
        return f"flow share of a réservataire ({detail.replace('→', ' → ')})"
    return quota_label(first_row)


def quota_prices(problem: AllocationProblem, arcs: np.ndarray, rows: list[QuotaAttainment],
                 solve: Solver, params: SolveParams | None, seed: int,
                 progress: Callable[[str], None] | None = None,
                 reopt: Reoptimizer | None = None) -> pd.DataFrame:
    """The price of every binding quota.

    Parameters
    ----------
    problem, arcs
        The solved problem and its optimal allocation.
    rows
        Quota attainment of ``arcs`` (:func:`models.allocation.quota_attainment`).
    solve, params, seed
        The optimizer entry point and the arguments of the main solve.
    progress
        Optional ``callable(str)``.
    reopt
        An :class:`optimizer.reoptimize.Reoptimizer` of the solved round: each price is
        then a warm-started re-optimisation (the relaxed LP from the kept basis, the
        optimum as complete hint; most items are settled by the main LP's certificate
        alone). Items it does not cover are re-solved with ``solve`` from scratch.
    """
    base = level_values(problem, arcs)
    out = []
    for key, detail, names in binding_items(rows):
        label = (f"flow[{detail}]" if key == "flows" else
                 f"{key.split('.', 1)[-1]}[{detail}]" if detail else key)
        if progress:
            progress(_("pricing quota {quota}").format(quota=label))
        try:
            relaxed = relax(problem, key, detail)
            warm = None if reopt is None else reopt.relaxed_item_gain(key, detail)
            if warm is not None:
                gain = (warm.units - base[0], warm.score - base[1])
                status = "OPTIMAL" if warm.proven else "FEASIBLE"
            else:
                result = solve(relaxed, params, seed=seed)
                units, score = level_values(problem, result.arcs)
                gain = (units - base[0], score - base[1])
                status = str(getattr(result, "status", ""))
        except AttributionError as exc:  # e.g. still infeasible without it
            gain, status = (None, None), f"{type(exc).__name__}: {exc}"
        out.append((label, key, _item_label(key, detail, names[0]), ";".join(names), gain[0],
                    gain[1], status))
    frame = pd.DataFrame(out, columns=list(PRICE_COLUMNS))
    for col in ("gain_units", "gain_score"):
        frame[col] = frame[col].astype("Int64")
    return frame
