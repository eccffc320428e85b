"""The compatibility graph: every allowed (demand, unit, réservataire) triple, as sparse arrays.

Method (no dense demand × unit matrix, no Python loop over pairs). Units are grouped by
(commune, typology, financing, pmr). Inside a group every rule but the rent burden and the
réservataire depends on the demand alone (:func:`models.pair_rules.demand_side`), so one
boolean pass over the demands gives the group's candidates. The rent burden and the
réservataire slots are then tested for candidates × a block of the group's units (blocks of
at most ``max_block`` cells), and ``numpy.nonzero`` on the (unit, slot, demand) block gives
arcs already in (unit, réservataire, demand) order. A final scatter puts each unit's arcs at
its place in unit order. The rules themselves live in :mod:`models.pair_rules`.
"""

from __future__ import annotations

import numpy as np

from .cotation import score
from .household import q1_flags, q1_threshold
from .pair_rules import demand_side, rent_ok, unit_slots
from .policy import FINANCINGS
from .problem import AllocationProblem, CompatibilityGraph
from .territory import Territory

#: Default largest (units × slots × demands) block tested at once (bool cells).
MAX_BLOCK = 4_000_000


def _unit_groups(territory: Territory):
    """Yield (commune, typology, financing, pmr, sorted unit indices) per non-empty group."""
    u = territory.units
    key = ((u.commune * 6 + u.typology) * len(FINANCINGS) + u.financing) * 2 + u.pmr
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    bounds = np.append(starts, len(order))
    for k, lo, hi in zip(keys.tolist(), bounds[:-1].tolist(), bounds[1:].tolist()):
        rest, pmr = divmod(k, 2)
        rest, financing = divmod(rest, len(FINANCINGS))
        commune, typology = divmod(rest, 6)
        yield commune, typology, financing, bool(pmr), order[lo:hi]


def _group_arcs(units_idx, cand, ds, uslots, rent, max_burden, max_block):
    """Arcs of one group, per block: (unit indices, arcs per unit, demand, réservataire)."""
    active = np.flatnonzero(uslots[units_idx].any(axis=0))
    if len(cand) == 0 or len(active) == 0:
        return
    allowance, monthly = ds["allowance"][cand], ds["monthly"][cand]
    cand32 = cand.astype(np.int32)
    dslots = np.ascontiguousarray(ds["slots"][cand][:, active].T)   # (slots, cand)
    step = max(1, max_block // (len(cand) * len(active)))
    for lo in range(0, len(units_idx), step):
        block = units_idx[lo:lo + step]
        ok = rent_ok(rent[block][:, None], allowance[None, :], monthly[None, :], max_burden)
        cells = ok[:, None, :] & uslots[block][:, active][:, :, None] & dslots[None, :, :]
        iu, islot, idem = np.nonzero(cells)
        yield (block, np.bincount(iu, minlength=len(block)), cand32[idem],
               (active[islot] - 1).astype(np.int16))


def build_graph(territory: Territory, *, max_block: int = MAX_BLOCK) -> CompatibilityGraph:
    """Every allowed (demand, unit, réservataire) triple of the round.

    Parameters
    ----------
    territory
        The round: policy, demands, units.
    max_block
        Largest number of (unit, slot, demand) cells tested at once; bounds the working
        memory (about 10 bytes per cell) without changing the result.

    Returns
    -------
    CompatibilityGraph
        Arcs sorted by (unit, réservataire, demand); réservataire -1 = no réservataire
        (unit outside the flow).

    Raises
    ------
    DataError
        Unknown ceilings year, or the policy names a demand column that does not exist.
    """
    units = territory.units
    ds = demand_side(territory)
    uslots = unit_slots(territory)
    not_pmr_need = ~ds["pmr_need"]
    commune_t = np.ascontiguousarray(ds["commune_ok"].T)
    typology_t = np.ascontiguousarray((ds["typology_ok"] & ds["wished_typology_ok"]).T)
    income_t = np.ascontiguousarray(ds["income_ok"].T)
    max_burden = territory.policy.eligibility.max_rent_burden

    pieces = []
    counts = np.zeros(len(units), dtype=np.int64)
    last_ct, ct_mask = None, None
    for commune, typology, financing, pmr, units_idx in _unit_groups(territory):
        if (commune, typology) != last_ct:
            last_ct, ct_mask = (commune, typology), commune_t[commune] & typology_t[typology]
        mask = ct_mask & income_t[financing]
        if not pmr:
            mask &= not_pmr_need
        cand = np.flatnonzero(mask)
        for piece in _group_arcs(units_idx, cand, ds, uslots, units.rent, max_burden,
                                 max_block):
            counts[piece[0]] = piece[1]
            pieces.append(piece)

    total = int(counts.sum())
    start = np.zeros(len(units), dtype=np.int64)
    np.cumsum(counts[:-1], out=start[1:])
    demand = np.empty(total, dtype=np.int32)
    unit = np.repeat(np.arange(len(units), dtype=np.int32), counts)
    reservataire = np.empty(total, dtype=np.int16)
    while pieces:
        block, cnt, dem, res = pieces.pop()
        local = np.zeros(len(block), dtype=np.int64)
        np.cumsum(cnt[:-1], out=local[1:])
        pos = np.repeat(start[block] - local, cnt) + np.arange(len(dem))
        demand[pos], reservataire[pos] = dem, res
    return CompatibilityGraph(demand=demand, unit=unit, reservataire=reservataire)


def build_problem(territory: Territory, *, max_block: int = MAX_BLOCK) -> AllocationProblem:
    """Everything the optimizer needs, derived once: scores, Q1 flags and threshold, graph.

    Parameters
    ----------
    territory
        A validated territory.
    max_block
        Passed to :func:`build_graph`.
    """
    d, policy = territory.demands, territory.policy
    threshold = q1_threshold(d, policy)
    return AllocationProblem(territory=territory, scores=score(d, policy),
                             q1=q1_flags(d, policy, threshold), q1_threshold=threshold,
                             graph=build_graph(territory, max_block=max_block))
