"""The one adapter between the workspace and the layers below it.

Everything the pages show or do goes through here, and everything here calls the code
the command line uses: a territory is read and checked by ``models.io.readers``; a round,
a comparison, a decision file and a year are run by the ``attribution`` commands
themselves (``solve``, ``compare``, ``record``, ``bilan``) in a worker process
(:mod:`attribution.web.jobs`), so the browser and the CLI write identical files. This
module only reads the files those commands write (a results folder, a bilan folder),
and records decisions with the very function ``attribution record`` calls.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from attribution.models.errors import DataError, Problem
from attribution.models.i18n import _
from attribution.models.io.readers import SUFFIXES, load_territory
from attribution.models.io.validation_summary import TerritorySummary, summarise

#: The columns of a decisions file for ``attribution record`` (issue 13's contract).
RECORD_COLUMNS = ["unit_id", "demand_id", "event", "date", "rank", "justified", "reason"]
#: Events a commission can record, in the order the form offers them.
EVENTS = ["designated", "commission_attributed", "commission_rejected", "offer_refused",
          "lease_signed", "withdrawn"]


@dataclass(frozen=True)
class Workspace:
    """Where the workspace keeps its files, beside the ledger."""

    ledger: str           # the LEDGER argument: a SQLite path or a database URL
    data: Path            # territory versions, results folders, job logs, the secret

    @property
    def territories(self) -> Path:
        return self.data / "territories"

    @property
    def runs(self) -> Path:
        return self.data / "runs"

    @property
    def logs(self) -> Path:
        return self.data / "logs"

    def make_dirs(self) -> None:
        for d in (self.territories, self.runs, self.logs):
            d.mkdir(parents=True, exist_ok=True)


def data_dir_for(ledger: str) -> Path:
    """The default data folder: ``<ledger file>.files`` beside a SQLite ledger."""
    if "://" in ledger:
        raise ValueError(_("With a database URL, give the data folder with --data DIR."))
    return Path(ledger).resolve().with_name(Path(ledger).name + ".files")


# --- the territory ---------------------------------------------------------------------

def current_territory(ws: Workspace) -> Path | None:
    """The territory folder in use (the last valid one set), or None."""
    pointer = ws.data / "territory.txt"
    if not pointer.is_file():
        return None
    path = Path(pointer.read_text(encoding="utf-8").strip())
    return path if path.is_dir() else None


def set_territory(ws: Workspace, source: Path) -> Path:
    """Copy a territory folder into the workspace (a new version) and make it current."""
    ws.make_dirs()
    n = 1 + max([int(p.name) for p in ws.territories.iterdir() if p.name.isdigit()],
                default=0)
    target = ws.territories / f"{n:04d}"
    shutil.copytree(source, target)
    _write_pointer(ws, target)
    return target


def _write_pointer(ws: Workspace, target: Path) -> None:
    tmp = ws.data / "territory.txt.tmp"
    tmp.write_text(str(target), encoding="utf-8")
    tmp.replace(ws.data / "territory.txt")


@dataclass
class TerritoryState:
    """What the territory page shows: the summary, or every problem found."""

    path: Path | None
    summary: TerritorySummary | None = None
    problems: list[Problem] = field(default_factory=list)
    landlords: tuple[str, ...] = ()
    reservataires: tuple[str, ...] = ()
    year: int | None = None
    round_date: str | None = None


@functools.lru_cache(maxsize=8)
def _check(path: str, stamp: tuple) -> TerritoryState:
    try:
        loaded = load_territory(Path(path))
        summary = summarise(loaded)
    except DataError as exc:
        return TerritoryState(Path(path), problems=list(exc.problems))
    t = loaded.policy.territory
    return TerritoryState(Path(path), summary, [], loaded.policy.landlords,
                          loaded.policy.reservataire_ids, t.round_date.year,
                          t.round_date.isoformat())


def check_territory(path: Path | None) -> TerritoryState:
    """Read and check a territory folder exactly as ``attribution validate`` does."""
    if path is None:
        return TerritoryState(None)
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir()))
    return _check(str(path), stamp)


def upload_extraction(ws: Workspace, kind: str, filename: str, content: bytes
                      ) -> tuple[Path | None, list[Problem]]:
    """A new extraction of ``demands`` or ``units`` (CSV or XLSX), checked whole.

    A new territory version is made from the current one with the file replaced, and
    checked by the same reader as ``attribution validate``; it becomes current only when
    valid. Returns the new folder (or None) and the problems found.
    """
    if kind not in ("demands", "units"):
        return None, [Problem(filename, None, None, _("expected a demands or units file"))]
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return None, [Problem(filename or "?", None, None, _(
            "expected a .csv or .xlsx file; got '{suffix}'").format(suffix=suffix or "–"))]
    base = current_territory(ws)
    if base is None:
        return None, [Problem("policy.toml", None, None, _("no territory is set up yet"))]
    ws.make_dirs()
    staging = Path(tempfile.mkdtemp(prefix="upload-", dir=ws.territories))
    try:
        for item in base.iterdir():
            if item.is_file() and not any(item.name == f"{kind}{s}" for s in SUFFIXES):
                shutil.copy2(item, staging / item.name)
        (staging / f"{kind}{suffix}").write_bytes(content)
        state = check_territory(staging)
        if state.problems:
            return None, state.problems
        target = set_territory(ws, staging)
        return target, []
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# --- results folders (written by `attribution solve`) -----------------------------------

def read_csv(folder: Path, name: str) -> pd.DataFrame:
    """A results file as strings (ids stay ids), empty frame when absent.

    Results folders are written once (atomically) and never changed, so a file is read
    once per version (path, size, modification time) and shared: callers do not modify
    the frame."""
    path = folder / name
    try:
        st = path.stat()
    except OSError:
        return pd.DataFrame()
    return _read_csv(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _read_csv(path: str, size: int, mtime: int) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def shortlist_groups(folder: Path) -> dict[str, list[dict]]:
    """Each unit's candidates in rank order (the agenda), from shortlists.csv, as rows
    (dicts: templates iterate them fast). Shared: callers do not modify them."""
    path = folder / "shortlists.csv"
    try:
        st = path.stat()
    except OSError:
        return {}
    return _groups(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _groups(path: str, size: int, mtime: int) -> dict[str, list[dict]]:
    lists = _read_csv(path, size, mtime)
    if lists.empty:
        return {}
    ranked = lists.assign(_r=lists["rank"].astype(int)).sort_values(["unit_id", "_r"])
    return {uid: g.drop(columns="_r").to_dict("records")
            for uid, g in ranked.groupby("unit_id", sort=False)}


def read_kpis(folder: Path) -> dict:
    path = folder / "kpis.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@functools.lru_cache(maxsize=16)
def _units_of(territory: str, stamp: tuple) -> pd.DataFrame:
    loaded = load_territory(Path(territory))
    u, pol = loaded.units, loaded.policy
    res = pol.reservataire_ids
    return pd.DataFrame({
        "unit_id": u.ids.astype(str),
        "landlord": [pol.landlords[i] for i in u.landlord],
        "commune": [pol.territory.communes[i] for i in u.commune],
        "typology": [f"T{t + 1}" for t in u.typology],
        "qpv": u.qpv,
        "rent": u.rent,
        "pre_reservataire": [res[i] if i >= 0 else "" for i in u.reservataire],
    }).set_index("unit_id", drop=False)


def round_units(territory: Path, results: Path) -> pd.DataFrame:
    """The round's units with landlord, commune and the réservataire of their flow
    (pre-oriented in units.csv, else the one the allocation charged). Shared: callers do
    not modify it."""
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in territory.iterdir()))
    st = (results / "assignments.csv").stat()
    return _round_units(str(territory), stamp, str(results), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _round_units(territory: str, stamp: tuple, results: str, size: int, mtime: int
                 ) -> pd.DataFrame:
    results = Path(results)
    units = _units_of(territory, stamp).copy()
    assign = read_csv(results, "assignments.csv")
    charged = dict(zip(assign.get("unit_id", []), assign.get("reservataire", [])))
    units["reservataire"] = [p or charged.get(uid, "") for uid, p in
                             zip(units["unit_id"], units["pre_reservataire"])]
    holder = dict(zip(assign.get("unit_id", []), assign.get("demand_id", [])))
    units["demand_id"] = [holder.get(uid, "") for uid in units["unit_id"]]
    return units


def candidates(results: Path, unit_id: str) -> list[dict]:
    """A unit's ranked candidates with the reasons, as in shortlists.csv."""
    return shortlist_groups(results).get(unit_id, [])


