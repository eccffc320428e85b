"""Household quantities: months of seniority, category, UC, income per UC, Q1."""

import datetime as dt

import numpy as np
import pytest

from builders import default_policy, make_demands
from attribution.models.errors import DataError
from attribution.models.household import (
    consumption_units,
    household_category,
    income_per_uc,
    income_quartiles,
    months_between,
    q1_flags,
    q1_threshold,
    quartile_edges,
)


def months(registered: str, round_date: str) -> int:
    return int(months_between(np.array([registered], dtype="datetime64[D]"),
                              dt.date.fromisoformat(round_date))[0])


@pytest.mark.parametrize("registered, round_date, expected", [
    ("2025-03-01", "2025-03-01", 0),    # same day
    ("2024-03-01", "2025-03-01", 12),   # exactly one year
    ("2024-03-02", "2025-03-01", 11),   # one day short of a year
    ("2025-02-28", "2025-03-01", 0),    # the day before
    ("2025-01-31", "2025-02-28", 0),    # end of month: 31 Jan → 28 Feb is not a month
    ("2025-01-31", "2025-03-01", 1),
    ("2025-01-28", "2025-02-28", 1),
    ("2024-02-29", "2025-02-28", 11),   # 29 February → 28 February of the next year
    ("2024-02-29", "2025-03-01", 12),
    ("2023-02-28", "2024-02-29", 12),   # to a 29 February
    ("2020-12-31", "2025-02-28", 49),   # 12·5 + (2 − 12) − 1
    ("2025-03-02", "2025-03-01", -1),   # after the round date: the formula as written
])
def test_months_between_edge_cases(registered, round_date, expected):
    """Whole calendar months follow 12·Δyear + Δmonth − [day₂ < day₁] exactly."""
    assert months(registered, round_date) == expected


def test_months_between_is_vectorised_and_int64():
    """An array in gives an int64 array of the same length out."""
    out = months_between(np.array(["2025-01-31", "2024-02-29"], dtype="datetime64[D]"),
                         np.datetime64("2025-03-01"))
    assert out.dtype == np.int64 and out.tolist() == [1, 12]


def category(**columns) -> int:
    return int(household_category(make_demands(1, **columns))[0])


def test_category_single_person():
    """One person alone is category 1."""
    assert category(household_size=1) == 1


def test_category_couple_not_young():
    """Two persons, couple with ages summing to 56, is category 2."""
    assert category(household_size=2, adults=2, couple=True, ages_sum=56) == 2


@pytest.mark.parametrize("ages_sum, expected", [(55, 3), (30, 3), (56, 2), (0, 2)])
def test_category_jeune_menage(ages_sum, expected):
    """A couple with 0 < ages_sum ≤ 55 is a jeune ménage (3); 0 means unknown, not young."""
    assert category(household_size=2, adults=2, couple=True, ages_sum=ages_sum) == expected


def test_category_two_persons_not_a_couple_is_2():
    """Two persons who are not a couple stay category 2 even with a low ages_sum."""
    assert category(household_size=2, adults=2, couple=False, ages_sum=40) == 2


def test_category_single_parent_with_dependants():
    """One adult + 1 dependant: max(2, 1 + 2) = 3; + 2 dependants: 4; + 4 dependants: 6."""
    assert category(household_size=2, children_under_14=1, dependants=1) == 3
    assert category(household_size=3, children_under_14=2, dependants=2) == 4
    assert category(household_size=5, children_under_14=4, dependants=4) == 6


def test_category_dependants_do_not_lower_size():
    """Five persons with 1 dependant: max(5, 3) = 5."""
    assert category(household_size=5, adults=4, children_under_14=1, dependants=1) == 5


def test_category_disabled_single_person_is_2():
    """Arrêté of 29 July 1987, annex (category 2): "deux personnes ne comportant aucune
    personne à charge ... ou une personne seule en situation de handicap". Without the
    handicap: 1; with it: max(1, 1 + 1) = 2."""
    assert category(household_size=1) == 1
    assert category(household_size=1, disability=True) == 2


