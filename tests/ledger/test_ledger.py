"""The ledger on both engines: migrations, record (checks, idempotence, contradictions,
transactions, concurrency), the year's accounts against a recount, the round lifecycle,
refusals, observed waits and retention."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from attribution.ledger.store import head_revision
from click.testing import CliRunner

from ledger_support import ledger_target, pg_server  # noqa: F401 (fixtures)
from attribution.cli import main
from attribution.ledger import LedgerError, open_ledger
from attribution.ledger import schema
from attribution.ledger.accounts import year_accounts
from attribution.ledger.events import record
from attribution.ledger.retention import purge
from attribution.ledger.store import database_url
from attribution.ledger.rounds import snapshot_territory, state_at
from attribution.models.errors import DataError
from attribution.models.generator import write_territory
from attribution.models.io.readers import load_territory
from attribution.scenarios.accounts import annual_check

COLUMNS = ["unit_id", "demand_id", "event", "date", "rank", "justified", "reason"]


def cli(*args, code=0) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def write_events(path: Path, rows, extra=()) -> Path:
    pd.DataFrame(rows, columns=COLUMNS + list(extra)).to_csv(path, index=False)
    return path


def free_units(t) -> list[str]:
    """Units that name no réservataire and are in the flow (any réservataire may be named)."""
    return [x for x, r, o in zip(t.units.ids, t.units.reservataire, t.units.outside_flow)
            if r < 0 and not o]


def count(ledger, table) -> int:
    with ledger.reading() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()


@pytest.fixture(scope="module")
def territory(tmp_path_factory):
    """A small generated territory folder (60 demands, 16 units) and its loaded form."""
    folder = tmp_path_factory.mktemp("terr") / "t"
    write_territory(folder, 5, 60, 16, round_date=dt.date(2025, 3, 3), profile="carene")
    return folder, load_territory(folder)


@pytest.fixture
def known(ledger_target, territory):
    """A ledger that knows the territory's units and demands (no round yet)."""
    ledger = open_ledger(ledger_target, "tester")
    with ledger.writing() as conn:
        snapshot_territory(conn, territory[1], None)
    yield ledger
    ledger.close()


# --- migrations -------------------------------------------------------------------

def test_an_older_ledger_is_migrated_and_keeps_its_rows(ledger_target):
    old = open_ledger(ledger_target, "v1", migrate_to="0001")
    assert old.revision() == "0001"
    with old.writing() as conn:
        assert not sa.inspect(conn).has_table("audit")
        batch = conn.execute(schema.batches.insert().values(
            file_name="f.csv", file_sha256="0" * 64, rows=1, new_events=1,
            recorded_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), recorded_by="v1")
        ).inserted_primary_key[0]
        conn.execute(schema.events.insert().values(
            unit_id="U1", demand_id="D1", event="lease_signed", event_date=dt.date(2025, 1, 2),
            outside_tool=True, batch_id=batch,
            recorded_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), recorded_by="v1"))
    old.close()
    new = open_ledger(ledger_target, "v2")
    assert new.revision() == head_revision() == "0003"
    with new.reading() as conn:
        assert conn.execute(sa.select(schema.events.c.demand_id)).scalar() == "D1"
        actions = [a for (a,) in conn.execute(sa.select(schema.audit.c.action))]
    assert actions == ["migrate"]
    new.close()


@pytest.mark.usefixtures("english_messages")
def test_a_newer_ledger_is_refused(ledger_target):
    open_ledger(ledger_target).close()
    engine = sa.create_engine(database_url(ledger_target))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(LedgerError, match="newer version"):
        open_ledger(ledger_target)


@pytest.mark.usefixtures("english_messages")
def test_a_database_that_is_not_a_ledger_is_refused(tmp_path):
    path = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE rounds (x int)"))
    engine.dispose()
    with pytest.raises(LedgerError, match="not an attribution ledger"):
        open_ledger(path)
    out = CliRunner().invoke(main, ["bilan", str(tmp_path / "missing.db"), "--year", "2025",
                                    "--out", str(tmp_path / "b")])
    assert out.exit_code == 2 and "does not exist" in out.output


# --- record -----------------------------------------------------------------------

