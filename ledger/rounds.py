"""What the ledger knows at a date: units let, households housed, pending attributions,
refusals, the year's attributions; and the snapshots of a round's units and demands.

Definitions (``docs/ledger.md``):

- an **attribution** of year Y is a ``lease_signed`` event dated in Y (the bilan counts
  these only);
- a **pending attribution** is a unit the commission attributed (``commission_attributed``)
  whose lease is not signed yet: its best-ranked candidate that has neither refused the
  offer nor withdrawn. A round solved with ``--ledger`` counts it in the year-to-date
  accounts too (it will most likely be let), and leaves the unit and the household out;
- a unit is **already let** when it has a lease dated in the 12 months before the round
  date (or later), or a pending attribution; a household is **already housed** when it
  has a lease, has withdrawn, or holds a pending attribution;
- **refusals**: unjustified ``offer_refused`` events dated in the 12 months before the
  round date (the window of the export's ``refusals`` column); a household is never
  offered again a unit it refused (justified or not).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from attribution.models.household import q1_flags
from attribution.models.policy import TYPOLOGIES, FINANCINGS, Policy
from attribution.models.io.policy_io import parse_policy
from attribution.models.segments import ANY, segment_keys
from attribution.models.territory import Territory

from . import schema


def frame_of(conn, query, columns: list[str]) -> pd.DataFrame:
    """A query's rows as a DataFrame (rows turned into plain tuples first: pandas probing
    SQLAlchemy rows attribute by attribute costs more than the query)."""
    return pd.DataFrame([tuple(r) for r in conn.execute(query).all()], columns=columns)


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _upsert(conn, table, columns: dict[str, np.ndarray], key: str) -> None:
    """Insert or update rows, given column-wise (numpy arrays of equal length), by ``key``.

    Thousands of demand snapshots per round: SQLAlchemy's per-value processing would cost
    more than the database's work, so the statement is written here (``INSERT ... ON
    CONFLICT (key) DO UPDATE``, the same in SQLite ≥ 3.24 and PostgreSQL) and the columns
    converted at once as the dialect stores them (SQLite: ISO dates, 0/1 booleans).
    """
    names = [c.name for c in table.columns]
    n = len(columns[key])
    if n == 0:
        return
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "
           f"({', '.join([mark] * len(names))}) ON CONFLICT ({key}) DO UPDATE SET "
           + ", ".join(f"{c} = excluded.{c}" for c in names if c != key))
    lists = []
    for name in names:
        v = columns[name]
        if v is None or (not isinstance(v, np.ndarray) and not isinstance(v, list)):
            lists.append([v] * n)                       # a constant
        elif isinstance(v, np.ndarray) and v.dtype.kind == "M":
            day = v.astype("datetime64[D]")
            lists.append(np.datetime_as_string(day).tolist() if sqlite
                         else day.astype(object).tolist())
        elif isinstance(v, np.ndarray) and v.dtype.kind == "b":
            lists.append(v.astype(np.int64).tolist() if sqlite else v.tolist())
        elif isinstance(v, np.ndarray):
            lists.append(v.tolist())
        else:
            lists.append(list(v))
    data = list(zip(*lists))
    for i in range(0, n, 5000):
        conn.exec_driver_sql(sql, data[i:i + 5000])


def snapshot_territory(conn, territory: Territory, round_id: int | None,
                       q1: np.ndarray | None = None) -> None:
    """Upsert the territory's units and demands (the fields the accounts and the bilan
    read; no income, no name) into the ledger."""
    policy, u, d = territory.policy, territory.units, territory.demands
    landlords = np.array(policy.landlords, dtype=object)
    communes = np.array(policy.territory.communes, dtype=object)
    res_ids = np.array(list(policy.reservataire_ids) + [""], dtype=object)
    day = policy.territory.round_date
    _upsert(conn, schema.units, {
        "unit_id": np.asarray(u.ids, dtype=object).astype(str),
        "landlord": landlords[u.landlord], "commune": communes[u.commune],
        "qpv": np.asarray(u.qpv, bool), "outside_flow": np.asarray(u.outside_flow, bool),
        "reservataire": res_ids[np.where(u.reservataire >= 0, u.reservataire, -1)],
        "typology": np.array(TYPOLOGIES, dtype=object)[u.typology],
        "financing": np.array(FINANCINGS, dtype=object)[u.financing],
        "last_round": round_id}, "unit_id")
    if q1 is None:
        q1 = q1_flags(d, policy)
    size_class, main = segment_keys(d, policy)
    names = np.array(list(communes) + [ANY], dtype=object)[main]
    flag = lambda name: np.asarray(getattr(d, name), dtype=bool)  # noqa: E731
    _upsert(conn, schema.demands, {
        "demand_id": np.asarray(d.ids, dtype=object).astype(str),
        "registered_on": np.asarray(d.registered_on, dtype="datetime64[D]"),
        "size_class": np.asarray(size_class, np.int64), "main_commune": names,
        "priority": flag("priority"), "dalo": flag("dalo"), "q1": np.asarray(q1, bool),
        "anru": flag("anru"), "state_agent": flag("state_agent"),
        "private_employee": flag("private_employee"), "mutation": flag("mutation"),
        "export_refusals": np.asarray(d.refusals, np.int64), "last_round": round_id,
        "last_seen": day if conn.dialect.name != "sqlite" else day.isoformat()},
        "demand_id")


def flows_by_landlord(policy: Policy) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in policy.flows:
        out.setdefault(f.landlord, []).append(f.reservataire)
    return out


def parse_policy_text(text: str) -> Policy:
    read = parse_policy(tomllib.loads(text))
    if read.policy is None:
        from .store import LedgerError
        from attribution.models.i18n import _
        raise LedgerError(_("The policy stored in the ledger no longer parses: {problems}")
                          .format(problems="; ".join(map(str, read.problems))))
    return read.policy


def latest_policy(conn, year: int | None = None) -> Policy | None:
    """The policy of the latest live round (of ``year`` when given), or None."""
    r = schema.rounds
    q = sa.select(r.c.policy_toml).where(r.c.status != "superseded")
    if year is not None:
        q = q.where(r.c.year == year)
    text = conn.execute(q.order_by(r.c.round_date.desc(), r.c.id.desc()).limit(1)).scalar()
    return None if text is None else parse_policy_text(text)


EVENT_COLUMNS = ["id", "unit_id", "demand_id", "event", "event_date", "rank", "justified",
                 "reason", "reservataire", "round_id", "outside_tool"]


def events_frame(conn, since: dt.date | None = None, until: dt.date | None = None
                 ) -> pd.DataFrame:
    """Events with ``since <= event_date < until`` (either bound optional), in order."""
    e = schema.events
    q = sa.select(*[e.c[c] for c in EVENT_COLUMNS])
    if since is not None:
        q = q.where(e.c.event_date >= since)
    if until is not None:
        q = q.where(e.c.event_date < until)
    return frame_of(conn, q.order_by(e.c.event_date, e.c.id), EVENT_COLUMNS)


def pending_attributions(events: pd.DataFrame) -> pd.DataFrame:
    """Units attributed by the commission and not let yet: the best-ranked candidate who
    has neither refused nor withdrawn (one row per unit, columns as the events)."""
    att = events[events["event"] == "commission_attributed"]
    if att.empty:
        return att
    let = set(events.loc[events["event"] == "lease_signed", "unit_id"])
    refused = set(zip(events.loc[events["event"] == "offer_refused", "unit_id"],
                      events.loc[events["event"] == "offer_refused", "demand_id"]))
    gone = set(events.loc[events["event"].isin(["withdrawn", "lease_signed"]), "demand_id"])
    keep = [(u not in let) and ((u, d) not in refused) and (d not in gone)
            for u, d in zip(att["unit_id"], att["demand_id"])]
    att = att[keep].sort_values(["unit_id", "rank", "event_date", "id"])
    return att.drop_duplicates("unit_id", keep="first")


ATTRIBUTION_FIELDS = ["unit_id", "demand_id", "event_date", "reservataire", "outside_tool",
                      "round_id", "landlord", "commune", "qpv", "outside_flow", "typology",
                      "financing", "registered_on", "size_class", "main_commune", "priority",
                      "dalo", "q1", "anru", "mutation", "state_agent"]


def with_snapshots(conn, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (unit_id, demand_id...) joined with the units' and demands' snapshots."""
    u, d = schema.units, schema.demands
    units = frame_of(conn, sa.select(
        u.c.unit_id, u.c.landlord, u.c.commune, u.c.qpv, u.c.outside_flow, u.c.typology,
        u.c.financing).where(u.c.unit_id.in_(sorted(set(frame["unit_id"])))),
        ["unit_id", "landlord", "commune", "qpv", "outside_flow", "typology", "financing"])
    demands = frame_of(conn, sa.select(
        d.c.demand_id, d.c.registered_on, d.c.size_class, d.c.main_commune, d.c.priority,
        d.c.dalo, d.c.q1, d.c.anru, d.c.mutation, d.c.state_agent).where(
        d.c.demand_id.in_(sorted(set(frame["demand_id"])))),
        ["demand_id", "registered_on", "size_class", "main_commune", "priority", "dalo",
         "q1", "anru", "mutation", "state_agent"])
    out = frame.merge(units, on="unit_id", how="left").merge(demands, on="demand_id",
                                                              how="left")
    for c in ("qpv", "outside_flow", "priority", "dalo", "q1", "anru", "mutation",
              "state_agent", "outside_tool"):
        out[c] = out[c].astype(bool)
    out["reservataire"] = out["reservataire"].fillna("")
    return out


