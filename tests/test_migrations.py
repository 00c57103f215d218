"""The schema that migrations build is the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from tracker.migrate import current_revision, head_revision, upgrade


def test_the_migrated_schema_equals_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_the_database_is_at_the_newest_revision_and_upgrading_again_does_nothing(engine):
    assert current_revision(engine) == head_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
