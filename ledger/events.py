"""``attribution record``: what really happened, one row per event, checked whole and
applied in one transaction.

The file has the columns ``unit_id, demand_id, event, date, rank, justified, reason`` (an
optional ``reservataire`` column names the réservataire of an attribution the tool never
proposed, when the unit does not name one). Events: :data:`EVENTS`. Rules (every breach is
listed, naming file, row and column, and nothing is recorded):

- ``unit_id`` is required except for ``withdrawn`` (a household withdrawing its demand);
  ``demand_id`` is always required; both must be known to the ledger (a unit or demand of
  a round solved with ``--ledger``, or of the ``--territory`` folder given to ``record``);
- ``date``: ISO ``YYYY-MM-DD`` or ``dd/mm/yyyy``;
- ``rank``: a whole number ≥ 1, required for ``commission_attributed``, allowed for
  ``commission_rejected``, empty otherwise;
- ``justified``: true/false (oui/non, 1/0), required for ``offer_refused``, empty otherwise;
  ``reason`` is free text (never logged, only counted in the bilan);
- an event is identified by ``(unit_id, demand_id, event, date)``: recording the same row
  again changes nothing (idempotent); the same key with another rank, justification,
  reason or réservataire is a contradiction;
- a lease on a unit already let (that year) to another household, a second lease for a
  household already housed, a refusal dated on or after the lease of the same offer (or a
  lease not after its refusal), or an event after the household withdrew, are
  contradictions.

Attributions made outside the tool (a unit no round of the ledger proposed) are accepted
and flagged ``outside_tool``: the accounts count what really happened.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from attribution.models.errors import DataError, Problem
from attribution.models.io.folders import sha256_file
from attribution.models.i18n import N_, _
from attribution.models.i18n import date as date_for_people
from attribution.models.io.readers import read_table_lenient

from . import schema
from .store import Ledger, now

log = logging.getLogger(__name__)

EVENTS = ("designated", "commission_attributed", "commission_rejected", "offer_refused",
          "lease_signed", "withdrawn")
COLUMNS = ("unit_id", "demand_id", "event", "date", "rank", "justified", "reason")
OPTIONAL_COLUMNS = ("reservataire",)
TRUE = {"true", "1", "yes", "oui", "vrai"}
FALSE = {"false", "0", "no", "non", "faux"}
#: Events tied to one unit's attribution: they carry the réservataire it goes through.
ATTRIBUTING = ("designated", "commission_attributed", "lease_signed")
#: The events in words, for people (the file keeps the codes).
EVENT_LABELS = {"designated": N_("designated"), "commission_attributed": N_("attributed by the "
                                                                             "commission"),
                "commission_rejected": N_("rejected by the commission"),
                "offer_refused": N_("offer refused"), "lease_signed": N_("lease signed"),
                "withdrawn": N_("withdrawn")}


@dataclass(frozen=True)
class RecordSummary:
    """What one ``record`` did."""

    rows: int
    new_events: int
    already_recorded: int
    outside_tool: int
    by_event: dict[str, int]
    rounds_decided: list[int]

    def lines(self) -> list[str]:
        """The summary as printed on stdout, in the current language."""
        out = [_("{rows} rows: {new} new events recorded, {already} already in the ledger "
                 "(unchanged).").format(rows=self.rows, new=self.new_events,
                                        already=self.already_recorded)]
        if self.by_event:
            out.append("  " + ", ".join(f"{_(EVENT_LABELS.get(k, k))} {v}"
                                        for k, v in sorted(self.by_event.items())))
        if self.outside_tool:
            out.append("  " + _("{n} attribution event(s) on units no round proposed (made "
                                "outside the tool).").format(n=self.outside_tool))
        if self.rounds_decided:
            out.append("  " + _("rounds now decided: {ids}").format(
                ids=", ".join(map(str, self.rounds_decided))))
        return out


def parse_date(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` or ``dd/mm/yyyy``; None when neither."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


def parse_rows(path: Path) -> tuple[list[dict], list[Problem]]:
    """The file's rows, typed, and every problem of form (no ledger needed)."""
    file = path.name
    df, problems = read_table_lenient(path)
    problems = list(problems)
    present = [str(c).strip().lower() for c in df.columns]
    df.columns = present
    missing = [c for c in COLUMNS if c not in present]
    extra = [c for c in present if c not in COLUMNS + OPTIONAL_COLUMNS]
    if missing:
        problems.append(Problem(file, 1, None, _(
            "the header lacks {missing}; expected the columns {columns} (and optionally "
            "reservataire)").format(missing=", ".join(missing), columns=", ".join(COLUMNS))))
    for c in extra:
        problems.append(Problem(file, 1, c, _(
            "is not a column of a decisions file; expected {columns} (and optionally "
            "reservataire)").format(columns=", ".join(COLUMNS))))
    if missing:
        return [], problems
    rows = []
    for row_no, rec in zip(df.index, df.to_dict("records")):
        get = lambda c: str(rec.get(c, "") or "").strip()  # noqa: E731
        event = get("event").lower()
        bad = lambda col, msg: problems.append(Problem(file, int(row_no), col, msg))  # noqa: E731
        if event not in EVENTS:
            bad("event", _("expected one of {names}; got '{value}'").format(
                names=", ".join(EVENTS), value=get("event")))
        unit, demand = get("unit_id"), get("demand_id")
        if not demand:
            bad("demand_id", _("is empty; every event names the demand"))
        if not unit and event != "withdrawn":
            bad("unit_id", _("is empty; a '{event}' event names the unit").format(
                event=event or "decision"))
        date = parse_date(get("date"))
        if date is None:
            bad("date", _("expected a date YYYY-MM-DD or dd/mm/yyyy; got '{value}'").format(
                value=get("date")))
        rank = None
        if get("rank"):
            try:
                rank = int(get("rank"))
                if rank < 1:
                    raise ValueError
            except ValueError:
                bad("rank", _("expected a whole number ≥ 1; got '{value}'").format(
                    value=get("rank")))
            if event in EVENTS and event not in ("commission_attributed",
                                                 "commission_rejected"):
                bad("rank", _("must be empty for a '{event}' event (rank is the "
                              "commission's)").format(event=event))
        elif event == "commission_attributed":
            bad("rank", _("is empty; a commission_attributed event gives the commission's "
                          "rank (1 = first choice)"))
        justified = None
        j = get("justified").lower()
        if j in TRUE:
            justified = True
        elif j in FALSE:
            justified = False
        elif j:
            bad("justified", _("expected true or false; got '{value}'").format(
                value=get("justified")))
        if event == "offer_refused" and not j:
            bad("justified", _("is empty; an offer_refused event says whether the refusal "
                               "was justified (true) or not (false)"))
        if j and event in EVENTS and event != "offer_refused":
            bad("justified", _("must be empty for a '{event}' event").format(event=event))
        rows.append({"row": int(row_no), "unit_id": unit, "demand_id": demand,
                     "event": event, "event_date": date, "rank": rank,
                     "justified": justified, "reason": get("reason") or None,
                     "reservataire": get("reservataire") or None})
    return rows, problems


