"""Income ceilings: every stored entry against domain.md §6, derived tables, categories > 6."""

import numpy as np
import pytest

from attribution.models.ceilings import (
    available_years,
    ceiling_matrix,
    ceiling_table,
    income_ceilings,
    load_tables,
)
from attribution.models.errors import DataError
from attribution.models.policy import FINANCINGS

# Typed from domain.md §6 and, for 2023, from the arrêté of 27 December 2022 (categories
# 1..6, per extra person).
PLUS = {
    2023: [21878, 29217, 35135, 42417, 49898, 56236, 6273],
    2024: [22642, 30238, 36362, 43899, 51641, 58200, 6492],
    2025: [23201, 30984, 37259, 44982, 52915, 59636, 6652],
    2026: [23403, 31254, 37584, 45374, 53376, 60156, 6710],
}
PLAI_2025 = [12759, 18591, 22356, 24875, 29104, 32800, 3658]
# Arrêté of 18 December 2023, annex II, "autres régions" (typed from the published table).
PLAI_2024 = [12452, 18143, 21818, 24276, 28404, 32010, 3569]
# Arrêté of 27 December 2022, annex II, categories 1..5; 6 and the extra amount are [E].
PLAI_2023 = [12032, 17531, 21082, 23457, 27445, 30929, 3449]
# PLS = round(1.3 × PLUS), typed by hand (52915 × 1.3 = 68789.5 rounds up to 68790).
PLS_2025 = [30161, 40279, 48437, 58477, 68790, 77527, 8648]
PLS_2024 = [29435, 39309, 47271, 57069, 67133, 75660, 8440]
PLS_2026 = [30424, 40630, 48859, 58986, 69389, 78203, 8723]


@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_plus_every_entry(year):
    """Every PLUS entry equals the figure of domain.md §6."""
    assert ceiling_table(year, "PLUS").tolist() == PLUS[year]


def test_plai_2025_every_entry():
    """Every PLAI 2025 entry equals the figure of domain.md §6 (5, 6, extra are [E])."""
    assert ceiling_table(2025, "PLAI").tolist() == PLAI_2025


def test_plai_2024_as_published():
    """Arrêté of 18 December 2023, annex II ("ménages qui rencontrent des difficultés
    d'insertion particulières"), autres régions: 12,452 ... 32,010, + 3,569."""
    assert ceiling_table(2024, "PLAI").tolist() == PLAI_2024


def test_plai_2023_as_published_and_estimates_derived():
    """Arrêté of 27 December 2022, annex II, autres régions, categories 1-5 as published;
    category 6 and the extra amount are PLAI 2022 (29,886; 3,333) × 1.0349, rounded."""
    assert ceiling_table(2023, "PLAI").tolist() == PLAI_2023
    assert PLAI_2023[5:] == [round(29886 * 1.0349), round(3333 * 1.0349)]


def test_published_plai_2025_follows_2024_revaluation():
    """The published PLAI 2025 categories 1-4 are the sourced 2024 ones × 1.0247 (IRL Q3
    2024, +2.47 %) truncated to the euro: the two sourced years agree."""
    assert PLAI_2025[:4] == [int(v * 1.0247) for v in PLAI_2024[:4]]


def test_plai_2026_is_2025_times_1_0087_rounded():
    """PLAI 2026 = round(PLAI 2025 × 1.0087), the rate observed on PLUS 2025 → 2026."""
    expected = [12870, 18753, 22550, 25091, 29357, 33085, 3690]
    assert ceiling_table(2026, "PLAI").tolist() == expected
    assert expected == [int(np.floor(v * 1.0087 + 0.5)) for v in PLAI_2025]


def test_pls_2023_matches_published_figures():
    """logementsocial69.fr publishes PLS 2023 (arrêté of 27 December 2022) for categories
    1-5: 28,441 / 37,982 / 45,676 / 55,142 / 64,867 — round(1.3 × PLUS) gives the same."""
    assert ceiling_table(2023, "PLS").tolist()[:5] == [28441, 37982, 45676, 55142, 64867]


@pytest.mark.parametrize("year, expected", [(2024, PLS_2024), (2025, PLS_2025), (2026, PLS_2026)])
def test_pls_is_round_1_3_plus_entry_by_entry(year, expected):
    """PLS = round(1.3 × PLUS) for every entry, the per-extra-person amount included."""
    assert ceiling_table(year, "PLS").tolist() == expected


def test_plai_a_uses_plai_table():
    """PLAI-A shares the PLAI table, every year."""
    for year in available_years():
        assert ceiling_table(year, "PLAI-A").tolist() == ceiling_table(year, "PLAI").tolist()


def test_estimated_entries_are_marked():
    """Only the figures not found are marked estimated: PLAI 2023 category 6 and extra,
    PLAI 2025 categories 5-6 and extra, PLAI 2026 entirely; every PLUS year is sourced."""
    tables = load_tables()
    assert tables[(2023, "PLAI")].estimated_categories == (6,)
    assert tables[(2025, "PLAI")].estimated_categories == (5, 6)
    assert tables[(2023, "PLAI")].extra_person_estimated
    assert tables[(2025, "PLAI")].extra_person_estimated
    assert tables[(2026, "PLAI")].status == "estimated"
    assert tables[(2024, "PLAI")].status == "sourced"
    assert not tables[(2024, "PLAI")].estimated_categories
    for year in (2023, 2024, 2025, 2026):
        assert tables[(year, "PLUS")].status == "sourced"
    assert all(t.source for t in tables.values())


def test_available_years():
    """The shipped years are 2023 (a 2023 bilan can be replayed) to 2026."""
    assert available_years() == (2023, 2024, 2025, 2026)


def test_unknown_year_lists_years_and_names_policy_key():
    """A year without a table is a DataError naming the key and the years available."""
    with pytest.raises(DataError) as err:
        ceiling_table(2019, "PLUS")
    problem = err.value.problems[0]
    assert problem.file == "policy.toml" and problem.column == "territory.ceilings_year"
    assert "2023, 2024, 2025, 2026" in problem.message and "2019" in problem.message


def test_income_ceilings_categories_7_and_8():
    """Category 7 = category 6 + 1 extra; 8 = category 6 + 2 extras (PLUS, PLAI, PLS 2025)."""
    plus, plai, pls = FINANCINGS.index("PLUS"), FINANCINGS.index("PLAI"), FINANCINGS.index("PLS")
    got = income_ceilings(2025, np.array([plus, plus, plai, pls]), np.array([7, 8, 7, 8]))
    assert got.tolist() == [59636 + 6652, 59636 + 2 * 6652, 32800 + 3658, 77527 + 2 * 8648]


def test_income_ceilings_vectorised_over_all_pairs():
    """Broadcasting financings × categories 1..6 gives the ceiling matrix itself."""
    got = income_ceilings(2024, np.arange(4)[:, None], np.arange(1, 7)[None, :])
    assert (got == ceiling_matrix(2024)[:, :6]).all()


def test_financing_code_and_name_agree():
    """A financing may be given by name or by its code in FINANCINGS."""
    assert ceiling_table(2025, 3).tolist() == ceiling_table(2025, "PLS").tolist()
