"""Synthetic pending demands (``demands.csv``), vectorised over all rows.

Calibration figures are tagged as in ``docs/calibration.md``; none of the [E]/[K] values is
an official CARENE statistic.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import incomes
from .profiles import Profile
from .sampling import categorical, top_k_without_replacement

# Household size 1..7 [K]: about half of applicants are single people [S domain.md §1].
SIZE_P = np.array([0.50, 0.22, 0.13, 0.085, 0.04, 0.018, 0.007])
# Probability that the applicant lives as a couple, by household size 1..7 [E].
COUPLE_P = np.array([0.0, 0.40, 0.45, 0.55, 0.60, 0.62, 0.62])
CHILD_UNDER_14_P = 0.72          # a child of the household is under 14 [E]
# Current housing [K/E]: homeless, shelter, hosted, social tenant (= mutation), private
# tenant, other (owner, lodging, ...). Social tenants ~30 % of demands [K].
STATUS = ("homeless", "shelter", "hosted", "social_tenant", "private_tenant", "other")
STATUS_P = np.array([0.03, 0.05, 0.22, 0.30, 0.32, 0.08])
STATUS_HARDSHIP = np.array([1.2, 1.0, 0.4, 0.0, -0.1, -0.5])  # mean latent hardship [E]
# Income: reference income / PLUS ceiling of the household's category is log-normal,
# median 0.45 and sigma 0.95, so that ~80 % are under PLUS and ~58 % under PLAI [E].
INCOME_RATIO_MEDIAN, INCOME_SIGMA, INCOME_HARDSHIP = 0.45, 0.95, 0.5
ZERO_INCOME_P = 0.03             # no taxable income (young, newly arrived) [E]
PRIORITY_TARGET = 0.27           # priority (incl. DALO) households, 25-30 % [E]
DALO_AMONG_PRIORITY = 0.05       # DALO households are a subset of the priority ones [E]
ANRU_AMONG_SOCIAL_TENANTS = 0.025
WAIT_MEDIAN_DAYS, WAIT_SIGMA = 16.0 * 30.44, 0.85   # seniority of pending demands [E]
MUTATION_WAIT_FACTOR = 1.3       # transfers wait longer [K]
WISHED_TYPOLOGY_P = 0.35         # applicants naming typologies [E]
REFUSALS_P = np.array([0.85, 0.12, 0.03])
DISABILITY_P, DISABILITY_OLD_EXTRA, PMR_AMONG_DISABLED = 0.06, 0.08, 0.40


def generate_demands(rng: np.random.Generator, n: int, profile: Profile,
                     round_date: dt.date, ceilings_year: int,
                     typology_by_size: dict[str, list[str]]) -> pd.DataFrame:
    """``n`` pending demands as a DataFrame with the columns of ``demands.csv``.

    Bool columns are ``bool``, dates ``datetime64``, lists ``;``-joined strings.
    """
    hh = _households(rng, n)
    crit, hardship = _situations(rng, hh)
    money = _incomes(rng, hh, hardship, ceilings_year)
    publics = _publics(rng, hh, crit, hardship)
    days = rng.lognormal(np.log(WAIT_MEDIAN_DAYS), WAIT_SIGMA, n)
    days = np.where(publics["mutation"], days * MUTATION_WAIT_FACTOR, days)
    days = np.clip(np.round(days), 0, 8 * 365).astype("timedelta64[D]")
    width = max(6, len(str(n)))
    frame = {
        "demand_id": np.char.add("D", np.char.zfill(np.arange(1, n + 1).astype(str), width)),
        "registered_on": np.datetime64(round_date, "D") - days,
        "household_size": hh["size"], "adults": hh["adults"],
        "children_under_14": hh["children_under_14"], "dependants": hh["dependants"],
        "couple": hh["couple"], "ages_sum": hh["ages_sum"],
        "disability": hh["disability"], "pmr_need": hh["pmr_need"],
        **money, **publics,
        "wished_communes": _wished_communes(rng, n, profile),
        "wished_typologies": _wished_typologies(rng, hh["size"], typology_by_size),
        "refusals": rng.choice(len(REFUSALS_P), size=n, p=REFUSALS_P),
        **{k: v for k, v in crit.items() if k != "social_tenant"},  # = mutation
    }
    return pd.DataFrame(frame)


def _households(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    size = rng.choice(np.arange(1, 8), size=n, p=SIZE_P)
    couple = rng.random(n) < COUPLE_P[size - 1]
    children = size - 1 - couple
    under_14 = rng.binomial(children, CHILD_UNDER_14_P)
    adults = size - under_14
    # Applicant's age: singles span all ages, parents of young children are younger [E].
    band = rng.choice(3, size=n, p=[0.25, 0.50, 0.25])
    single_age = np.choose(band, [rng.integers(18, 30, n), rng.integers(30, 60, n),
                                  rng.integers(60, 90, n)])
    family_age = np.clip(np.round(rng.normal(39, 9, n)), 19, 75)
    family_age = np.where(under_14 > 0, np.minimum(family_age, 58), family_age)
    age = np.where(size == 1, single_age, family_age).astype(np.int64)
    partner = np.maximum(age + np.round(rng.normal(0, 3, n)).astype(np.int64), 18)
    disability = rng.random(n) < DISABILITY_P + DISABILITY_OLD_EXTRA * (age >= 60)
    return {
        "size": size, "couple": couple, "adults": adults, "children_under_14": under_14,
        "dependants": children, "age": age,
        "ages_sum": np.where(couple, age + partner, age),
        "disability": disability,
        "pmr_need": disability & (rng.random(n) < PMR_AMONG_DISABLED),
        "single_parent": ~couple & (children > 0),
    }


def _situations(rng: np.random.Generator, hh: dict) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Criterion columns of the cotation grid and a standardised latent hardship."""
    n = len(hh["size"])
    status = rng.choice(len(STATUS), size=n, p=STATUS_P)
    mean = STATUS_P @ STATUS_HARDSHIP
    sd = np.sqrt(1.0 + STATUS_P @ (STATUS_HARDSHIP - mean) ** 2)
    hardship = (STATUS_HARDSHIP[status] + rng.normal(size=n) - mean) / sd
    is_ = {name: status == i for i, name in enumerate(STATUS)}
    tenant = is_["social_tenant"] | is_["private_tenant"]
    u = rng.random((6, n))
    crit = {
        "homeless": is_["homeless"], "shelter": is_["shelter"], "hosted": is_["hosted"],
        "eviction": tenant & (u[0] < 0.07),
        "violence": u[1] < 0.015 + 0.03 * (hh["single_parent"] | is_["shelter"]),
        "unfit_housing": (is_["private_tenant"] & (u[2] < 0.08)) | (is_["other"] & (u[2] < 0.05)),
        "overcrowded": (tenant | is_["hosted"]) & (u[3] < 0.06 + 0.10 * (hh["size"] >= 3)),
        "high_rent_burden": (is_["private_tenant"] & (u[4] < 0.25))
        | (is_["social_tenant"] & (u[4] < 0.12)),
        "single_parent": hh["single_parent"],
        "social_tenant": is_["social_tenant"],
    }
    return crit, hardship