def explanation(results: Path, demand_id: str) -> str:
    """One applicant's explanation, exactly as ``attribution explain`` prints it."""
    from attribution.reporting.text.explain import explain
    return explain(results, demand_id)


def letter(results: Path, demand_id: str) -> str:
    """The letter owed to one applicant, exactly as ``attribution letters`` writes it."""
    from attribution.reporting.text.explain import letter as letter_html
    return letter_html(results, demand_id)


def demand_units(results: Path, demand_id: str) -> list[str]:
    """Units whose shortlist holds the demand (who may read its explanation)."""
    lists = read_csv(results, "shortlists.csv")
    if lists.empty:
        return []
    return sorted(set(lists.loc[lists["demand_id"] == demand_id, "unit_id"]))


# --- the ledger: through the code of the commands that own it ---------------------------

def ledger_commands() -> set[str]:
    """The ledger's commands the pages may offer (both are installed with the ledger)."""
    return {"record", "bilan"}


def decisions_csv(rows: list[dict]) -> bytes:
    """Rows as a decisions file for ``attribution record`` (UTF-8, comma, header)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=RECORD_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in RECORD_COLUMNS})
    return buf.getvalue().encode("utf-8")


@dataclass
class RecordOutcome:
    """What a record gave: the summary lines, or every problem (nothing recorded)."""

    ok: bool
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def record(ws: Workspace, rows: list[dict], user: str) -> RecordOutcome:
    """Record decisions in the ledger with the function ``attribution record`` calls
    (:func:`attribution.ledger.events.record`): the file is checked whole and applied in
    one transaction, every row or none. The decisions file is kept in the data folder."""
    from attribution.ledger import LedgerError, open_ledger
    from attribution.ledger.events import record as record_events

    folder = ws.data / "decisions"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", prefix="decisions-", suffix=".csv", dir=folder,
                                     delete=False) as f:
        f.write(decisions_csv(rows))
        path = Path(f.name)
    try:
        with open_ledger(ws.ledger, user) as led:
            summary = record_events(led, path)
    except DataError as exc:
        return RecordOutcome(False, problems=[str(p) for p in exc.problems])
    except LedgerError as exc:
        return RecordOutcome(False, problems=[str(exc)])
    return RecordOutcome(True, lines=summary.lines())


def record_file(ws: Workspace, filename: str, content: bytes, user: str) -> RecordOutcome:
    """A whole decisions file (CSV or XLSX, the columns of ``attribution record``)
    recorded with the same function: checked whole, all rows or none."""
    from attribution.ledger import LedgerError, open_ledger
    from attribution.ledger.events import record as record_events

    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return RecordOutcome(False, problems=[f"{filename or '?'}: " + _(
            "expected a .csv or .xlsx file; got '{suffix}'").format(suffix=suffix or "–")])
    folder = ws.data / "decisions"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", prefix="decisions-", suffix=suffix, dir=folder,
                                     delete=False) as f:
        f.write(content)
        path = Path(f.name)
    try:
        with open_ledger(ws.ledger, user) as led:
            summary = record_events(led, path)
    except DataError as exc:
        return RecordOutcome(False, problems=[str(p).replace(path.name, filename)
                                              for p in exc.problems])
    except LedgerError as exc:
        return RecordOutcome(False, problems=[str(exc)])
    return RecordOutcome(True, lines=summary.lines())


def ledger_rounds(engine) -> list[dict]:
    """The ledger's rounds (newest first) with their status, by the ledger's own query."""
    from attribution.ledger.solve import round_table
    from attribution.ledger.store import Ledger
    return round_table(Ledger(engine, "attribution-web", str(engine.url)))


def close_round(ws: Workspace, round_id: int, user: str) -> str | None:
    """Close a round of the ledger (as ``attribution ledger close``); the error, if any."""
    from attribution.ledger import LedgerError, open_ledger
    from attribution.ledger.solve import close_round as close
    try:
        with open_ledger(ws.ledger, user) as led:
            close(led, round_id)
    except LedgerError as exc:
        return str(exc)
    return None


def unit_events(engine, unit_id: str) -> pd.DataFrame:
    """The events the ledger holds for one unit, in order (read by the ledger's own
    query, :func:`attribution.ledger.rounds.events_frame`)."""
    from attribution.ledger.rounds import events_frame

    from .db import reading
    with reading(engine) as conn:
        frame = events_frame(conn)
    return frame[frame["unit_id"] == unit_id]


def bilan_args(ws: Workspace, year: int, out: Path) -> list[str]:
    """The ``attribution bilan`` command line of the year page."""
    return ["bilan", ws.ledger, "--year", str(year), "--out", str(out), "--force"]


def solve_args(ws: Workspace, territory: Path, out: Path, *, user: str, time_limit: float,
               seed: int, shortlists: str, quota_prices: str, supersede: bool = False
               ) -> list[str]:
    """The ``attribution solve`` command line of a round started from the browser."""
    args = ["solve", str(territory), "--out", str(out), "--time-limit", f"{time_limit:g}",
            "--seed", str(seed), "--workers", "1", "--shortlists", shortlists,
            "--quota-prices", quota_prices, "--ledger", ws.ledger, "--user", user]
    return args + (["--supersede"] if supersede else [])


def compare_args(names: list[str], out: Path, *, seeds: int, months: int,
                 time_limit: float) -> list[str]:
    return ["compare", *names, "--out", str(out), "--seeds", str(seeds), "--months",
            str(months), "--time-limit", f"{time_limit:g}", "--workers", "0"]


def example_scenarios() -> list[str]:
    """The shipped example scenarios (``attribution compare`` accepts their names)."""
    from importlib.resources import files
    folder = files("attribution.scenarios") / "examples"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))