VALUE_FIELDS = ("rank", "justified", "reason")


def _existing(conn, keys_units: set[str], keys_demands: set[str]) -> pd.DataFrame:
    e = schema.events
    q = sa.select(e.c.id, e.c.unit_id, e.c.demand_id, e.c.event, e.c.event_date, e.c.rank,
                  e.c.justified, e.c.reason, e.c.reservataire)
    frames = []
    for col, keys in ((e.c.unit_id, keys_units), (e.c.demand_id, keys_demands)):
        keys = sorted(keys)
        for i in range(0, len(keys), 500):
            frames.append(pd.DataFrame([tuple(r) for r in conn.execute(
                q.where(col.in_(keys[i:i + 500]))).all()],
                columns=["id", "unit_id", "demand_id", "event", "event_date", "rank",
                         "justified", "reason", "reservataire"]))
    if not frames:
        return pd.DataFrame(columns=["id"])
    return pd.concat(frames).drop_duplicates("id")


def _lookup(conn, table, key_col, keys: set[str]) -> dict[str, dict]:
    keys = sorted(keys)
    out = {}
    for i in range(0, len(keys), 500):
        for r in conn.execute(sa.select(table).where(key_col.in_(keys[i:i + 500]))).mappings():
            out[r[key_col.name]] = dict(r)
    return out


