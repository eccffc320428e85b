"""The ledger's tables (SQLAlchemy Core), at the newest schema revision.

The database itself is created and upgraded only by the Alembic migrations shipped in
``ledger/migrations`` (:mod:`attribution.ledger.store` runs them on open); this module
describes the tables for the queries. Every table is documented in ``docs/ledger.md``.

Personal data: ``demands`` holds pseudonymous demand ids, the registration date and the
flags the quotas read (priority, DALO, Q1, ANRU...); no name, address or income. Events'
``reason`` is free text typed by people: it is never written to a log, and the bilan only
counts reasons.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, UniqueConstraint)

metadata = MetaData()

#: Round lifecycle, in order; ``superseded`` is set when a new solve of the same round
#: replaces it explicitly.
ROUND_STATUSES = ("proposed", "decided", "closed", "superseded")

rounds = Table(
    "rounds", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("territory", String(200), nullable=False),
    Column("round_date", Date, nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("superseded_by", Integer, nullable=True),
    Column("units", Integer, nullable=False),
    Column("demands", Integer, nullable=False),
    Column("units_let", Integer, nullable=False),
    Column("excluded_units", Integer, nullable=False),
    Column("excluded_demands", Integer, nullable=False),
    Column("carry_mode", String(40), nullable=False),
    Column("policy_toml", Text, nullable=False),
    Column("manifest", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(100), nullable=False),
)
Index("ix_rounds_territory_date", rounds.c.territory, rounds.c.round_date)

units = Table(
    "units", metadata,
    Column("unit_id", String(100), primary_key=True),
    Column("landlord", String(200), nullable=False),
    Column("commune", String(200), nullable=False),
    Column("qpv", Boolean, nullable=False),
    Column("outside_flow", Boolean, nullable=False),
    Column("reservataire", String(100), nullable=False),   # named in units.csv, '' = none
    Column("typology", String(4), nullable=False),
    Column("financing", String(10), nullable=False),
    Column("last_round", Integer, nullable=True),
)

demands = Table(
    "demands", metadata,
    Column("demand_id", String(100), primary_key=True),
    Column("registered_on", Date, nullable=False),
    Column("size_class", Integer, nullable=False),
    Column("main_commune", String(200), nullable=False),
    Column("priority", Boolean, nullable=False),
    Column("dalo", Boolean, nullable=False),
    Column("q1", Boolean, nullable=False),
    Column("anru", Boolean, nullable=False),
    Column("state_agent", Boolean, nullable=False),
    Column("private_employee", Boolean, nullable=False),
    Column("mutation", Boolean, nullable=False),
    Column("export_refusals", Integer, nullable=False),
    Column("last_round", Integer, nullable=True),
    Column("last_seen", Date, nullable=False),
)

proposals = Table(
    "proposals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", Integer, ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(12), nullable=False),          # assignment | shortlist
    Column("unit_id", String(100), nullable=False),
    Column("demand_id", String(100), nullable=False),
    Column("reservataire", String(100), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("score", Integer, nullable=False),
)
Index("ix_proposals_round", proposals.c.round_id)
Index("ix_proposals_unit", proposals.c.unit_id)

batches = Table(
    "batches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", String(300), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("new_events", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(100), nullable=False),
)

#: Decision events, the ledger's memory. ``unit_id`` is '' for a withdrawal not tied to a
#: unit (so that the unique key also covers it: NULLs are all distinct in SQL).
events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_id", String(100), nullable=False),
    Column("demand_id", String(100), nullable=False),
    Column("event", String(30), nullable=False),
    Column("event_date", Date, nullable=False),
    Column("rank", Integer, nullable=True),
    Column("justified", Boolean, nullable=True),
    Column("reason", Text, nullable=True),
    Column("reservataire", String(100), nullable=True),
    Column("round_id", Integer, nullable=True),
    Column("outside_tool", Boolean, nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    UniqueConstraint("unit_id", "demand_id", "event", "event_date", name="uq_events_key"),
)
Index("ix_events_demand", events.c.demand_id)
Index("ix_events_date", events.c.event_date)

#: Audit trail: who did what, when. ``detail`` holds counts and ids of rounds, never a
#: personal field.
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("round_id", Integer, nullable=True),
    Column("detail", Text, nullable=False),
)
