"""attribution explain: one applicant's explanation read back from a results folder."""

import pandas as pd
import pytest
from click.testing import CliRunner

import milp_reference
from attribution.cli import main
from attribution.models.i18n import language
from attribution.reporting.text.explain import UnknownDemand, explain
from attribution.reporting.text.labels import OUTCOMES
from attribution.reporting.results import run
from attribution.reporting.analysis.shortlists import ShortlistParams


@pytest.fixture(scope="module")
def results(tmp_path_factory, small_round):
    problem = small_round
    out = tmp_path_factory.mktemp("x") / "results"
    run(problem, out, params=None, solve=milp_reference.solve, price_quotas="never",
        options=ShortlistParams(exact="never"))
    return out, pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)


def test_every_outcome_is_explained_in_both_languages(results):
    """For one demand of each outcome, in French (default) and in English: the label, the
    reason (French: the motif of decisions.csv verbatim), the score, the rank among
    similar demands and the algorithm notice."""
    out, dec = results
    seen = 0
    for outcome, group in dec.groupby("outcome"):
        row = group.iloc[0]
        text = explain(out, row["demand_id"])
        fr, en = OUTCOMES[outcome]
        assert f"Demande {row['demand_id']}" in text and fr in text
        assert row["motif"] in text
        assert f"Cotation\u00a0: {row['score']} points" in text
        assert f"Rang\u00a0: {row['rank_in_segment']} sur {row['segment_size']}" in text
        assert "algorithmique" in text
        with language("en"):
            english = explain(out, row["demand_id"])
        assert f"Demand {row['demand_id']}" in english and en in english
        assert f"Score: {row['score']} points" in english
        assert f"Rank: {row['rank_in_segment']} of {row['segment_size']}" in english
        assert "algorithm" in english and "algorithmique" not in english
        seen += 1
    assert seen >= 3


def test_breakdown_lines_match_the_parts(results):
    """One printed line per non-zero score part."""
    out, dec = results
    row = dec[dec["score_breakdown"].str.count(";") >= 1].iloc[0]
    text = explain(out, row["demand_id"])
    assert "ancienneté" in text
    n_parts = len([p for p in row["score_breakdown"].split(";") if p])
    block = text.split("points\n", 1)[1].split("\n\n", 1)[0]
    assert len(block.splitlines()) == n_parts


def test_a_housed_demand_sees_its_shortlist_rank(results):
    out, dec = results
    row = dec[dec["outcome"] == "housed"].iloc[0]
    assert f"logement {row['unit_id']} : rang 1" in explain(out, row["demand_id"])


def test_unknown_demand_and_non_results_folder(results, tmp_path):
    out, _ = results
    with pytest.raises(UnknownDemand, match="pas de demande « NOPE »"):
        explain(out, "NOPE")
    with pytest.raises(UnknownDemand, match="doit être un dossier de résultats"):
        explain(tmp_path, "D000001")
    with language("en"), pytest.raises(UnknownDemand, match="has no demand 'NOPE'"):
        explain(out, "NOPE")


def test_cli_prints_and_exits_2_on_unknown(results):
    """The command prints the explanation (exit 0) or a usage error (exit 2), no traceback."""
    out, dec = results
    ok = CliRunner().invoke(main, ["explain", str(out), dec["demand_id"].iloc[0]])
    assert ok.exit_code == 0 and "Décision\u00a0:" in ok.output
    bad = CliRunner().invoke(main, ["explain", str(out), "NOPE", "--lang", "en"])
    assert bad.exit_code == 2 and "has no demand 'NOPE'" in bad.output
    assert "Traceback" not in bad.output
