"""``python -m attribution.web.worker DB_URL JOB_ID LOG``: run one job's command.

The command is ``python -m attribution ARGS`` (the CLI itself, so the files are those the
CLI writes); its progress (stderr) goes to LOG, its outcome to the job row, and the
territory-year lock is released whatever happens.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

from sqlalchemy import delete, select, update

from .db import jobs, locks, open_db

#: What each exit code of the CLI means, for the job page (README's exit codes).
EXIT_MESSAGES = {
    0: "Terminé.",
    1: "Données d'entrée invalides : rien n'a été écrit (voir le détail).",
    2: "Commande refusée (dossier existant ou option invalide) : rien n'a été écrit.",
    3: "Les quotas impératifs sont incompatibles entre eux : rien n'a été écrit.",
    4: "Aucune attribution trouvée dans le temps imparti : augmentez la limite de temps.",
    5: "Erreur interne (un bogue, à signaler) : rien n'a été écrit.",
    130: "Interrompu : rien n'a été écrit.",
}


def main(argv: list[str]) -> int:
    db_url, job_id, log_path = argv[0], int(argv[1]), argv[2]
    engine = open_db(db_url)
    with engine.begin() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        conn.execute(update(jobs).where(jobs.c.id == job_id)
                     .values(status="running", pid=os.getpid()))
    args = json.loads(row.args)["args"]
    start = time.monotonic()
    child = None

    def stop(signum, frame):  # pass a stop on to the command (it cleans its temp folder)
        if child is not None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    code, message = 5, EXIT_MESSAGES[5]
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            child = subprocess.Popen([sys.executable, "-m", "attribution", *args],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            code = child.wait()
        message = EXIT_MESSAGES.get(code, f"Code de sortie {code}.")
    finally:
        with engine.begin() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(
                status="done" if code == 0 else "failed", exit_code=code, message=message,
                finished_at=datetime.now(timezone.utc), seconds=time.monotonic() - start))
            conn.execute(delete(locks).where(locks.c.job_id == job_id))
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
