"""The workspace's own tables (accounts, background jobs, round locks) in the ledger's DB.

SQLAlchemy Core. The tables are prefixed ``web_`` and created by the ledger's migration
``0003_workspace`` (so a ledger opened by the workspace is migrated like any other); they
live beside the ledger's tables in the same database, so that one file (SQLite) or one
PostgreSQL database holds the CIL's year and who may see it. The definitions below must
match that migration (a test compares them).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Engine

metadata = MetaData()

#: One row per account. ``role`` is ``cil``, ``viewer``, ``landlord:<name>`` or
#: ``reservataire:<id>``; ``password_hash`` an Argon2id hash (never the password).
users = Table(
    "web_users", metadata,
    Column("name", String(120), primary_key=True),
    Column("role", String(200), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: Background work: a round (``solve``), a comparison (``compare``), a year (``bilan``).
#: ``status``: queued → running → done | failed. ``args`` is the JSON of the command's
#: options, ``folder`` the output folder, ``pid`` the worker's process id.
jobs = Table(
    "web_jobs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("lock_key", String(200)),
    Column("user_name", String(120), nullable=False),
    Column("args", Text, nullable=False),
    Column("folder", Text),
    Column("pid", Integer),
    Column("exit_code", Integer),
    Column("message", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("seconds", Float),
)

#: A round in progress holds its territory-year here (primary key: two rounds of the
#: same territory and year cannot run at once, on SQLite as on PostgreSQL).
locks = Table(
    "web_locks", metadata,
    Column("key", String(200), primary_key=True),
    Column("job_id", Integer, nullable=False),
    Column("user_name", String(120), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
)


def open_db(ledger: str | Path) -> Engine:
    """The ledger's engine (opened, created or migrated to the head revision, which holds
    the workspace's tables, by :func:`attribution.ledger.open_ledger`)."""
    from attribution.ledger import open_ledger

    return open_ledger(ledger, "attribution-web").engine


def reading(engine: Engine):
    """A read-only connection: on SQLite the ledger's engine takes the write lock for
    every other transaction, so pages read with this and never wait on a writer."""
    return engine.connect().execution_options(ledger_read=True)