def attributions(conn, year: int, *, pending_until: dt.date | None = None,
                 events: pd.DataFrame | None = None) -> pd.DataFrame:
    """The year's attributions (leases dated in ``year``) with their snapshots; with
    ``pending_until``, also the attributions pending at that date (not yet let).
    ``events``: the ledger's events when already read (at least those of ``year − 1``
    to the end of ``year`` or ``pending_until``)."""
    start, end = year_bounds(year)
    if events is None:
        events = events_frame(conn, since=year_before(start),
                              until=max(end, pending_until or end))
    leases = events[(events["event"] == "lease_signed") & (events["event_date"] >= start)
                    & (events["event_date"] < end)]
    parts = [leases]
    if pending_until is not None:
        pend = pending_attributions(events[events["event_date"] < pending_until])
        parts.append(pend[pend["event_date"] >= start])
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else leases
    if frame.empty:
        return pd.DataFrame(columns=ATTRIBUTION_FIELDS)
    frame = frame[["unit_id", "demand_id", "event_date", "reservataire", "outside_tool",
                   "round_id"]]
    return with_snapshots(conn, frame)[ATTRIBUTION_FIELDS]


@dataclass(frozen=True)
class LedgerState:
    """What a round solved at ``round_date`` must know from the ledger."""

    round_date: dt.date
    let_units: frozenset[str]
    housed_demands: frozenset[str]
    refusals: dict[str, int]            # demand → unjustified refusals in the last 12 months
    refused_pairs: frozenset[tuple[str, str]]   # (unit, demand) offers refused: not again
    year_attributions: pd.DataFrame     # ATTRIBUTION_FIELDS (leases + pending)


def state_at(conn, round_date: dt.date) -> LedgerState:
    """The ledger's state for a round solved at ``round_date`` (module docstring)."""
    events = events_frame(conn)
    before = events[events["event_date"] <= round_date]
    pend = pending_attributions(before)
    leases = events[events["event"] == "lease_signed"]
    let = set(leases.loc[leases["event_date"] >= year_before(round_date), "unit_id"])
    let |= set(pend["unit_id"])
    housed = set(leases["demand_id"]) | set(pend["demand_id"])
    housed |= set(before.loc[before["event"] == "withdrawn", "demand_id"])
    window = before[(before["event"] == "offer_refused") & (before["justified"] == False)  # noqa: E712
                    & (before["event_date"] >= year_before(round_date))
                    & (before["event_date"] < round_date)]
    refusals = window.groupby("demand_id").size().astype(int).to_dict()
    ref = before[before["event"] == "offer_refused"]
    pairs = frozenset(zip(ref["unit_id"], ref["demand_id"]))
    return LedgerState(round_date, frozenset(let), frozenset(housed), refusals, pairs,
                       attributions(conn, round_date.year, pending_until=round_date
                                    + dt.timedelta(days=1), events=events))
