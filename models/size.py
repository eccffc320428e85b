"""How large a round is before its compatibility graph is built, and the memory guard.

The graph has one arc per allowed (demand, unit, réservataire) triple; everything after
it (solver arrays, LP, CP-SAT pools, explanations) grows with the number of arcs. The
estimate builds the graph of a random sample of units with the same code as the real
build (:func:`models.compatibility.build_graph`) and scales the count up: the sample is
unbiased, costs a fraction of the real build, and needs no rule written twice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .compatibility import build_graph
from .errors import AttributionError
from .territory import Territory, Units

#: Peak memory of a whole ``attribution solve`` per arc of the graph (graph, solver
#: arrays, LP columns and reduced costs, CP-SAT pools, explanations), with a margin;
#: measured by ``benchmarks/bench_scale.py`` (``docs/model.md``, "Time and memory").
BYTES_PER_ARC = 260
#: Peak memory independent of the arcs: the interpreter, libraries and per-demand tables.
BASE_BYTES = 400 * 2**20
BYTES_PER_DEMAND = 4_000

#: Units whose arcs are counted exactly for the estimate.
SAMPLE_UNITS = 400

GIB = 2**30


@dataclass(frozen=True)
class SizeEstimate:
    """Expected size of a round's graph and of the memory its solve needs.

    Attributes
    ----------
    arcs
        Estimated arcs (exact when ``sampled_units`` equals the units of the round).
    bytes
        Estimated peak memory of the solve.
    sampled_units, units, demands
        Units counted exactly, and the round's size.
    """

    arcs: int
    bytes: int
    sampled_units: int
    units: int
    demands: int

    @property
    def exact(self) -> bool:
        return self.sampled_units == self.units


class RoundTooLarge(AttributionError):
    """The round would need more memory than the budget (``--max-memory``)."""


def _take_units(units: Units, idx: np.ndarray) -> Units:
    return Units(**{f.name: getattr(units, f.name)[idx] for f in dataclasses.fields(Units)})


def estimate_size(territory: Territory, sample: int = SAMPLE_UNITS,
                  seed: int = 0) -> SizeEstimate:
    """Estimate the arcs of ``territory``'s graph and the memory of its solve.

    Parameters
    ----------
    territory
        A validated territory.
    sample
        Units whose arcs are counted exactly (all of them for a smaller round).
    seed
        Seed of the sample (the estimate is reproducible).
    """
    n_units, n_demands = len(territory.units), len(territory.demands)
    if n_units <= sample:
        arcs, sampled = len(build_graph(territory)), n_units
    else:
        idx = np.sort(np.random.default_rng(seed).choice(n_units, sample, replace=False))
        sub = dataclasses.replace(territory, units=_take_units(territory.units, idx))
        arcs, sampled = round(len(build_graph(sub)) * n_units / sample), sample
    need = BASE_BYTES + BYTES_PER_DEMAND * n_demands + BYTES_PER_ARC * arcs
    return SizeEstimate(arcs=int(arcs), bytes=int(need), sampled_units=sampled,
                        units=n_units, demands=n_demands)


def default_budget() -> int:
    """The default memory budget: 80 % of the memory available now (``psutil``)."""
    import psutil

    return int(0.8 * psutil.virtual_memory().available)


def check_memory(territory: Territory, budget: int | None = None) -> SizeEstimate:
    """The size estimate of ``territory``, or :class:`RoundTooLarge` beyond ``budget``
    bytes (:func:`default_budget` when ``None``), with how to split the round."""
    est = estimate_size(territory)
    budget = default_budget() if budget is None else int(budget)
    if est.bytes > budget:
        raise RoundTooLarge(too_large_message(territory, est, budget))
    return est


def too_large_message(territory: Territory, est: SizeEstimate, budget: int) -> str:
    """One paragraph: the size, the budget, and how to split the round."""
    policy, units = territory.policy, territory.units
    communes = np.bincount(units.commune, minlength=len(policy.territory.communes))
    landlords = np.bincount(units.landlord, minlength=len(policy.landlords))
    big_c = int(np.argmax(communes))
    big_l = int(np.argmax(landlords))
    parts = max(2, int(np.ceil(est.bytes / max(budget, 1))))
    from .i18n import _, num
    return _("The round is too large for the memory budget: {units} units × {demands} "
             "demands give about {arcs} million compatible (demand, unit, réservataire) "
             "triples, about {size} GiB to solve, over the budget of {budget} GiB "
             "(--max-memory). Split the round into at least {parts} smaller ones and solve "
             "each separately: by commune (the largest, {commune}, has {commune_units} of "
             "the units) or by landlord (the largest, {landlord}, has {landlord_units}), "
             "keeping in units.csv only that part's units; or by date (units available in "
             "the first weeks, then the rest); or raise --max-memory on a machine with more "
             "memory. Nothing was written.").format(
        units=num(est.units), demands=num(est.demands), arcs=num(est.arcs / 1e6, 1),
        size=num(est.bytes / GIB, 1), budget=num(budget / GIB, 1), parts=parts,
        commune=policy.territory.communes[big_c], commune_units=num(int(communes[big_c])),
        landlord=_name(policy.landlords[big_l]), landlord_units=num(int(landlords[big_l])))


def _name(landlord) -> str:
    return str(getattr(landlord, "name", landlord))