@pytest.mark.usefixtures("english_messages")
def test_every_problem_is_listed_and_nothing_recorded(known, territory, tmp_path):
    t = territory[1]
    u, d = free_units(t), t.demands.ids
    f = write_events(tmp_path / "dec.csv", [
        (u[0], d[0], "commission_attributed", "2025-03-10", "1", "", ""),   # fine
        (u[1], d[1], "lease", "2025-03-10", "", "", ""),                    # event
        (u[1], d[1], "lease_signed", "31/02/2025", "", "", ""),             # date
        (u[2], d[2], "commission_attributed", "2025-03-10", "", "", ""),    # rank missing
        (u[2], d[2], "offer_refused", "2025-03-11", "", "", "loin"),        # justified
        ("NOPE", d[3], "lease_signed", "2025-03-12", "", "", ""),           # unknown unit
        ("", d[4], "lease_signed", "2025-03-12", "", "", ""),               # unit missing
    ])
    out = CliRunner().invoke(main, ["record", known.url if "postgresql" in known.url
                                    else known.url[len("sqlite:///"):], str(f)])
    assert out.exit_code == 1, out.output
    for where in ["row 3, column 'event'", "row 4, column 'date'", "row 5, column 'rank'",
                  "row 6, column 'justified'", "row 7, column 'unit_id'",
                  "row 8, column 'unit_id'"]:
        assert where in out.output, where
    assert count(known, schema.events) == 0 and count(known, schema.batches) == 0


@pytest.mark.usefixtures("english_messages")
def test_record_is_idempotent_and_contradictions_are_errors(known, territory, tmp_path):
    t = territory[1]
    u, d = free_units(t), t.demands.ids
    rows = [(u[0], d[0], "commission_attributed", "2025-03-10", "1", "", ""),
            (u[0], d[0], "lease_signed", "2025-03-20", "", "", ""),
            (u[1], d[1], "offer_refused", "12/03/2025", "", "false", "étage")]
    # Units no round proposed: name the réservataire (the units name none, several flows).
    rows = [r + ("commune",) if r[2] != "offer_refused" else r + ("",) for r in rows]
    f = write_events(tmp_path / "a.csv", rows, ["reservataire"])
    first = record(known, f)
    assert first.new_events == 3 and first.outside_tool == 2
    again = record(known, f)
    assert again.new_events == 0 and again.already_recorded == 3
    assert count(known, schema.events) == 3 and count(known, schema.batches) == 1
    bad = write_events(tmp_path / "b.csv", [
        (u[1], d[1], "offer_refused", "2025-03-12", "", "true", "étage", ""),  # other value
        (u[0], d[2], "lease_signed", "2025-04-01", "", "", "", "commune"),     # unit let
        (u[2], d[0], "lease_signed", "2025-04-01", "", "", "", "commune"),     # housed
        (u[0], d[0], "offer_refused", "2025-03-25", "", "false", "x", ""),    # after lease
    ], ["reservataire"])
    with pytest.raises(DataError) as info:
        record(known, bad)
    text = str(info.value)
    assert "row 2" in text and "contradicts an event already in the ledger" in text
    assert "row 3" in text and "already let in 2025" in text
    assert "row 4" in text and "already has a lease" in text
    assert "row 5" in text and "cannot be refused" in text
    assert count(known, schema.events) == 3


def test_a_crash_mid_record_leaves_the_ledger_unchanged(known, territory, tmp_path):
    t = territory[1]
    u = free_units(t)
    rows = [(u[i % len(u)], t.demands.ids[i], "designated", "2025-03-05", "", "", "",
             "commune") for i in range(6)]
    f = write_events(tmp_path / "c.csv", rows, ["reservataire"])
    with pytest.raises(RuntimeError, match="simulated crash"):
        record(known, f, _fail_after=2)
    assert count(known, schema.events) == 0 and count(known, schema.batches) == 0
    assert record(known, f).new_events == 6


