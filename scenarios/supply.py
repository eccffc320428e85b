"""Units freed each month (turnover), drawn from the template stock of :mod:`scenarios.base`.

Each round draws Poisson(``units_per_month``) units with replacement from the templates
(every column copied, a new id ``M{month}-{n}``, available within 30 days of the round).
CARENE let 1,377 units in 2023 [S], about 115 a month: the default mean.

With a ``financing_mix`` (e.g. more PLAI-A supply) the financing of each unit is drawn
first from the mix, then a template of that financing; a financing absent from the
templates borrows the templates of its neighbour (PLAI-A ↔ PLAI, PLS ↔ PLUS), with the
rent scaled by the ratio of the generator's rents per m² (PLAI-A/PLAI = 0.92 [E],
PLS/PLUS = 1.56 [E]; see ``models/generator/units.py``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from attribution.models.errors import DataError, Problem
from attribution.models.i18n import _
from attribution.models.policy import FINANCINGS, Policy
from attribution.models.territory import Units

from .rows import renamed, take, with_columns

#: Financing → (neighbour whose templates it borrows, rent factor applied) [E].
BORROW = {"PLAI-A": ("PLAI", 4.6 / 5.0), "PLAI": ("PLAI-A", 5.0 / 4.6),
          "PLS": ("PLUS", 8.4 / 5.4), "PLUS": ("PLS", 5.4 / 8.4)}


def recode(units: Units, source: Policy, target: Policy, file: str = "units") -> Units:
    """``units`` coded against ``source``'s names, re-coded against ``target``'s names."""
    changes, problems = {}, []
    for column, old, new in (("landlord", source.landlords, target.landlords),
                             ("commune", source.territory.communes, target.territory.communes),
                             ("reservataire", source.reservataire_ids, target.reservataire_ids)):
        if tuple(old) == tuple(new):
            continue
        lookup = np.array([new.index(n) if n in new else -2 for n in old] + [-1], dtype=np.int64)
        codes = lookup[np.asarray(getattr(units, column))]   # -1 (none) maps to the last slot
        missing = sorted({old[c] for c, v in zip(getattr(units, column), codes) if v == -2})
        if missing:
            problems.append(Problem(file, None, column, _(
                "Expected names of the scenario's policy; got '{name}', which it does not "
                "know.").format(name=missing[0])))
        changes[column] = codes
    if problems:
        raise DataError(problems)
    return with_columns(units, **changes) if changes else units


def draw_units(templates: Units, mean: float, mix: dict[str, float] | None, k: int,
               round_date: dt.date, rng: np.random.Generator) -> Units:
    """The units freed before round ``k`` (see the module docstring)."""
    n = int(rng.poisson(mean))
    if mix is None:
        picked = take(templates, rng.integers(0, len(templates), n))
        rent = picked.rent
        financing = picked.financing
    else:
        wanted = rng.choice(len(FINANCINGS), n, p=[mix.get(f, 0.0) for f in FINANCINGS])
        index = np.zeros(n, dtype=np.int64)
        factor = np.ones(n)
        for code, name in enumerate(FINANCINGS):
            slots = np.flatnonzero(wanted == code)
            pool = np.flatnonzero(templates.financing == code)
            if len(slots) and not len(pool):
                other, factor[slots] = BORROW[name]
                pool = np.flatnonzero(templates.financing == FINANCINGS.index(other))
            if len(slots) and not len(pool):
                raise DataError([Problem("scenario", None, "supply.financing_mix", _(
                    "Expected template units of {name} or {other} to draw from; the base has "
                    "none.").format(name=name, other=BORROW[name][0]))])
            index[slots] = pool[rng.integers(0, max(len(pool), 1), len(slots))]
        picked = take(templates, index)
        rent = np.round(picked.rent * factor, 2)
        financing = wanted.astype(np.int64)
    available = np.datetime64(round_date, "D") + rng.integers(0, 31, n).astype("timedelta64[D]")
    picked = with_columns(picked, rent=rent, financing=financing,
                          available_on=available.astype("datetime64[D]"))
    return renamed(picked, f"M{k:02d}-")
