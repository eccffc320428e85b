"""Background work: a round, a comparison or a year runs in a worker process.

:func:`start` stores the job, takes the territory-year lock when asked (a second round
of the same territory and year is refused with who holds it and since when) and starts
``python -m attribution.web.worker`` detached from the request; the worker runs the
``attribution`` command, writes its progress to a log file and its outcome to the job
row, then releases the lock. A page reload, or a restart of the server, loses nothing:
the state is in the database and the files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .db import jobs, locks, reading

ACTIVE = ("queued", "running")


class Locked(Exception):
    """The territory-year is held by a round in progress (message for the user)."""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    status: str
    user_name: str
    args: list[str]
    meta: dict
    folder: Path | None
    exit_code: int | None
    message: str | None
    created_at: datetime
    seconds: float | None
    lock_key: str | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def _job(row) -> Job:
    payload = json.loads(row.args)
    return Job(row.id, row.kind, row.status, row.user_name, payload["args"],
               payload.get("meta", {}), Path(row.folder) if row.folder else None,
               row.exit_code, row.message, row.created_at, row.seconds, row.lock_key)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of this process is dead too
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def reap_stale(engine: Engine) -> None:
    """Jobs whose worker died without a word (killed, machine restarted) are failed and
    their locks released."""
    with engine.begin() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.pid, jobs.c.status, jobs.c.created_at)
                            .where(jobs.c.status.in_(ACTIVE))).all()
        now = datetime.now(timezone.utc)
        for r in rows:
            created = r.created_at if r.created_at.tzinfo else \
                r.created_at.replace(tzinfo=timezone.utc)
            queued_too_long = r.status == "queued" and (now - created).total_seconds() > 300
            if (r.status == "running" and not _alive(r.pid)) or queued_too_long:
                conn.execute(update(jobs).where(jobs.c.id == r.id).values(
                    status="failed", message="Le processus de calcul s'est arrêté sans "
                    "terminer (interrompu) ; rien n'a été écrit.", finished_at=now))
                conn.execute(delete(locks).where(locks.c.job_id == r.id))


def holder(engine: Engine, key: str) -> tuple[str, datetime, int] | None:
    """Who holds the territory-year lock: (user, since, job id), or None."""
    reap_stale(engine)
    with reading(engine) as conn:
        row = conn.execute(select(locks).where(locks.c.key == key)).first()
    return (row.user_name, row.since, row.job_id) if row else None


def start(engine: Engine, db_url: str, *, kind: str, args: list[str], user: str,
          folder: Path | None, log_dir: Path, meta: dict | None = None,
          lock_key: str | None = None) -> int:
    """Store a job and start its worker; raises :class:`Locked` if the key is held."""
    if lock_key:
        reap_stale(engine)
    now = datetime.now(timezone.utc)
    payload = json.dumps({"args": args, "meta": meta or {}})
    try:
        with engine.begin() as conn:
            job_id = conn.execute(insert(jobs).values(
                kind=kind, status="queued", lock_key=lock_key, user_name=user, args=payload,
                folder=str(folder) if folder else None, created_at=now)).inserted_primary_key[0]
            if lock_key:
                conn.execute(insert(locks).values(key=lock_key, job_id=job_id,
                                                  user_name=user, since=now))
    except IntegrityError:
        who = holder(engine, lock_key) if lock_key else None
        if who:
            raise Locked(f"Un tour est déjà en cours pour {lock_key.replace(':', ' — ')} "
                         f"(lancé par {who[0]} à {who[1]:%H:%M} UTC, calcul n° {who[2]}). "
                         "Attendez qu'il se termine pour en lancer un autre.") from None
        raise
    log_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "attribution.web.worker", db_url, str(job_id),
         str(log_dir / f"{job_id}.log")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True)
    # reap the child when it ends (no zombie); the worker itself writes the outcome
    threading.Thread(target=proc.wait, daemon=True).start()
    return job_id


def get(engine: Engine, job_id: int) -> Job | None:
    with reading(engine) as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    return _job(row) if row else None


def listing(engine: Engine, kind: str, limit: int = 50) -> list[Job]:
    with reading(engine) as conn:
        rows = conn.execute(select(jobs).where(jobs.c.kind == kind)
                            .order_by(jobs.c.id.desc()).limit(limit)).all()
    return [_job(r) for r in rows]


def latest_done(engine: Engine, kind: str, meta_key: str | None = None,
                meta_value=None) -> Job | None:
    for job in listing(engine, kind, 200):
        if job.status == "done" and (meta_key is None or job.meta.get(meta_key) == meta_value):
            return job
    return None


def progress(log_dir: Path, job_id: int, lines: int = 12) -> list[str]:
    path = log_dir / f"{job_id}.log"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return text[-lines:]


def wait(engine: Engine, job_id: int, timeout: float = 600) -> Job:
    """Block until the job ends (tests, the CLI)."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        job = get(engine, job_id)
        if job is None or not job.active or time.monotonic() > deadline:
            return job
        time.sleep(0.2)
