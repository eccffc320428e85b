"""Tests of models.io.policy_io: policy.toml into the Policy dataclasses, every problem collected."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from builders import TINY_POLICY
from attribution.models.errors import DataError
from attribution.models.policy import Flow, Reservataire, Rubric
from attribution.models.io.policy_io import check_columns, load_policy, parse_policy, read_policy

#: these tests check the English source text of the messages (--lang en)
pytestmark = pytest.mark.usefixtures("english_messages")


def _parse(text: str):
    return parse_policy(tomllib.loads(text), name="folder")


def _messages(text: str) -> list[str]:
    read = _parse(text)
    assert read.policy is None
    return [str(p) for p in read.problems]


def _edit(old: str, new: str) -> str:
    assert TINY_POLICY.count(old) == 1, old
    return TINY_POLICY.replace(old, new)


def test_tiny_policy_parses_into_the_dataclasses():
    """Every key of the tiny policy lands in its field, with the values typed."""
    read = _parse(TINY_POLICY)
    assert read.problems == ()
    p = read.policy
    assert p.territory.name == "Tiny"
    assert p.territory.communes == ("Saint-Nazaire", "Pornichet", "Trignac")
    assert p.territory.round_date == dt.date(2025, 3, 1)
    assert p.territory.ceilings_year == 2025
    assert p.territory.q1_threshold is None
    assert p.quotas.priority_min == 0.25 and p.quotas.state_outside_qpv_min == 0.30
    assert p.reservataires[0] == Reservataire("etat", ("priority", "dalo", "state_agent"))
    assert p.reservataires[3] == Reservataire("bailleur", ())
    assert p.flows[-1] == Flow("Habitat 44", "bailleur", 0.70, 0.05)
    assert p.landlords == ("Silène", "Habitat 44")
    assert p.spatial_balance.q1_share == (0.15, 0.45)
    assert p.eligibility.max_rent_burden == 0.33
    assert p.eligibility.typology_by_size[4] == ("T3", "T4")
    assert p.cotation.bonus == {"dalo": 50, "priority": 40}
    assert p.cotation.rubrics == (Rubric("current housing", {"homeless": 17, "hosted": 8}),)
    assert p.cotation.overdue_bonus == 20 and p.cotation.refusal_malus == 10


def test_minimal_policy_takes_defaults_and_leaves_quotas_unenforced():
    """Absent tables: quotas None, no spatial balance, default cotation, folder name."""
    p = _parse('[territory]\ncommunes = ["A"]\nround_date = "2025-03-01"\n'
               'ceilings_year = 2025\n[[reservataires]]\nid = "bailleur"\n').policy
    assert p.territory.name == "folder"
    assert p.territory.round_date == dt.date(2025, 3, 1)  # an ISO string works too
    assert p.quotas.priority_min is None and p.spatial_balance is None
    assert p.cotation.points_per_month == 1 and p.cotation.overdue_months == 36
    assert p.eligibility.typology_by_size == {} and p.flows == ()


def test_q1_threshold_number():
    """A numeric q1_threshold is kept as a float (€/UC/year)."""
    p = _parse(_edit('q1_threshold = "auto"', "q1_threshold = 9243")).policy
    assert p.territory.q1_threshold == 9243.0


def test_misspelt_key_names_the_key_and_the_closest_valid_one():
    """An unknown key is named, with the closest valid key of its table suggested."""
    assert _messages(_edit("priority_min = 0.25", "priority_mini = 0.25")) == [
        "policy.toml, key 'quotas.priority_mini': is not a known key; did you mean "
        "'priority_min'?"]


def test_key_in_the_wrong_table_says_where_it_belongs():
    """A valid key in the wrong table says which table it belongs in."""
    text = _edit('q1_threshold = "auto"', 'q1_threshold = "auto"\nslack_units = 1')
    assert _messages(text) == ["policy.toml, key 'territory.slack_units': is not a known "
                               "key; it belongs in [spatial_balance]"]


def test_unknown_top_level_table_and_key_in_array_entry():
    """Unknown keys are found at the top level and inside [[flows]] entries."""
    text = _edit("tolerance = 0.05\n\n[[flows]]\nlandlord = \"Silène\"\nreservataire = \"commune\"",
                 "tolerence = 0.05\n\n[[flows]]\nlandlord = \"Silène\"\nreservataire = \"commune\"")
    text += "\n[cotations]\nx = 1\n"
    assert _messages(text) == [
        "policy.toml: unknown top-level key 'cotations'; did you mean 'cotation'?",
        "policy.toml, key 'flows[2].tolerence': is not a known key; did you mean 'tolerance'?"]


@pytest.mark.parametrize("old, new, expected", [
    ("ceilings_year = 2025", 'ceilings_year = "2025"',
     "key 'territory.ceilings_year': must be an integer; got '2025' (text)"),
    ('communes = ["Saint-Nazaire", "Pornichet", "Trignac"]', 'communes = "Saint-Nazaire"',
     "key 'territory.communes': must be a list of non-empty texts"),
    ("round_date = 2025-03-01", 'round_date = "01/03/2025"',
     "key 'territory.round_date': must be a date such as 2025-03-01; got '01/03/2025' (text)"),
    ('q1_threshold = "auto"', 'q1_threshold = "median"',
     "key 'territory.q1_threshold': must be a number ≥ 0"),
    ('q1_threshold = "auto"', "q1_threshold = -5",
     "key 'territory.q1_threshold': must be a number ≥ 0"),
    ("priority_min = 0.25", "priority_min = 25",
     "key 'quotas.priority_min': must be a share between 0 and 1; got 25"),
    ("state_priority_min = 0.95", "state_priority_min = true",
     "key 'quotas.state_priority_min': must be a number; got true (true/false)"),
    ("q1_share = [0.15, 0.45]", "q1_share = [0.45, 0.15]",
     "key 'spatial_balance.q1_share': has min 0.45 above max 0.15"),
    ("priority_share = [0.10, 0.60]", "priority_share = [0.10]",
     "key 'spatial_balance.priority_share': must be [min, max]"),
    ("slack_units = 1", "slack_units = -1", "key 'spatial_balance.slack_units': must be ≥ 0"),
    ("max_rent_burden = 0.33", "max_rent_burden = 33",
     "key 'eligibility.max_rent_burden': must be a share in (0, 1]; got 33.0"),
    ("dalo = 50", "dalo = 12.5",
     "key 'cotation.bonus.dalo': must be an integer number of points; got 12.5 (a number)"),
    ("overdue_months = 36", "overdue_months = -1", "key 'cotation.overdue_months': must be ≥ 0"),
    ('reservataire = "bailleur"\nshare = 0.70', 'reservataire = "bailleur"\nshare = 1.5',
     "key 'flows[6].share': must be a share between 0 and 1; got 1.5"),
])
def test_wrong_values_are_named_with_what_was_expected(old, new, expected):
    """Each wrong type or range gives one problem on its key, saying what was expected."""
    messages = _messages(_edit(old, new))
    assert len(messages) == 1
    assert messages[0].startswith(f"policy.toml, {expected}")


def test_flow_shares_of_a_landlord_above_one():
    """A landlord whose flow shares sum above 1 is named, with the sum."""
    assert _messages(_edit("share = 0.70", "share = 0.75")) == [
        "policy.toml, key 'flows.share': the shares of landlord 'Habitat 44' sum to 1.05, "
        "above 1"]


def test_flow_shares_summing_exactly_to_one_are_fine():
    """0.3 + 0.2 + 0.2 + 0.3 sums to 1 up to float error: accepted."""
    assert _parse(TINY_POLICY).problems == ()


def test_flow_with_unknown_reservataire_and_repeated_flow():
    """A flow naming an undeclared réservataire, and a repeated flow, are problems."""
    text = _edit('landlord = "Habitat 44"\nreservataire = "etat"\nshare = 0.30',
                 'landlord = "Habitat 44"\nreservataire = "etta"\nshare = 0.10')
    text = text.replace('landlord = "Silène"\nreservataire = "commune"',
                        'landlord = "Silène"\nreservataire = "action_logement"')
    assert _messages(text) == [
        "policy.toml, key 'flows[3].reservataire': repeats the flow Silène → action_logement",
        "policy.toml, key 'flows[5].reservataire': names 'etta', which is not a "
        "[[reservataires]] id (did you mean 'etat'?)"]


def test_repeated_reservataire_id():
    """Two [[reservataires]] with the same id are a problem."""
    text = _edit('id = "commune"', 'id = "etat"')
    assert ("policy.toml, key 'reservataires[3].id': repeats the réservataire 'etat'"
            in _messages(text))


def test_ceilings_year_without_table_lists_the_years():
    """A ceilings_year with no table is an input error naming the key and the years that
    have one (2023 to 2026)."""
    pytest.importorskip("attribution.models.ceilings")
    assert _messages(_edit("ceilings_year = 2025", "ceilings_year = 2019")) == [
        "policy.toml, key 'territory.ceilings_year': has no income-ceiling table for 2019; "
        "tables exist for 2023, 2024, 2025, 2026"]
    for year in (2024, 2026):
        assert _parse(_edit("ceilings_year = 2025", f"ceilings_year = {year}")).problems == ()


@pytest.mark.parametrize("grid, expected", [
    ('{ 1 = ["T1"], 2 = ["T2"], 3 = ["T3"], 4 = ["T4"], 5 = ["T5"], 6 = ["T6"], 7 = ["T6"] }',
     "key 'eligibility.typology_by_size': has the household size '7'; sizes are 1 to 6"),
    ('{ 1 = ["T1"], 2 = ["T2"], 3 = ["T3"], 4 = ["T4"], 5 = ["T5"], 6 = ["T9"] }',
     "key 'eligibility.typology_by_size.6': has 'T9'; typologies are T1, T2, T3, T4, T5, T6"),
    ('{ 1 = ["T1"], 2 = ["T2"], 3 = ["T3"], 6 = ["T6"] }',
     "key 'eligibility.typology_by_size': gives no typologies for household size 4, 5"),
    ('{ 1 = "T1", 2 = ["T2"], 3 = ["T3"], 4 = ["T4"], 5 = ["T5"], 6 = ["T6"] }',
     "key 'eligibility.typology_by_size.1': must be a list of non-empty texts"),
])
def test_typology_grid_problems(grid, expected):
    """typology_by_size needs sizes 1..6 mapped to lists of T1..T6."""
    start = TINY_POLICY.index("typology_by_size = ")
    end = TINY_POLICY.index("\n", start)
    text = TINY_POLICY[:start] + f"typology_by_size = {grid}" + TINY_POLICY[end:]
    messages = _messages(text)
    assert len(messages) == 1 and messages[0].startswith(f"policy.toml, {expected}")


def test_many_problems_are_collected_in_one_pass():
    """Several independent mistakes are all reported, in file order."""
    text = (_edit("priority_min = 0.25", "priority_min = 2")
            .replace("ceilings_year = 2025", 'ceilings_year = "x"')
            .replace("hosted = 8", "hosted = \"8\""))
    assert [p.column for p in _parse(text).problems] == [
        "territory.ceilings_year", "quotas.priority_min", "cotation.rubric[1].points.hosted"]


def test_missing_sections():
    """[territory] and [[reservataires]] are required; an empty array is refused."""
    assert _messages("[quotas]\n") == ["policy.toml: [territory] is missing",
                                       "policy.toml: [reservataires] is missing: add at "
                                       "least one [[reservataires]] entry"]
    text = "reservataires = []\n" + TINY_POLICY[:TINY_POLICY.index("[[reservataires]]")]
    assert _messages(text) == ["policy.toml: [reservataires] needs at least one "
                               "[[reservataires]] entry"]


def test_top_level_table_written_inside_another():
    """A top-level key that lands inside a table (TOML scoping) is explained."""
    text = TINY_POLICY[:TINY_POLICY.index("[[reservataires]]")] + "reservataires = []\n"
    assert _messages(text)[0] == ("policy.toml, key 'quotas.reservataires': is not a known "
                                  "key; [reservataires] is a top-level table, not part of "
                                  "[quotas]")


def test_broken_policy_still_tells_the_names_it_could_read():
    """Names usable to check the tables survive a problem elsewhere in the file."""
    read = _parse(_edit("priority_min = 0.25", "priority_min = 7"))
    assert read.policy is None
    assert read.communes == ("Saint-Nazaire", "Pornichet", "Trignac")
    assert read.landlords == ("Silène", "Habitat 44")
    assert read.reservataires == ("etat", "action_logement", "commune", "bailleur")
    assert read.round_date == dt.date(2025, 3, 1)


def test_column_uses_and_check_columns():
    """Policy keys naming demand columns: absent ones suggest, non-numeric ones are named."""
    read = _parse(TINY_POLICY)
    assert ("cotation.rubric[1].points.hosted", "hosted") in read.uses
    numeric = ["priority", "dalo", "state_agent", "private_employee", "homeless", "hosted"]
    assert check_columns(read.uses, numeric, numeric) == []
    problems = check_columns(read.uses, ["priority", "dalo", "state_agent", "private_employee",
                                         "homeles", "hosted"],
                             ["priority", "dalo", "state_agent", "private_employee", "homeles",
                              "hosted"])
    assert [str(p) for p in problems] == [
        "policy.toml, key 'cotation.rubric[1].points.homeless': names the column 'homeless', "
        "which demands.csv does not have (did you mean 'homeles'?)"]
    problems = check_columns([("cotation.bonus.demand_id", "demand_id")], [], ["demand_id"])
    assert [str(p) for p in problems] == [
        "policy.toml, key 'cotation.bonus.demand_id': names the column 'demand_id' of "
        "demands.csv, which holds neither numbers nor true/false"]


def test_read_policy_file_problems(tmp_path):
    """Missing, empty, non-UTF-8 and syntactically broken files give one problem each."""
    path = tmp_path / "policy.toml"
    assert [str(p) for p in read_policy(path).problems] == ["policy.toml: the file is missing"]
    path.write_text("  \n", encoding="utf-8")
    assert [str(p) for p in read_policy(path).problems] == ["policy.toml: the file is empty"]
    path.write_bytes('name = "Silène"'.encode("cp1252"))
    assert "is not UTF-8 text" in str(read_policy(path).problems[0])
    path.write_text("[territory]\nname = \n", encoding="utf-8")
    (problem,) = read_policy(path).problems
    assert problem.row == 2 and problem.message.startswith("is not valid TOML")


def test_load_policy_raises_with_every_problem(tmp_path):
    """load_policy returns the policy, or raises DataError carrying all problems."""
    path = tmp_path / "policy.toml"
    path.write_text(TINY_POLICY, encoding="utf-8-sig")  # a BOM is fine
    assert load_policy(path).territory.name == "Tiny"
    path.write_text(_edit("priority_min = 0.25", "priority_min = 2")
                    .replace("share = 0.70", "share = 0.9"), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_policy(path)
    assert len(exc.value.problems) == 2


def test_state_agent_max_is_an_optional_quota_key():
    """`quotas.state_agent_max` (R441-5: at most 5 % of the flow for State employees) is
    read as a share when present, absent (None, not enforced) otherwise, and checked like
    every share."""
    assert _parse(TINY_POLICY).policy.quotas.state_agent_max is None
    text = _edit("state_outside_qpv_min = 0.30", "state_outside_qpv_min = 0.30\n"
                 "state_agent_max = 0.05")
    assert _parse(text).policy.quotas.state_agent_max == 0.05
    bad = _edit("state_outside_qpv_min = 0.30", "state_outside_qpv_min = 0.30\n"
                "state_agent_max = 1.5")
    assert any("quotas.state_agent_max" in m for m in _messages(bad))
