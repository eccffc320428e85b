"""Scenario files: reading, checking (one sentence per problem, all at once) and applying
policy overrides to a territory."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from builders import random_territory
from attribution.models.errors import DataError
from attribution.scenarios.overrides import apply_overrides, parse_overrides
from attribution.scenarios.checks import Collector
from attribution.scenarios.spec import DEFAULT_REFUSALS, examples, load_scenario, parse_scenario


def _problems(raw: dict) -> list[str]:
    with pytest.raises(DataError) as info:
        parse_scenario(raw, "bad.toml")
    return [str(p) for p in info.value.problems]


def test_empty_file_gives_every_default():
    """An empty scenario is the bundled territory, unchanged policy, a 12-month year."""
    s = parse_scenario({}, "empty.toml", default_name="empty")
    assert s.name == "empty"
    assert s.territory.kind == "bundled"
    assert not s.policy
    assert s.supply.units_per_month == 114.75 and s.supply.financing_mix is None
    assert s.demand.arrivals_per_month is None and s.demand.lapse_rate == 0.20
    assert s.refusals.probability == DEFAULT_REFUSALS
    assert (s.simulation.months, s.simulation.seeds, s.simulation.max_offers) == (12, 10, 3)
    assert s.simulation.seed_list == tuple(range(10))


def test_full_file_is_read():
    """Every section is read into its typed field."""
    s = parse_scenario({
        "scenario": {"name": "x", "description": "d"},
        "territory": {"generate": {"seed": 3, "demands": 50, "units": 7}},
        "policy": {"quotas": {"priority_min": 0.3, "q1_outside_qpv_min": "off"}},
        "supply": {"units_per_month": 20, "financing_mix": {"PLUS": 0.9, "PLAI-A": 0.1}},
        "demand": {"arrivals_per_month": 12.5, "lapse_rate": 0.1},
        "simulation": {"start": dt.date(2025, 1, 1), "months": 3, "seeds": 2, "first_seed": 5,
                       "refusals": {"dalo": 0.0, "other": {"qpv": 0.5}}},
    })
    assert (s.territory.kind, s.territory.seed, s.territory.n_demands) == ("generate", 3, 50)
    assert dict(s.policy.values) == {"quotas.priority_min": 0.3, "quotas.q1_outside_qpv_min": None}
    assert s.supply.financing_mix == {"PLUS": 0.9, "PLAI-A": 0.1}
    assert (s.demand.arrivals_per_month, s.demand.lapse_rate) == (12.5, 0.1)
    assert s.simulation.seed_list == (5, 6)
    assert s.simulation.start == dt.date(2025, 1, 1)
    assert s.refusals.probability["dalo"] == (0.0, 0.0)
    assert s.refusals.probability["other"] == (DEFAULT_REFUSALS["other"][0], 0.5)


@pytest.mark.usefixtures("english_messages")
def test_unknown_keys_are_named_with_a_suggestion():
    """A misspelt key at any depth is reported with the closest known key."""
    problems = _problems({"polcy": {}, "simulation": {"monts": 3},
                          "policy": {"quotas": {"priority_mn": 0.3}}})
    assert problems == [
        "bad.toml: At top level: unknown key 'polcy'; did you mean 'policy'?",
        "bad.toml, key 'policy.quotas.priority_mn': Unknown key 'priority_mn'; did you mean "
        "'priority_min' or 'state_priority_min'?",
        "bad.toml, key 'simulation.monts': Unknown key 'monts'; did you mean 'months'?",
    ]


@pytest.mark.usefixtures("english_messages")
def test_every_problem_is_reported_at_once():
    """Out-of-range values in several sections all come back in one DataError."""
    problems = _problems({"simulation": {"seeds": 0, "months": 1.5},
                          "policy": {"quotas": {"priority_min": 1.2}},
                          "demand": {"lapse_rate": -0.1},
                          "supply": {"financing_mix": {"PLUS": 0.5}}})
    assert len(problems) == 5
    assert "bad.toml, key 'simulation.seeds': Expected an integer ≥ 1; got 0." in problems
    assert "bad.toml, key 'simulation.months': Expected an integer ≥ 1; got 1.5." in problems
    assert ("bad.toml, key 'policy.quotas.priority_min': Expected a number between 0 and 1; "
            "got 1.2." in problems)
    assert "bad.toml, key 'supply.financing_mix': Expected shares summing to 1; got 0.500." \
        in problems


@pytest.mark.usefixtures("english_messages")
def test_wrong_types_are_problems_not_crashes():
    """A table where a value is expected (and the reverse) is one problem each."""
    problems = _problems({"supply": 3, "simulation": {"start": "2025-01-01",
                                                      "carry_over": "yes"}})
    assert problems == [
        "bad.toml: At top level: expected a table; got 3.",
        "bad.toml, key 'simulation.start': Expected a date YYYY-MM-DD (unquoted); got "
        "'2025-01-01'.",
        "bad.toml, key 'simulation.carry_over': Expected true or false; got 'yes'.",
    ]


@pytest.mark.usefixtures("english_messages")
def test_territory_folder_must_exist(tmp_path):
    """A territory path that is not a folder is reported, relative to the file's folder."""
    problems = _problems({"territory": {"source": "nowhere"}})
    assert len(problems) == 1 and "is not a folder" in problems[0]
    s = parse_scenario({"territory": {"source": "."}}, base_dir=tmp_path)
    assert s.territory.kind == "path" and s.territory.path == tmp_path


