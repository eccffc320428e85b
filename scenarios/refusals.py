"""The refusal model: whether a household offered a unit turns it down.

Each offer is refused independently with a probability set by the demand's group and the
unit's location (see :class:`scenarios.spec.RefusalModel`): the group is the first of
``dalo``, ``priority``, ``mutation`` that the demand belongs to, else ``other``; the
location is in or outside a QPV. The default probabilities are illustrative (no CARENE
figure was found: domain.md §7 says only that refusals are frequent); set them in the
scenario file.
"""

from __future__ import annotations

import numpy as np

from attribution.models.territory import Demands, Units

from .crn import keyed_uniform
from .spec import REFUSAL_GROUPS, RefusalModel


def demand_group(demands: Demands) -> np.ndarray:
    """Refusal group of each demand, as an index into :data:`REFUSAL_GROUPS`."""
    group = np.full(len(demands), REFUSAL_GROUPS.index("other"), dtype=np.int64)
    for name in reversed(REFUSAL_GROUPS[:-1]):       # the first group listed wins
        group[np.asarray(getattr(demands, name), dtype=bool)] = REFUSAL_GROUPS.index(name)
    return group


def refusal_probability(model: RefusalModel, demands: Demands, units: Units,
                        demand_idx: np.ndarray, unit_idx: np.ndarray) -> np.ndarray:
    """Probability that each offer (demand_idx[i] offered unit_idx[i]) is refused."""
    table = np.array([model.probability[g] for g in REFUSAL_GROUPS], dtype=np.float64)
    group = demand_group(demands)[np.asarray(demand_idx, dtype=np.int64)]
    qpv = np.asarray(units.qpv, dtype=np.int64)[np.asarray(unit_idx, dtype=np.int64)]
    return table[group, qpv]


def draw_refusals(model: RefusalModel, demands: Demands, units: Units,
                  demand_idx: np.ndarray, unit_idx: np.ndarray,
                  rng: np.random.Generator | None = None,
                  key: tuple[int, int] | None = None) -> np.ndarray:
    """Bool per offer: refused.

    With ``key = (seed, round)`` each offer's uniform is keyed by (demand id, unit id,
    round) (:func:`scenarios.crn.keyed_uniform`): the same offer gets the same answer in
    every scenario run with that seed (common random numbers). Otherwise one draw of
    ``rng`` per offer, in the given order.
    """
    p = refusal_probability(model, demands, units, demand_idx, unit_idx)
    if key is not None:
        seed, k = key
        d = demands.ids[np.asarray(demand_idx, dtype=np.int64)]
        u = units.ids[np.asarray(unit_idx, dtype=np.int64)]
        return keyed_uniform(seed, "refusal", d, u, np.full(len(p), k)) < p
    return rng.random(len(p)) < p
