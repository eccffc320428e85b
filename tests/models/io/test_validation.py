"""Tests of models.io.validation: raw tables into Demands / Units, each rule alone."""

from __future__ import annotations

import tomllib
from io import StringIO

import numpy as np
import pandas as pd
import pytest

from builders import TINY_DEMANDS, TINY_POLICY, TINY_UNITS
from attribution.models.io.policy_io import parse_policy
from attribution.models.io.table_check import CAP
from attribution.models.io.validation import validate_demands, validate_units

#: these tests check the English source text of the messages (--lang en)
pytestmark = pytest.mark.usefixtures("english_messages")

POLICY = parse_policy(tomllib.loads(TINY_POLICY)).policy


def _frame(text: str) -> pd.DataFrame:
    """A raw table as read_table gives it (strings, index = spreadsheet rows)."""
    df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    df.index = np.arange(2, len(df) + 2)
    return df


def _demands(**cells):
    """Validate the tiny demands with cells replaced: ``name=(row, value)`` or a list."""
    df = _frame(TINY_DEMANDS)
    for col, edits in cells.items():
        for row, value in (edits if isinstance(edits, list) else [edits]):
            df.loc[row, col] = value
    return validate_demands(df, POLICY)


def _units(**cells):
    df = _frame(TINY_UNITS)
    for col, (row, value) in cells.items():
        df.loc[row, col] = value
    return validate_units(df, POLICY)


def _messages(result) -> list[str]:
    obj, problems = result
    assert obj is None
    return [str(p) for p in problems]


# --- the happy path ------------------------------------------------------------------

def test_tiny_demands_become_arrays():
    """Each column lands in its typed array; empty lists mean "no restriction"."""
    demands, problems = validate_demands(_frame(TINY_DEMANDS), POLICY)
    assert problems == []
    assert demands.ids.tolist() == [f"D0{i}" for i in range(1, 9)]
    assert demands.household_size.tolist() == [1, 2, 3, 4, 1, 5, 2, 6]
    assert demands.registered_on[5] == np.datetime64("2024-02-29")
    assert demands.ages_sum.tolist() == [0, 50, 0, 70, 0, 80, 0, 90]
    assert demands.housing_allowance[2] == 250.0
    assert demands.dalo.tolist() == [False, False, True, False, False, False, True, False]
    assert demands.wished_communes[1].tolist() == [True, True, False]
    assert demands.wished_communes[2].tolist() == [True, True, True]  # empty cell
    assert demands.wished_typologies[1].tolist() == [False, True, True, False, False, False]
    assert demands.wished_typologies[0].all()
    assert set(demands.criteria) == {"homeless", "hosted"}
    assert demands.criteria["hosted"].tolist() == [0, 0, 1, 0, 1, 0, 0, 0]
    assert not demands.household_size.flags.writeable


def test_tiny_units_become_codes():
    """Names become codes into the policy's tuples; empty réservataire is -1."""
    units, problems = validate_units(_frame(TINY_UNITS), POLICY)
    assert problems == []
    assert units.ids.tolist() == ["U01", "U02", "U03", "U04"]
    assert units.landlord.tolist() == [0, 0, 1, 1]
    assert units.commune.tolist() == [0, 1, 2, 0]
    assert units.typology.tolist() == [1, 2, 3, 0]
    assert units.financing.tolist() == [2, 0, 3, 1]
    assert units.reservataire.tolist() == [-1, 0, -1, -1]
    assert units.outside_flow.tolist() == [False, False, False, True]
    assert units.surface_m2[0] == 48.5


def test_optional_columns_take_their_defaults():
    """Without the optional columns: ages_sum 0, allowance 0, any typology, -1, False."""
    df = _frame(TINY_DEMANDS).drop(columns=["ages_sum", "housing_allowance", "wished_typologies"])
    demands, problems = validate_demands(df, POLICY)
    assert problems == []
    assert demands.ages_sum.tolist() == [0] * 8
    assert demands.housing_allowance.tolist() == [0.0] * 8
    assert demands.wished_typologies.all()
    units, problems = validate_units(_frame(TINY_UNITS).drop(
        columns=["reservataire", "outside_flow"]), POLICY)
    assert problems == []
    assert units.reservataire.tolist() == [-1] * 4 and not units.outside_flow.any()