@pytest.mark.usefixtures("english_messages")
def test_missing_file_names_the_examples(tmp_path):
    """A scenario that does not exist lists the shipped examples."""
    with pytest.raises(DataError, match="shipped examples: .*baseline"):
        load_scenario(tmp_path / "nope.toml")


@pytest.mark.usefixtures("english_messages")
def test_invalid_toml_is_a_data_error(tmp_path):
    """A TOML syntax error is one problem, not a traceback."""
    f = tmp_path / "broken.toml"
    f.write_text("[policy\n", encoding="utf-8")
    with pytest.raises(DataError, match="broken.toml: Expected valid TOML"):
        load_scenario(f)


def test_shipped_examples_are_valid():
    """At least three CIA scenarios ship, and each one reads without a problem."""
    names = examples()
    assert {"baseline", "priority-30", "plai-a-supply", "action-logement-flow"} <= set(names)
    for name in names:
        assert load_scenario(name).name == name


# --- overrides --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def territory():
    return random_territory(1, 30, 5)


def _overrides(raw: dict):
    out = Collector("s.toml")
    parsed = parse_overrides(raw, out)
    assert not out.problems, out.problems
    return parsed


def test_quota_override_and_off(territory):
    """A share replaces the quota; "off" removes it (None = not enforced)."""
    t = apply_overrides(territory, _overrides(
        {"quotas": {"priority_min": 0.3, "non_q1_in_qpv_min": "off"}}))
    assert t.policy.quotas.priority_min == 0.3
    assert t.policy.quotas.non_q1_in_qpv_min is None
    assert t.policy.quotas.q1_outside_qpv_min == territory.policy.quotas.q1_outside_qpv_min
    assert territory.policy.quotas.priority_min == 0.25  # the base is untouched


def test_cotation_overrides(territory):
    """Integers, one bonus column and a replacement set of rubrics."""
    t = apply_overrides(territory, _overrides({"cotation": {
        "refusal_malus": 25, "bonus": {"dalo": 60, "priority": 0},
        "rubric": [{"name": "housing", "points": {"homeless": 30}}]}}))
    c = t.policy.cotation
    assert c.refusal_malus == 25
    assert c.bonus == {"dalo": 60}          # 0 points = no bonus
    assert [(r.name, r.points) for r in c.rubrics] == [("housing", {"homeless": 30})]


