"""Fixtures of the ledger tests: a throw-away PostgreSQL cluster and a fresh ledger on
each engine.

``pg_server`` (session) runs Debian's ``initdb`` and ``pg_ctl`` (``/usr/lib/postgresql/*/
bin``) on a cluster in a temporary folder, listening on a Unix socket only, with trust
authentication; as root the cluster runs as the ``postgres`` system user (initdb refuses
root). Without PostgreSQL the PostgreSQL tests are skipped — except in CI
(``CI=true``), where a missing PostgreSQL fails them loudly (``.ci/run`` installs it).

``ledger_target`` is parametrised over ``sqlite`` and ``postgresql``: a path to a new
SQLite file, or the URL of a new empty database of the cluster.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _missing(reason: str):
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"PostgreSQL is required in CI: {reason} (.ci/run installs the Debian "
                    "'postgresql' package)", pytrace=False)
    pytest.skip(f"PostgreSQL not available: {reason}")


class PgServer:
    def __init__(self, bindir: str):
        self.bindir = bindir
        self.root = tempfile.mkdtemp(prefix="attribution-pg-")
        self.data = os.path.join(self.root, "data")
        self.sock = os.path.join(self.root, "sock")
        os.makedirs(self.sock)
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.user = "postgres" if self.as_root else None
        if self.as_root:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sock, "postgres")
        os.chmod(self.root, 0o755)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        r = self._run(os.path.join(self.bindir, "initdb"), "-D", self.data, "-A", "trust",
                      "-U", "postgres", "-E", "UTF8", "--no-sync")
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr.strip()[-500:]}")
        r = self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-w", "-l",
                      os.path.join(self.root, "log"), "-o",
                      f"-k {self.sock} -c listen_addresses='' -F -c max_connections=40",
                      "start")
        if r.returncode:
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()[-500:]}")

    def stop(self) -> None:
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", "immediate",
                  "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@/{db}?host={self.sock}"

    def new_database(self) -> str:
        import psycopg
        name = "ledger_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"host={self.sock} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server():
    bindir = _pg_bin()
    if bindir is None:
        _missing("no initdb found (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("the psycopg driver is not installed")
    server = PgServer(bindir)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        _missing(str(exc))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_target(request, tmp_path):
    """A new, empty ledger on each engine: a SQLite path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    return request.getfixturevalue("pg_server").new_database()