def test_category_disabled_couple_is_3():
    """Arrêté of 29 July 1987 (category 3): "... ou deux personnes dont au moins une est en
    situation de handicap". A couple aged 40 + 45 = 85 is category 2 without the handicap;
    with it max(2, 2 + 1) = 3 — the same as a single parent with one dependant."""
    assert category(household_size=2, adults=2, couple=True, ages_sum=85) == 2
    assert category(household_size=2, adults=2, couple=True, ages_sum=85,
                    disability=True) == 3
    assert category(household_size=2, adults=2, couple=False, disability=True) == 3


def test_category_disabled_jeune_menage_stays_3():
    """Arrêté of 29 July 1987 (category 3): "jeune ménage sans personne à charge" and "deux
    personnes dont au moins une est en situation de handicap" are the same category 3: the
    handicap counts one person more (2 + 1 = 3), not one category more (it was 4)."""
    assert category(household_size=2, adults=2, couple=True, ages_sum=50) == 3
    assert category(household_size=2, adults=2, couple=True, ages_sum=50,
                    disability=True) == 3


def test_category_disabled_single_parent_of_two_stays_3():
    """Arrêté of 29 July 1987 (category 3): "une personne seule avec une personne à charge"
    is already category 3 = max(2, 1 + 2); with a handicap max(3, 2 + 1) = 3: unchanged."""
    assert category(household_size=2, children_under_14=1, dependants=1) == 3
    assert category(household_size=2, children_under_14=1, dependants=1,
                    disability=True) == 3


def test_category_disabled_three_persons_is_4():
    """Arrêté of 29 July 1987 (category 4): "quatre personnes ... ou trois personnes dont
    au moins une est en situation de handicap": three persons without dependants are 3,
    with a handicap max(3, 3 + 1) = 4."""
    assert category(household_size=3, adults=3) == 3
    assert category(household_size=3, adults=3, disability=True) == 4


def test_category_disabled_with_many_dependants():
    """Arrêté of 29 July 1987 (category 6): "six personnes ou une personne seule avec
    quatre personnes à charge ou cinq personnes dont au moins une est en situation de
    handicap". A single parent of five (4 dependants) is max(5, 4 + 2) = 6; with a handicap
    max(6, 5 + 1) = 6 (the old "+1" gave 7). Six persons with 4 dependants: 6, and with a
    handicap max(6, 6 + 1) = 7 (category 6's ceiling + one extra person)."""
    assert category(household_size=5, children_under_14=4, dependants=4) == 6
    assert category(household_size=5, children_under_14=4, dependants=4,
                    disability=True) == 6
    assert category(household_size=6, adults=2, children_under_14=4, dependants=4,
                    disability=True) == 7
    assert category(household_size=5, adults=4, children_under_14=1, dependants=1,
                    disability=True) == 6


def test_category_seven_and_more_persons():
    """Seven persons without dependants is category 7, nine is 9 (no cap at 6)."""
    assert category(household_size=7, adults=7) == 7
    assert category(household_size=9, adults=3, children_under_14=6, dependants=6) == 9


def test_consumption_units_modified_oecd():
    """1 for the first adult, 0.5 per other person ≥ 14, 0.3 per child < 14."""
    d = make_demands(3, adults=[1, 2, 3], children_under_14=[0, 2, 1])
    assert consumption_units(d) == pytest.approx([1.0, 2.1, 2.3])


def test_income_per_uc():
    """12 × monthly income / UC: 1,050 €/month for 2 adults + 2 children = 6,000 €/UC/year."""
    d = make_demands(2, adults=[2, 1], children_under_14=[2, 0], monthly_income=[1050.0, 0.0])
    assert income_per_uc(d) == pytest.approx([6000.0, 0.0])


def test_q1_threshold_auto_is_numpy_percentile_25_linear():
    """Income per UC 0, 1200, 2400, 3600, 4800 (€/year): position 1.0 → 1200;
    with 4 values 0..3600 the position is 0.75 → 900 (linear interpolation)."""
    policy = default_policy(q1_threshold=None)
    five = make_demands(5, monthly_income=[0.0, 100.0, 200.0, 300.0, 400.0])
    four = make_demands(4, monthly_income=[0.0, 100.0, 200.0, 300.0])
    assert q1_threshold(five, policy) == pytest.approx(1200.0)
    assert q1_threshold(four, policy) == pytest.approx(900.0)