def test_boolean_spellings_any_case():
    """true/false, 1/0, yes/no, oui/non, vrai/faux in any case are booleans."""
    words = ["TRUE", "Oui", "yes", "1", "VRAI", "False", "non", "0"]
    demands, problems = _demands(disability=[(r, w) for r, w in zip(range(2, 10), words)])
    assert problems == []
    assert demands.disability.tolist() == [True] * 5 + [False] * 3


def test_names_match_case_insensitively():
    """'saint-nazaire' and 'plus' match the policy's 'Saint-Nazaire' and PLUS."""
    units, problems = _units(commune=(2, "saint-nazaire"), financing=(2, "plus"))
    assert problems == [] and units.commune[0] == 0 and units.financing[0] == 2


def test_extra_number_and_boolean_columns_are_criteria():
    """Extra columns of numbers (empty = 0) or booleans become criteria."""
    df = _frame(TINY_DEMANDS)
    df["overcrowded"] = ["yes", "no", "", "1", "0", "true", "false", "FALSE"]
    df["debt"] = ["1.5", "", "0", "2", "0", "0", "0", "3"]
    demands, problems = validate_demands(df, POLICY)
    assert problems == []
    assert demands.criteria["overcrowded"].tolist() == [1, 0, 0, 1, 0, 1, 0, 0]
    assert demands.criteria["debt"].tolist() == [1.5, 0, 0, 2, 0, 0, 0, 3]
    assert demands.column("debt")[0] == 1.5


def test_decimal_comma_only_for_french_files():
    """'1200,5' is a problem in a comma CSV but 1200.5 in a ';' (French) file."""
    assert _messages(_demands(monthly_income=(2, "1200,5"))) == [
        "demands.csv, row 2, column 'monthly_income': expected a number ≥ 0, got '1200,5'"]
    df = _frame(TINY_DEMANDS)
    df.loc[2, "monthly_income"] = "1200,5"
    df.attrs["decimal_comma"] = True
    demands, problems = validate_demands(df, POLICY)
    assert problems == [] and demands.monthly_income[0] == 1200.5


def test_excel_style_cells_are_accepted():
    """'3.0' for an integer and a midnight time after a date are what Excel gives."""
    demands, problems = _demands(refusals=(2, "3.0"), registered_on=(2, "2022-01-15 00:00:00"))
    assert problems == []
    assert demands.refusals[0] == 3 and demands.registered_on[0] == np.datetime64("2022-01-15")


# --- one rule at a time: demands -----------------------------------------------------

