"""The web workspace's tables (accounts, background jobs, round locks) in the ledger.

They live beside the ledger's tables so that one SQLite file or one PostgreSQL database
holds the CIL's year and who may see it; their shape is described in
``attribution.web.db``.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_users",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "web_jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("lock_key", sa.String(200)),
        sa.Column("user_name", sa.String(120), nullable=False),
        sa.Column("args", sa.Text, nullable=False),
        sa.Column("folder", sa.Text),
        sa.Column("pid", sa.Integer),
        sa.Column("exit_code", sa.Integer),
        sa.Column("message", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("seconds", sa.Float),
    )
    op.create_table(
        "web_locks",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("job_id", sa.Integer, nullable=False),
        sa.Column("user_name", sa.String(120), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_locks")
    op.drop_table("web_jobs")
    op.drop_table("web_users")
