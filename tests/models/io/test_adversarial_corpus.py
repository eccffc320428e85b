"""The adversarial probes of issue 10 on input files, kept as a corpus.

Each case starts from the tiny valid territory (``builders.write_tiny_territory``) and
applies one hostile or unlucky edit that used to give a traceback (exit 5 from ``solve``)
or was wrongly accepted. Both ``validate`` and ``solve`` must exit 1 with no traceback,
nothing written, and a message naming the file (and the row or key where there is one).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from attribution.cli import main
from click.testing import CliRunner
from builders import TINY_POLICY, write_tiny_territory


def _edit(folder: Path, file: str, change) -> None:
    path = folder / file
    path.write_bytes(change(path.read_bytes()))


def _policy(old: str, new: str):
    assert TINY_POLICY.count(old) == 1, old
    return lambda f: _edit(f, "policy.toml", lambda b: b.replace(old.encode(), new.encode()))


def _replace(file: str, old: bytes, new: bytes):
    def apply(folder):
        def change(data):
            assert data.count(old) >= 1, old
            return data.replace(old, new, 1)
        _edit(folder, file, change)
    return apply


BIG = 200_000  # characters: beyond the csv module's default field limit of 131,072

CASES = [
    ("bare CR in an unquoted cell", _replace("units.csv", b"Habitat 44,Trignac",
                                             b"Habitat\r44,Trignac"),
     ["units.csv, row 4:", "carriage return (CR)"]),
    ("cell over 131,072 characters", _replace("units.csv", b"U03,Habitat 44",
                                              b"U03,Habitat " + b"4" * BIG),
     ["units.csv, row 4, column 'landlord'", "200,008 characters long", "131,072"]),
    ("quoted cell over 131,072 characters", _replace(
        "units.csv", b"U03,Habitat 44", b'U03,"Habitat ' + b"4" * BIG + b'"'),
     ["units.csv, row 4, column 'landlord'", "characters long"]),
    ("50 MB line without a line break", lambda f: _edit(
        f, "demands.csv", lambda b: b.rstrip(b"\n") + b"\n" + b"x" * (50 << 20)),
     ["demands.csv, row 10:", "longer than 131,072 characters"]),
    ("50 MB file of one line", lambda f: (f / "demands.csv").write_bytes(b"y" * (50 << 20)),
     ["demands.csv:", "52,428,800 bytes without a line break"]),
    ("header of empty names", lambda f: (f / "units.csv").write_bytes(b",,,\n,,,\n"),
     ["units.csv, row 1:", "names no column"]),
    ("deeply nested TOML array", lambda f: _edit(
        f, "policy.toml", lambda b: b + b"\nx = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"),
     ["policy.toml:", "nested too deeply"]),
    ("deeply nested TOML inline table", lambda f: _edit(
        f, "policy.toml", lambda b: b + b"\nx = " + b"{a=" * 5_000 + b"1" + b"}" * 5_000),
     ["policy.toml:", "nested too deeply"]),
    ("TOML integer of 5,000 digits", _policy("points_per_month = 1",
                                             "points_per_month = " + "9" * 5000),
     ["policy.toml:", "thousands of digits"]),
    ("communes differing only by case", _policy(
        'communes = ["Saint-Nazaire", "Pornichet", "Trignac"]',
        'communes = ["Saint-Nazaire", "Pornichet", "Trignac", "SAINT-NAZAIRE"]'),
     ["policy.toml, key 'territory.communes'", "'Saint-Nazaire' and 'SAINT-NAZAIRE'",
      "differ only by case"]),
    ("communes differing only by spaces and case", _policy(
        'communes = ["Saint-Nazaire", "Pornichet", "Trignac"]',
        'communes = ["Saint-Nazaire", "Pornichet", "Trignac", " pornichet "]'),
     ["policy.toml, key 'territory.communes'", "differ only by case"]),
    ("an exact duplicate commune (for comparison)", _policy(
        'communes = ["Saint-Nazaire", "Pornichet", "Trignac"]',
        'communes = ["Saint-Nazaire", "Pornichet", "Trignac", "Pornichet"]'),
     ["policy.toml, key 'territory.communes'", "'Pornichet' more than once"]),
    ("réservataire ids differing only by case", _policy('id = "commune"', 'id = "ETAT"'),
     ["policy.toml, key 'reservataires[3].id'", "repeats the réservataire 'etat' as 'ETAT'"]),
    ("criterion value of 1e30", _replace("demands.csv", b"D02,", b"D02,"),  # see below
     ["demands.csv, row 3", "±1,000,000,000"]),
    ("bonus of 2^63 - 1", _policy("priority = 40", "priority = 9223372036854775807"),
     ["policy.toml, key 'cotation.bonus.priority'", "between -1,000,000,000 and"]),
]


def _criterion_1e30(folder: Path) -> None:
    """Give demand D02 (row 3) a criterion column value of 1e30 with a bonus on it."""
    lines = (folder / "demands.csv").read_text("utf-8").splitlines()
    lines = [lines[0] + ",arrears"] + [line + ("," + ("1e30" if line.startswith("D02,")
                                                      else "0")) for line in lines[1:]]
    (folder / "demands.csv").write_text("\n".join(lines) + "\n", "utf-8")
    text = (folder / "policy.toml").read_text("utf-8")
    (folder / "policy.toml").write_text(text.replace("priority = 40",
                                                     "priority = 40\narrears = 2"), "utf-8")


CASES = [(n, _criterion_1e30 if n == "criterion value of 1e30" else d, f)
         for n, d, f in CASES]


@pytest.mark.parametrize("name, defect, fragments", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_an_input_error(tmp_path, name, defect, fragments):
    folder = write_tiny_territory(tmp_path / "t")
    defect(folder)
    checked = CliRunner().invoke(main, ["validate", str(folder), "--lang", "en"])
    assert checked.exit_code == 1, checked.output
    assert "Traceback" not in checked.output
    lines = checked.stderr.splitlines()
    assert any(all(f in line for f in fragments) for line in lines), checked.stderr
    assert max(map(len, lines)) < 2_000, "a message quoting a huge cell"
    out = tmp_path / "results"
    solved = CliRunner().invoke(main, ["solve", str(folder), "--out", str(out), "-q"])
    assert solved.exit_code == 1, solved.output
    assert "Traceback" not in solved.output and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["t"]  # no temporary folder either


def test_cr_only_line_ends_are_read_as_the_same_table(tmp_path):
    """'CSV (Macintosh)' files end lines with CR alone: read exactly as the LF file."""
    from attribution.models.io.readers import read_table
    folder = write_tiny_territory(tmp_path / "lf")
    mac = write_tiny_territory(tmp_path / "cr")
    for name in ("demands.csv", "units.csv"):
        _edit(mac, name, lambda b: b.replace(b"\n", b"\r"))
        assert read_table(mac / name).equals(read_table(folder / name))
    assert CliRunner().invoke(main, ["validate", str(mac)]).stdout == \
        CliRunner().invoke(main, ["validate", str(folder)]).stdout.replace(
            str(folder), str(mac)).replace("'lf'", "'cr'")
