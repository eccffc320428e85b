"""Income ceilings by year, financing and household category, read from data.

The tables live in ``models/data/ceilings.toml`` (one table per year and financing, each
with its source and its estimated entries marked); nothing here hard-codes a figure.
Derived tables follow the data contract:

- PLS = round(1.3 × PLUS), entry by entry, the per-extra-person amount included. The
  rounding is half away from zero, computed exactly in integers: ``(13·PLUS + 5) // 10``.
- PLAI-A uses the PLAI table.

A table row has seven entries: categories 1..6 then the per-extra-person amount; a
category ``k > 6`` has ceiling ``row[5] + (k − 6) · row[6]``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import DataError, Problem
from .policy import FINANCINGS

DEFAULT_PATH = Path(__file__).parent / "data" / "ceilings.toml"
#: Financings stored in the data file; the two others are derived from them.
STORED = ("PLUS", "PLAI")


@dataclass(frozen=True)
class CeilingTable:
    """One stored table: ``values`` = categories 1..6 then the per-extra-person amount."""

    year: int
    financing: str
    values: tuple[int, ...]
    status: str
    source: str
    estimated_categories: tuple[int, ...] = ()
    extra_person_estimated: bool = False


@lru_cache(maxsize=8)
def load_tables(path: Path = DEFAULT_PATH) -> dict[tuple[int, str], CeilingTable]:
    """Read and check a ceilings file.

    Parameters
    ----------
    path
        A TOML file shaped like ``models/data/ceilings.toml``.

    Returns
    -------
    dict
        ``(year, financing) -> CeilingTable`` for the stored financings (PLUS, PLAI).
    """
    name = path.name
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    tables: dict[tuple[int, str], CeilingTable] = {}
    problems = []
    for i, t in enumerate(raw.get("table", [])):
        key = f"table[{i}]"
        try:
            cats = tuple(int(v) for v in t["categories"])
            table = CeilingTable(int(t["year"]), str(t["financing"]),
                                 cats + (int(t["extra_person"]),), str(t["status"]),
                                 str(t["source"]), tuple(t.get("estimated_categories", ())),
                                 bool(t.get("extra_person_estimated", False)))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(Problem(name, None, key, f"expected year, financing, status, "
                                    f"source, 6 categories and extra_person; got error {exc}."))
            continue
        if table.financing not in STORED or len(cats) != 6 or min(table.values) <= 0:
            problems.append(Problem(name, None, key, f"expected financing in {STORED} and 6 "
                                    f"positive categories; got {table.financing} {cats}."))
        elif (table.year, table.financing) in tables:
            problems.append(Problem(name, None, key, f"duplicate table for {table.year} "
                                    f"{table.financing}."))
        else:
            tables[(table.year, table.financing)] = table
    if problems:
        raise DataError(problems)
    return tables


def available_years(path: Path = DEFAULT_PATH) -> tuple[int, ...]:
    """Years for which every financing has a ceiling (both PLUS and PLAI are stored)."""
    tables = load_tables(path)
    years = {y for (y, _) in tables}
    return tuple(sorted(y for y in years if all((y, f) in tables for f in STORED)))


def _check_year(year: int, path: Path) -> None:
    years = available_years(path)
    if year not in years:
        raise DataError([Problem(
            "policy.toml", None, "territory.ceilings_year",
            f"expected a year with an income-ceiling table, one of "
            f"{', '.join(map(str, years))}; got {year}.")])


def ceiling_table(year: int, financing: str | int, path: Path = DEFAULT_PATH) -> np.ndarray:
    """Ceilings of one year and financing.

    Parameters
    ----------
    year
        The policy's ``territory.ceilings_year``.
    financing
        ``"PLAI"``, ``"PLAI-A"``, ``"PLUS"``, ``"PLS"`` or its code in ``FINANCINGS``.

    Returns
    -------
    numpy.ndarray
        int64, shape (7,): categories 1..6 then the per-extra-person amount.

    Raises
    ------
    DataError
        When ``year`` has no table (the message lists the years available).
    """
    name = FINANCINGS[financing] if isinstance(financing, (int, np.integer)) else financing
    if name not in FINANCINGS:
        raise ValueError(f"The 'financing' parameter of ceiling_table must be one of "
                         f"{FINANCINGS}; got {financing!r} instead.")
    _check_year(year, path)
    tables = load_tables(path)
    if name == "PLS":
        plus = np.array(tables[(year, "PLUS")].values, dtype=np.int64)
        return (13 * plus + 5) // 10
    base = "PLAI" if name in ("PLAI", "PLAI-A") else "PLUS"
    return np.array(tables[(year, base)].values, dtype=np.int64)


def ceiling_matrix(year: int, path: Path = DEFAULT_PATH) -> np.ndarray:
    """All financings of one year: int64 array (len(FINANCINGS), 7), rows in FINANCINGS order."""
    return np.stack([ceiling_table(year, f, path) for f in FINANCINGS])


def income_ceilings(year: int, financing_codes: np.ndarray, categories: np.ndarray,
                    path: Path = DEFAULT_PATH) -> np.ndarray:
    """Ceiling of each (financing, household category) pair, vectorised.

    Parameters
    ----------
    year
        Ceilings year.
    financing_codes
        int array of codes into ``FINANCINGS``; broadcast against ``categories``.
    categories
        int array of household categories (≥ 1); above 6, category 6's ceiling plus
        ``(category − 6)`` times the per-extra-person amount.

    Returns
    -------
    numpy.ndarray
        int64 ceilings, broadcast shape of the two inputs.
    """
    m = ceiling_matrix(year, path)
    f = np.asarray(financing_codes, dtype=np.int64)
    k = np.asarray(categories, dtype=np.int64)
    capped = np.clip(k, 1, 6) - 1
    return m[f, capped] + np.maximum(k - 6, 0) * m[f, 6]
