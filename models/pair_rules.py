"""The eligibility rules of a (demand, unit, réservataire) triple, one named rule each.

The data contract's rules, each evaluated column-wise once per demand (or per unit) so
that the compatibility graph (:mod:`models.compatibility`) and the per-demand explanations
share one definition:

``income_ceiling``
    annual_income ≤ the unit's financing ceiling for the household category
    (:mod:`models.ceilings`, ``territory.ceilings_year``).
``typology``
    unit typology ∈ ``typology_by_size[min(household_size, 6)]`` (a size class without an
    entry, or no table at all, is not constrained).
``wished_typology``
    unit typology ∈ wished_typologies (an empty list, stored as all-True or all-False, admits
    every typology).
``wished_commune``
    unit commune ∈ wished_communes (empty list = any commune; an all-False row is read as
    an empty list too).
``rent_burden``
    (rent − housing_allowance) / monthly_income ≤ max_rent_burden; with monthly_income = 0
    only when rent − housing_allowance ≤ 0; not enforced when the key is absent.
``accessibility``
    pmr_need ⇒ the unit is PMR.
``reservataire_eligibility``
    the unit has a réservataire *slot* the demand may use: outside_flow → the "no
    réservataire" slot (index -1) only, open to everyone; a named réservataire → that one;
    otherwise every réservataire with a ``[[flows]]`` entry for the unit's landlord. A
    demand may use réservataire r when any column of r's ``eligible_if_any`` is non-zero
    (an empty list admits everyone).

Slots are numbered 0 = no réservataire, ``r + 1`` = ``policy.reservataires[r]``.
"""

from __future__ import annotations

import numpy as np

from .ceilings import income_ceilings
from .errors import DataError, Problem
from .i18n import _
from .household import category_of
from .policy import FINANCINGS, TYPOLOGIES, Policy
from .territory import Demands, Territory

RULES: tuple[str, ...] = ("income_ceiling", "typology", "wished_typology", "wished_commune",
                          "rent_burden", "accessibility", "reservataire_eligibility")


def typology_table(policy: Policy) -> np.ndarray:
    """bool (7, 6): row ``k`` (size class 1..6; row 0 unused) = accepted typologies."""
    grid = policy.eligibility.typology_by_size
    table = np.ones((7, len(TYPOLOGIES)), dtype=bool)
    for size, typologies in grid.items():
        if 1 <= int(size) <= 6:
            table[int(size)] = [t in typologies for t in TYPOLOGIES]
    return table


def _nonempty_or_all(matrix: np.ndarray) -> np.ndarray:
    """A wish matrix where an all-False row (an empty list) means "all"."""
    return matrix | ~matrix.any(axis=1, keepdims=True)


def rent_ok(rent: np.ndarray, allowance: np.ndarray, monthly: np.ndarray,
            max_burden: float | None) -> np.ndarray:
    """The rent-burden rule, broadcast over its arguments (True = allowed)."""
    rent, allowance, monthly = np.broadcast_arrays(rent, allowance, monthly)
    if max_burden is None:
        return np.ones(rent.shape, dtype=bool)
    diff = rent - allowance
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = diff / monthly <= max_burden
    zero = monthly == 0
    if zero.any():
        ok = np.where(zero, diff <= 0, ok)
    return ok


def demand_slots(demands: Demands, policy: Policy, idx=slice(None)) -> np.ndarray:
    """bool (n, 1 + n_reservataires): which slots each selected demand may use."""
    n = len(np.arange(len(demands))[idx])
    out = np.ones((n, 1 + len(policy.reservataires)), dtype=bool)
    problems = []
    for r, res in enumerate(policy.reservataires):
        if not res.eligible_if_any:
            continue
        any_true = np.zeros(n, dtype=bool)
        for col in res.eligible_if_any:
            if not demands.has_column(col):
                problems.append(Problem("policy.toml", None, f"reservataires.{res.id}."
                                        "eligible_if_any", _(
                    "expected columns of demands.csv; got '{column}', which is not one.").format(
                    column=col)))
                continue
            values = demands.criteria[col] if col in demands.criteria else getattr(demands, col)
            values = np.asarray(values)[idx]
            any_true |= (np.abs(values) > 0) if values.dtype.kind == "f" else (values != 0)
        out[:, r + 1] = any_true
    if problems:
        raise DataError(problems)
    return out