def test_flow_override_for_every_landlord(territory):
    """landlord = "*" changes that réservataire's flow at every landlord holding one."""
    t = apply_overrides(territory, _overrides({"flows": [
        {"landlord": "*", "reservataire": "etat", "share": 0.25},
        {"landlord": "*", "reservataire": "bailleur", "share": 0.30, "tolerance": 0.1}]}))
    etat = [f for f in t.policy.flows if f.reservataire == "etat"]
    assert len(etat) == 5 and all(f.share == 0.25 and f.tolerance == 0.05 for f in etat)
    own = [f for f in t.policy.flows if f.reservataire == "bailleur"]
    assert all(f.share == 0.30 and f.tolerance == 0.1 for f in own)


@pytest.mark.usefixtures("english_messages")
def test_flow_override_names_are_checked(territory):
    """Unknown landlord or réservataire, and shares above 1, are problems."""
    with pytest.raises(DataError) as info:
        apply_overrides(territory, _overrides({"flows": [
            {"landlord": "Silene", "reservataire": "etat", "share": 0.3},
            {"landlord": "Silène", "reservataire": "state", "share": 0.3},
            {"landlord": "Silène", "reservataire": "commune", "share": 0.9}]}))
    text = [str(p) for p in info.value.problems]
    assert any("got 'Silene'" in s and "did you mean 'Silène'" in s for s in text)
    assert any("got 'state'" in s for s in text)
    assert any("flow shares of 'Silène' to sum to at most 1" in s for s in text)


@pytest.mark.usefixtures("english_messages")
def test_bonus_on_unknown_column_is_a_problem(territory):
    """A bonus on a column the demand file does not have is named with a suggestion."""
    with pytest.raises(DataError, match="policy.cotation.bonus.homeles.*did you mean 'homeless'"):
        apply_overrides(territory, _overrides({"cotation": {"bonus": {"homeles": 5}}}))


@pytest.mark.usefixtures("english_messages")
def test_reservataire_eligibility_override(territory):
    """eligible_if_any of one réservataire is replaced; an unknown id is a problem."""
    t = apply_overrides(territory, _overrides(
        {"reservataires": {"action_logement": {"eligible_if_any": ["private_employee",
                                                                     "mutation"]}}}))
    rules = {r.id: r.eligible_if_any for r in t.policy.reservataires}
    assert rules["action_logement"] == ("private_employee", "mutation")
    with pytest.raises(DataError, match="Expected a réservataire of the policy"):
        apply_overrides(territory, _overrides({"reservataires": {"x": {"eligible_if_any": []}}}))


def test_spatial_balance_and_eligibility_overrides(territory):
    """Ranges, slack and the typology grid are replaced key by key."""
    t = apply_overrides(territory, _overrides({
        "spatial_balance": {"q1_share": [0.2, 0.5], "priority_share": "off", "slack_units": 2},
        "eligibility": {"max_rent_burden": 0.3, "typology_by_size": {"1": ["T1"]}}}))
    sb = t.policy.spatial_balance
    assert (sb.q1_share, sb.priority_share, sb.slack_units) == ((0.2, 0.5), None, 2)
    assert t.policy.eligibility.max_rent_burden == 0.3
    assert t.policy.eligibility.typology_by_size[1] == ("T1",)
    assert t.policy.eligibility.typology_by_size[2] == ("T2", "T3")


@pytest.mark.usefixtures("english_messages")
def test_bad_override_values_are_collected():
    """Bad ranges, sizes and typologies are all reported by the reader."""
    out = Collector("s.toml")
    parse_overrides({"spatial_balance": {"q1_share": [0.5, 0.2]},
                     "eligibility": {"typology_by_size": {"9": ["T1"], "2": ["T9"]}},
                     "territory": {"round_date": 1}}, out)
    text = [str(p) for p in out.problems]
    assert len(text) == 4
    assert any("Unknown key 'round_date'" in s for s in text)
    assert any("[min, max]" in s for s in text)
    assert any("household size 1 to 6" in s for s in text)
    assert any("got 'T9'" in s for s in text)


def test_scenario_is_frozen_and_simulation_can_be_overridden():
    """with_simulation returns a copy; None values keep the file's value."""
    s = parse_scenario({"simulation": {"months": 4}})
    t = s.with_simulation(months=None, seeds=3)
    assert (t.simulation.months, t.simulation.seeds, s.simulation.seeds) == (4, 3, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "other"  # type: ignore[misc]
