"""Opening a ledger: the engine, the schema migrations, the writers' lock, the audit trail.

A ledger is a SQLite file (a path) or a PostgreSQL database (a ``postgresql://`` URL,
driven by psycopg 3). Opening it runs the Alembic migrations shipped in
``ledger/migrations`` up to the newest revision: a ledger written by an older version is
migrated (and the migration is written to the audit trail), never read with the wrong
schema; a ledger written by a newer version (a revision this version does not know) is
refused with :class:`LedgerError`.

Writers are serialised: :meth:`Ledger.writing` opens one transaction that holds the
ledger's write lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL a transaction-level advisory
lock) for its whole duration, so that two processes recording at once each see the
other's rows before checking their own, and a crash in the middle leaves nothing
(the transaction is rolled back).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from attribution.models.i18n import _

from . import schema

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Key of the PostgreSQL advisory lock taken by every writer (any constant will do).
PG_LOCK_KEY = 0x4C454447  # "LEDG"
#: Seconds a SQLite writer waits for another one to finish.
SQLITE_BUSY_SECONDS = 60


class LedgerError(Exception):
    """The ledger cannot be used as asked (unknown revision, bad URL, refused change)."""


def current_user(user: str | None = None) -> str:
    """The name written on every change: ``user`` if given, else the OS user."""
    if user:
        return user.strip()[:100]
    try:
        return getpass.getuser()[:100]
    except Exception:  # noqa: BLE001 — no user database (containers)
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def now() -> dt.datetime:
    """The current UTC time, to the second."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def database_url(target: str | Path) -> str:
    """SQLAlchemy URL of a ledger given as a path or a URL.

    ``postgresql://`` and ``postgres://`` URLs use the psycopg 3 driver; anything without
    ``://`` is a SQLite file path.
    """
    text = str(target)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().absolute()}"
    scheme, rest = text.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    if scheme.startswith(("postgresql+", "sqlite")):
        return text
    raise LedgerError(_("The ledger '{ledger}' is neither a file path nor a postgresql:// "
                        "URL.").format(ledger=redact(text)))


def redact(url: str) -> str:
    """A URL without its password (for messages)."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "<ledger URL>"


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):          # noqa: ANN001
            dbapi_conn.isolation_level = None        # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn):                            # noqa: ANN001
            # Writers take the write lock at once; readers (``ledger_read``) never block.
            read = conn.get_execution_options().get("ledger_read", False)
            conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _alembic_config(connection: Connection):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this version knows."""
    from alembic.script import ScriptDirectory
    cfg = _alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(cfg).get_current_head()


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY})


def migrate(engine: Engine, user: str, to: str = "head") -> tuple[str | None, str]:
    """Bring the ledger's schema to ``to`` (default the newest revision).

    Returns the revisions before and after. Refuses a revision this version does not know.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    with engine.begin() as conn:
        _lock(conn)
        before = MigrationContext.configure(conn).get_current_revision()
        cfg = _alembic_config(conn)
        script = ScriptDirectory.from_config(cfg)
        known = {r.revision for r in script.walk_revisions()}
        if before is not None and before not in known:
            raise LedgerError(_(
                "This ledger was written by a newer version of attribution (schema revision "
                "'{revision}'; this version knows up to '{head}'). Upgrade attribution to use "
                "it; nothing was changed.").format(revision=before,
                                                   head=script.get_current_head()))
        has_tables = sa.inspect(conn).has_table("rounds")
        if before is None and has_tables:
            raise LedgerError(_("This database holds tables but no ledger revision: it is not "
                                "an attribution ledger; nothing was changed."))
        target = script.get_current_head() if to == "head" else to
        if before != target:
            command.upgrade(cfg, to)
            after = MigrationContext.configure(conn).get_current_revision()
            if sa.inspect(conn).has_table("audit"):
                conn.execute(schema.audit.insert().values(
                    at=now(), user_name=user, action="create" if before is None else "migrate",
                    round_id=None, detail=json.dumps({"from": before, "to": after})))
            log.info("ledger schema %s -> %s", before, after)
            return before, after
        return before, before


@dataclass
class Ledger:
    """An open ledger (see the module docstring). Close it with :meth:`close`."""

    engine: Engine
    user: str
    url: str

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """One transaction holding the ledger's write lock; rolled back on any error."""
        with self.engine.begin() as conn:
            _lock(conn)
            yield conn

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot)."""
        with self.engine.connect().execution_options(ledger_read=True) as conn:
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
                yield conn

    def audit(self, conn: Connection, action: str, detail: dict,
              round_id: int | None = None) -> None:
        """One line of the audit trail (``detail``: counts and round ids only)."""
        conn.execute(schema.audit.insert().values(
            at=now(), user_name=self.user, action=action, round_id=round_id,
            detail=json.dumps(detail, sort_keys=True, default=str)))

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_ledger(target: str | Path, user: str | None = None, *, create: bool = True,
                migrate_to: str = "head") -> Ledger:
    """Open (and create or migrate) the ledger at ``target``: a path or a URL.

    Parameters
    ----------
    target
        SQLite file path, or ``postgresql://user@host/db`` (``?host=/socket/dir`` works).
    user
        Name written on every change (default: the OS user).
    create
        Create a missing SQLite file (``False``: a missing file is an error — for the
        commands that only read).
    migrate_to
        Schema revision to migrate to (tests use an older one).

    Raises
    ------
    LedgerError
        Unknown newer revision, not a ledger, missing file, unreachable server.
    """
    url = database_url(target)
    if url.startswith("sqlite:///") and not create:
        path = Path(url[len("sqlite:///"):])
        if not path.is_file():
            raise LedgerError(_("No ledger at '{target}': the file does not exist.").format(
                target=target))
    who = current_user(user)
    engine = _make_engine(url)
    try:
        migrate(engine, who, migrate_to)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise LedgerError(_("Cannot open the ledger '{ledger}': {reason}.").format(
            ledger=redact(url), reason=reason)) from None
    except Exception:
        engine.dispose()
        raise
    return Ledger(engine, who, url)
