"""report.html: self-contained, and it renders in headless Chromium (skipped without it)."""

import subprocess
from pathlib import Path

import pytest

import milp_reference
from attribution.models.i18n import language
from attribution.reporting.results import compute

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def page(report_round):
    problem = report_round
    return compute(problem, milp_reference.solve(problem), solve=None, params=None,
                   seed=0).html


def test_page_has_every_section_and_no_external_resource(page, report_round):
    """Summary, the breakdowns (landlord and réservataire with DALO apart), quotas,
    outcomes, scores, shortlists — in French by default, in English on request; no script,
    no link, no remote image or font, no internal quota name."""
    assert '<html lang="fr">' in page
    for heading in ("Synthèse", "Attributions par commune", "En QPV et hors QPV",
                    "Par bailleur", "Par réservataire", "Par quartile de revenu",
                    "Chaque quota face à son objectif", "Décision pour chaque demande",
                    "Distribution des cotations", "Listes de candidats (CCH R441-3)"):
        assert f"<h2>{heading}</h2>" in page, heading
    assert "Autres ménages prioritaires" in page and "<th>DALO</th>" in page
    assert "flow[" not in page and "spatial[" not in page and "priority_min" not in page
    assert "re-solves" not in page             # developer detail stays in the log
    problem = report_round
    with language("en"):
        english = compute(problem, milp_reference.solve(problem), solve=None, params=None,
                          seed=0).html
    assert '<html lang="en">' in english
    for heading in ("Summary", "Attributions by commune", "By landlord", "By réservataire",
                    "Each quota against its target", "Outcome of every demand"):
        assert f"<h2>{heading}</h2>" in english, heading
    lowered = page.lower()
    for forbidden in ("<script", "<link", "src=", "@import", "url("):
        assert forbidden not in lowered


def test_the_page_renders_in_headless_chromium(page, tmp_path, chromium_path):
    """docs/render_report.sh produces a non-trivial PNG screenshot, offline."""
    (tmp_path / "report.html").write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(["bash", str(ROOT / "docs" / "render_report.sh"), str(tmp_path), str(shot),
                    "1000", "2000"], check=True, capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