def _incomes(rng: np.random.Generator, hh: dict, hardship: np.ndarray,
             year: int) -> dict[str, np.ndarray]:
    n = len(hardship)
    cat = incomes.household_category(hh["size"], hh["dependants"], hh["couple"],
                                     hh["ages_sum"], hh["disability"])
    plus = incomes.ceiling(incomes.PLUS_CEILINGS[incomes.table_year(year)], cat)
    z = -INCOME_HARDSHIP * hardship + np.sqrt(1 - INCOME_HARDSHIP**2) * rng.normal(size=n)
    annual = np.round(plus * INCOME_RATIO_MEDIAN * np.exp(INCOME_SIGMA * z))
    annual = np.where(rng.random(n) < ZERO_INCOME_P, 0.0, annual)
    uc = incomes.consumption_units(hh["adults"], hh["children_under_14"])
    # Current resources include untaxed benefits: at least about the RSA per UC [K].
    floor = incomes.MINIMUM_INCOME * uc * rng.uniform(0.9, 1.3, n)
    monthly = np.round(np.maximum(annual / 12 * rng.lognormal(np.log(1.1), 0.2, n), floor))
    return {"annual_income": annual, "monthly_income": monthly,
            "housing_allowance": incomes.housing_allowance(monthly, hh["couple"],
                                                           hh["dependants"], uc)}


def _publics(rng: np.random.Generator, hh: dict, crit: dict,
             hardship: np.ndarray) -> dict[str, np.ndarray]:
    """Priority (CCH L441-1), DALO, ANRU, mutation and employer-based eligibilities."""
    n = len(hardship)
    raw = (0.04 + 0.55 * crit["homeless"] + 0.50 * crit["shelter"] + 0.60 * crit["violence"]
           + 0.45 * crit["eviction"] + 0.35 * crit["unfit_housing"] + 0.12 * crit["hosted"]
           + 0.25 * hh["disability"] + 0.08 * crit["single_parent"]
           + 0.08 * np.maximum(hardship, 0))
    p = raw
    for _ in range(3):  # rescale so that the expected share hits the target
        p = np.clip(p * PRIORITY_TARGET / p.mean(), 0, 0.97)
    u = rng.random((5, n))
    priority = u[0] < p
    working_age = hh["age"] < 62
    employed = working_age & (u[1] < np.clip(0.45 - 0.2 * hardship, 0.05, 0.9))
    private = employed & (u[2] < 0.70)
    return {
        "priority": priority,
        "dalo": priority & (u[3] < DALO_AMONG_PRIORITY),
        "mutation": crit["social_tenant"].copy(),
        "anru": crit["social_tenant"] & (u[4] < ANRU_AMONG_SOCIAL_TENANTS),
        "private_employee": private,
        "state_agent": employed & ~private & (u[2] > 0.92),
    }


def _wished_communes(rng: np.random.Generator, n: int, profile: Profile) -> np.ndarray:
    """1-3 communes per demand, the first by ``demand_share``, the others nearby."""
    names = np.array(profile.communes, dtype=object)
    c = len(names)
    first = rng.choice(c, size=n, p=profile.demand_share)
    xy = np.asarray(profile.coords_km)
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    logw = np.log(profile.demand_share)[None, :] - dist / profile.wish_distance_km
    np.fill_diagonal(logw, -np.inf)
    others = top_k_without_replacement(rng, logw[first], min(2, c - 1))
    k = rng.choice(4, size=n, p=profile.wish_count_p)
    out = np.where(k > 0, names[first], "")
    for j in range(others.shape[1]):
        out = out + np.where(k > j + 1, ";" + names[others[:, j]], "")
    return out.astype(object)


def _wished_typologies(rng: np.random.Generator, size: np.ndarray,
                       grid: dict[str, list[str]]) -> np.ndarray:
    """Mostly empty (= any adequate); else one or both typologies of the size grid."""
    options = []  # per size 1..6: (single smaller, single larger, both)
    for s in range(1, 7):
        t = grid[str(s)]
        options.append([t[0], t[-1], ";".join(t)])
    table = np.array(options, dtype=object)
    pick = categorical(rng, np.tile([0.3, 0.5, 0.2], (len(size), 1)))
    named = rng.random(len(size)) < WISHED_TYPOLOGY_P
    return np.where(named, table[np.minimum(size, 6) - 1, pick], "").astype(object)
