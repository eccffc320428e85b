"""Reference money figures the generator calibrates incomes on (domain.md §6).

These few figures are hard-coded for calibration only; the solver reads its ceilings from
the data table ``models/data/ceilings.toml``. The household category and the UC follow
the normative semantics of the data contract.
"""

from __future__ import annotations

import numpy as np

# Annual income ceilings, zone "autres régions", categories 1..6 then the per-extra-person
# amount [S domain.md §6: arrêtés of 27 Dec 2022, 18 Dec 2023, 23 Dec 2024, 19 Dec 2025].
PLUS_CEILINGS: dict[int, tuple[int, ...]] = {
    2023: (21878, 29217, 35135, 42417, 49898, 56236, 6273),
    2024: (22642, 30238, 36362, 43899, 51641, 58200, 6492),
    2025: (23201, 30984, 37259, 44982, 52915, 59636, 6652),
    2026: (23403, 31254, 37584, 45374, 53376, 60156, 6710),
}
# PLAI 2025 [S for categories 1-4, E for 5, 6 and the extra amount].
PLAI_2025: tuple[int, ...] = (12759, 18591, 22356, 24875, 29104, 32800, 3658)

#: Minimum monthly resources of a single adult (about the RSA, 2025) [K].
MINIMUM_INCOME = 640.0


def table_year(year: int) -> int:
    """The closest year that has a PLUS table (the tables cover 2023-2026)."""
    return min(max(year, min(PLUS_CEILINGS)), max(PLUS_CEILINGS))


def household_category(size: np.ndarray, dependants: np.ndarray, couple: np.ndarray,
                       ages_sum: np.ndarray, disability: np.ndarray) -> np.ndarray:
    """Household category of the arrêté of 29 July 1987, per the data contract (a disabled
    member counts one person more: ``max(category, size + 1)``)."""
    young = couple & (ages_sum > 0) & (ages_sum <= 55)
    plain = np.where(size == 1, 1, np.where((size == 2) & young, 3, size))
    cat = np.where(dependants > 0, np.maximum(size, dependants + 2), plain)
    return np.where(np.asarray(disability, dtype=bool), np.maximum(cat, size + 1), cat)


def ceiling(table: tuple[int, ...], category: np.ndarray) -> np.ndarray:
    """Ceiling per household for a table ``(cat1..cat6, extra)``; above 6 adds ``extra``."""
    base = np.asarray(table[:6], dtype=np.float64)
    cat = np.asarray(category)
    return base[np.clip(cat, 1, 6) - 1] + np.maximum(cat - 6, 0) * table[6]


def consumption_units(adults: np.ndarray, children_under_14: np.ndarray) -> np.ndarray:
    """Modified OECD scale: 1 + 0.5 per other person aged 14+ + 0.3 per child under 14."""
    return 1.0 + 0.5 * (adults - 1) + 0.3 * children_under_14


def housing_allowance(monthly_income: np.ndarray, couple: np.ndarray,
                      dependants: np.ndarray, uc: np.ndarray) -> np.ndarray:
    """Expected monthly housing allowance, a simplified APL of zone 3 [E].

    ``ceiling rent + flat-rate charges - personal share``, the personal share being
    38 € + 30 % of resources above 350 €/UC. Close enough to the real scale to make rent
    burdens plausible; not the CAF formula.
    """
    rent_cap = np.where(dependants > 0, 347.0 + 50.0 * np.maximum(dependants - 1, 0),
                        np.where(couple, 308.0, 254.0))
    charges = 57.0 + 13.0 * dependants
    personal = 38.0 + 0.30 * np.maximum(monthly_income - 350.0 * uc, 0.0)
    return np.maximum(np.round(rent_cap + charges - personal), 0.0)
