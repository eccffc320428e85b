"""Tests of models.generator: determinism, the contract's format, calibration, the bundled
territory and the ``attribution generate`` command.

Eligibility in the density and feasibility checks is recomputed here from the contract's
semantics with the ceilings typed from domain.md §6, independently of models.compatibility.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from attribution.models.generator import (
    BUNDLED,
    CARENE,
    PROFILES,
    bundled_territory_path,
    generate_territory,
    write_territory,
)
from attribution.models.generator.sampling import controlled_counts
from attribution.models.generator.tomlwrite import dumps

DEMAND_COLUMNS = [
    "demand_id", "registered_on", "household_size", "adults", "children_under_14",
    "dependants", "couple", "ages_sum", "disability", "pmr_need", "annual_income",
    "monthly_income", "housing_allowance", "priority", "dalo", "mutation", "anru",
    "private_employee", "state_agent", "wished_communes", "wished_typologies", "refusals",
]
UNIT_COLUMNS = [
    "unit_id", "landlord", "commune", "qpv", "typology", "rooms", "surface_m2", "rent",
    "financing", "pmr", "available_on", "reservataire", "outside_flow",
]
CRITERIA = ["homeless", "shelter", "hosted", "eviction", "violence", "unfit_housing",
            "overcrowded", "high_rent_burden", "single_parent"]
ROUND = dt.date(2025, 3, 1)

# domain.md §6, 2025: categories 1..6 then the per-extra-person amount.
PLUS_2025 = np.array([23201, 30984, 37259, 44982, 52915, 59636, 6652])
PLAI_2025 = np.array([12759, 18591, 22356, 24875, 29104, 32800, 3658])
PLS_2025 = (13 * PLUS_2025 + 5) // 10


@pytest.fixture(scope="module")
def small():
    """400 demands × 40 units, seed 7."""
    return generate_territory(7, 400, 40)


@pytest.fixture(scope="module")
def medium():
    """20,000 demands × 3,000 units, seed 11: large enough for shares to be stable."""
    return generate_territory(11, 20_000, 3_000)


@pytest.fixture(scope="module")
def bundled():
    """The bundled round regenerated in memory (a test checks it equals the shipped files)."""
    b = dict(BUNDLED)
    return generate_territory(b.pop("seed"), b.pop("n_demands"), b.pop("n_units"), **b)


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("demands.csv", "units.csv", "policy.toml")}


def _split(col: pd.Series) -> list[list[str]]:
    return [s.split(";") if s else [] for s in col]


# --- determinism -------------------------------------------------------------------------

def test_same_seed_writes_identical_files(tmp_path):
    """Two runs with the same seed and sizes write byte-identical files."""
    a = write_territory(tmp_path / "a", 3, 300, 25)
    b = write_territory(tmp_path / "b", 3, 300, 25)
    assert _files(a) == _files(b)


def test_different_seed_writes_different_data(tmp_path):
    """Another seed changes both the demands and the units."""
    a = _files(write_territory(tmp_path / "a", 3, 300, 25))
    b = _files(write_territory(tmp_path / "b", 4, 300, 25))
    assert a["demands.csv"] != b["demands.csv"]
    assert a["units.csv"] != b["units.csv"]


def test_unit_count_does_not_change_the_demands():
    """Demands and units use independent streams: a bigger round keeps the same demands."""
    d1, _, _ = generate_territory(5, 200, 10)
    d2, _, _ = generate_territory(5, 200, 500)
    pd.testing.assert_frame_equal(d1, d2)


def test_bundled_files_are_the_generator_output(tmp_path):
    """The shipped models/data/carene is exactly what BUNDLED's parameters regenerate."""
    b = dict(BUNDLED)
    fresh = write_territory(tmp_path / "carene", b.pop("seed"), b.pop("n_demands"),
                            b.pop("n_units"), **b)
    assert _files(fresh) == _files(bundled_territory_path())


# --- the contract's format ---------------------------------------------------------------

def test_contract_columns_present_in_order(small):
    """Every contract column is there, in the contract's order, then the criteria."""
    demands, units, _ = small
    assert list(demands.columns) == DEMAND_COLUMNS + CRITERIA
    assert list(units.columns) == UNIT_COLUMNS