@pytest.mark.parametrize("column, row, value, message", [
    ("priority", 3, "maybe", "expected true/false, 1/0, yes/no or oui/non, got 'maybe'"),
    ("priority", 3, "", "expected true/false, 1/0, yes/no or oui/non, got an empty cell"),
    ("refusals", 4, "2.5", "expected an integer ≥ 0, got '2.5'"),
    ("refusals", 4, "-1", "expected an integer ≥ 0, got '-1'"),
    ("dependants", 5, "one", "expected an integer ≥ 0, got 'one'"),
    ("annual_income", 6, "-100", "expected a number ≥ 0, got '-100'"),
    ("monthly_income", 6, "n/a", "expected a number ≥ 0, got 'n/a'"),
    ("housing_allowance", 6, "-1", "expected a number ≥ 0, got '-1'"),
    ("annual_income", 6, "inf", "expected a number ≥ 0, got 'inf'"),
    ("registered_on", 7, "2023-02-30",
     "expected a date YYYY-MM-DD or DD/MM/YYYY, got '2023-02-30'"),
    ("registered_on", 7, "31/02/2022",
     "expected a date YYYY-MM-DD or DD/MM/YYYY, got '31/02/2022'"),
    ("registered_on", 7, "2025-03-02", "expected a date on or before the round date "
                                       "2025-03-01 (territory.round_date), got 2025-03-02"),
    ("demand_id", 9, "D01", "expected a unique identifier, got 'D01', already on row 2"),
    ("demand_id", 9, "", "expected a non-empty identifier, got an empty cell"),
    ("wished_communes", 2, "Saint-Nazaire;St-Nazaire;Paris",
     "expected a ';'-separated list of communes among Saint-Nazaire, Pornichet, Trignac, got "
     "unknown 'St-Nazaire' (did you mean 'Saint-Nazaire'?), 'Paris'"),
    ("wished_typologies", 2, "T2;T7", "expected a ';'-separated list of typologies among "
                                      "T1, T2, T3, T4, T5, T6, got unknown 'T7'"),
    ("homeless", 2, "sometimes", "expected a number or true/false (the column is used by "
                                 "policy key cotation.rubric[1].points.homeless), got "
                                 "'sometimes'"),
])
def test_each_cell_rule_alone(column, row, value, message):
    """One bad cell gives exactly one problem naming file, row, column, expected and got."""
    assert _messages(_demands(**{column: (row, value)})) == [
        f"demands.csv, row {row}, column '{column}': {message}"]


def test_household_size_zero_is_reported_once():
    """household_size 0 is one problem (not also an adults/children mismatch)."""
    assert _messages(_demands(household_size=(2, "0"))) == [
        "demands.csv, row 2, column 'household_size': expected an integer ≥ 1, got '0'"]


def test_more_adults_than_persons():
    """adults above household_size is impossible."""
    assert _messages(_demands(adults=(4, "4"))) == [
        "demands.csv, row 4, column 'adults': expected at most household_size (3) adults, "
        "got 4"]


def test_adults_plus_children_must_make_the_household():
    """adults + children_under_14 must equal household_size."""
    assert _messages(_demands(children_under_14=(4, "1"))) == [
        "demands.csv, row 4, column 'household_size': expected adults + children_under_14 = "
        "1 + 1 = 2, got 3"]


def test_dependants_may_reach_household_size():
    """A single applicant with one dependant (a child to be born) is valid data."""
    obj, problems = _demands(dependants=(2, "1"))
    assert problems == [] and obj is not None and obj.dependants[0] == 1


# --- header --------------------------------------------------------------------------

def test_missing_required_column_suggests_a_misspelt_one():
    """A missing column is named (row 1), pointing at a close name in the header."""
    df = _frame(TINY_DEMANDS).rename(columns={"adults": "adult"})
    assert _messages(validate_demands(df, POLICY)) == [
        "demands.csv, row 1, column 'adults': the required column is missing (did you mean "
        "'adult'?)"]


def test_misspelt_optional_column_is_not_taken_for_a_criterion():
    """'housing_alowance' holds numbers, but it is a misspelling, not a criterion."""
    df = _frame(TINY_DEMANDS).rename(columns={"housing_allowance": "housing_alowance"})
    assert _messages(validate_demands(df, POLICY)) == [
        "demands.csv, row 1, column 'housing_alowance': is not a column of the data contract "
        "(did you mean 'housing_allowance'?)"]


def test_unknown_text_column():
    """An extra column of text (not a criterion) is named, with a sample cell."""
    df = _frame(TINY_DEMANDS)
    df["notes"] = ["", "", "call back", "", "", "", "", ""]
    assert _messages(validate_demands(df, POLICY)) == [
        "demands.csv, row 1, column 'notes': is not a column of the data contract, and not a "
        "criterion column either (criteria hold numbers or true/false; row 4 holds "
        "'call back')"]


def test_policy_column_absent_from_demands():
    """A cotation criterion whose column is absent is a policy problem."""
    df = _frame(TINY_DEMANDS).drop(columns=["hosted"])
    assert _messages(validate_demands(df, POLICY)) == [
        "policy.toml, key 'cotation.rubric[1].points.hosted': names the column 'hosted', "
        "which demands.csv does not have"]


