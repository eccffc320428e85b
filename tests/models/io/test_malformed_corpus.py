"""A corpus of malformed territories run through ``attribution validate``.

Each case starts from the tiny valid territory (``builders.write_tiny_territory``), applies
one defect, and checks: exit code 1, no traceback, and a message on stderr naming the file,
the row and the column (or the policy key) concerned. The last case stacks many defects
at once. The untouched territory passes (exit 0), so each failure is the defect's doing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from attribution.cli import main
from builders import write_tiny_territory
from malformed_corpus import CASES


def run_validate(folder: Path):
    return CliRunner().invoke(main, ["validate", str(folder), "--lang", "en"])


def test_the_untouched_territory_is_valid(tiny_territory):
    """The base of the corpus passes: exit 0 and the summary, with hand-computed figures."""
    result = run_validate(tiny_territory)
    assert result.exit_code == 0, result.output
    assert "territory 'Tiny' is valid" in result.stdout
    assert "demands: 8 (priority or DALO 50.0%, DALO 25.0%, Q1 25.0%)" in result.stdout
    assert "units: 4 (in QPV 50.0%, outside the flow 1, pre-oriented to a réservataire 1)" \
        in result.stdout
    # income per UC sorted: 8400, 11250, 12000, ...; 25th percentile 11250 + 0.75 × 750
    assert "Q1 threshold: 11,812 €" in result.stdout
    assert result.stderr == ""


def test_the_corpus_is_large_enough():
    """At least 25 single-defect territories (the acceptance of issue 2)."""
    assert len(CASES) >= 25
    assert len({name for name, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize("name, defect, fragments", CASES, ids=[c[0] for c in CASES])
def test_one_defect_exits_1_naming_where(tmp_path, name, defect, fragments):
    """One defect: exit 1, no traceback, one stderr line naming file, row/key and column."""
    folder = write_tiny_territory(tmp_path / "t")
    defect(folder)
    result = run_validate(folder)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].endswith("found; nothing was validated.")
    assert any(all(f in line for f in fragments) for line in lines[1:]), result.stderr


def test_many_defects_at_once_are_all_reported(tmp_path):
    """Defects in the three files at once: every one is reported in a single run."""
    folder = write_tiny_territory(tmp_path / "t")
    picked = [c for c in CASES if c[0] in {
        "bad boolean", "household of zero", "negative income", "invalid date",
        "duplicate demand id", "unknown wished commune", "text in a criterion column",
        "negative rent", "unknown landlord", "unknown financing", "duplicate unit id",
        "misspelt policy key", "flow shares above 1", "criterion naming an absent column"}]
    for _, defect, _ in picked:
        defect(folder)
    result = run_validate(folder)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[0].endswith(f"{len(picked)} problems found; nothing was validated.")
    for name, _, fragments in picked:
        assert any(all(f in line for f in fragments) for line in lines), name


def test_usage_errors_exit_2(tmp_path):
    """A TERRITORY that does not exist, or is a file, is a usage error (exit 2)."""
    assert run_validate(tmp_path / "nowhere").exit_code == 2
    (tmp_path / "file.csv").write_text("x", encoding="utf-8")
    assert run_validate(tmp_path / "file.csv").exit_code == 2