def test_csv_cells_follow_the_contract(tmp_path):
    """Booleans are true/false, dates ISO, lists ';'-separated names, ids unique."""
    folder = write_territory(tmp_path / "t", 8, 300, 30)
    d = pd.read_csv(folder / "demands.csv", dtype=str, keep_default_na=False)
    u = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    for frame, cols in ((d, ["couple", "priority", "dalo", "pmr_need"] + CRITERIA),
                        (u, ["qpv", "pmr", "outside_flow"])):
        assert set(np.unique(frame[cols].to_numpy())) == {"true", "false"}
    for col in (d.registered_on, u.available_on):
        assert col.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    communes = set(CARENE.communes)
    assert all(set(w) <= communes for w in _split(d.wished_communes))
    assert all(set(w) <= {f"T{k}" for k in range(1, 7)} for w in _split(d.wished_typologies))
    assert d.demand_id.is_unique and u.unit_id.is_unique


def test_categorical_values_are_known(small):
    """Units name only the profile's communes and landlords, known financings, typologies
    and réservataires; outside-flow units name no réservataire."""
    _, units, policy = small
    assert set(units.commune) <= set(policy["territory"]["communes"])
    assert set(units.landlord) <= set(policy["territory"]["landlords"])
    assert set(units.financing) <= {"PLAI", "PLAI-A", "PLUS", "PLS"}
    assert (units.typology == "T" + units.rooms.astype(str)).all()
    assert set(units.reservataire) <= {"", "etat", "action_logement", "commune", "bailleur"}
    assert (units.reservataire[units.outside_flow] == "").all()


def test_household_arithmetic(medium):
    """adults + children_under_14 = household_size, adults ≥ 1, dependants consistent."""
    d, _, _ = medium
    assert (d.adults + d.children_under_14 == d.household_size).all()
    assert (d.adults >= 1).all() and (d.children_under_14 >= 0).all()
    assert (d.dependants == d.household_size - 1 - d.couple).all()
    assert not (d.couple & (d.household_size < 2)).any()
    assert (d.single_parent == (~d.couple & (d.dependants > 0))).all()
    assert (d.dalo <= d.priority).all() and (d.pmr_need <= d.disability).all()


def test_money_and_dates_are_in_range(medium):
    """Incomes and rents non-negative, registrations within 8 years before the round,
    availabilities after it."""
    d, u, _ = medium
    assert (d[["annual_income", "monthly_income", "housing_allowance"]] >= 0).all().all()
    assert (d.monthly_income > 0).all()
    days = (pd.Timestamp(ROUND) - d.registered_on).dt.days
    assert days.between(0, 8 * 365).all()
    assert (u.available_on >= pd.Timestamp(ROUND)).all() and (u.rent > 0).all()


# --- calibration (domain.md §1, docs/calibration.md) -------------------------------------

def test_calibration_of_demands(medium):
    """Half single people, 25-30 % priority, ~30 % mutation, ~80 % under PLUS, median
    seniority 15-20 months, Saint-Nazaire the most wished commune."""
    d, _, _ = medium
    assert abs((d.household_size == 1).mean() - 0.50) < 0.02
    assert 0.25 <= (d.priority | d.dalo).mean() <= 0.30
    assert 0.005 < d.dalo.mean() < 0.03 and 0.002 < d.anru.mean() < 0.02
    assert abs(d.mutation.mean() - 0.30) < 0.02
    cat = _category(d)
    assert 0.75 <= (d.annual_income <= _ceiling(PLUS_2025, cat)).mean() <= 0.85
    months = (pd.Timestamp(ROUND) - d.registered_on).dt.days / 30.44
    assert 15 <= months.median() <= 20
    first = d.wished_communes.str.split(";").str[0]
    assert first[first != ""].value_counts().index[0] == "Saint-Nazaire"
    assert 0.6 < d.wished_communes.str.contains("Saint-Nazaire").mean() < 0.9
    assert 0.01 < (d.wished_communes == "").mean() < 0.08


def test_calibration_of_units(medium):
    """27.8 % in QPV, all in Saint-Nazaire; Silène the largest with ~88 % in Saint-Nazaire."""
    _, u, _ = medium
    assert abs(u.qpv.mean() - 0.278) < 0.002
    assert (u.commune[u.qpv] == "Saint-Nazaire").all()
    silene = u[u.landlord == "Silène"]
    assert u.landlord.value_counts().index[0] == "Silène"
    assert abs((silene.commune == "Saint-Nazaire").mean() - 0.88) < 0.03
    assert set(u.commune) == set(CARENE.communes)
    assert 0.05 < u.pmr.mean() < 0.12 and 0.01 < u.outside_flow.mean() < 0.06


