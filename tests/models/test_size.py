"""models.size: the graph's size estimated before it is built, and the memory guard."""

import pytest

from attribution.models.compatibility import build_graph
from attribution.models.generator import write_territory
from attribution.models.io.readers import load_territory
from attribution.models.size import (BASE_BYTES, BYTES_PER_ARC, RoundTooLarge, check_memory,
                                     default_budget, estimate_size)

#: these tests check the English source text of the messages (--lang en)
pytestmark = pytest.mark.usefixtures("english_messages")


@pytest.fixture(scope="module")
def territory(tmp_path_factory):
    path = tmp_path_factory.mktemp("t") / "territory"
    write_territory(path, 7, 2_000, 400)
    return load_territory(path)


def test_small_rounds_are_counted_exactly(territory):
    """At most `sample` units: the real graph is built and counted."""
    est = estimate_size(territory, sample=len(territory.units))
    assert est.exact and est.arcs == len(build_graph(territory))
    assert est.bytes >= BASE_BYTES + BYTES_PER_ARC * est.arcs


@pytest.mark.parametrize("seed", range(3))
def test_a_sample_estimates_the_arcs(territory, seed):
    """A quarter of the units sampled: within 20 % of the real count (sampling error of
    ~100 units, arcs per unit vary by commune), reproducible for a seed."""
    actual = len(build_graph(territory))
    est = estimate_size(territory, sample=100, seed=seed)
    assert not est.exact and est.sampled_units == 100
    assert abs(est.arcs - actual) <= 0.2 * actual
    assert estimate_size(territory, sample=100, seed=seed) == est


def test_the_guard_refuses_beyond_the_budget_and_says_how_to_split(territory):
    est = estimate_size(territory)
    assert check_memory(territory, est.bytes) == est            # exactly at the budget: ok
    with pytest.raises(RoundTooLarge) as err:
        check_memory(territory, est.bytes - 1)
    text = str(err.value)
    assert f"{est.units:,} units × {est.demands:,} demands" in text
    for words in ("by commune", "by landlord", "--max-memory", "Split the round"):
        assert words in text


def test_the_default_budget_is_a_share_of_the_memory_available():
    import psutil

    assert 0 < default_budget() <= psutil.virtual_memory().total
