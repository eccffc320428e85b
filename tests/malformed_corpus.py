"""The malformed-territory corpus: each case starts from the tiny valid territory
(``builders.write_tiny_territory``) and applies one defect. Run through ``attribution
validate`` by tests/models/io/test_malformed_corpus.py, and in both languages by
tests/integration/test_french_outputs.py.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from builders import TINY_POLICY


def set_cell(folder: Path, file: str, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV, ``row`` numbered as a spreadsheet shows it (header = 1)."""
    path = folder / file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[row - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def rename_column(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    lines = path.read_text(encoding="utf-8").split("\n", 1)
    header = lines[0].split(",")
    header[header.index(old)] = new
    path.write_text(",".join(header) + "\n" + lines[1], encoding="utf-8")


def add_column(folder: Path, file: str, name: str, values: list[str]) -> None:
    path = folder / file
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = [name] + values
    path.write_text("\n".join(f"{line},{c}" for line, c in zip(lines, cells)) + "\n", "utf-8")


def edit_policy(folder: Path, old: str, new: str) -> None:
    assert TINY_POLICY.count(old) == 1, old
    path = folder / "policy.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def write(folder: Path, file: str, text: str) -> None:
    (folder / file).write_text(text, encoding="utf-8")


# (name, defect, fragments every one of which must appear on one stderr line)
CASES = [
    ("missing demands file", lambda f: (f / "demands.csv").unlink(),
     ["demands.csv: the file is missing"]),
    ("empty units file", lambda f: write(f, "units.csv", ""), ["units.csv: the file is empty"]),
    ("header only", lambda f: write(f, "demands.csv", (f / "demands.csv").read_text()
                                    .splitlines()[0] + "\n"),
     ["demands.csv: has a header but no data rows"]),
    ("two demands files", lambda f: write(f, "demands.xlsx", ""),
     ["demands.csv: is ambiguous", "demands.xlsx"]),
    ("missing policy", lambda f: (f / "policy.toml").unlink(),
     ["policy.toml: the file is missing"]),
    ("policy not TOML", lambda f: edit_policy(f, 'name = "Tiny"', 'name = Tiny'),
     ["policy.toml, row 2:", "is not valid TOML"]),
    ("ragged row", lambda f: write(f, "units.csv", (f / "units.csv").read_text()
                                   .replace("U03,", "U03,extra,")),
     ["units.csv, row 4:", "expected 13 fields as in the header, got 14"]),
    ("missing required column", lambda f: rename_column(f, "demands.csv", "adults", "adultes"),
     ["demands.csv, row 1, column 'adults'", "required column is missing",
      "did you mean 'adultes'"]),
    # (a text column outside the contract is ignored with a notice since issue 14; text in
    # a criterion column the policy uses is still an error)
    ("text in a criterion column", lambda f: set_cell(f, "demands.csv", 4, "homeless",
                                                      "Martin"),
     ["demands.csv, row 4, column 'homeless'", "got 'Martin'"]),
    ("misspelt optional column", lambda f: rename_column(f, "demands.csv", "ages_sum",
                                                         "age_sum"),
     ["demands.csv, row 1, column 'age_sum'", "did you mean 'ages_sum'"]),
    ("bad boolean", lambda f: set_cell(f, "demands.csv", 3, "priority", "maybe"),
     ["demands.csv, row 3, column 'priority'", "got 'maybe'"]),
    ("bad integer", lambda f: set_cell(f, "demands.csv", 4, "household_size", "three"),
     ["demands.csv, row 4, column 'household_size'", "expected an integer ≥ 1"]),
    ("household of zero", lambda f: set_cell(f, "demands.csv", 2, "household_size", "0"),
     ["demands.csv, row 2, column 'household_size'", "got '0'"]),
    ("more adults than persons", lambda f: set_cell(f, "demands.csv", 3, "adults", "3"),
     ["demands.csv, row 3, column 'adults'", "expected at most household_size (2) adults"]),
    ("adults + children != size", lambda f: set_cell(f, "demands.csv", 5, "children_under_14",
                                                     "3"),
     ["demands.csv, row 5, column 'household_size'", "adults + children_under_14"]),
    ("negative income", lambda f: set_cell(f, "demands.csv", 6, "annual_income", "-9000"),
     ["demands.csv, row 6, column 'annual_income'", "expected a number ≥ 0, got '-9000'"]),
    ("negative rent", lambda f: set_cell(f, "units.csv", 2, "rent", "-420"),
     ["units.csv, row 2, column 'rent'", "expected a number ≥ 0"]),
    ("zero surface", lambda f: set_cell(f, "units.csv", 3, "surface_m2", "0"),
     ["units.csv, row 3, column 'surface_m2'", "expected a number > 0"]),
    ("invalid date", lambda f: set_cell(f, "demands.csv", 7, "registered_on", "2023-02-30"),
     ["demands.csv, row 7, column 'registered_on'", "expected a date YYYY-MM-DD"]),
    ("registration after the round", lambda f: set_cell(f, "demands.csv", 7, "registered_on",
                                                        "2025-06-01"),
     ["demands.csv, row 7, column 'registered_on'", "on or before the round date"]),
    ("invalid unit date", lambda f: set_cell(f, "units.csv", 5, "available_on", "soon"),
     ["units.csv, row 5, column 'available_on'", "got 'soon'"]),
    ("duplicate demand id", lambda f: set_cell(f, "demands.csv", 9, "demand_id", "D02"),
     ["demands.csv, row 9, column 'demand_id'", "already on row 3"]),
    ("duplicate unit id", lambda f: set_cell(f, "units.csv", 5, "unit_id", "U01"),
     ["units.csv, row 5, column 'unit_id'", "already on row 2"]),
    ("unknown unit commune", lambda f: set_cell(f, "units.csv", 2, "commune", "Saint Nazaire"),
     ["units.csv, row 2, column 'commune'", "did you mean 'Saint-Nazaire'"]),
    ("unknown wished commune", lambda f: set_cell(f, "demands.csv", 6, "wished_communes",
                                                  "Pornichet;Nantes"),
     ["demands.csv, row 6, column 'wished_communes'", "got unknown 'Nantes'"]),
    ("unknown landlord", lambda f: set_cell(f, "units.csv", 4, "landlord", "Habitat 45"),
     ["units.csv, row 4, column 'landlord'", "did you mean 'Habitat 44'"]),
    ("unknown reservataire", lambda f: set_cell(f, "units.csv", 3, "reservataire", "prefet"),
     ["units.csv, row 3, column 'reservataire'", "got 'prefet'"]),
    ("unknown financing", lambda f: set_cell(f, "units.csv", 2, "financing", "PLAI-B"),
     ["units.csv, row 2, column 'financing'", "got 'PLAI-B'"]),
    ("unknown typology", lambda f: set_cell(f, "units.csv", 2, "typology", "F2"),
     ["units.csv, row 2, column 'typology'", "got 'F2'"]),
    ("unknown wished typology", lambda f: set_cell(f, "demands.csv", 3, "wished_typologies",
                                                   "T2;T8"),
     ["demands.csv, row 3, column 'wished_typologies'", "got unknown 'T8'"]),
    ("misspelt policy key", lambda f: edit_policy(f, "state_priority_min", "state_priorty_min"),
     ["policy.toml, key 'quotas.state_priorty_min'", "did you mean 'state_priority_min'"]),
    ("flow shares above 1", lambda f: edit_policy(f, "share = 0.70", "share = 0.90"),
     ["policy.toml, key 'flows.share'", "'Habitat 44' sum to 1.2, above 1"]),
    ("ceilings year without table", lambda f: edit_policy(f, "ceilings_year = 2025",
                                                          "ceilings_year = 2019"),
     ["policy.toml, key 'territory.ceilings_year'", "no income-ceiling table for 2019"]),
    ("criterion naming an absent column", lambda f: edit_policy(f, "priority = 40",
                                                                "priority = 40\nviolence = 15"),
     ["policy.toml, key 'cotation.bonus.violence'", "demands.csv does not have"]),
    ("eligibility naming an absent column", lambda f: edit_policy(
        f, 'eligible_if_any = ["private_employee"]', 'eligible_if_any = ["private_employe"]'),
     ["policy.toml, key 'reservataires[2].eligible_if_any'", "did you mean 'private_employee'"]),
    ("share outside [0, 1]", lambda f: edit_policy(f, "q1_outside_qpv_min = 0.25",
                                                   "q1_outside_qpv_min = 25"),
     ["policy.toml, key 'quotas.q1_outside_qpv_min'", "between 0 and 1"]),
    ("spatial min above max", lambda f: edit_policy(f, "q1_share = [0.15, 0.45]",
                                                    "q1_share = [0.55, 0.45]"),
     ["policy.toml, key 'spatial_balance.q1_share'", "min 0.55 above max 0.45"]),
    ("flow to an undeclared réservataire", lambda f: edit_policy(
        f, 'reservataire = "bailleur"\nshare = 0.70', 'reservataire = "landlord"\nshare = 0.70'),
     ["policy.toml, key 'flows[6].reservataire'", "names 'landlord'"]),
]
