"""Alembic environment: runs on the engine handed over by tracker.migrate."""

from alembic import context
from sqlmodel import SQLModel

import tracker.models  # noqa: F401

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