def _proposals_of(conn, unit_ids: set[str]) -> dict[str, dict]:
    """The latest live round proposing each unit: unit → ``{"round": id, "assigned":
    réservataire of its assignment, "candidates": {demand: réservataire}}``."""
    p, r = schema.proposals, schema.rounds
    keys = sorted(unit_ids)
    out: dict[str, dict] = {}
    for i in range(0, len(keys), 500):
        q = (sa.select(p.c.unit_id, p.c.round_id, p.c.kind, p.c.demand_id, p.c.reservataire)
             .join(r, r.c.id == p.c.round_id)
             .where(p.c.unit_id.in_(keys[i:i + 500]), r.c.status != "superseded")
             .order_by(p.c.round_id, p.c.kind, p.c.id))
        for unit_id, round_id, kind, demand_id, res in conn.execute(q):
            cur = out.get(unit_id)
            if cur is None or cur["round"] != round_id:
                cur = out[unit_id] = {"round": round_id, "assigned": None, "candidates": {}}
            if kind == "assignment":
                cur["assigned"] = res
                cur["candidates"][demand_id] = res
            else:
                cur["candidates"].setdefault(demand_id, res)
    return out


def check_rows(conn, file: str, rows: list[dict], policy_flows: dict[str, list[str]] | None
               ) -> tuple[list[dict], int, list[Problem]]:
    """Check the rows against each other and the ledger; return the new events to insert,
    the number already recorded, and every contradiction found."""
    problems: list[Problem] = []
    bad = lambda r, col, msg: problems.append(Problem(file, r["row"], col, msg))  # noqa: E731
    unit_ids = {r["unit_id"] for r in rows if r["unit_id"]}
    demand_ids = {r["demand_id"] for r in rows if r["demand_id"]}
    units = _lookup(conn, schema.units, schema.units.c.unit_id, unit_ids)
    demands = _lookup(conn, schema.demands, schema.demands.c.demand_id, demand_ids)
    proposed = _proposals_of(conn, unit_ids)
    old = _existing(conn, unit_ids, demand_ids)
    old_by_key = {(x.unit_id, x.demand_id, x.event, x.event_date): x
                  for x in old.itertuples()} if len(old) else {}
    seen: dict[tuple, dict] = {}
    new: list[dict] = []
    already = 0
    for r in rows:
        if r["unit_id"] and r["unit_id"] not in units:
            bad(r, "unit_id", _("unit '{id}' is unknown to the ledger; solve its round with "
                                "--ledger, or give its territory folder with "
                                "--territory").format(id=r["unit_id"]))
        if r["demand_id"] and r["demand_id"] not in demands:
            bad(r, "demand_id", _("demand '{id}' is unknown to the ledger; solve a round with "
                                  "--ledger, or give --territory").format(id=r["demand_id"]))
        u = units.get(r["unit_id"])
        # The réservataire of an attribution: named, else the round's, else the unit's.
        res = r["reservataire"]
        if r["event"] in ATTRIBUTING and u is not None:
            prop = proposed.get(r["unit_id"])
            from_round = None if prop is None else prop["candidates"].get(
                r["demand_id"], prop["assigned"])
            if u["outside_flow"]:
                derived = ""
            elif u["reservataire"]:
                derived = u["reservataire"]
            elif from_round is not None:
                derived = from_round
            else:
                options = (policy_flows or {}).get(u["landlord"], [])
                derived = options[0] if len(options) == 1 else None
            if res is None:
                res = derived
                if res is None:
                    bad(r, "reservataire", _(
                        "unit '{id}' was never proposed by the tool and names no "
                        "réservataire: add the column reservataire with the one it is let "
                        "through").format(id=r["unit_id"]))
            elif derived is not None and res != derived and (u["outside_flow"]
                                                                or u["reservataire"]):
                bad(r, "reservataire", _(
                    "'{value}' contradicts the unit's own réservataire '{own}'").format(
                    value=res, own=derived or _("none (outside the flow)")))
        elif r["event"] not in ATTRIBUTING and res is not None:
            bad(r, "reservataire", _("must be empty for a '{event}' event").format(
                event=r["event"]))
        r = {**r, "reservataire": res if r["event"] in ATTRIBUTING else None,
             "round_id": proposed.get(r["unit_id"], {}).get("round"),
             "outside_tool": r["event"] in ATTRIBUTING and r["unit_id"] not in proposed}
        key = (r["unit_id"], r["demand_id"], r["event"], r["event_date"])
        if key in seen:
            first = seen[key]
            if any(first[f] != r[f] for f in (*VALUE_FIELDS, "reservataire")):
                bad(r, None, _("contradicts row {row} (same unit, demand, event and date with "
                               "another rank, justification, reason or réservataire)").format(
                    row=first["row"]))
            continue
        seen[key] = r
        if key in old_by_key:
            x = old_by_key[key]
            na = lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) \
                else v  # noqa: E731
            before = {"rank": None if na(x.rank) is None else int(x.rank),
                      "justified": None if na(x.justified) is None else bool(x.justified),
                      "reason": na(x.reason), "reservataire": na(x.reservataire)}
            if any(before[f] != r[f] for f in (*VALUE_FIELDS, "reservataire")):
                bad(r, None, _("contradicts an event already in the ledger (same unit, demand, "
                               "event and date with another rank, justification, reason or "
                               "réservataire); the ledger is never overwritten"))
            else:
                already += 1
            continue
        new.append(r)
    problems += _contradictions(file, old, new)
    return new, already, problems


