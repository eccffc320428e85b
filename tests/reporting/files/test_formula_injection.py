"""Formula injection (issue 10): hostile names in the input never become live formulas.

A territory whose ids, communes, landlords and réservataires begin with ``=``, ``+``,
``-``, ``@`` (``=HYPERLINK(...)`` among them) is solved through the command line; then
EVERY file of the results folder is checked, whoever writes it: no CSV cell begins with a
formula character (OWASP "CSV injection": such cells get a leading apostrophe), no cell of
results.xlsx is a formula, and report.html shows the names as text. The same for the
results of ``simulate``. ``attribution explain`` still finds a hostile demand id.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from attribution.cli import main
from attribution.models.generator import write_territory
from attribution.reporting.files.csv_safe import TRIGGERS, neutralise, restore
from click.testing import CliRunner

COMMUNES = {"Saint-Nazaire": '=HYPERLINK("http://x.example","clic")',
            "Pornichet": "+Pornichet", "Trignac": "-Trignac", "Donges": "@SUM(A1)",
            "Besné": "<script>alert(1)</script>", "Saint-Joachim": "\tTab-Joachim"}
LANDLORDS = {"Silène": "=1+2", "Harmonie Habitat": "-2+3+cmd|' /C calc'!A0"}
RESERVATAIRES = {"action_logement": "=cmd|' /C notepad'!A0", "bailleur": "@bailleur"}
HOSTILE = [*COMMUNES.values(), *LANDLORDS.values(), *RESERVATAIRES.values()]


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a valid TOML basic string


def hostile_territory(folder: Path) -> Path:
    """A small generated territory with every kind of name replaced by a hostile one."""
    write_territory(folder / "src", 4, 250, 14)
    folder.mkdir(exist_ok=True)
    policy = (folder / "src" / "policy.toml").read_text("utf-8")
    for old, new in {**COMMUNES, **LANDLORDS, **RESERVATAIRES}.items():
        policy = policy.replace(f'"{old}"', _toml_string(new))
    (folder / "policy.toml").write_text(policy, "utf-8")
    demands = pd.read_csv(folder / "src" / "demands.csv", dtype=str, keep_default_na=False)
    units = pd.read_csv(folder / "src" / "units.csv", dtype=str, keep_default_na=False)
    demands["demand_id"] = ["=D" + d if i % 3 == 0 else ("+" + d if i % 3 == 1 else d)
                            for i, d in enumerate(demands["demand_id"])]
    units["unit_id"] = ["@" + u if i % 2 else "-" + u for i, u in enumerate(units["unit_id"])]
    demands["wished_communes"] = [";".join(COMMUNES.get(c, c) for c in cell.split(";")) if cell
                                  else cell for cell in demands["wished_communes"]]
    units["commune"] = units["commune"].replace(COMMUNES)
    units["landlord"] = units["landlord"].replace(LANDLORDS)
    units["reservataire"] = units["reservataire"].replace(RESERVATAIRES)
    demands.to_csv(folder / "demands.csv", index=False)
    units.to_csv(folder / "units.csv", index=False)
    return folder


def check_csv(path: Path) -> int:
    """Every cell (header included) is safe; returns how many neutralised cells were seen."""
    seen = 0
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            for cell in row:
                if cell[:1] in TRIGGERS:
                    float(cell)  # only a plain number may begin with + or -
                seen += cell[:2] in {"'" + t for t in TRIGGERS}
    return seen


def check_xlsx(path: Path) -> int:
    """No cell is a formula (checked in the XML too); returns how many hostile texts."""
    book = openpyxl.load_workbook(path)
    found = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                found += isinstance(cell.value, str) and cell.value in HOSTILE
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    return found


def check_folder(out: Path) -> dict[str, int]:
    """Check every file of a results folder; a file kind we do not know fails the test."""
    counts = {}
    for path in sorted(out.rglob("*")):
        if path.is_dir():
            continue
        if path.suffix == ".csv":
            counts[path.name] = check_csv(path)
        elif path.suffix == ".xlsx":
            counts[path.name] = check_xlsx(path)
        elif path.suffix in (".html", ".htm"):
            html = path.read_text("utf-8")
            assert "<script" not in html.lower()
            counts[path.name] = 0
        elif path.suffix == ".json":
            json.loads(path.read_text("utf-8"))  # data for programs, not a spreadsheet
            counts[path.name] = 0
        else:
            raise AssertionError(f"an output file this test does not check: {path.name}")
    return counts


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    territory = hostile_territory(root / "territory")
    out = root / "results"
    result = CliRunner().invoke(main, ["solve", str(territory), "--out", str(out), "-q",
                                       "--time-limit", "20", "--shortlists", "bound"])
    assert result.exit_code == 0, result.output
    return territory, out


def test_every_output_file_is_safe(solved):
    """No CSV cell starts a formula, no xlsx cell is a formula — and the hostile names did
    reach the files (neutralised), so the test is not vacuous."""
    _, out = solved
    counts = check_folder(out)
    assert counts["assignments.csv"] > 0 and counts["decisions.csv"] > 0
    assert counts["shortlists.csv"] > 0 and counts["results.xlsx"] > 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "report.html").read_text("utf-8")


def test_csv_cells_keep_the_names_readably(solved):
    """The apostrophe is the only change: restored, the cells are the input's names."""
    territory, out = solved
    decisions = pd.read_csv(out / "decisions.csv", dtype=str, keep_default_na=False)
    demands = pd.read_csv(territory / "demands.csv", dtype=str, keep_default_na=False)
    assert decisions["demand_id"].map(restore).tolist() == demands["demand_id"].tolist()
    assert decisions["demand_id"].str.startswith("'=D").any()


def test_explain_finds_a_hostile_demand_id(solved):
    """explain reads the files back: the id typed as in the input is found."""
    territory, out = solved
    demands = pd.read_csv(territory / "demands.csv", dtype=str, keep_default_na=False)
    hostile = next(d for d in demands["demand_id"] if d.startswith("=D"))
    result = CliRunner().invoke(main, ["explain", str(out), hostile])
    assert result.exit_code == 0, result.output
    assert hostile in result.output


def test_simulate_outputs_are_safe(solved, tmp_path):
    """The scenario outputs (kpis, rounds, targets, attributions) follow the same rule."""
    territory, _ = solved
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'[scenario]\nname = "hostile"\n[territory]\nsource = '
                        f'{_toml_string(str(territory))}\n[supply]\nunits_per_month = 10\n'
                        '[simulation]\nmonths = 2\nseeds = 1\nround_time_limit_s = 5\n',
                        "utf-8")
    out = tmp_path / "sim"
    result = CliRunner().invoke(main, ["simulate", str(scenario), "--out", str(out),
                                       "--workers", "0"])
    assert result.exit_code == 0, result.output
    counts = check_folder(out)
    assert sum(counts.values()) > 0


@pytest.mark.parametrize("value", ["=1+2", "+33", "-x", "@a", "\tx", "\rx", "'=x", "''",
                                   "'a", "a=b", "", "-3", "-0.25", "+1e5", "plain"])
def test_neutralise_is_safe_and_reversible(value):
    """Written, no cell begins with a trigger unless it is a number; read back, the
    value is what it was."""
    cell = neutralise(value)
    assert cell[:1] not in TRIGGERS or float(cell) is not None
    assert restore(cell) == value
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell])
    assert next(csv.reader(io.StringIO(buffer.getvalue())))[0] == cell