def test_two_processes_recording_at_once_lose_nothing(known, territory, tmp_path):
    t = territory[1]
    target = (known.url[len("sqlite:///"):] if known.url.startswith("sqlite")
              else known.url.replace("postgresql+psycopg://", "postgresql://"))
    files = []
    for k in range(2):
        u = free_units(t)
        rows = [(u[i % len(u)], t.demands.ids[j], "designated",
                 (dt.date(2025, 3, 1) + dt.timedelta(days=k * 40 + i)).isoformat(), "", "",
                 "", "commune") for i in range(8) for j in range(k * 25, k * 25 + 25)]
        rows.append((u[0], t.demands.ids[59], "designated", "2025-06-30", "", "",
                     "", "commune"))   # the same row in both files
        files.append(write_events(tmp_path / f"p{k}.csv", rows, ["reservataire"]))
    procs = [subprocess.Popen([sys.executable, "-m", "attribution", "record", target,
                               str(f), "--user", f"p{k}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for k, f in enumerate(files)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert count(known, schema.events) == 2 * 200 + 1
    assert count(known, schema.batches) == 2


# --- accounts ---------------------------------------------------------------------

def test_year_accounts_equal_a_direct_count(territory):
    policy = territory[1].policy
    rng = np.random.default_rng(3)
    n = 300
    ids = list(policy.reservataire_ids)
    frame = pd.DataFrame({
        "unit_id": [f"U{i}" for i in range(n)], "demand_id": [f"D{i}" for i in range(n)],
        "reservataire": rng.choice(ids + [""], n),
        "landlord": rng.choice(list(policy.landlords), n),
        "commune": rng.choice(list(policy.territory.communes), n),
        "qpv": rng.random(n) < 0.3, "outside_flow": np.zeros(n, bool),
        "priority": rng.random(n) < 0.3, "dalo": rng.random(n) < 0.1,
        "q1": rng.random(n) < 0.3, "anru": rng.random(n) < 0.05})
    frame["outside_flow"] = frame["reservataire"] == ""
    check = annual_check(year_accounts(policy, frame)).set_index("name")
    pri = frame["priority"] | frame["dalo"]
    assert check.loc["priority_min", ["left", "right"]].tolist() == [pri.sum(), n]
    for f in policy.flows:
        base = (frame["landlord"] == f.landlord) & ~frame["outside_flow"]
        through = base & (frame["reservataire"] == f.reservataire)
        row = check.loc[f"flow[{f.landlord}→{f.reservataire}].min"]
        assert (row["left"], row["right"]) == (through.sum(), base.sum())
        share = Fraction(int(through.sum()), int(base.sum()))
        lo = Fraction(repr(f.share)) - Fraction(repr(f.tolerance))
        assert bool(row["met"]) == (share >= lo)
    outside = ~frame["qpv"]
    row = check.loc["q1_outside_qpv_min"]
    assert (row["left"], row["right"]) == (
        (outside & (frame["q1"] | frame["anru"])).sum(), outside.sum())


# --- rounds: lifecycle, refusals, observed waits ----------------------------------

SOLVE = ["--quota-prices", "never", "--shortlists", "bound", "--time-limit", "20", "-q"]


def test_round_lifecycle_refusals_and_observed_waits(tmp_path, territory):
    folder, t = territory
    ledger = str(tmp_path / "cil.db")
    out1 = tmp_path / "r1"
    text = cli("solve", folder, "--out", out1, "--ledger", ledger, "--user", "anne", *SOLVE)
    assert "tour 1 de 2025 (proposé)" in text      # French by default
    plain = pd.read_csv(out1 / "decisions.csv", dtype={"demand_id": str})
    assert set(plain["observed_wait_basis"]) == {"none"}
    # Solving a round without decisions again supersedes it (nothing to lose).
    cli("solve", folder, "--out", tmp_path / "r1b", "--ledger", ledger, *SOLVE)
    a = pd.read_csv(tmp_path / "r1b" / "assignments.csv", dtype=str, keep_default_na=False)
    refuser = t.demands.ids[[i for i in range(len(t.demands))
                             if t.demands.ids[i] not in set(a["demand_id"])][0]]
    rows = [(r.unit_id, r.demand_id, "commission_attributed", "2025-03-10", "1", "", "")
            for r in a.itertuples()]
    rows += [(r.unit_id, r.demand_id, "lease_signed", "2025-03-20", "", "", "")
             for r in a.itertuples()]
    rows += [(a["unit_id"][0], refuser, "offer_refused", "2025-03-05", "", "false", "x"),
             (a["unit_id"][1], refuser, "offer_refused", "2025-03-06", "", "false", "y"),
             (a["unit_id"][2], refuser, "offer_refused", "2025-03-07", "", "true", "z")]
    write_events(tmp_path / "dec.csv", rows)
    assert "tours désormais décidés : 2" in cli("record", ledger, tmp_path / "dec.csv",
                                               "--user", "bob")
    # A round with decisions is not solved again, unless superseded explicitly.
    assert "already has commission decisions" in cli(
        "solve", folder, "--out", tmp_path / "r1c", "--ledger", ledger, *SOLVE, "--lang", "en",
        code=2)
    lines = cli("ledger", "rounds", ledger).splitlines()
    assert lines[1].split("\t")[2] == "decided" and lines[1].endswith("bob")
    assert lines[2].split("\t")[2] == "superseded"
    # The next month: units let and households housed are left out, the refusals count,
    # and the applicants get the observed wait of housed households.
    nxt = tmp_path / "t2"
    write_territory(nxt, 6, 40, 6, round_date=dt.date(2025, 4, 7), profile="carene")
    units = pd.read_csv(nxt / "units.csv", dtype=str, keep_default_na=False)
    units["unit_id"] = "V" + units["unit_id"]      # other units than March's
    units.to_csv(nxt / "units.csv", index=False)
    demands = pd.concat([pd.read_csv(folder / "demands.csv", dtype=str,
                                     keep_default_na=False)])
    demands.to_csv(nxt / "demands.csv", index=False)
    policy = (folder / "policy.toml").read_text().replace("2025-03-03", "2025-04-07")
    (nxt / "policy.toml").write_text(policy)
    out2 = tmp_path / "r2"
    text = cli("solve", nxt, "--out", out2, "--ledger", ledger, *SOLVE)
    assert f"{len(a)} ménages déjà logés écartés" in text
    assert "2 refus du registre ajoutés" in text
    dec = pd.read_csv(out2 / "decisions.csv", dtype={"demand_id": str}).set_index("demand_id")
    assert not set(a["demand_id"]) & set(dec.index)
    # The refuser's score: 2 unjustified refusals × the malus (the export said 0).
    base = cli("solve", nxt, "--out", tmp_path / "r2-plain", *SOLVE)
    assert base
    plain2 = pd.read_csv(tmp_path / "r2-plain" / "decisions.csv",
                         dtype={"demand_id": str}).set_index("demand_id")
    assert int(demands.set_index("demand_id").loc[refuser, "refusals"]) == 0
    assert dec.loc[refuser, "score"] == plain2.loc[refuser, "score"] - 2 * t.policy.cotation.refusal_malus
    # Observed waits: from the leases of March, by segment or size class.
    assert set(dec["observed_wait_basis"]) <= {"segment", "size_class", "none"}
    assert (dec["observed_wait_basis"] != "none").any()
    # Recount: the median months from registration to the lease (20 March) of the housed
    # households of the same size class.
    dem = demands.set_index("demand_id")
    size = dem["household_size"].astype(int).clip(upper=6)
    reg = pd.to_datetime(dem["registered_on"])
    months = (12 * (2025 - reg.dt.year) + (3 - reg.dt.month) - (reg.dt.day > 20)).astype(int)
    for who in dec.index[dec["observed_wait_basis"] == "size_class"]:
        same = [x for x in a["demand_id"] if size[x] == size[who]]
        assert dec.loc[who, "observed_wait_households"] == len(same) >= 3
        assert dec.loc[who, "observed_wait_months"] == pytest.approx(
            float(months[same].median()))
    some = dec[dec["observed_wait_basis"] != "none"].index[0]
    assert "Délai d’attente observé : 0 mois" not in cli("explain", out2, some)
    assert "Observed wait: " in cli("explain", out2, some, "--lang", "en")
    assert "médiane, de l’inscription au bail" in cli("explain", out2, some)
    assert "aucun chiffre observé pour l’instant" in cli("explain", out1, plain["demand_id"][0])
    assert "Aucun chiffre observé pour l’instant" in (out1 / "report.html").read_text()
    assert "Ménages logés" in (out2 / "report.html").read_text()
    # The bilan: the contract's columns, a self-contained page (no script, no link out).
    cli("bilan", ledger, "--year", "2025", "--out", tmp_path / "bilan")
    head = lambda name: (tmp_path / "bilan" / name).read_text().splitlines()[0]  # noqa: E731
    assert head("flows.csv").split(",")[:3] == ["landlord", "reservataire", "units_let"]
    assert {"share", "target", "tolerance", "within_tolerance"} <= set(
        head("flows.csv").split(","))
    assert head("quotas.csv").split(",")[0] == "quota" and {"left", "right", "share",
                                                              "target", "met"} <= set(
        head("quotas.csv").split(","))
    page = (tmp_path / "bilan" / "bilan.html").read_text()
    assert "<svg" in page
    for outside in ("<script", "<link", "src=", "href=", "@import", "url("):
        assert outside not in page, outside
    assert "bilan 2025" in cli("bilan", ledger, "--year", "2025", "--out", tmp_path / "bilan",
                               "--force")
    # Closing; a closed round is never solved again.
    cli("ledger", "close", ledger, "2")
    assert "est clos" in cli("solve", folder, "--out", tmp_path / "r1d", "--ledger", ledger,
                             "--supersede", *SOLVE, code=2)


def test_purge_removes_old_households_only(known, territory, tmp_path):
    t = territory[1]
    u, d = free_units(t), t.demands.ids
    rows = [(u[0], d[0], "lease_signed", "2020-01-10", "", "", "", "commune"),
            (u[1], d[1], "lease_signed", "2025-03-10", "", "", "", "commune")]
    record(known, write_events(tmp_path / "p.csv", rows, ["reservataire"]))
    with known.writing() as conn:   # d[0] was last seen in 2020
        conn.execute(schema.demands.update().where(schema.demands.c.demand_id == d[0])
                     .values(last_seen=dt.date(2020, 1, 1)))
    dry = purge(known, 3, today=dt.date(2025, 6, 1), dry_run=True)
    assert dry["demands"] == 1 and count(known, schema.events) == 2
    done = purge(known, 3, today=dt.date(2025, 6, 1))
    assert done == dry
    with known.reading() as conn:
        left = {x for (x,) in conn.execute(sa.select(schema.events.c.demand_id))}
        assert conn.execute(sa.select(schema.demands.c.demand_id).where(
            schema.demands.c.demand_id == d[0])).first() is None
    assert left == {d[1]}


def test_state_counts_pending_attributions(known, territory, tmp_path):
    t = territory[1]
    u, d = free_units(t), t.demands.ids
    rows = [(u[0], d[0], "commission_attributed", "2025-03-10", "1", "", "", "commune"),
            (u[0], d[1], "commission_attributed", "2025-03-10", "2", "", "", "commune"),
            (u[0], d[0], "offer_refused", "2025-03-12", "", "true", "loin", ""),
            (u[1], d[2], "commission_attributed", "2025-03-10", "1", "", "", "commune")]
    record(known, write_events(tmp_path / "s.csv", rows, ["reservataire"]))
    with known.reading() as conn:
        s = state_at(conn, dt.date(2025, 4, 1))
    # u0 passes to its second candidate; u1 is pending with d2; d0 refused (justified).
    assert s.let_units == {u[0], u[1]}
    assert s.housed_demands == {d[1], d[2]}
    assert s.refusals == {}
    assert sorted(s.year_attributions["demand_id"]) == sorted([d[1], d[2]])


def test_no_personal_field_in_logs(known, territory, tmp_path, caplog):
    """Recording logs counts only: no demand id, unit id or reason text."""
    t = territory[1]
    u, d = free_units(t), t.demands.ids
    rows = [(u[0], d[0], "offer_refused", "2025-03-10", "", "false", "raison-très-privée",
             ""), (u[1], d[1], "lease_signed", "2025-03-12", "", "", "", "commune")]
    import logging
    with caplog.at_level(logging.DEBUG, logger="attribution"):
        record(known, write_events(tmp_path / "l.csv", rows, ["reservataire"]))
        purge(known, 5, today=dt.date(2025, 6, 1))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records  # something was logged
    for secret in (d[0], d[1], u[0], u[1], "raison-très-privée"):
        assert secret not in text
    with known.reading() as conn:
        audit = " ".join(x for (x,) in conn.execute(sa.select(schema.audit.c.detail)))
    for secret in (d[0], d[1], "raison-très-privée"):
        assert secret not in audit