def _contradictions(file: str, old: pd.DataFrame, new: list[dict]) -> list[Problem]:
    """Leases, refusals and withdrawals that cannot all be true (ledger + file)."""
    problems = []
    rows = [{"row": None, **{k: getattr(x, k) for k in ("unit_id", "demand_id", "event",
                                                         "event_date")}}
            for x in old.itertuples()] if len(old) else []
    rows += new
    leases = [r for r in rows if r["event"] == "lease_signed"]
    by_unit_year: dict[tuple, dict] = {}
    by_demand: dict[str, dict] = {}
    for r in sorted(leases, key=lambda r: (r["row"] is not None, r["row"] or 0)):
        k = (r["unit_id"], r["event_date"].year)
        if k in by_unit_year and by_unit_year[k]["demand_id"] != r["demand_id"]:
            problems.append(Problem(file, r["row"], "unit_id", _(
                "unit '{id}' is already let in {year} to another household; a unit is let "
                "once a year (correct the ledger's row by hand if it is wrong, never by "
                "overwriting)").format(id=r["unit_id"], year=k[1])))
        by_unit_year.setdefault(k, r)
        if r["demand_id"] in by_demand and by_demand[r["demand_id"]]["unit_id"] != r["unit_id"]:
            problems.append(Problem(file, r["row"], "demand_id", _(
                "demand '{id}' already has a lease on another unit").format(
                id=r["demand_id"])))
        by_demand.setdefault(r["demand_id"], r)
    signed = {(r["unit_id"], r["demand_id"]): r["event_date"] for r in leases}
    withdrawn = {}
    for r in rows:
        if r["event"] == "withdrawn":
            withdrawn[r["demand_id"]] = min(r["event_date"], withdrawn.get(r["demand_id"],
                                                                           r["event_date"]))
    refused = {}
    for r in rows:
        if r["event"] == "offer_refused":
            k = (r["unit_id"], r["demand_id"])
            refused[k] = max(r["event_date"], refused.get(k, r["event_date"]))
    for r in new:
        k = (r["unit_id"], r["demand_id"])
        if r["event"] == "offer_refused" and k in signed and r["event_date"] >= signed[k]:
            problems.append(Problem(file, r["row"], "date", _(
                "an offer cannot be refused on or after its lease was signed ({date})").format(
                date=date_for_people(signed[k]))))
        if r["event"] == "lease_signed" and k in refused and refused[k] >= r["event_date"]:
            problems.append(Problem(file, r["row"], "date", _(
                "the household refused this offer on {date}, not before this lease").format(
                date=date_for_people(refused[k]))))
        w = withdrawn.get(r["demand_id"])
        if w is not None and r["event"] != "withdrawn" and r["event_date"] > w:
            problems.append(Problem(file, r["row"], "date", _(
                "demand '{id}' withdrew on {date}; no event can follow").format(
                id=r["demand_id"], date=date_for_people(w))))
    return problems


