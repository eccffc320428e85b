"""Similar demands: segment keys, rank with its tie-breaks, distribution, typical wait."""

import numpy as np
import pytest

from builders import COMMUNES, default_policy, make_demands, random_territory
from attribution.models.cotation import score
from attribution.models.segments import segment_keys, segment_table, similar_demands, similar_ranks


def wish(*codes):
    row = np.zeros(len(COMMUNES), dtype=bool)
    row[list(codes)] = True
    return row


def test_segment_keys_size_class_and_main_commune():
    """Size 8 is class 6; the main commune is the first wished one in policy order;
    all communes, or none (an empty list), is "any" (-1)."""
    d = make_demands(4, household_size=[1, 8, 2, 3], adults=[1, 8, 2, 3],
                     wished_communes=np.stack([wish(3, 1), wish(5), np.ones(10, bool),
                                               np.zeros(10, bool)]))
    size_class, main = segment_keys(d, default_policy())
    assert size_class.tolist() == [1, 6, 2, 3]
    assert main.tolist() == [1, 5, -1, -1]


def test_rank_by_score_then_registration_then_id():
    """Same segment: score 10 first; the two 5s by earlier registration; the two last
    tie on score and date and are ordered by demand_id."""
    d = make_demands(5, registered_on=["2024-01-01", "2023-01-01", "2024-01-01", "2024-06-01",
                                       "2024-06-01"],
                     ids=np.array(["D5", "D4", "D3", "D2", "D1"], dtype=object))
    scores = np.array([5, 5, 10, 1, 1])
    assert similar_ranks(d, default_policy(), scores).tolist() == [3, 2, 1, 5, 4]


def test_ranks_are_per_segment():
    """Two segments (different main commune) each rank from 1."""
    d = make_demands(4, wished_communes=np.stack([wish(0), wish(1), wish(0), wish(1)]))
    ranks = similar_ranks(d, default_policy(), np.array([1, 2, 3, 4]))
    assert ranks.tolist() == [2, 2, 1, 1]


def test_distribution_and_typical_wait_hand_computed():
    """Scores 0, 10, 20, 30 → quartiles 7.5, 15, 22.5 (linear); seniority 0, 12, 24, 36
    months → typical wait 18."""
    d = make_demands(4, registered_on=["2025-03-01", "2024-03-01", "2023-03-01", "2022-03-01"])
    table = segment_table(d, default_policy(), np.array([0, 10, 20, 30]))
    row = table.loc[(1, "any")]
    assert row["demands"] == 4 and row["score_min"] == 0 and row["score_max"] == 30
    assert (row["score_q1"], row["score_median"], row["score_q3"]) == (7.5, 15.0, 22.5)
    assert row["typical_wait_months"] == 18.0


def test_similar_demands_keeps_demand_order_and_joins_segment_figures():
    """Rows follow the demands; each carries its own segment's figures."""
    d = make_demands(3, wished_communes=np.stack([wish(1), wish(0), wish(1)]))
    frame = similar_demands(d, default_policy(), np.array([4, 7, 9]))
    assert frame.index.tolist() == ["D000001", "D000002", "D000003"]
    assert frame["commune"].tolist() == ["Pornichet", "Saint-Nazaire", "Pornichet"]
    assert frame["demands"].tolist() == [2, 1, 2]
    assert frame["score_median"].tolist() == [6.5, 7.0, 6.5]


def test_ranks_form_a_permutation_in_each_segment_and_follow_scores():
    """On 500 random demands each segment's ranks are 1..n and scores never increase with
    rank (checked independently with plain Python)."""
    t = random_territory(4, 500, 1)
    scores = np.random.default_rng(0).integers(0, 30, 500)   # many ties
    frame = similar_demands(t.demands, t.policy, scores)
    for _, seg in frame.groupby(["size_class", "commune"]):
        assert sorted(seg["rank"]) == list(range(1, len(seg) + 1))
        by_rank = seg.sort_values("rank")
        assert (np.diff(by_rank["score"].to_numpy()) <= 0).all()


def test_scores_default_to_cotation():
    """Without scores, the cotation score of the policy is used."""
    t = random_territory(8, 50, 1)
    frame = similar_demands(t.demands, t.policy)
    assert frame["score"].tolist() == score(t.demands, t.policy).tolist()


def test_segment_table_counts_add_up():
    """Segment sizes add up to the number of demands."""
    t = random_territory(9, 200, 1)
    assert segment_table(t.demands, t.policy)["demands"].sum() == 200


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_inputs(n):
    """No demand or a single one: empty table or rank 1."""
    frame = similar_demands(make_demands(n), default_policy(), np.zeros(n, dtype=np.int64))
    assert frame["rank"].tolist() == [1] * n