def unit_slots(territory: Territory) -> np.ndarray:
    """bool (n_units, 1 + n_reservataires): the réservataire slots of each unit."""
    policy, units = territory.policy, territory.units
    res_ids = policy.reservataire_ids
    flows = np.zeros((len(policy.landlords), 1 + len(res_ids)), dtype=bool)
    problems = []
    for i, f in enumerate(policy.flows):
        if f.reservataire not in res_ids:
            problems.append(Problem("policy.toml", None, f"flows[{i}].reservataire",
                                    _("expected one of {names}; got '{value}'.").format(
                                        names=", ".join(res_ids), value=f.reservataire)))
            continue
        flows[policy.landlords.index(f.landlord), 1 + res_ids.index(f.reservataire)] = True
    if problems:
        raise DataError(problems)
    out = flows[units.landlord].copy() if len(policy.landlords) else \
        np.zeros((len(units), 1 + len(res_ids)), dtype=bool)
    named = units.reservataire >= 0
    out[named] = False
    out[named, units.reservataire[named] + 1] = True
    out[units.outside_flow] = False
    out[units.outside_flow, 0] = True
    return out


def demand_side(territory: Territory, idx=slice(None)) -> dict[str, np.ndarray]:
    """Per-demand rule inputs for the selected demands (all by default).

    Returns
    -------
    dict
        ``income_ok`` bool (n, len(FINANCINGS)); ``typology_ok`` and ``wished_typology_ok``
        bool (n, 6); ``commune_ok`` bool (n, n_communes); ``pmr_need``, ``allowance``,
        ``monthly`` (n,); ``slots`` bool (n, 1 + n_reservataires).
    """
    policy, d = territory.policy, territory.demands
    category = category_of(d.household_size[idx], d.dependants[idx], d.couple[idx],
                           d.ages_sum[idx], d.disability[idx])
    codes = np.arange(len(FINANCINGS))
    ceilings = income_ceilings(policy.territory.ceilings_year, codes[None, :], category[:, None])
    size_class = np.clip(d.household_size[idx], 1, 6)
    return {
        "income_ok": d.annual_income[idx][:, None] <= ceilings,
        "typology_ok": typology_table(policy)[size_class],
        "wished_typology_ok": _nonempty_or_all(d.wished_typologies[idx]),
        "commune_ok": _nonempty_or_all(d.wished_communes[idx]),
        "pmr_need": d.pmr_need[idx],
        "allowance": d.housing_allowance[idx],
        "monthly": d.monthly_income[idx],
        "slots": demand_slots(d, policy, idx),
    }


def rule_masks(territory: Territory, demand_idx: int) -> dict[str, np.ndarray]:
    """Each rule for one demand against every unit.

    Parameters
    ----------
    territory
        The round.
    demand_idx
        Index of the demand.

    Returns
    -------
    dict
        Rule name (see :data:`RULES`) → bool array over units, True where the unit
        *passes* the rule; the demand may be offered a unit exactly where all are True.
    """
    u = territory.units
    ds = demand_side(territory, slice(demand_idx, demand_idx + 1))
    return {
        "income_ceiling": ds["income_ok"][0][u.financing],
        "typology": ds["typology_ok"][0][u.typology],
        "wished_typology": ds["wished_typology_ok"][0][u.typology],
        "wished_commune": ds["commune_ok"][0][u.commune],
        "rent_burden": rent_ok(u.rent, ds["allowance"][0], ds["monthly"][0],
                               territory.policy.eligibility.max_rent_burden),
        "accessibility": u.pmr | ~ds["pmr_need"][0],
        "reservataire_eligibility": (unit_slots(territory) & ds["slots"][0][None, :]).any(axis=1),
    }


def exclusion_reasons(territory: Territory, demand_idx: int, unit_idx: int) -> list[str]:
    """Names of the rules that exclude one (demand, unit) pair, in :data:`RULES` order.

    An empty list means the demand may be offered the unit (through at least one slot).
    """
    masks = rule_masks(territory, demand_idx)
    return [rule for rule in RULES if not masks[rule][unit_idx]]
