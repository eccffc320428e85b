"""Alembic environment of the ledger: always run programmatically by
:func:`attribution.ledger.store.open_ledger`, on the connection it hands over."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
