"""Acceptance: a real year through the command line, on SQLite and PostgreSQL.

Twelve monthly rounds of a generated territory (one landlord, so that its annual flow is
large enough for ± 5 % to be reachable): ``solve --ledger``, then ``record`` of what the
commission and the households did — attributions, refusals justified and not (the unit
is offered again the next month), leases, a withdrawal, and one attribution made outside
the tool — then ``bilan``. Checked:

- every annual flow account is within tolerance and the annual priority share ≥ the floor;
- the bilan's figures equal a recount made here from the events this test recorded and
  the input files (not from the ledger);
- the same year on SQLite and PostgreSQL gives identical bilan files;
- a second ``record`` of a month changes nothing; a round with decisions is not re-solved.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from ledger_support import pg_server  # noqa: F401 (fixture)
from attribution.cli import main
from attribution.models.generator import write_territory

MONTHS = 12
UNITS_PER_MONTH = 10
SOLVE = ["--quota-prices", "never", "--shortlists", "bound", "--time-limit", "20", "-q"]


def cli(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result.output


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """One generated territory: the demand file of the year and every unit freed in it."""
    root = tmp_path_factory.mktemp("year")
    write_territory(root / "base", 11, 500, MONTHS * UNITS_PER_MONTH + 1,
                    round_date=dt.date(2025, 1, 6), profile="carene")
    units = pd.read_csv(root / "base" / "units.csv", dtype=str, keep_default_na=False)
    units["landlord"] = "Silène"
    units["reservataire"] = ""
    units["outside_flow"] = "false"
    units.to_csv(root / "base" / "units.csv", index=False)
    return root / "base"


def month_folder(base: Path, root: Path, month: int, units: pd.DataFrame) -> Path:
    folder = root / f"round-{month:02d}"
    folder.mkdir(parents=True)
    (folder / "demands.csv").write_bytes((base / "demands.csv").read_bytes())
    units.to_csv(folder / "units.csv", index=False)
    policy = (base / "policy.toml").read_text(encoding="utf-8")
    policy = re.sub(r"round_date = \S+", f"round_date = {dt.date(2025, month, 6)}", policy)
    (folder / "policy.toml").write_text(policy, encoding="utf-8")
    return folder


def play_year(base: Path, root: Path, ledger: str) -> dict:
    """The year through the CLI; returns the events this test recorded, for the recount."""
    all_units = pd.read_csv(base / "units.csv", dtype=str, keep_default_na=False)
    outside_unit = all_units.iloc[-1:]
    all_units = all_units.iloc[:-1]
    leases, refusals, offered_again = [], [], pd.DataFrame(columns=all_units.columns)
    withdrawn = None
    for month in range(1, MONTHS + 1):
        fresh = all_units.iloc[(month - 1) * UNITS_PER_MONTH: month * UNITS_PER_MONTH]
        units = pd.concat([offered_again, fresh], ignore_index=True)
        folder = month_folder(base, root, month, units)
        out = root / f"results-{month:02d}"
        cli("solve", folder, "--out", out, "--ledger", ledger, "--user", "cil-test", *SOLVE)
        a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
        day = dt.date(2025, month, 6)
        rows, refused_units = [], []
        for i, r in enumerate(a.itertuples()):
            rows.append((r.unit_id, r.demand_id, "designated", day, "", "", ""))
            rows.append((r.unit_id, r.demand_id, "commission_attributed",
                         (day + dt.timedelta(days=7)).strftime("%d/%m/%Y"), "1", "", ""))
            if month < MONTHS and i % 4 == 1:
                justified = (i // 4) % 2 == 0
                reason = "logement trop éloigné" if justified else "étage"
                rows.append((r.unit_id, r.demand_id, "offer_refused",
                             day + dt.timedelta(days=10), "", str(justified).lower(), reason))
                refusals.append((justified, reason))
                refused_units.append(r.unit_id)
            else:
                lease_day = day + dt.timedelta(days=20)
                rows.append((r.unit_id, r.demand_id, "lease_signed", lease_day, "", "", ""))
                leases.append({"unit_id": r.unit_id, "demand_id": r.demand_id,
                               "reservataire": r.reservataire, "date": lease_day})
        if month == 3:   # a household withdraws its demand
            housed = {x["demand_id"] for x in leases} | set(a["demand_id"])
            d = pd.read_csv(base / "demands.csv", dtype=str)
            withdrawn = next(x for x in d["demand_id"] if x not in housed)
            rows.append(("", withdrawn, "withdrawn", day + dt.timedelta(days=3), "", "", ""))
        decisions = root / f"decisions-{month:02d}.csv"
        pd.DataFrame(rows, columns=["unit_id", "demand_id", "event", "date", "rank",
                                    "justified", "reason"]).to_csv(decisions, index=False)
        cli("record", ledger, decisions, "--user", "cil-test")
        if month == 2:   # recording the same file again changes nothing
            assert "0 new events" in cli("record", ledger, decisions)
            # and the round, now decided, is not solved again
            out2 = root / "results-02-again"
            text = cli("solve", folder, "--out", out2, "--ledger", ledger, *SOLVE, code=2)
            assert "already has commission decisions" in text
        if month == 6:   # one attribution made outside the tool, through the commune
            other = root / "outside"
            other.mkdir()
            (other / "demands.csv").write_bytes((base / "demands.csv").read_bytes())
            outside_unit.to_csv(other / "units.csv", index=False)
            (other / "policy.toml").write_bytes((folder / "policy.toml").read_bytes())
            housed = {x["demand_id"] for x in leases} | {withdrawn}
            d = pd.read_csv(base / "demands.csv", dtype=str)
            who = next(x for x in d["demand_id"][::-1] if x not in housed)
            lease_day = day + dt.timedelta(days=15)
            f = root / "outside.csv"
            pd.DataFrame([(outside_unit.iloc[0]["unit_id"], who, "lease_signed", lease_day,
                           "", "", "", "commune")],
                         columns=["unit_id", "demand_id", "event", "date", "rank",
                                  "justified", "reason", "reservataire"]).to_csv(f, index=False)
            assert "outside the tool" in cli("record", ledger, f, "--territory", other)
            leases.append({"unit_id": outside_unit.iloc[0]["unit_id"], "demand_id": who,
                           "reservataire": "commune", "date": lease_day})
        offered_again = units[units["unit_id"].isin(refused_units)]
    out = root / "bilan"
    cli("bilan", ledger, "--year", "2025", "--out", out)
    return {"leases": leases, "refusals": refusals, "bilan": out,
            "units": pd.concat([all_units, outside_unit])}


def months(a: dt.date, b: dt.date) -> int:
    return 12 * (b.year - a.year) + (b.month - a.month) - (1 if b.day < a.day else 0)


def check_against_recount(base: Path, played: dict) -> None:
    bilan = played["bilan"]
    flows = pd.read_csv(bilan / "flows.csv")
    units = played["units"].set_index("unit_id")
    demands = pd.read_csv(base / "demands.csv", dtype=str).set_index("demand_id")
    leases = pd.DataFrame(played["leases"])
    leases["landlord"] = units.loc[leases["unit_id"], "landlord"].to_numpy()
    true = lambda s: s.str.lower().isin(["true", "1"])  # noqa: E731
    pri = (true(demands["priority"]) | true(demands["dalo"])).loc[leases["demand_id"]]
    dalo = true(demands["dalo"]).loc[leases["demand_id"]]
    policy = (base / "policy.toml").read_text(encoding="utf-8")
    # Flows: recount per (landlord, réservataire) and check the tolerance exactly.
    n_b = leases.groupby("landlord").size()
    for r in flows.itertuples():
        let = int(((leases["landlord"] == r.landlord)
                   & (leases["reservataire"] == r.reservataire)).sum())
        assert r.units_let == let, r
        base_n = int(n_b.get(r.landlord, 0))
        if base_n:
            share = Fraction(let, base_n)
            ok = abs(share - Fraction(str(r.target))) <= Fraction(str(r.tolerance))
            assert bool(r.within_tolerance) == ok
            assert r.share == pytest.approx(float(share))
        assert r.within_tolerance, f"annual flow out of tolerance: {r}"
    assert int(n_b.sum()) == len(leases)
    # Priority share ≥ the floor, equal to the recount.
    p = pd.read_csv(bilan / "priority.csv")
    whole = p[p["group"] == "all"].iloc[0]
    assert whole["attributions"] == len(leases)
    assert whole["priority"] == int(pri.sum())
    assert whole["dalo"] == int(dalo.sum())
    floor = float(re.search(r"^priority_min = ([0-9.]+)", policy, re.M).group(1))
    assert pri.sum() >= floor * len(leases)
    # Refusals by reason.
    ref = pd.read_csv(bilan / "refusals.csv")
    expected = pd.Series(played["refusals"]).value_counts()
    assert ref["refusals"].sum() == len(played["refusals"])
    for r in ref.itertuples():
        assert r.refusals == expected[(bool(r.justified), r.reason)]
    # Observed wait: the overall median from registration to lease.
    waits = pd.read_csv(bilan / "waits.csv")
    overall = waits[(waits["typology"] == "all") & (waits["commune"] == "all")].iloc[0]
    reg = pd.to_datetime(demands.loc[leases["demand_id"], "registered_on"]).dt.date
    m = [months(a, b) for a, b in zip(reg, leases["date"])]
    assert overall["households"] == len(leases)
    assert overall["months_median"] == pytest.approx(float(pd.Series(m).median()))
    # Summary
    import json
    s = json.loads((bilan / "summary.json").read_text())
    assert s["outside_tool"] == 1 and s["attributions"] == len(leases)
    assert (bilan / "bilan.html").read_text().startswith("<!DOCTYPE html>")
    assert (bilan / "bilan.xlsx").stat().st_size > 0


@pytest.mark.usefixtures("english_messages")
def test_a_year_on_both_engines(base, tmp_path, request):
    played = play_year(base, tmp_path / "sqlite", str(tmp_path / "cil.db"))
    check_against_recount(base, played)
    server = request.getfixturevalue("pg_server")
    played_pg = play_year(base, tmp_path / "pg", server.new_database())
    for name in ("flows", "quotas", "priority", "dalo", "qpv", "communes", "refusals",
                 "waits"):
        a = (played["bilan"] / f"{name}.csv").read_bytes()
        b = (played_pg["bilan"] / f"{name}.csv").read_bytes()
        assert a == b, f"{name}.csv differs between SQLite and PostgreSQL"
    assert (played["bilan"] / "summary.json").read_bytes() == \
        (played_pg["bilan"] / "summary.json").read_bytes()