def record(ledger: Ledger, path: str | Path, *, territory=None, _fail_after: int | None = None
           ) -> RecordSummary:
    """Check the decisions file at ``path`` whole, then apply it in one transaction.

    Parameters
    ----------
    ledger
        An open ledger.
    path
        The decisions file (.csv, .xlsx or .parquet).
    territory
        Optional :class:`models.Territory` whose units and demands are added to the
        ledger first (for attributions outside the tool on units no round held).
    _fail_after
        Tests only: raise after that many events were inserted (a crash mid-record).

    Raises
    ------
    models.errors.DataError
        Every problem found; nothing was recorded.
    """
    from .rounds import flows_by_landlord, latest_policy, snapshot_territory
    path = Path(path)
    rows, problems = parse_rows(path)
    with ledger.writing() as conn:
        if territory is not None and not problems:
            snapshot_territory(conn, territory, None)
        policy = latest_policy(conn) if territory is None else territory.policy
        flows = flows_by_landlord(policy) if policy is not None else {}
        good = [r for r in rows if r["event_date"] is not None and r["event"] in EVENTS]
        new, already, found = check_rows(conn, path.name, good, flows)
        problems += found
        if problems:
            problems.sort(key=lambda p: (p.row or 0))
            raise DataError(problems)
        stamp = now()
        by_event: dict[str, int] = {}
        decided: list[int] = []
        if new:
            batch = conn.execute(schema.batches.insert().values(
                file_name=path.name[:300], file_sha256=sha256_file(path), rows=len(rows),
                new_events=len(new), recorded_at=stamp, recorded_by=ledger.user)
            ).inserted_primary_key[0]
            values = [{k: r[k] for k in ("unit_id", "demand_id", "event", "event_date", "rank",
                                         "justified", "reason", "reservataire", "round_id",
                                         "outside_tool")}
                      | {"batch_id": batch, "recorded_at": stamp, "recorded_by": ledger.user}
                      for r in new]
            step = len(values) if _fail_after is None else _fail_after
            for i in range(0, len(values), max(step, 1)):
                conn.execute(schema.events.insert(), values[i:i + max(step, 1)])
                if _fail_after is not None:
                    raise RuntimeError("simulated crash in the middle of a record")
            for r in new:
                by_event[r["event"]] = by_event.get(r["event"], 0) + 1
            touched = sorted({r["round_id"] for r in new if r["round_id"] is not None
                              and r["event"].startswith("commission")})
            if touched:
                rd = schema.rounds
                decided = [i for (i,) in conn.execute(
                    sa.select(rd.c.id).where(rd.c.id.in_(touched), rd.c.status == "proposed"))]
                if decided:
                    conn.execute(rd.update().where(rd.c.id.in_(decided)).values(
                        status="decided", changed_at=stamp, changed_by=ledger.user))
            ledger.audit(conn, "record", {"batch": batch, "rows": len(rows),
                                          "new_events": len(new), "by_event": by_event,
                                          "rounds_decided": decided})
        log.info("recorded %d new events (%d already present)", len(new), already)
    return RecordSummary(rows=len(rows), new_events=len(new), already_recorded=already,
                         outside_tool=sum(r["outside_tool"] for r in new), by_event=by_event,
                         rounds_decided=decided)
