"""report.html: self-contained, and it renders in headless Chromium (skipped without it)."""

import subprocess
from pathlib import Path

import pytest

import milp_reference
from factories import random_territory
from attribution.models.compatibility import build_problem
from attribution.reporting.results import compute

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def page():
    problem = build_problem(random_territory(41, 150, 8))
    return compute(problem, milp_reference.solve(problem), solve=None, params=None,
                   seed=0).html


def test_page_has_every_section_and_no_external_resource(page):
    """Summary, the four breakdowns, quotas, outcomes, scores, shortlists; no script, no
    link, no remote image or font."""
    for heading in ("summary", "attributions by commune", "inside and outside QPV",
                    "by réservataire", "by income quartile", "each quota against its target",
                    "outcome of every demand", "score distributions", "shortlists"):
        assert heading in page
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
