"""Shared set-up of the web tests: a workspace on a ledger, accounts of every role, a
signed-in test client, and a finished round."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from attribution.web import auth, jobs, server
from attribution.web.app import create_app
from attribution.web.db import open_db

PASSWORD = "correct horse battery"
#: account name → role, on the tiny territory of builders.py (landlords Silène and
#: Habitat 44; U01, U02 are Silène's, U02 pre-oriented to etat; U03, U04 Habitat 44's).
ACCOUNTS = {"cil": "cil", "silene": "landlord:Silène", "h44": "landlord:Habitat 44",
            "etat": "reservataire:etat", "al": "reservataire:action_logement",
            "viewer": "viewer"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_workspace(folder: Path, territory: Path, accounts=ACCOUNTS) -> tuple[str, object]:
    """A ledger with the workspace set up on ``territory`` and the accounts created."""
    ledger = str(folder / "ledger.sqlite")
    server.prepare(ledger, None, territory, False, echo=lambda _: None)
    engine = open_db(ledger)
    for name, role in accounts.items():
        auth.add_user(engine, name, role, PASSWORD)
    app = create_app(ledger, login_delay=0.0)
    return ledger, app


def client(app, name: str | None) -> TestClient:
    """A client signed in as ``name`` (anonymous when None)."""
    c = TestClient(app, follow_redirects=False)
    if name is not None:
        token = csrf(c, "/connexion")
        r = c.post("/connexion", data={"name": name, "password": PASSWORD,
                                       "csrf_token": token, "suite": "/"})
        assert r.status_code == 303, r.text
    return c


def csrf(c: TestClient, path: str = "/") -> str:
    return TOKEN.search(c.get(path).text).group(1)


def start_round(c: TestClient, **options) -> int:
    form = {"time_limit": "20", "seed": "0", "shortlists": "auto", "quota_prices": "auto",
            **{k: str(v) for k, v in options.items()}}
    r = c.post("/tours", data={"csrf_token": csrf(c), **form})
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def finish(app, job_id: int, timeout: float = 600) -> jobs.Job:
    job = jobs.wait(app.state.engine, job_id, timeout)
    assert job.status == "done", (job.message, jobs.progress(app.state.ws.logs, job_id))
    return job