def test_small_round_keeps_the_qpv_share():
    """Controlled sampling: every 115-unit round has 31 or 32 QPV units (27.8 % = 31.97)."""
    counts = {int(generate_territory(s, 10, 115)[1].qpv.sum()) for s in range(12)}
    assert counts <= {31, 32}


def test_controlled_counts_stay_within_one_of_expectation():
    """Each cell gets floor or ceil of n·p and the counts add up to n."""
    p = np.array([0.5, 0.3, 0.15, 0.05])
    counts = controlled_counts(17, p, np.random.default_rng(0))
    assert counts.sum() == 17
    assert (np.abs(counts - 17 * p) < 1).all()


# --- policy ------------------------------------------------------------------------------

def test_policy_file_reads_back_as_the_policy_dict(tmp_path, small):
    """policy.toml parsed by tomllib equals the returned policy dict."""
    folder = write_territory(tmp_path / "t", 7, 400, 40)
    with open(folder / "policy.toml", "rb") as fh:
        assert tomllib.load(fh) == small[2]


def test_policy_holds_every_quota_and_balanced_flows(small):
    """All six quotas of the contract; each landlord's flows sum to 1; State 30 %."""
    _, _, p = small
    assert p["quotas"] == {
        "priority_min": 0.25, "priority_min_per_reservataire": 0.25,
        "state_priority_min": 0.95, "q1_outside_qpv_min": 0.25, "non_q1_in_qpv_min": 0.50,
        "state_outside_qpv_min": 0.30}
    shares = pd.DataFrame(p["flows"]).groupby("landlord").share.sum()
    assert np.allclose(shares, 1.0) and set(shares.index) == set(p["territory"]["landlords"])
    assert {f["share"] for f in p["flows"] if f["reservataire"] == "etat"} == {0.30}
    assert p["reservataires"][0] == {"id": "etat",
                                     "eligible_if_any": ["priority", "dalo", "state_agent"]}
    assert p["eligibility"]["max_rent_burden"] == 0.33


def test_cotation_grid_is_labelled_illustrative_and_uses_existing_columns(tmp_path, small):
    """The file says the grid is illustrative; every criterion it names is a column."""
    demands, _, p = small
    text = (write_territory(tmp_path / "t", 7, 400, 40) / "policy.toml").read_text("utf-8")
    assert "ILLUSTRATIVE cotation grid" in text
    named = set(p["cotation"]["bonus"])
    for rubric in p["cotation"]["rubric"]:
        named |= set(rubric["points"])
    assert named <= set(demands.columns)


def test_toml_writer_round_trips_nested_shapes():
    """Tables, arrays of tables, inline tables, dates and escaped strings read back."""
    doc = {"a": {"s": 'q"\\', "d": dt.date(2025, 1, 2), "l": [1, 2.5], "b": True,
                 "t": {"1": ["x"]}},
           "arr": [{"n": 1, "p": {"k": 2}}, {"n": 2, "p": {}}]}
    text = dumps(doc, inline=frozenset({"a.t", "arr.p"}), header="hello",
                 comments={"arr": "note"})
    assert tomllib.loads(text) == doc
    assert text.startswith("# hello") and text.count("# note") == 1


def test_metro_profile_is_marked_synthetic():
    """The metro profile has 30 made-up communes and 12 landlords, all named synthetic."""
    _, units, policy = generate_territory(1, 500, 300, profile="metro")
    communes = policy["territory"]["communes"]
    assert len(communes) == 30 and all(c.startswith("Synthetic-") for c in communes)
    assert len(policy["territory"]["landlords"]) == 12
    assert all(name.startswith("Synth-") for name in policy["territory"]["landlords"])
    assert set(units.commune) <= set(communes)
    assert abs(PROFILES["metro"].qpv_total - 0.28) < 0.01


# --- parameters and writing --------------------------------------------------------------