def test_units_refuse_unknown_columns():
    """Units have no criterion columns: an extra column is named."""
    df = _frame(TINY_UNITS)
    df["floor"] = "2"
    assert _messages(validate_units(df, POLICY))[0].startswith(
        "units.csv, row 1, column 'floor': is not a column of the data contract; expected "
        "one of unit_id, landlord")


# --- one rule at a time: units -------------------------------------------------------

@pytest.mark.parametrize("column, row, value, message", [
    ("landlord", 3, "Silene", "expected one of Silène, Habitat 44, got 'Silene' (did you "
                              "mean 'Silène'?)"),
    ("commune", 3, "Nantes", "expected one of Saint-Nazaire, Pornichet, Trignac, got 'Nantes'"),
    ("reservataire", 3, "etta", "expected one of etat, action_logement, commune, bailleur, "
                                "got 'etta' (did you mean 'etat'?)"),
    ("financing", 3, "PLI", "expected one of PLAI, PLAI-A, PLUS, PLS, got 'PLI' (did you "
                            "mean 'PLAI'?)"),
    ("typology", 3, "T0", "expected one of T1, T2, T3, T4, T5, T6, got 'T0'"),
    ("rooms", 3, "0", "expected an integer ≥ 1, got '0'"),
    ("surface_m2", 3, "0", "expected a number > 0, got '0'"),
    ("rent", 3, "-5", "expected a number ≥ 0, got '-5'"),
    ("qpv", 3, "2", "expected true/false, 1/0, yes/no or oui/non, got '2'"),
    ("available_on", 3, "2025-13-01",
     "expected a date YYYY-MM-DD or DD/MM/YYYY, got '2025-13-01'"),
    ("unit_id", 5, "U02", "expected a unique identifier, got 'U02', already on row 3"),
    ("landlord", 3, "", "expected one of Silène, Habitat 44, got an empty cell"),
])
def test_each_unit_rule_alone(column, row, value, message):
    """One bad unit cell gives one problem naming file, row, column, expected and got."""
    assert _messages(_units(**{column: (row, value)})) == [
        f"units.csv, row {row}, column '{column}': {message}"]


# --- many problems -------------------------------------------------------------------

def test_problems_are_capped_per_column_but_every_column_is_reported():
    """30 bad rows: CAP listed then one summary; another column's problem still shows."""
    base = _frame(TINY_DEMANDS).iloc[[0] * 30].reset_index(drop=True)
    base["demand_id"] = [f"X{i}" for i in range(30)]
    base["refusals"] = "x"
    base.loc[29, "registered_on"] = "never"
    messages = _messages(validate_demands(base, POLICY))
    refusals = [m for m in messages if "'refusals'" in m]
    assert len(refusals) == CAP + 1
    assert refusals[0] == "demands.csv, row 2, column 'refusals': expected an integer ≥ 0, got 'x'"
    assert refusals[-1] == ("demands.csv, column 'refusals': and 10 more rows with the same "
                            "problem (rows 22 to 31)")
    assert "demands.csv, row 31, column 'registered_on': expected a date YYYY-MM-DD or " \
           "DD/MM/YYYY, got " \
           "'never'" in messages


def test_broken_policy_still_checks_the_tables():
    """With an unusable policy, cells are still checked (names only when known)."""
    read = parse_policy(tomllib.loads(TINY_POLICY.replace("priority_min = 0.25",
                                                          "priority_min = 2")))
    assert read.policy is None
    demands, problems = _demands()
    assert problems == []
    df = _frame(TINY_DEMANDS)
    df.loc[3, "adults"] = "x"
    df.loc[4, "wished_communes"] = "Paris"
    demands, problems = validate_demands(df, read)
    assert demands is None
    assert [(p.row, p.column) for p in problems] == [(3, "adults"), (4, "wished_communes")]