def test_q1_threshold_fixed_number_is_used():
    """A number in the policy is the threshold, whatever the demands."""
    policy = default_policy(q1_threshold=9243.0)
    assert q1_threshold(make_demands(3, monthly_income=[1.0, 2.0, 3.0]), policy) == 9243.0


def test_q1_flags_inclusive_at_threshold():
    """Q1 ⇔ income per UC ≤ threshold: equal counts, one euro above does not."""
    policy = default_policy(q1_threshold=1200.0)
    d = make_demands(3, monthly_income=[100.0, 100.0 + 1 / 12, 50.0])
    assert q1_flags(d, policy).tolist() == [True, False, True]


def test_q1_auto_without_demands_is_a_data_error():
    """"auto" on an empty demand file raises a DataError naming demands.csv."""
    empty = make_demands(0)
    with pytest.raises(DataError, match="demands.csv"):
        q1_threshold(empty, default_policy(q1_threshold=None))


def test_q1_flags_explicit_threshold_overrides_policy():
    """A threshold passed explicitly wins over the policy's."""
    policy = default_policy(q1_threshold=0.0)
    d = make_demands(2, monthly_income=[10.0, 1000.0])
    assert q1_flags(d, policy, threshold=1000.0).tolist() == [True, False]


def test_months_between_large_arrays_match_plain_python():
    """Above the lookup-table size, 10,000 random dates (1990..2026, incl. 29 February and
    month ends) give the formula computed in plain Python."""
    rng = np.random.default_rng(3)
    days = rng.integers(np.datetime64("1990-01-01").astype(int),
                        np.datetime64("2026-12-31").astype(int), 10_000)
    dates = days.astype("datetime64[D]")
    round_date = dt.date(2025, 2, 28)
    expected = []
    for d in dates.tolist():
        expected.append(12 * (round_date.year - d.year) + (round_date.month - d.month)
                        - (1 if round_date.day < d.day else 0))
    assert months_between(dates, round_date).tolist() == expected


def test_priority_group_is_priority_or_dalo_on_arrays_and_series():
    """Data contract, Quotas: "a 'priority' attribution is one to a demand with priority
    or dalo true" — the one definition, on the four cases, for numpy and pandas alike."""
    import numpy as np
    import pandas as pd

    from attribution.models.household import priority_group

    p = np.array([False, True, False, True])
    d = np.array([False, False, True, True])
    assert priority_group(p, d).tolist() == [False, True, True, True]
    s = priority_group(pd.Series(p), pd.Series(d.astype(int)))
    assert isinstance(s, pd.Series) and s.tolist() == [False, True, True, True]


def test_income_quartiles_by_hand():
    """Single adults (UC 1): income per UC = 12 × monthly income. Eight demands, threshold
    13,000 €: the median and the 75th percentile computed by hand (linear interpolation)."""
    monthly = [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]
    d = make_demands(8, monthly_income=monthly, adults=[1] * 8, children_under_14=[0] * 8)
    ipu = [12 * m for m in monthly]                  # 6,000 … 48,000
    assert list(income_per_uc(d)) == ipu
    edges = quartile_edges(d, 13_000.0)
    # median of 8 values: between the 4th and 5th (24,000 and 30,000); 75th: index 5.25
    assert edges == (13_000.0, 27_000.0, 36_000.0 + 0.25 * 6_000.0)
    assert income_quartiles(d, edges).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]


def test_income_quartiles_q1_wins_over_a_high_threshold():
    """A fixed threshold above the median: quartile 1 is still exactly the Q1 flag."""
    d = make_demands(4, monthly_income=[500, 1000, 2000, 4000], adults=[1] * 4,
                     children_under_14=[0] * 4)
    edges = quartile_edges(d, 20_000.0)              # median 18,000 < 20,000
    assert income_quartiles(d, edges).tolist() == [1, 1, 3, 4]
