"""The commission agenda: every unit of the round, landlord by landlord, its shortlist in
rank order, and for each candidate facts that must agree with the eligibility rules (a
candidate is compatible: income within the unit's ceiling, rent burden within the
maximum)."""

import pytest

import milp_reference
from builders import random_territory
from attribution.models.compatibility import build_problem
from attribution.reporting.tables.agenda import agenda_table, render_agenda
from attribution.reporting.results import compute


@pytest.fixture(scope="module")
def computed():
    problem = build_problem(random_territory(17, 120, 14))
    return problem, compute(problem, milp_reference.solve(problem), solve=None, params=None,
                            seed=0)


def test_every_unit_has_its_page_and_its_shortlist(computed):
    problem, c = computed
    agenda, shortlists = c.tables["agenda"], c.tables["shortlists"]
    assert set(agenda["unit_id"]) == set(problem.territory.units.ids)
    cands = agenda[agenda["demand_id"] != ""]
    assert len(cands) == len(shortlists)
    for unit, rows in cands.groupby("unit_id"):
        ranks = rows["rank"].astype(int).tolist()
        assert ranks == sorted(ranks) == list(range(1, len(ranks) + 1))
        sl = shortlists[shortlists["unit_id"] == unit].sort_values("rank")
        assert rows["demand_id"].tolist() == sl["demand_id"].tolist()
        assert len(rows) >= min(3, int(sl["eligible_candidates"].iloc[0]))
    landlords = agenda["landlord"].tolist()
    assert landlords == sorted(landlords, key=landlords.index)   # grouped by landlord


def test_candidate_facts_agree_with_eligibility(computed):
    """Every candidate is compatible, so income ≤ ceiling and rent burden ≤ maximum;
    household composition is the demand's."""
    problem, c = computed
    cands = c.tables["agenda"][c.tables["agenda"]["demand_id"] != ""]
    d = problem.territory.demands
    idx = {k: i for i, k in enumerate(d.ids)}
    assert (cands["annual_income"] <= cands["income_ceiling"]).all()
    assert (cands["income_to_ceiling"].dropna() <= 1 + 1e-12).all()
    limit = problem.territory.policy.eligibility.max_rent_burden
    assert (cands["rent_burden"].dropna() <= limit + 1e-9).all()
    for r in cands.itertuples():
        i = idx[r.demand_id]
        assert (r.household_size, r.adults, r.children_under_14) == (
            d.household_size[i], d.adults[i], d.children_under_14[i])
        assert r.score == problem.scores[i]


def test_a_unit_without_candidates_still_gets_a_page(computed):
    problem, c = computed
    sl = c.tables["shortlists"]
    one = sl["unit_id"].iloc[0]
    agenda = agenda_table(problem, sl[sl["unit_id"] != one], c.tables["decisions"])
    row = agenda[agenda["unit_id"] == one]
    assert len(row) == 1 and row["demand_id"].iloc[0] == ""
    page = render_agenda(agenda, {"territory": "T", "round_date": "2025-03-01"})
    assert page.count('<section class="unit">') == len(problem.territory.units)
    assert "Aucun candidat éligible" in page
    assert "01/03/2025" in page and 'lang="fr"' in page
