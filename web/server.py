"""Start the workspace: first-start set-up (territory, demo accounts), then uvicorn."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path

from attribution.models.i18n import _

from . import auth, backend
from .db import open_db


def prepare(ledger: str, data: Path | None, territory: Path | None, demo: bool,
            echo: Callable[[str], None] = print) -> backend.Workspace:
    """Data folder, the first territory, and with ``demo`` the demo accounts (printed
    once, on the first start)."""
    ws = backend.Workspace(ledger=ledger, data=Path(data) if data
                           else backend.data_dir_for(ledger))
    ws.make_dirs()
    if backend.current_territory(ws) is None:
        from attribution.models.generator import bundled_territory_path
        source = territory or bundled_territory_path()
        backend.set_territory(ws, Path(source))
        echo(_("territory: {path}").format(path=source))
    engine = open_db(ledger)
    if demo and auth.count_users(engine) == 0:
        state = backend.check_territory(backend.current_territory(ws))
        accounts = [("demo", "cil")]
        if state.landlords:
            accounts.append(("bailleur", f"landlord:{state.landlords[0]}"))
        accounts.append(("lecteur", "viewer"))
        echo(_("Demo accounts (printed once; change them with 'attribution users add NAME "
               "--role ROLE --ledger LEDGER --replace'):"))
        for name, role in accounts:
            password = secrets.token_urlsafe(9)
            auth.add_user(engine, name, role, password)
            echo(f"  {name:9} {password}   " + _("role {role}").format(role=role))
    elif auth.count_users(engine) == 0:
        echo(_("No account yet: attribution users add NAME --role cil --ledger {ledger}")
             .format(ledger=ledger))
    engine.dispose()
    return ws


def run_server(ledger: str, *, host: str = "127.0.0.1", port: int = 8000,
               data: Path | None = None, territory: Path | None = None, demo: bool = False,
               secure_cookie: bool = False, echo: Callable[[str], None] = print,
               verbose: bool = False) -> None:
    """Serve the workspace; the log (stderr) holds warnings and errors only, unless
    ``verbose`` (then every request's route and the schema migrations' INFO lines)."""
    import uvicorn

    from .app import create_app

    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(message)s")
    for name in ("alembic", "attribution"):
        logging.getLogger(name).setLevel(level)
    ws = prepare(ledger, data, territory, demo, echo)
    app = create_app(ledger, ws.data, secure_cookie=secure_cookie)
    echo(_("attribution workspace on http://{host}:{port}/ (ledger {ledger}; Ctrl-C "
           "stops)").format(host=host, port=port, ledger=ledger))
    # no access log: its lines carry paths and query strings (demand ids); the app logs
    # the route's template instead (attribution.web)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


def start_child(ledger: str, log: Path, accounts: dict[str, tuple[str, str]],
                timeout: float = 120.0):
    """Prepare ``ledger`` on the bundled territory with ``accounts`` (name → (role,
    password)), start ``attribution serve`` on a free local port in a child process
    writing to ``log``, and wait until it answers: ``(process, base URL)``. For tests and
    benchmarks that drive a real server; raises ``RuntimeError`` with the log when it
    does not start within ``timeout`` seconds."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    prepare(ledger, None, None, False, echo=lambda _: None)
    engine = open_db(ledger)
    for name, (role, password) in accounts.items():
        auth.add_user(engine, name, role, password)
    engine.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = open(log, "w")
    proc = subprocess.Popen([sys.executable, "-m", "attribution", "serve", ledger,
                             "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    out.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(base + "/sante", timeout=2)
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the server did not start: " + Path(log).read_text())
            time.sleep(0.2)
