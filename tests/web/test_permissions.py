"""Every page × every role: allowed (200), forbidden (403) or sent to sign in (303); every
form refuses a missing CSRF token; a landlord never sees another landlord's unit."""

from __future__ import annotations

import logging
import re

import pytest

pytest.importorskip("fastapi")

from click.testing import CliRunner  # noqa: E402

from attribution.cli import main  # noqa: E402
from attribution.web import auth, jobs  # noqa: E402
from attribution.web.db import open_db  # noqa: E402

from builders import write_tiny_territory  # noqa: E402
from web_support import ACCOUNTS, client, csrf, finish, make_workspace, start_round  # noqa: E402

ROLES = list(ACCOUNTS)  # cil silene h44 etat al viewer
ALL = set(ROLES)
PEOPLE = {"cil", "silene", "h44", "etat", "al"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A workspace on the tiny territory with one finished round (and the lock seen)."""
    folder = tmp_path_factory.mktemp("web")
    territory = write_tiny_territory(folder / "territory")
    ledger, app = make_workspace(folder, territory)
    cil = client(app, "cil")
    run_id = start_round(cil)
    second = cil.post("/tours", data={"csrf_token": csrf(cil), "time_limit": "20",
                                      "seed": "0", "shortlists": "auto",
                                      "quota_prices": "auto"})
    job = finish(app, run_id)
    clients = {name: client(app, name) for name in ROLES}
    clients[None] = client(app, None)
    return {"app": app, "ledger": ledger, "run": run_id, "job": job, "second": second,
            "clients": clients}


def gets(run):
    """(path, roles allowed). U02 is Silène's, pre-oriented to etat; U03 is Habitat 44's;
    D03 is a candidate on U02 only."""
    return [
        ("/", ALL), ("/territoire", {"cil", "viewer"}), ("/tours", ALL),
        (f"/tours/{run}", ALL), (f"/tours/{run}/rapport", ALL),
        (f"/tours/{run}/agenda", PEOPLE),
        (f"/tours/{run}/logements/U02", {"cil", "silene", "etat"}),
        (f"/tours/{run}/logements/U03", {"cil", "h44"}),
        (f"/tours/{run}/demandes/D03", {"cil", "silene", "etat"}),
        (f"/tours/{run}/demandes/D03/courrier", {"cil", "silene", "etat"}),
        ("/annee", ALL), ("/scenarios", {"cil", "viewer"}),
    ]


def posts(run):
    """(path, form refused as invalid (422, or 409 for the ledger) once allowed, roles
    allowed)."""
    return [
        ("/annee/decisions", {}, {"cil"}),
        ("/annee/tours/9999/clore", {}, {"cil"}),
        ("/tours", {"time_limit": "-1", "seed": "0"}, {"cil"}),
        ("/territoire/extraction", {"kind": "demands"}, {"cil"}),
        (f"/tours/{run}/logements/U03/decisions",
         {"demand_id": "D01", "event": "no_such_event", "date": "2025-03-10"},
         {"cil", "h44"}),
        (f"/tours/{run}/logements/U02/decisions",
         {"demand_id": "D03", "event": "no_such_event", "date": "2025-03-10"},
         {"cil", "silene"}),
        ("/annee/bilan", {"year": "x"}, {"cil"}),
        ("/scenarios", {"seeds": "3"}, {"cil"}),
    ]


def test_the_fixture_is_what_the_matrix_assumes(site):
    """U02 pre-oriented to etat with D03 on its shortlist only; U03 is Habitat 44's."""
    from pathlib import Path

    from attribution.web import backend
    job = site["job"]
    units = backend.round_units(Path(job.meta["territory"]), job.folder)
    assert units.loc["U02", ["landlord", "reservataire"]].tolist() == ["Silène", "etat"]
    assert units.loc["U03", "landlord"] == "Habitat 44"
    assert backend.demand_units(job.folder, "D03") == ["U02"]


@pytest.mark.parametrize("role", ROLES + [None])
def test_every_page_for_every_role(site, role):
    c = site["clients"][role]
    for path, allowed in gets(site["run"]):
        r = c.get(path)
        if role is None:
            assert r.status_code == 303 and r.headers["location"].startswith(
                "/connexion"), path
        else:
            assert r.status_code == (200 if role in allowed else 403), (path, role)


@pytest.mark.parametrize("role", ROLES + [None])
def test_every_form_for_every_role(site, role):
    c = site["clients"][role]
    token = csrf(c, "/connexion")
    for path, form, allowed in posts(site["run"]):
        r = c.post(path, data={"csrf_token": token, **form})
        if role is None:
            assert r.status_code == 303 and r.headers["location"].startswith("/connexion")
        else:
            expected = (409 if path.endswith("/clore") else 422) if role in allowed else 403
            assert r.status_code == expected, (path, role, r.text)


def test_a_missing_or_wrong_csrf_token_is_refused(site):
    c = site["clients"]["cil"]
    for path, form, _ in posts(site["run"]) + [("/deconnexion", {}, None)]:
        assert c.post(path, data=form).status_code == 403, path
        assert c.post(path, data={**form, "csrf_token": "forged"}).status_code == 403, path
    anonymous = client(site["app"], None)
    r = anonymous.post("/connexion", data={"name": "cil", "password": "correct horse battery"})
    assert r.status_code == 403


def test_every_post_route_is_in_the_matrix(site):
    """A new form cannot escape the CSRF and permission tests."""
    app, run = site["app"], site["run"]
    declared = {p for p, _, _ in posts(run)} | {"/connexion", "/deconnexion"}
    declared = {re.sub(r"/\d+/", "/{round_id}/" if p.endswith("/clore") else "/{run_id}/",
                       p).replace("U03", "{unit_id}").replace("U02", "{unit_id}")
                for p in declared}
    routes = {r.path for r in app.routes if "POST" in getattr(r, "methods", set())}
    assert routes == declared


def test_a_landlord_gets_nothing_of_another_landlords_unit(site):
    c, run = site["clients"]["silene"], site["run"]
    r = c.get(f"/tours/{run}/logements/U03")
    assert r.status_code == 403
    assert "U03" not in r.text and "Trignac" not in r.text and "Habitat 44" not in r.text
    agenda = c.get(f"/tours/{run}/agenda").text
    assert "U01" in agenda and "U02" in agenda and "U03" not in agenda and "U04" not in agenda
    # asking the agenda for another landlord shows its own units only
    assert "U03" not in c.get(f"/tours/{run}/agenda?bailleur=Habitat%2044").text
    r = c.post(f"/tours/{run}/logements/U03/decisions", data={
        "csrf_token": csrf(c), "demand_id": "D01", "event": "lease_signed",
        "date": "2025-03-10"})
    assert r.status_code == 403 and "U03" not in r.text


def test_a_reservataire_reads_its_flow_and_cannot_decide(site):
    c, run = site["clients"]["etat"], site["run"]
    page = c.get(f"/tours/{run}/logements/U02").text
    assert "D03" in page and "Enregistrer une décision" not in page
    agenda = c.get(f"/tours/{run}/agenda").text
    assert "U02" in agenda and "U03" not in agenda


def test_the_viewer_sees_aggregates_only(site):
    c, run = site["clients"]["viewer"], site["run"]
    for path in ["/", "/tours", f"/tours/{run}", "/annee", "/scenarios", "/territoire",
                 f"/tours/{run}/rapport"]:
        text = c.get(path).text
        assert not re.search(r"\bD\d{2}\b", text), path


def test_the_second_round_of_a_territory_year_is_refused_while_one_runs(site):
    r = site["second"]
    assert r.status_code == 409
    assert "déjà en cours" in r.text and "Tiny" in r.text
    assert jobs.holder(site["app"].state.engine, "Tiny:2025") is None  # released


def test_secure_headers_and_cookie(site):
    c = client(site["app"], None)
    r = c.get("/connexion")
    h = r.headers
    assert "default-src 'none'" in h["content-security-policy"]
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer" and h["cache-control"] == "no-store"
    cookie = h["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    report = site["clients"]["cil"].get(f"/tours/{site['run']}/rapport")
    assert "sandbox" in report.headers["content-security-policy"]


def test_sign_in_refuses_a_wrong_password_and_foreign_redirects(site):
    c = client(site["app"], None)
    r = c.post("/connexion", data={"name": "cil", "password": "wrong password",
                                   "csrf_token": csrf(c, "/connexion"), "suite": "/"})
    assert r.status_code == 200 and "incorrect" in r.text
    assert c.get("/").status_code == 303
    r = c.post("/connexion", data={"name": "cil", "password": "correct horse battery",
                                   "csrf_token": csrf(c, "/connexion"),
                                   "suite": "//evil.example/"})
    assert r.headers["location"] == "/"


def test_the_server_log_names_no_person(site, caplog):
    c, run = site["clients"]["cil"], site["run"]
    with caplog.at_level(logging.INFO, logger="attribution.web"):
        c.get(f"/tours/{run}/demandes/D03")
        c.get(f"/tours/{run}/logements/U02")
        c.get(f"/tours/{run}/agenda?bailleur=Sil%C3%A8ne")
    text = caplog.text
    assert "/tours/{run_id}/demandes/{demand_id}" in text
    for personal in ("D03", "U02", "Silène", "cil "):
        assert personal not in text


@pytest.mark.usefixtures("english_messages")
def test_users_add_from_stdin_and_bad_roles(site, tmp_path):
    ledger = site["ledger"]
    ok = CliRunner().invoke(main, ["users", "add", "marie", "--role", "landlord:Silène",
                                   "--ledger", ledger], input="a long password\n")
    assert ok.exit_code == 0, ok.output
    engine = open_db(ledger)
    assert auth.authenticate(engine, "marie", "a long password").role == "landlord:Silène"
    assert auth.authenticate(engine, "marie", "another password") is None
    for role in ("admin", "cil:x", "landlord:", "landlord"):
        bad = CliRunner().invoke(main, ["users", "add", "x", "--role", role, "--ledger",
                                        ledger], input="a long password\n")
        assert bad.exit_code == 2, role
    short = CliRunner().invoke(main, ["users", "add", "y", "--role", "viewer", "--ledger",
                                      ledger], input="short\n")
    assert short.exit_code == 2
    again = CliRunner().invoke(main, ["users", "add", "marie", "--role", "viewer",
                                      "--ledger", ledger], input="a long password\n")
    assert again.exit_code == 2 and "exists" in again.output


@pytest.mark.usefixtures("english_messages")
def test_an_extraction_is_adopted_only_when_valid(site, tmp_path):
    """Same checks as `attribution validate`: a broken units file is refused with the
    file, row and column named and the territory unchanged; a valid one is adopted."""
    from attribution.web import backend

    app, c = site["app"], site["clients"]["cil"]
    before = backend.current_territory(app.state.ws)
    units = (before / "units.csv").read_text(encoding="utf-8")
    broken = units.replace("Trignac", "Nowhere", 1)
    r = c.post("/territoire/extraction", data={"csrf_token": csrf(c), "kind": "units"},
               files={"file": ("units.csv", broken.encode(), "text/csv")})
    assert r.status_code == 422 and "units.csv" in r.text and "row" in r.text
    assert "Nowhere" in r.text and backend.current_territory(app.state.ws) == before
    r = c.post("/territoire/extraction", data={"csrf_token": csrf(c), "kind": "units"},
               files={"file": ("export.xls", b"x", "application/vnd.ms-excel")})
    assert r.status_code == 422 and ".xlsx" in r.text
    r = c.post("/territoire/extraction", data={"csrf_token": csrf(c), "kind": "units"},
               files={"file": ("units.csv", units.encode(), "text/csv")})
    assert r.status_code == 200 and "acceptée" in r.text
    after = backend.current_territory(app.state.ws)
    assert after != before and (after / "units.csv").read_text(encoding="utf-8") == units
    # the round already solved keeps its own territory version
    assert site["job"].meta["territory"] == str(before)


def test_a_dead_worker_releases_its_lock(site):
    """A round whose worker died (killed, machine restarted) is failed and unlocked."""
    from datetime import datetime, timezone

    from sqlalchemy import insert

    from attribution.web.db import jobs as jobs_table, locks

    engine = site["app"].state.engine
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        job_id = conn.execute(insert(jobs_table).values(
            kind="solve", status="running", user_name="cil", args='{"args": []}',
            pid=2 ** 22 + 12345, created_at=now)).inserted_primary_key[0]
        conn.execute(insert(locks).values(key="Dead:2025", job_id=job_id, user_name="cil",
                                          since=now))
    assert jobs.holder(engine, "Dead:2025") is None
    assert jobs.get(engine, job_id).status == "failed"


def test_a_comparison_runs_in_the_background_and_opens_when_done(site):
    """Two example scenarios, one seed, one month: the page shows progress, then the
    comparison page `attribution compare` wrote; the viewer may read it."""
    app, c = site["app"], site["clients"]["cil"]
    r = c.post("/scenarios", data={"csrf_token": csrf(c), "scenario": ["baseline",
                                                                       "priority-30"],
                                   "seeds": "1", "months": "1", "time_limit": "2"})
    assert r.status_code == 303
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    first = c.get(f"/scenarios/{job_id}").text
    assert "baseline, priority-30" in first
    job = finish(app, job_id)
    assert job.args[:2] == ["compare", "baseline"] and "--seeds" in job.args
    page = site["clients"]["viewer"].get(f"/scenarios/{job_id}")
    assert page.status_code == 200 and "Ouvrir la page de comparaison" in page.text
    report = site["clients"]["viewer"].get(f"/scenarios/{job_id}/rapport")
    assert report.status_code == 200 and "priority-30" in report.text
    assert (job.folder / "kpis.csv").is_file()
    assert site["clients"]["silene"].get(f"/scenarios/{job_id}").status_code == 403


@pytest.mark.usefixtures("english_messages")
def test_demo_accounts_are_printed_on_the_first_start_only(tmp_path):
    """`attribution serve --demo`: the bundled territory and working demo accounts,
    printed once; a second start prints no password."""
    from attribution.web import server

    lines: list[str] = []
    ledger = str(tmp_path / "demo.sqlite")
    server.prepare(ledger, None, None, True, echo=lines.append)
    accounts = [ln.split() for ln in lines if "role" in ln and ln.startswith("  ")]
    assert [a[0] for a in accounts] == ["demo", "bailleur", "lecteur"]
    engine = open_db(ledger)
    for name, password, _, role in accounts:
        assert auth.authenticate(engine, name, password).role == role
    again: list[str] = []
    server.prepare(ledger, None, None, True, echo=again.append)
    assert not any("role" in ln for ln in again)


@pytest.mark.usefixtures("english_messages")
def test_a_decisions_file_and_closing_a_round_from_the_year_page(site):
    """The CIL records a whole file (checked whole: a bad row refuses all of it, with the
    row named) and closes the ledger's round, as `record` and `ledger close` do."""
    c = site["clients"]["cil"]
    header = "unit_id,demand_id,event,date,rank,justified,reason\n"
    bad = header + "U02,D03,commission_attributed,2025-03-12,1,,\nU02,D03,nope,2025-03-13,,,\n"
    r = c.post("/annee/decisions", data={"csrf_token": csrf(c)},
               files={"file": ("commission.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and "commission.csv" in r.text and "row 3" in r.text
    page = c.get(f"/tours/{site['run']}/logements/U02").text
    assert "Aucune pour ce logement" in page             # nothing of the file recorded
    good = header + "U02,D03,commission_attributed,2025-03-12,1,,\n"
    r = c.post("/annee/decisions", data={"csrf_token": csrf(c)},
               files={"file": ("commission.csv", good.encode(), "text/csv")})
    assert r.status_code == 200 and "Rien n'a été" not in r.text, r.text
    page = c.get(f"/tours/{site['run']}/logements/U02").text
    assert "attribué par la commission" in page
    ids = re.findall(r'action="/annee/tours/(\d+)/clore"', c.get("/annee").text)
    assert ids
    r = c.post(f"/annee/tours/{ids[0]}/clore", data={"csrf_token": csrf(c)})
    assert r.status_code == 200 and "clos" in r.text
    again = c.post(f"/annee/tours/{ids[0]}/clore", data={"csrf_token": csrf(c)})
    assert again.status_code == 409


def test_the_workspace_tables_are_the_ledger_migration_s(tmp_path):
    """The tables created by the ledger's migration 0003 have exactly the columns (names,
    types, keys, nullability) the workspace's queries are written against (web.db)."""
    import sqlalchemy as sa

    from attribution.ledger import open_ledger
    from attribution.web import db

    led = open_ledger(str(tmp_path / "l.db"), "test")
    inspector = sa.inspect(led.engine)
    for table in db.metadata.sorted_tables:
        found = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(found) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            got = found[column.name]
            assert type(got["type"])._type_affinity is column.type._type_affinity or \
                isinstance(got["type"], type(column.type)), (table.name, column.name)
            assert bool(got["nullable"]) == bool(column.nullable) or column.primary_key
        pk = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert pk == [c.name for c in table.primary_key.columns], table.name
    led.close()