@pytest.mark.parametrize("kwargs, word", [
    ({"seed": -1}, "'seed'"), ({"seed": 1.5}, "'seed'"), ({"n_demands": 0}, "'n_demands'"),
    ({"n_units": 0}, "'n_units'"), ({"profile": "paris"}, "'profile'"),
    ({"round_date": "2025-02-30"}, "'round_date'"),
])
def test_bad_parameters_are_refused_with_their_name(kwargs, word):
    """Each bad parameter raises ValueError naming it."""
    args = {"seed": 1, "n_demands": 10, "n_units": 5} | kwargs
    with pytest.raises(ValueError, match=word):
        generate_territory(args.pop("seed"), args.pop("n_demands"), args.pop("n_units"), **args)


def test_round_date_sets_ceilings_year_and_dates():
    """A 2026 round uses the 2026 ceilings; a 2030 round the latest table (2026)."""
    d, _, p = generate_territory(1, 50, 5, round_date="2026-06-01")
    assert p["territory"]["ceilings_year"] == 2026
    assert p["territory"]["round_date"] == dt.date(2026, 6, 1)
    assert (d.registered_on <= pd.Timestamp("2026-06-01")).all()
    assert generate_territory(1, 5, 5, round_date="2030-01-01")[2]["territory"]["ceilings_year"] == 2026


