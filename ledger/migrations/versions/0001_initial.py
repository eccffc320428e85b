"""The first ledger schema: rounds, units, demands, proposals, batches, events.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("territory", sa.String(200), nullable=False),
        sa.Column("round_date", sa.Date, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("superseded_by", sa.Integer, nullable=True),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("demands", sa.Integer, nullable=False),
        sa.Column("units_let", sa.Integer, nullable=False),
        sa.Column("excluded_units", sa.Integer, nullable=False),
        sa.Column("excluded_demands", sa.Integer, nullable=False),
        sa.Column("carry_mode", sa.String(40), nullable=False),
        sa.Column("policy_toml", sa.Text, nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("changed_at", TZ, nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_rounds_territory_date", "rounds", ["territory", "round_date"])
    op.create_table(
        "units",
        sa.Column("unit_id", sa.String(100), primary_key=True),
        sa.Column("landlord", sa.String(200), nullable=False),
        sa.Column("commune", sa.String(200), nullable=False),
        sa.Column("qpv", sa.Boolean, nullable=False),
        sa.Column("outside_flow", sa.Boolean, nullable=False),
        sa.Column("reservataire", sa.String(100), nullable=False),
        sa.Column("typology", sa.String(4), nullable=False),
        sa.Column("financing", sa.String(10), nullable=False),
        sa.Column("last_round", sa.Integer, nullable=True),
    )
    op.create_table(
        "demands",
        sa.Column("demand_id", sa.String(100), primary_key=True),
        sa.Column("registered_on", sa.Date, nullable=False),
        sa.Column("size_class", sa.Integer, nullable=False),
        sa.Column("main_commune", sa.String(200), nullable=False),
        sa.Column("priority", sa.Boolean, nullable=False),
        sa.Column("dalo", sa.Boolean, nullable=False),
        sa.Column("q1", sa.Boolean, nullable=False),
        sa.Column("anru", sa.Boolean, nullable=False),
        sa.Column("state_agent", sa.Boolean, nullable=False),
        sa.Column("private_employee", sa.Boolean, nullable=False),
        sa.Column("mutation", sa.Boolean, nullable=False),
        sa.Column("export_refusals", sa.Integer, nullable=False),
        sa.Column("last_round", sa.Integer, nullable=True),
        sa.Column("last_seen", sa.Date, nullable=False),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("demand_id", sa.String(100), nullable=False),
        sa.Column("reservataire", sa.String(100), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
    )
    op.create_index("ix_proposals_round", "proposals", ["round_id"])
    op.create_index("ix_proposals_unit", "proposals", ["unit_id"])
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("new_events", sa.Integer, nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("demand_id", sa.String(100), nullable=False),
        sa.Column("event", sa.String(30), nullable=False),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("rank", sa.Integer, nullable=True),
        sa.Column("justified", sa.Boolean, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("reservataire", sa.String(100), nullable=True),
        sa.Column("round_id", sa.Integer, nullable=True),
        sa.Column("outside_tool", sa.Boolean, nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("unit_id", "demand_id", "event", "event_date",
                            name="uq_events_key"),
    )
    op.create_index("ix_events_demand", "events", ["demand_id"])


def downgrade() -> None:
    for table in ("events", "batches", "proposals", "demands", "units", "rounds"):
        op.drop_table(table)
