"""Why a demand has no compatible unit: wished units and the rules that block them.

For the demands without any arc in the compatibility graph, this evaluates the eligibility
rules of :mod:`models.pair_rules` (the very functions the graph is built from) against
every unit of the round, a block of demands at a time, and counts, over the units the
demand *wished* (commune ∈ wished_communes and typology ∈ wished_typologies, an empty
list meaning any), how many each rule excludes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attribution.models.pair_rules import RULES, demand_side, rent_ok, unit_slots
from attribution.models.territory import Territory

#: Largest (demands × units) block evaluated at once.
BLOCK_CELLS = 2_000_000
#: The two rules that define which units a demand "wished".
WISH_RULES = ("wished_commune", "wished_typology")


@dataclass(frozen=True)
class Blocking:
    """Rule counts for a set of demands (row ``i`` = ``demand_idx[i]``).

    Attributes
    ----------
    demand_idx
        int, the demands examined.
    wished
        int, number of units of the round each demand wished.
    counts
        int (n, len(RULES)): among the wished units, how many each rule excludes.
    """

    demand_idx: np.ndarray
    wished: np.ndarray
    counts: np.ndarray

    def main_rule(self) -> np.ndarray:
        """Per demand, the rule excluding the most wished units ("" when none wished).

        Ties go to the rule listed first in :data:`models.pair_rules.RULES`.
        """
        best = np.array(RULES, dtype=object)[np.argmax(self.counts, axis=1)] \
            if len(self.counts) else np.zeros(0, dtype=object)
        return np.where(self.wished > 0, best, "").astype(object)


def rule_matrix(territory: Territory, demand_idx: np.ndarray) -> dict[str, np.ndarray]:
    """Every rule for the selected demands against every unit.

    Parameters
    ----------
    territory
        The round.
    demand_idx
        int array of demand indices.

    Returns
    -------
    dict
        Rule name → bool (len(demand_idx), n_units), True where the unit passes the rule;
        row ``i`` equals :func:`models.pair_rules.rule_masks` for ``demand_idx[i]``.
    """
    u = territory.units
    ds = demand_side(territory, np.asarray(demand_idx, dtype=np.int64))
    slots = unit_slots(territory).astype(np.int32)
    return {
        "income_ceiling": ds["income_ok"][:, u.financing],
        "typology": ds["typology_ok"][:, u.typology],
        "wished_typology": ds["wished_typology_ok"][:, u.typology],
        "wished_commune": ds["commune_ok"][:, u.commune],
        "rent_burden": rent_ok(u.rent[None, :], ds["allowance"][:, None],
                               ds["monthly"][:, None],
                               territory.policy.eligibility.max_rent_burden),
        "accessibility": u.pmr[None, :] | ~ds["pmr_need"][:, None],
        "reservataire_eligibility": (ds["slots"].astype(np.int32) @ slots.T) > 0,
    }


def blocking(territory: Territory, demand_idx: np.ndarray) -> Blocking:
    """Count, per demand, the wished units and how many each rule excludes.

    Parameters
    ----------
    territory
        The round.
    demand_idx
        int array of demand indices (typically those without any arc).
    """
    demand_idx = np.asarray(demand_idx, dtype=np.int64)
    n_units = max(len(territory.units), 1)
    step = max(1, BLOCK_CELLS // n_units)
    wished = np.zeros(len(demand_idx), dtype=np.int64)
    counts = np.zeros((len(demand_idx), len(RULES)), dtype=np.int64)
    for start in range(0, len(demand_idx), step):
        sl = slice(start, start + step)
        masks = rule_matrix(territory, demand_idx[sl])
        wish = masks[WISH_RULES[0]] & masks[WISH_RULES[1]]
        wished[sl] = wish.sum(axis=1)
        for k, rule in enumerate(RULES):
            counts[sl, k] = (wish & ~masks[rule]).sum(axis=1)
    return Blocking(demand_idx, wished, counts)