@pytest.mark.usefixtures("english_messages")
def test_existing_non_empty_folder_is_refused_then_replaced(tmp_path):
    """A folder generate did not write is never replaced, even with overwrite; one it
    wrote is replaced whole, and only while it holds nothing else (issue 10's probe:
    `generate DIR --force` emptied any non-empty folder)."""
    from attribution.models.io.folders import OutputFolderError
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputFolderError, match="already exists; pass --force"):
        write_territory(out, 1, 20, 5)
    with pytest.raises(OutputFolderError, match="did not write"):
        write_territory(out, 1, 20, 5, overwrite=True)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    out = tmp_path / "gen"
    write_territory(out, 1, 20, 5)
    write_territory(out, 2, 20, 5, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["demands.csv", "manifest.json",
                                                     "policy.toml", "units.csv"]
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match="notes.txt"):
        write_territory(out, 3, 20, 5, overwrite=True)
    (out / "notes.txt").unlink()
    with open(out / "policy.toml", "a", encoding="utf-8") as f:
        f.write("# tuned by hand\n")
    with pytest.raises(OutputFolderError, match=r"policy.toml \(changed since"):
        write_territory(out, 3, 20, 5, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen", "out"]  # no temporary left


def test_empty_existing_folder_is_filled(tmp_path):
    """An empty existing folder is not 'non-empty': it is written without overwrite."""
    (tmp_path / "out").mkdir()
    write_territory(tmp_path / "out", 1, 20, 5)
    assert (tmp_path / "out" / "units.csv").exists()


# --- the bundled round: density and a relaxed feasibility check --------------------------

def _category(d: pd.DataFrame) -> np.ndarray:
    size, dep = d.household_size.to_numpy(), d.dependants.to_numpy()
    young = d.couple.to_numpy() & (d.ages_sum.to_numpy() > 0) & (d.ages_sum.to_numpy() <= 55)
    plain = np.where(size == 1, 1, np.where((size == 2) & young, 3, size))
    cat = np.where(dep > 0, np.maximum(size, dep + 2), plain)
    # a disabled member counts one person more (arrêté of 29 July 1987)
    return np.where(d.disability.to_numpy(), np.maximum(cat, size + 1), cat)


def _ceiling(table: np.ndarray, cat: np.ndarray) -> np.ndarray:
    return table[np.minimum(cat, 6) - 1] + np.maximum(cat - 6, 0) * table[6]


def _compatible(d: pd.DataFrame, u: pd.DataFrame, p: dict) -> np.ndarray:
    """Dense (demand, unit) compatibility per the contract (réservataire aside)."""
    cat = _category(d)
    ceilings = {"PLUS": _ceiling(PLUS_2025, cat), "PLS": _ceiling(PLS_2025, cat),
                "PLAI": _ceiling(PLAI_2025, cat), "PLAI-A": _ceiling(PLAI_2025, cat)}
    income = d.annual_income.to_numpy()
    grid = p["eligibility"]["typology_by_size"]
    size6 = np.minimum(d.household_size.to_numpy(), 6)
    wt, wc = _split(d.wished_typologies), _split(d.wished_communes)
    monthly = d.monthly_income.to_numpy()
    allowance = d.housing_allowance.to_numpy()
    ok = np.zeros((len(d), len(u)), dtype=bool)
    for j, unit in enumerate(u.itertuples()):
        in_grid = np.array([unit.typology in grid[str(s)] for s in range(1, 7)])[size6 - 1]
        typ = np.array([not w or unit.typology in w for w in wt])
        com = np.array([not w or unit.commune in w for w in wc])
        burden = (unit.rent - allowance) <= p["eligibility"]["max_rent_burden"] * monthly
        pmr = ~d.pmr_need.to_numpy() | unit.pmr
        ok[:, j] = (income <= ceilings[unit.financing]) & in_grid & typ & com & burden & pmr
    return ok


def test_bundled_round_density_is_realistic(bundled):
    """Every unit has at least 3 candidates (CALEOL examines 3) and the mean per unit is a
    few hundred to ~1,500 (performance.md: 116,718 pairs on 6,000 × 120)."""
    d, u, p = bundled
    per_unit = _compatible(d, u, p).sum(axis=0)
    assert per_unit.min() >= 3
    assert 300 <= per_unit.mean() <= 1500


def test_bundled_round_can_let_almost_every_unit_under_all_quotas(bundled):
    """A relaxation (each demand type reusable, candidates abound) of the round lets ≥ 95 %
    of the units with every hard quota, flow and spatial bound of the policy satisfied."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    d, u, p = bundled
    ok = _compatible(d, u, p)
    uc = 1 + 0.5 * (d.adults - 1) + 0.3 * d.children_under_14
    ipu = (12 * d.monthly_income / uc).to_numpy()
    q1 = ipu <= np.percentile(ipu, 25)
    prio = (d.priority | d.dalo).to_numpy()
    res = [r["id"] for r in p["reservataires"]]
    elig = {r["id"]: (d[r["eligible_if_any"]].any(axis=1).to_numpy() if r["eligible_if_any"]
                      else np.ones(len(d), bool)) for r in p["reservataires"]}
    # variables: (unit, réservataire, priority?, q1?) with at least one candidate
    var = []
    for j, unit in enumerate(u.itertuples()):
        routes = [""] if unit.outside_flow else ([unit.reservataire] if unit.reservataire else res)
        for r in routes:
            cand = ok[:, j] & (elig[r] if r else True)
            for pr in (0, 1):
                for q in (0, 1):
                    if (cand & (prio == pr) & (q1 == q)).any():
                        var.append((j, r, pr, q))
    v = pd.DataFrame(var, columns=["unit", "res", "prio", "q1"])
    v["qpv"] = u.qpv.to_numpy()[v.unit]
    v["landlord"] = u.landlord.to_numpy()[v.unit]
    v["commune"] = u.commune.to_numpy()[v.unit]
    v["inflow"] = v.res != ""
    rows, lo, hi = [], [], []

    def geq(coef, bound=0.0):
        rows.append(np.asarray(coef, dtype=float)); lo.append(bound); hi.append(np.inf)

    def leq(coef, bound=0.0):
        rows.append(np.asarray(coef, dtype=float)); lo.append(-np.inf); hi.append(bound)

    for j in range(len(u)):
        leq(v.unit == j, 1.0)
    q = p["quotas"]
    one = np.ones(len(v))
    geq(v.prio - q["priority_min"] * one)
    for r in res:
        share = q["state_priority_min"] if r == "etat" else q["priority_min_per_reservataire"]
        geq((v.res == r) * (v.prio - share))
    geq((v.res == "etat") * (~v.qpv - q["state_outside_qpv_min"]))
    geq(~v.qpv * (v.q1 - q["q1_outside_qpv_min"]))
    geq(v.qpv * ((1 - v.q1) - q["non_q1_in_qpv_min"]))
    for f in p["flows"]:
        nb = (v.landlord == f["landlord"]) & v.inflow
        nbr = nb & (v.res == f["reservataire"])
        geq(nbr - (f["share"] - f["tolerance"]) * nb, -1.0)
        leq(nbr - (f["share"] + f["tolerance"]) * nb, 1.0)
    sb = p["spatial_balance"]
    for c in p["territory"]["communes"]:
        in_c = (v.commune == c).to_numpy()
        for group, (mn, mx) in ((v.q1, sb["q1_share"]), (v.prio, sb["priority_share"])):
            geq(in_c * (group - mn), -sb["slack_units"])
            leq(in_c * (group - mx), sb["slack_units"])
    result = milp(-one, constraints=LinearConstraint(np.array(rows), lo, hi),
                  integrality=one, bounds=Bounds(0, 1))
    assert result.status == 0
    assert -result.fun >= 0.95 * len(u)


# --- loading through the readers (models.io.readers, models.compatibility) ------------------

def test_bundled_and_generated_territories_load_without_problems(tmp_path):
    """load_territory accepts the bundled folder and a freshly generated metro one."""
    readers = pytest.importorskip("attribution.models.io.readers")
    bundled_t = readers.load_territory(bundled_territory_path())
    assert len(bundled_t.demands) == 6002 and len(bundled_t.units) == 115
    metro = readers.load_territory(write_territory(tmp_path / "m", 2, 500, 60, profile="metro"))
    assert len(metro.policy.territory.communes) == 30


def test_compatibility_module_agrees_with_this_independent_count(bundled):
    """attribution.models.compatibility finds the same (demand, unit) pairs as the dense check here,
    once units pre-oriented to a réservataire keep only that réservataire's public."""
    readers = pytest.importorskip("attribution.models.io.readers")
    compat = pytest.importorskip("attribution.models.compatibility")
    graph = compat.build_graph(readers.load_territory(bundled_territory_path()))
    pairs = np.unique(np.stack([graph.demand, graph.unit]), axis=1)
    d, u, p = bundled
    ok = _compatible(d, u, p)
    for r in p["reservataires"]:  # a unit named for a réservataire admits only its public
        if r["eligible_if_any"]:
            named = (u.reservataire == r["id"]).to_numpy()
            ok[:, named] &= d[r["eligible_if_any"]].any(axis=1).to_numpy()[:, None]
    expected = np.nonzero(ok)
    assert pairs.shape[1] == len(expected[0])
    assert np.array_equal(pairs, np.stack(expected)[:, np.lexsort(expected[::-1])])


def test_hard_coded_ceilings_match_the_ceilings_data():
    """The generator's calibration figures equal models/data/ceilings.toml."""
    ceilings = pytest.importorskip("attribution.models.ceilings")
    from attribution.models.generator import incomes
    for year, row in incomes.PLUS_CEILINGS.items():
        assert tuple(ceilings.ceiling_table(year, "PLUS")) == row
    assert tuple(ceilings.ceiling_table(2025, "PLAI")) == incomes.PLAI_2025


# --- the CLI -----------------------------------------------------------------------------

@pytest.mark.usefixtures("english_messages")
def test_cli_generate_writes_a_territory(tmp_path):
    """`attribution generate OUT --demands --units --seed` exits 0 and writes three files."""
    from attribution.cli import main
    out = tmp_path / "t"
    result = CliRunner().invoke(main, ["generate", str(out), "--demands", "50",
                                       "--units", "8", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "50 demands, 8 units" in result.output
    assert _files(out) == _files(write_territory(tmp_path / "ref", 4, 50, 8))


def test_cli_generate_refuses_a_non_empty_folder_without_force(tmp_path):
    """A non-empty OUT_DIR gives exit 2 and a message naming --force; --force replaces
    a territory generate wrote, and refuses (exit 2, x named) one holding a user's file."""
    from attribution.cli import main
    out = tmp_path / "t"
    out.mkdir()
    (out / "x").write_text("x")
    result = CliRunner().invoke(main, ["generate", str(out), "--demands", "5", "--units", "2"])
    assert result.exit_code == 2 and "--force" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, ["generate", str(out), "--demands", "5", "--units", "2",
                                       "--force"])
    assert result.exit_code == 2 and (out / "x").read_text() == "x"
    (out / "x").unlink()
    for seed in ("1", "2"):
        result = CliRunner().invoke(main, ["generate", str(out), "--demands", "5", "--units",
                                           "2", "--force", "--seed", seed])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args", [["--profile", "paris"], ["--units", "0"],
                                  ["--round-date", "01/03/2025"], ["--seed", "-2"]])
def test_cli_generate_usage_errors_exit_2(tmp_path, args):
    """Bad options are usage errors (exit 2), without a traceback."""
    from attribution.cli import main
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "t"), *args])
    assert result.exit_code == 2 and "Traceback" not in result.output
