"""The web application: routes, permissions, CSRF, secure headers.

Every page goes through :func:`require` (sign-in, then the role's permission); every
form through :func:`checked_form` (the session's CSRF token). Data comes from
:mod:`attribution.web.backend` and long work from :mod:`attribution.web.jobs`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import secrets
import time
from datetime import date
from pathlib import Path

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from . import auth, backend, jobs
from .auth import Principal
from .db import open_db

HERE = Path(__file__).resolve().parent
log = logging.getLogger("attribution.web")

#: Content-Security-Policy of the application's pages: nothing but the app itself.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'")
#: For report.html and the bilan page (self-contained, inline CSS, no script), shown in
#: a frame of the application: styles inline allowed, nothing else, sandboxed.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'self'; sandbox")
SHORTLIST_CHOICES = {"auto": "auto", "exact": "exact", "bound": "bound"}
QUOTA_PRICE_CHOICES = ("auto", "always", "never")
EVENT_LABELS = {
    "designated": "désigné par le réservataire",
    "commission_attributed": "attribué par la commission (avec rang)",
    "commission_rejected": "refusé par la commission",
    "offer_refused": "offre refusée par le ménage",
    "lease_signed": "bail signé",
    "withdrawn": "retiré",
}
OUTCOME_LABELS = {"housed": "logé", "not_eligible": "non éligible",
                  "no_unit_wished": "aucun logement souhaité", "outranked": "devancé",
                  "held_by_quota": "retenu par un quota"}


class Forbidden(HTTPException):
    def __init__(self) -> None:
        super().__init__(403, "Accès refusé.")


class SignInRequired(Exception):
    pass


def create_app(ledger: str, data: Path | None = None, *, secret: str | None = None,
               login_delay: float = 1.0, secure_cookie: bool = False) -> FastAPI:
    """The application for one ledger (SQLite path or database URL) and data folder."""
    ws = backend.Workspace(ledger=ledger, data=Path(data) if data else
                           backend.data_dir_for(ledger))
    ws.make_dirs()
    engine = open_db(ledger)
    db_url = ledger
    if secret is None:
        key_file = ws.data / "secret.key"
        if not key_file.is_file():
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(48), encoding="ascii")
        secret = key_file.read_text(encoding="ascii").strip()

    app = FastAPI(title="attribution", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ws, app.state.engine = ws, engine
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(event_labels=EVENT_LABELS, outcome_labels=OUTCOME_LABELS,
                                 bilan_titles=BILAN_TITLES)
    templates.env.filters["pct"] = lambda v: "–" if v in (None, "") or (
        isinstance(v, float) and math.isnan(v)) else \
        f"{100 * float(v):.1f}\u202f%".replace(".", ",")
    failures: dict[str, list[float]] = {}

    # --- middleware: headers, log lines without personal fields ------------------------

    @app.middleware("http")
    async def headers_and_log(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Frame-Options", "DENY")
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            h["Cache-Control"] = "no-store"
        route = request.scope.get("route")
        # the route's template (/tours/{run_id}/...), never the ids or the query string
        log.info("%s %s %s %.0f ms", request.method, getattr(route, "path", "?"),
                 response.status_code, 1000 * (time.perf_counter() - start))
        return response

    app.add_middleware(SessionMiddleware, secret_key=secret, session_cookie="attribution",
                       max_age=8 * 3600, same_site="strict", https_only=secure_cookie)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired):
        return RedirectResponse(f"/connexion?suite={request.url.path}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        text = {403: "Accès refusé : votre rôle ne permet pas de voir cette page.",
                404: "Page introuvable."}.get(exc.status_code, str(exc.detail))
        return templates.TemplateResponse(request, "error.html", {
            "user": _user(request), "csrf": _csrf(request), "status": exc.status_code,
            "text": text}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        # the exception's type only: its message may quote data
        log.error("internal error on %s: %s", getattr(request.scope.get("route"), "path",
                                                       "?"), type(exc).__name__)
        return templates.TemplateResponse(request, "error.html", {
            "user": None, "csrf": "", "status": 500,
            "text": "Erreur interne (un bogue, à signaler) : rien n'a été modifié."},
            status_code=500)

    # --- helpers -------------------------------------------------------------------------

    def _user(request: Request) -> Principal | None:
        name = request.session.get("user")
        return auth.lookup(engine, name) if name else None

    def _csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return token

    def require(request: Request, *kinds: str) -> Principal:
        user = _user(request)
        if user is None:
            raise SignInRequired()
        if kinds and user.kind not in kinds:
            raise Forbidden()
        return user

    async def checked_form(request: Request):
        form = await request.form()
        sent, expected = form.get("csrf_token"), request.session.get("csrf")
        if not expected or not isinstance(sent, str) or not secrets.compare_digest(
                sent, expected):
            raise HTTPException(403, "Jeton CSRF manquant ou invalide.")
        return form

    def page(request: Request, name: str, user: Principal | None, status_code: int = 200,
             **context):
        return templates.TemplateResponse(request, name, {
            "user": user, "csrf": _csrf(request), **context}, status_code=status_code)

    def territory_state() -> backend.TerritoryState:
        return backend.check_territory(backend.current_territory(ws))

    def round_job(run_id: int) -> jobs.Job:
        job = jobs.get(engine, run_id)
        if job is None or job.kind != "solve":
            raise HTTPException(404)
        return job

    def finished_round(run_id: int) -> jobs.Job:
        job = round_job(run_id)
        if job.status != "done":
            raise HTTPException(404)
        return job

    def visible_units(user: Principal, job: jobs.Job) -> pd.DataFrame:
        units = backend.round_units(Path(job.meta["territory"]), job.folder)
        keep = [user.may_see_unit(l, r) for l, r in zip(units["landlord"],
                                                       units["reservataire"])]
        return units[keep]

    def the_unit(user: Principal, job: jobs.Job, unit_id: str) -> pd.Series:
        units = backend.round_units(Path(job.meta["territory"]), job.folder)
        if unit_id not in units.index:
            raise HTTPException(404)
        unit = units.loc[unit_id]
        if not user.may_see_unit(unit["landlord"], unit["reservataire"]):
            raise Forbidden()
        return unit

    # --- sign-in -------------------------------------------------------------------------

    @app.get("/connexion", response_class=HTMLResponse)
    async def sign_in_page(request: Request, suite: str = "/"):
        return page(request, "signin.html", None, suite=_safe_next(suite), error=None)

    @app.post("/connexion")
    async def sign_in(request: Request):
        form = await checked_form(request)
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        suite = _safe_next(str(form.get("suite", "/")))
        recent = [t for t in failures.get(name, []) if time.monotonic() - t < 300]
        if len(recent) >= 5:  # a slow-down against guessing, per account
            await asyncio.sleep(login_delay)
        # Argon2 is slow by design: verified off the event loop, other pages go on
        user = await run_in_threadpool(auth.authenticate, engine, name, password)
        if user is None:
            failures[name] = recent + [time.monotonic()]
            log.info("sign-in refused")
            return page(request, "signin.html", None, suite=suite,
                        error="Nom ou mot de passe incorrect.")
        failures.pop(name, None)
        request.session.clear()  # a new session: new CSRF token
        request.session["user"] = user.name
        request.session["csrf"] = secrets.token_urlsafe(32)
        return RedirectResponse(suite, status_code=303)

    @app.post("/deconnexion")
    async def sign_out(request: Request):
        await checked_form(request)
        request.session.clear()
        return RedirectResponse("/connexion", status_code=303)

    # --- home, territory -----------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request):
        user = require(request)
        state = territory_state()
        rounds = jobs.listing(engine, "solve", 5)
        return page(request, "home.html", user, state=state, rounds=rounds,
                    ledger=backend.ledger_commands())

    @app.get("/territoire", response_class=HTMLResponse)
    async def territory(request: Request):
        user = require(request, "cil", "viewer")
        return page(request, "territory.html", user, state=territory_state(),
                    problems=None, uploaded=None)

    @app.post("/territoire/extraction", response_class=HTMLResponse)
    async def upload(request: Request):
        user = require(request, "cil")
        form = await checked_form(request)
        kind, file = str(form.get("kind", "")), form.get("file")
        if file is None or not hasattr(file, "read"):
            problems = ["Choisissez un fichier CSV ou XLSX."]
            folder = None
        else:
            content = await file.read()
            folder, found = backend.upload_extraction(ws, kind, file.filename or "", content)
            problems = [str(p) for p in found]
        log.info("extraction upload: %s, %d problem(s)", kind, len(problems))
        return page(request, "territory.html", user, state=territory_state(),
                    problems=problems, uploaded=folder is not None,
                    status_code=200 if folder else 422)

    # --- rounds --------------------------------------------------------------------------

    @app.get("/tours", response_class=HTMLResponse)
    async def rounds(request: Request):
        user = require(request)
        return page(request, "rounds.html", user, rounds=jobs.listing(engine, "solve"),
                    state=territory_state(), error=None, form=_round_defaults())

    @app.post("/tours")
    async def start_round(request: Request):
        user = require(request, "cil")
        form = await checked_form(request)
        state = territory_state()
        options, error = _round_options(form)
        if state.summary is None:
            error = "Le territoire n'est pas valide : corrigez-le avant de lancer un tour."
        if error is None:
            key = f"{state.summary.name}:{state.year}"
            run_no = len(jobs.listing(engine, "solve", 10_000)) + 1
            out = ws.runs / f"tour-{run_no:04d}-{secrets.token_hex(3)}"
            args = backend.solve_args(ws, state.path, out, user=user.name, **options)
            try:
                job_id = jobs.start(engine, db_url, kind="solve", args=args, user=user.name,
                                    folder=out, log_dir=ws.logs, lock_key=key,
                                    meta={"territory": str(state.path), "key": key,
                                          "year": state.year, **options})
            except jobs.Locked as exc:
                error = str(exc)
            else:
                return RedirectResponse(f"/tours/{job_id}", status_code=303)
        return page(request, "rounds.html", user, rounds=jobs.listing(engine, "solve"),
                    state=state, error=error, form=dict(form), status_code=409
                    if error and "en cours" in error else 422)

    @app.get("/tours/{run_id}", response_class=HTMLResponse)
    async def round_page(request: Request, run_id: int):
        user = require(request)
        job = round_job(run_id)
        ctx = {"job": job, "progress": jobs.progress(ws.logs, job.id)}
        if job.status == "done":
            quotas = backend.read_csv(job.folder, "quotas.csv").to_dict("records")
            ctx.update(kpis=backend.read_kpis(job.folder), quotas=quotas,
                       shown=[q for q in quotas if q["tight"] == "True"
                              or q["satisfied"] != "True"],
                       n_met=sum(q["satisfied"] == "True" for q in quotas),
                       prices=backend.read_csv(job.folder, "quota_prices.csv")
                       .to_dict("records"))
        return page(request, "round.html", user, **ctx)

    @app.get("/tours/{run_id}/rapport")
    async def round_report(request: Request, run_id: int):
        require(request)
        job = finished_round(run_id)
        return _self_contained(job.folder / "report.html")

    @app.get("/tours/{run_id}/agenda", response_class=HTMLResponse)
    async def agenda(request: Request, run_id: int, bailleur: str = ""):
        user = require(request, "cil", "landlord", "reservataire")
        job = finished_round(run_id)
        units = visible_units(user, job)
        landlords = sorted(set(units["landlord"]))
        if user.kind == "landlord":
            bailleur = user.scope
        if bailleur:
            if bailleur not in landlords and user.kind != "landlord":
                raise HTTPException(404)
            units = units[units["landlord"] == bailleur]
        groups = backend.shortlist_groups(job.folder)
        items = [(u, groups.get(u["unit_id"])) for u in units.to_dict("records")]
        return page(request, "agenda.html", user, job=job, items=items, landlords=landlords,
                    bailleur=bailleur)

    @app.get("/tours/{run_id}/logements/{unit_id}", response_class=HTMLResponse)
    async def unit_page(request: Request, run_id: int, unit_id: str):
        user = require(request, "cil", "landlord", "reservataire")
        job = finished_round(run_id)
        unit = the_unit(user, job, unit_id)
        return _unit(request, user, job, unit, None, None)

    def _unit(request, user, job, unit, problems, done, status=200):
        return page(request, "unit.html", user, job=job, unit=unit,
                    candidates=backend.candidates(job.folder, unit["unit_id"]),
                    history=backend.unit_events(engine, unit["unit_id"]),
                    may_decide=user.may_decide_unit(unit["landlord"]),
                    events=backend.EVENTS, ledger="record" in backend.ledger_commands(),
                    problems=problems, done=done, today=date.today().isoformat(),
                    status_code=status)

    @app.post("/tours/{run_id}/logements/{unit_id}/decisions", response_class=HTMLResponse)
    async def decide(request: Request, run_id: int, unit_id: str):
        user = require(request, "cil", "landlord", "reservataire")
        form = await checked_form(request)
        job = finished_round(run_id)
        unit = the_unit(user, job, unit_id)
        if not user.may_decide_unit(unit["landlord"]):
            raise Forbidden()
        row = {"unit_id": unit_id, "demand_id": str(form.get("demand_id", "")).strip(),
               "event": str(form.get("event", "")), "date": str(form.get("date", "")),
               "rank": str(form.get("rank", "")).strip(),
               "justified": {"oui": "true", "non": "false"}.get(
                   str(form.get("justified", "")), ""),
               "reason": str(form.get("reason", "")).strip()}
        result = await run_in_threadpool(backend.record, ws, [row], user.name)
        log.info("decision recorded: %s", "ok" if result.ok else "refused")
        if not result.ok:
            return _unit(request, user, job, unit, result.problems, None, 422)
        _refresh_year(user, job.meta.get("year"))
        return _unit(request, user, job, unit, None, row)

    # --- one applicant -------------------------------------------------------------------

    def applicant_round(user: Principal, run_id: int, demand_id: str) -> jobs.Job:
        job = finished_round(run_id)
        if user.kind == "cil":
            return job
        units = visible_units(user, job)
        if not set(backend.demand_units(job.folder, demand_id)) & set(units["unit_id"]):
            raise Forbidden()
        return job

    @app.get("/tours/{run_id}/demandes/{demand_id}", response_class=HTMLResponse)
    async def applicant(request: Request, run_id: int, demand_id: str):
        user = require(request, "cil", "landlord", "reservataire")
        job = applicant_round(user, run_id, demand_id)
        try:
            text = backend.explanation(job.folder, demand_id)
        except Exception:
            raise HTTPException(404) from None
        return page(request, "applicant.html", user, job=job, demand_id=demand_id,
                    text=text)

    @app.get("/tours/{run_id}/demandes/{demand_id}/courrier", response_class=HTMLResponse)
    async def letter(request: Request, run_id: int, demand_id: str):
        user = require(request, "cil", "landlord", "reservataire")
        job = applicant_round(user, run_id, demand_id)
        try:
            html = backend.letter(job.folder, demand_id)
        except Exception:
            raise HTTPException(404) from None
        # the letter `attribution letters` writes: one self-contained printable page
        # (inline CSS, no script)
        response = HTMLResponse(html)
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
        return response

    # --- the year ------------------------------------------------------------------------

    def _refresh_year(user: Principal, year) -> int | None:
        if not year or "bilan" not in backend.ledger_commands():
            return None
        out = ws.runs / f"bilan-{year}-{secrets.token_hex(4)}"
        return jobs.start(engine, db_url, kind="bilan",
                          args=backend.bilan_args(ws, int(year), out), user=user.name,
                          folder=out, log_dir=ws.logs, meta={"year": int(year)})

    @app.get("/annee", response_class=HTMLResponse)
    async def year_page(request: Request, annee: int | None = None):
        user = require(request)
        return _year(request, user, annee)

    def _year(request, user, annee, notice=None, problems=None, status=200):
        year = annee or territory_state().year or date.today().year
        done = jobs.latest_done(engine, "bilan", "year", year)
        running = [j for j in jobs.listing(engine, "bilan", 20)
                   if j.active and j.meta.get("year") == year]
        tables, charts = _bilan(str(done.folder)) if done else ({}, {})
        last = next((j for j in jobs.listing(engine, "bilan", 20)
                     if j.meta.get("year") == year and not j.active), None)
        failed = (last, jobs.progress(ws.logs, last.id, 3)) if last and \
            last.status == "failed" else None
        return page(request, "year.html", user, year=year, job=done, running=running,
                    failed=failed, ledger_rounds=backend.ledger_rounds(engine)
                    if user.is_cil else [], notice=notice, problems=problems,
                    tables=tables, charts=charts,
                    ledger="bilan" in backend.ledger_commands(), status_code=status)

    @app.post("/annee/decisions", response_class=HTMLResponse)
    async def year_decisions(request: Request):
        user = require(request, "cil")
        form = await checked_form(request)
        file = form.get("file")
        if file is None or not hasattr(file, "read"):
            return _year(request, user, None, problems=["Choisissez un fichier CSV ou XLSX."],
                         status=422)
        result = await run_in_threadpool(backend.record_file, ws, file.filename or "",
                                         await file.read(), user.name)
        log.info("decision file: %s", "recorded" if result.ok else "refused")
        if not result.ok:
            return _year(request, user, None, problems=result.problems, status=422)
        _refresh_year(user, territory_state().year)
        return _year(request, user, None, notice=result.lines)

    @app.post("/annee/tours/{round_id}/clore", response_class=HTMLResponse)
    async def year_close_round(request: Request, round_id: int):
        user = require(request, "cil")
        await checked_form(request)
        error = await run_in_threadpool(backend.close_round, ws, round_id, user.name)
        if error:
            return _year(request, user, None, problems=[error], status=409)
        return _year(request, user, None, notice=[f"Tour {round_id} du registre clos."])

    @app.post("/annee/bilan")
    async def year_refresh(request: Request):
        user = require(request, "cil")
        form = await checked_form(request)
        try:
            year = int(str(form.get("year", "")))
        except ValueError:
            raise HTTPException(422, "Année invalide.") from None
        _refresh_year(user, year)
        return RedirectResponse(f"/annee?annee={year}", status_code=303)

    @app.get("/annee/{year}/page")
    async def year_html(request: Request, year: int):
        require(request)
        done = jobs.latest_done(engine, "bilan", "year", year)
        if done is None:
            raise HTTPException(404)
        pages = sorted(done.folder.glob("*.html"))
        if not pages:
            raise HTTPException(404)
        return _self_contained(pages[0])

    # --- scenarios -----------------------------------------------------------------------

    @app.get("/scenarios", response_class=HTMLResponse)
    async def scenarios(request: Request):
        user = require(request, "cil", "viewer")
        return page(request, "scenarios.html", user, examples=backend.example_scenarios(),
                    runs=jobs.listing(engine, "compare"), error=None)

    @app.post("/scenarios")
    async def start_compare(request: Request):
        user = require(request, "cil")
        form = await checked_form(request)
        examples = backend.example_scenarios()
        chosen = [n for n in form.getlist("scenario") if n in examples]
        try:
            seeds = int(str(form.get("seeds", "3")))
            months = int(str(form.get("months", "12")))
            limit = float(str(form.get("time_limit", "5")))
            ok = 1 <= seeds <= 50 and 1 <= months <= 24 and 0.1 <= limit <= 600
        except ValueError:
            ok = False
        if not chosen or not ok:
            return page(request, "scenarios.html", user, examples=examples,
                        runs=jobs.listing(engine, "compare"), status_code=422,
                        error="Choisissez au moins un scénario ; graines 1 à 50, mois 1 à "
                              "24, limite de temps 0,1 à 600 s.")
        out = ws.runs / f"comparaison-{secrets.token_hex(4)}"
        job_id = jobs.start(engine, db_url, kind="compare",
                            args=backend.compare_args(chosen, out, seeds=seeds, months=months,
                                                      time_limit=limit),
                            user=user.name, folder=out, log_dir=ws.logs,
                            meta={"scenarios": chosen, "seeds": seeds, "months": months})
        return RedirectResponse(f"/scenarios/{job_id}", status_code=303)

    @app.get("/scenarios/{job_id}", response_class=HTMLResponse)
    async def compare_page(request: Request, job_id: int):
        user = require(request, "cil", "viewer")
        job = jobs.get(engine, job_id)
        if job is None or job.kind != "compare":
            raise HTTPException(404)
        return page(request, "compare.html", user, job=job,
                    progress=jobs.progress(ws.logs, job.id))

    @app.get("/scenarios/{job_id}/rapport")
    async def compare_report(request: Request, job_id: int):
        require(request, "cil", "viewer")
        job = jobs.get(engine, job_id)
        if job is None or job.kind != "compare" or job.status != "done":
            raise HTTPException(404)
        return _self_contained(job.folder / "report.html")

    @app.get("/sante", response_class=PlainTextResponse)
    async def health():
        return "ok"

    return app


# --- helpers without state --------------------------------------------------------------

def _safe_next(target: str) -> str:
    """Only a path of this site (no //host, no scheme) is followed after sign-in."""
    return target if target.startswith("/") and not target.startswith("//") \
        and "\\" not in target else "/"


def _self_contained(path: Path):
    if not path.is_file():
        raise HTTPException(404)
    response = FileResponse(path, media_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = REPORT_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _round_defaults() -> dict:
    return {"time_limit": "60", "seed": "0", "shortlists": "auto", "quota_prices": "auto"}


def _round_options(form) -> tuple[dict, str | None]:
    try:
        limit = float(str(form.get("time_limit", "60")).replace(",", "."))
        seed = int(str(form.get("seed", "0")))
    except ValueError:
        return {}, "Limite de temps (secondes) et graine (entier) attendues."
    shortlists = str(form.get("shortlists", "auto"))
    prices = str(form.get("quota_prices", "auto"))
    if not (0 < limit <= 3600) or seed < 0 or shortlists not in SHORTLIST_CHOICES \
            or prices not in QUOTA_PRICE_CHOICES:
        return {}, ("Limite de temps entre 0 et 3600 s, graine ≥ 0, options parmi les "
                    "choix proposés.")
    return {"time_limit": limit, "seed": seed, "shortlists": shortlists,
            "quota_prices": prices, "supersede": form.get("supersede") == "oui"}, None


#: The bilan's tables in the page's order, with their French titles (others follow).
BILAN_TITLES = {
    "flows": "Comptes de flux : bailleur × réservataire",
    "quotas": "Quotas annuels",
    "priority": "Publics prioritaires par réservataire et par bailleur",
    "dalo": "Attributions DALO",
    "qpv": "Q1 hors QPV, non-Q1 en QPV",
    "communes": "Attributions par commune (équilibre territorial)",
    "refusals": "Refus par motif",
    "waits": "Délais d'attente observés (de l'enregistrement au bail)",
}


@functools.lru_cache(maxsize=8)
def _bilan(folder: str) -> tuple[dict[str, tuple[list, list]], dict[str, str]]:
    """A bilan folder's tables (columns, rows) and charts (a bilan folder is written once,
    never changed)."""
    tables = _bilan_tables(Path(folder))
    return ({name: (list(t.columns), t.values.tolist()) for name, t in tables.items()},
            _bilan_charts(tables))


def _bilan_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Every CSV of a bilan folder (aggregates only), by file stem, known ones first."""
    found = {p.stem: p for p in folder.glob("*.csv")}
    order = [n for n in BILAN_TITLES if n in found] + sorted(set(found) - set(BILAN_TITLES))
    return {n: pd.read_csv(found[n], dtype=str, keep_default_na=False) for n in order}


def _bilan_charts(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Realised shares against targets, drawn by the report's own chart code."""
    from attribution.reporting.pages import svg

    charts = {}

    def num(v):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    flows = tables.get("flows")
    if flows is not None and not flows.empty and {"share", "target"} <= set(flows.columns):
        rows = []
        for r in flows.itertuples():
            share, target = num(r.share) or 0.0, num(r.target)
            tol = num(getattr(r, "tolerance", None)) or 0.0
            ok = str(getattr(r, "within_tolerance", "")).lower() in ("true", "1", "vrai")
            rows.append((f"{r.landlord} → {r.reservataire}", share,
                         None if target is None else max(0.0, target - tol),
                         None if target is None else min(1.0, target + tol), ok))
        charts["flows"] = svg.target_chart("Flux : part réalisée et objectif", rows)
    quotas = tables.get("quotas")
    if quotas is not None and not quotas.empty and {"share", "target"} <= set(quotas.columns):
        rows = [(str(r.quota), num(r.share) or 0.0, num(r.target), None,
                 str(getattr(r, "met", "")).lower() in ("true", "1", "vrai"))
                for r in quotas.itertuples()]
        charts["quotas"] = svg.target_chart("Quotas annuels : part réalisée et plancher", rows)
    return charts
