"""Shared fixtures: a tiny valid territory folder written by hand.

``write_tiny_territory(path)`` writes ``demands.csv`` (8 demands), ``units.csv`` (4 units)
and ``policy.toml`` (3 communes, 2 landlords, the réservataires etat / action_logement /
commune / bailleur with flows, all quotas, a cotation grid with bonuses and one rubric).
Tests that need a malformed territory start from it and apply one defect.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TINY_DEMANDS = """\
demand_id,registered_on,household_size,adults,children_under_14,dependants,couple,ages_sum,disability,pmr_need,annual_income,monthly_income,housing_allowance,priority,dalo,mutation,anru,private_employee,state_agent,wished_communes,wished_typologies,refusals,homeless,hosted
D01,2022-01-15,1,1,0,0,false,,false,false,15000,1200,150,true,false,false,false,false,false,Saint-Nazaire,,0,true,false
D02,2023-06-01,2,2,0,0,true,50,false,false,24000,2100,0,false,false,true,false,true,false,Saint-Nazaire;Pornichet,T2;T3,0,false,false
D03,2021-09-30,3,1,2,2,false,,false,false,18000,1500,250,true,true,false,false,false,false,,,1,false,true
D04,2024-11-10,4,2,2,2,true,70,true,true,30000,2600,100,false,false,false,true,false,true,Trignac,,0,false,false
D05,2020-03-01,1,1,0,0,false,,false,false,9000,700,200,false,false,false,false,false,false,Pornichet;Trignac,T1;T2,2,false,true
D06,2024-02-29,5,2,3,3,true,80,false,false,35000,2900,300,true,false,false,false,true,false,Saint-Nazaire,,0,true,false
D07,2019-12-31,2,1,1,1,false,,false,false,16000,1300,180,false,true,false,false,false,false,Saint-Nazaire;Trignac,,0,false,false
D08,2023-01-01,6,2,4,4,true,90,false,false,41000,3300,0,false,false,true,false,false,false,Pornichet,T5;T6,0,false,false
"""

TINY_UNITS = """\
unit_id,landlord,commune,qpv,typology,rooms,surface_m2,rent,financing,pmr,available_on,reservataire,outside_flow
U01,Silène,Saint-Nazaire,true,T2,2,48.5,420.0,PLUS,false,2025-03-15,,false
U02,Silène,Pornichet,false,T3,3,65,510,PLAI,true,2025-04-01,etat,false
U03,Habitat 44,Trignac,false,T4,4,80,640,PLS,false,2025-03-20,,false
U04,Habitat 44,Saint-Nazaire,true,T1,1,30,310,PLAI-A,false,2025-03-10,,true
"""

TINY_POLICY = """\
[territory]
name = "Tiny"
communes = ["Saint-Nazaire", "Pornichet", "Trignac"]
round_date = 2025-03-01
ceilings_year = 2025
q1_threshold = "auto"

[quotas]
priority_min = 0.25
priority_min_per_reservataire = 0.25
state_priority_min = 0.95
q1_outside_qpv_min = 0.25
non_q1_in_qpv_min = 0.50
state_outside_qpv_min = 0.30

[[reservataires]]
id = "etat"
eligible_if_any = ["priority", "dalo", "state_agent"]

[[reservataires]]
id = "action_logement"
eligible_if_any = ["private_employee"]

[[reservataires]]
id = "commune"
eligible_if_any = []

[[reservataires]]
id = "bailleur"

[[flows]]
landlord = "Silène"
reservataire = "etat"
share = 0.30
tolerance = 0.05

[[flows]]
landlord = "Silène"
reservataire = "action_logement"
share = 0.20
tolerance = 0.05

[[flows]]
landlord = "Silène"
reservataire = "commune"
share = 0.20
tolerance = 0.05

[[flows]]
landlord = "Silène"
reservataire = "bailleur"
share = 0.30
tolerance = 0.05

[[flows]]
landlord = "Habitat 44"
reservataire = "etat"
share = 0.30
tolerance = 0.05

[[flows]]
landlord = "Habitat 44"
reservataire = "bailleur"
share = 0.70
tolerance = 0.05

[spatial_balance]
slack_units = 1
q1_share = [0.15, 0.45]
priority_share = [0.10, 0.60]

[eligibility]
max_rent_burden = 0.33
typology_by_size = { 1 = ["T1", "T2"], 2 = ["T2", "T3"], 3 = ["T3"], 4 = ["T3", "T4"], 5 = ["T4", "T5"], 6 = ["T5", "T6"] }

[cotation]
points_per_month = 1
overdue_months = 36
overdue_bonus = 20
refusal_malus = 10

[cotation.bonus]
dalo = 50
priority = 40

[[cotation.rubric]]
name = "current housing"
points = { homeless = 17, hosted = 8 }
"""


def write_tiny_territory(path: str | Path) -> Path:
    """Write the tiny valid territory into folder ``path`` (created) and return it."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demands.csv").write_text(TINY_DEMANDS, encoding="utf-8")
    (folder / "units.csv").write_text(TINY_UNITS, encoding="utf-8")
    (folder / "policy.toml").write_text(TINY_POLICY, encoding="utf-8")
    return folder


@pytest.fixture
def english_messages(monkeypatch):
    """Run a test in English (library calls, the commands' --lang default and the
    subprocesses they start): for tests that check the English source text of messages;
    the French of every message is checked by tests/test_i18n.py and
    tests/test_french_outputs.py."""
    from attribution.models.i18n import language
    monkeypatch.setenv("ATTRIBUTION_LANG", "en")
    with language("en"):
        yield


@pytest.fixture
def tiny_territory(tmp_path: Path) -> Path:
    """Folder holding the tiny valid territory."""
    return write_tiny_territory(tmp_path / "tiny")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's headless Chromium. Skipped on a developer machine without it; under CI
    (CI=true) a missing browser is a failure, since .ci/run installs it."""
    import os
    import shutil
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium is missing: .ci/run should have installed it")
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def territory(tmp_path_factory):
    """A small generated territory folder (seed 4, 250 demands, 12 units) for CLI tests."""
    from attribution.models.generator import write_territory
    path = tmp_path_factory.mktemp("t") / "territory"
    write_territory(path, 4, 250, 12)
    return path
