"""Cotation: each term of the score alone, hand-computed, and the breakdown adding up."""

import dataclasses

import numpy as np
import pytest

from builders import default_policy, make_demands, random_territory
from attribution.models.cotation import breakdown, components, score
from attribution.models.errors import DataError
from attribution.models.policy import Cotation, Rubric

ROUND = "2025-03-01"


def policy_with(**grid):
    """The default policy with a cotation grid made only of the given terms."""
    base = dict(points_per_month=0, overdue_months=36, overdue_bonus=0, refusal_malus=0,
                bonus={}, rubrics=())
    base.update(grid)
    return dataclasses.replace(default_policy(), cotation=Cotation(**base))


def test_seniority_points_per_month():
    """2 points per month: 12 months → 24, 0 months → 0."""
    d = make_demands(2, registered_on=["2024-03-01", ROUND])
    assert score(d, policy_with(points_per_month=2)).tolist() == [24, 0]


def test_overdue_bonus_from_overdue_months_inclusive():
    """The bonus applies at months ≥ overdue_months: 35 → 0, 36 → 20, 37 → 20."""
    d = make_demands(3, registered_on=["2022-04-01", "2022-03-01", "2022-02-01"])
    assert score(d, policy_with(overdue_months=36, overdue_bonus=20)).tolist() == [0, 20, 20]


def test_bonus_on_boolean_columns():
    """A bonus adds its points when the column is true: DALO 50, priority 40, both 90."""
    d = make_demands(4, dalo=[True, False, True, False], priority=[False, True, True, False])
    p = policy_with(bonus={"dalo": 50, "priority": 40})
    assert score(d, p).tolist() == [50, 40, 90, 0]


def test_bonus_on_numeric_column_rounds_half_away_from_zero():
    """points × value rounded half away from zero: 5 × 0.5 = 2.5 → 3, 5 × 0.3 → 2,
    5 × 2 → 10, −5 × 0.5 = −2.5 → −3, NaN counts as 0."""
    d = make_demands(5, criteria={"burden": [0.5, 0.3, 2.0, 0.0, np.nan]})
    assert score(d, policy_with(bonus={"burden": 5})).tolist() == [3, 2, 10, 0, 0]
    assert score(d, policy_with(bonus={"burden": -5})).tolist() == [-3, -2, -10, 0, 0]


def test_rubric_only_highest_true_criterion_counts():
    """Homeless (17) and hosted (8) both true → 17; hosted alone → 8; none → 0."""
    rubric = Rubric("current housing", {"homeless": 17, "hosted": 8, "overcrowded": 4})
    d = make_demands(4, criteria={"homeless": [1, 0, 0, 0], "hosted": [1, 1, 0, 0],
                                  "overcrowded": [0, 1, 1, 0]})
    assert score(d, policy_with(rubrics=(rubric,))).tolist() == [17, 8, 4, 0]


def test_rubric_numeric_value_is_true_when_non_zero_and_not_scaling():
    """In a rubric a value of 3 is just "true": the points are not multiplied."""
    rubric = Rubric("r", {"hosted": 8})
    d = make_demands(2, criteria={"hosted": [3.0, 0.0]})
    assert score(d, policy_with(rubrics=(rubric,))).tolist() == [8, 0]


def test_rubric_with_only_negative_points_gives_the_highest_true():
    """A rubric of maluses: the highest (least negative) true criterion counts, 0 if none."""
    rubric = Rubric("m", {"a": -2, "b": -7})
    d = make_demands(3, criteria={"a": [1, 0, 0], "b": [1, 1, 0]})
    assert score(d, policy_with(rubrics=(rubric,))).tolist() == [-2, -7, 0]


def test_rubrics_add_up():
    """Two rubrics each contribute their own highest criterion."""
    rubrics = (Rubric("housing", {"homeless": 17}), Rubric("family", {"violence": 20}))
    d = make_demands(1, criteria={"homeless": [1], "violence": [1]})
    assert score(d, policy_with(rubrics=rubrics)).tolist() == [37]


def test_refusal_malus_per_refusal():
    """10 points off per refusal."""
    d = make_demands(3, refusals=[0, 1, 3])
    assert score(d, policy_with(refusal_malus=10)).tolist() == [0, -10, -30]


def test_full_grid_hand_computed():
    """Default grid, 40 months, DALO, homeless + hosted, single parent, 1 refusal:
    40 + 20 + 50 + 17 + 5 − 10 = 122."""
    d = make_demands(1, registered_on="2021-11-01", dalo=True, refusals=1,
                     criteria={"homeless": [1], "hosted": [1], "overcrowded": [0],
                               "violence": [0], "single_parent": [1]})
    assert score(d, default_policy()).tolist() == [122]


def test_score_is_int64():
    """Scores are integers."""
    assert score(make_demands(2), policy_with(points_per_month=1)).dtype == np.int64


def test_unknown_grid_column_is_a_data_error():
    """A bonus on a column the demands do not have names the policy key."""
    with pytest.raises(DataError, match="cotation.bonus.nope"):
        score(make_demands(1), policy_with(bonus={"nope": 3}))


def test_breakdown_sums_to_score_on_random_demands():
    """For 300 random demands the point columns add up to ``total`` and to ``score``."""
    t = random_territory(11, 300, 1)
    frame = breakdown(t.demands, t.policy)
    assert (frame[components(t.policy)].sum(axis=1) == frame["total"]).all()
    assert frame["total"].tolist() == score(t.demands, t.policy).tolist()


def test_breakdown_of_one_demand_names_the_winning_criterion():
    """The breakdown of the hand-computed demand shows each term and the winner."""
    d = make_demands(2, registered_on="2021-11-01", dalo=[False, True], refusals=1,
                     criteria={"homeless": [0, 1], "hosted": [0, 1], "overcrowded": [0, 0],
                               "violence": [0, 0], "single_parent": [0, 1]})
    row = breakdown(d, default_policy(), idx=1).loc["D000002"]
    assert row["months"] == 40 and row["seniority"] == 40 and row["overdue_bonus"] == 20
    assert row["bonus_dalo"] == 50 and row["bonus_priority"] == 0
    assert row["rubric_current housing"] == 17
    assert row["rubric_current housing_criterion"] == "homeless"
    assert row["rubric_family_criterion"] == "single_parent"
    assert row["refusal_malus"] == -10 and row["total"] == 122


def test_breakdown_tie_names_first_listed_criterion():
    """Equal points: the criterion listed first in the rubric is named."""
    rubric = Rubric("r", {"a": 5, "b": 5})
    d = make_demands(1, criteria={"a": [1], "b": [1]})
    frame = breakdown(d, policy_with(rubrics=(rubric,)))
    assert frame["rubric_r_criterion"].tolist() == ["a"]
    assert frame["rubric_r"].tolist() == [5]


def test_breakdown_no_true_criterion_is_empty_name():
    """No true criterion: 0 points and an empty criterion name."""
    rubric = Rubric("r", {"a": 5})
    frame = breakdown(make_demands(1, criteria={"a": [0]}), policy_with(rubrics=(rubric,)))
    assert frame["rubric_r"].tolist() == [0] and frame["rubric_r_criterion"].tolist() == [""]
