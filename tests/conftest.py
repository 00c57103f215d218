"""Test wiring: a fresh database per test (SQLite file, or PostgreSQL when
TRACKER_TEST_DATABASE_URL is set), a fixed clock, and the seeds of ../shared."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bots.channels import plugins
from tracker.clock import WARD_TZ, FixedClock
from tracker.db import make_engine
from tracker.migrate import upgrade

# The channels' names and labels, known to the domain as every entry point makes them known.
plugins()

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL' if POSTGRES_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (or TRACKER_SHARED_DIR). Missing seeds skip the test, except in CI where they fail it."""
    path = Path(os.environ.get("TRACKER_SHARED_DIR", ROOT.parent / "shared")).resolve()
    if not (path / "seeds").is_dir():
        reason = f"the seed documents are not at {path}/seeds (set TRACKER_SHARED_DIR)"
        if os.environ.get("CI") or os.environ.get("TRACKER_REQUIRE_SEEDS"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Migrating once and copying the file keeps every test on the real migrated schema, cheaply.
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[Engine | None]:
    if not POSTGRES_URL:
        yield None
        return
    engine = make_engine(POSTGRES_URL)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path, _postgres_engine: Engine | None) -> str:
    """The URL of an empty, migrated database that belongs to this test alone."""
    if _postgres_engine is not None:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with _postgres_engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return str(POSTGRES_URL)
    path = tmp_path / "tracker.db"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session the test commits itself, as the entry points do."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    """Monday 18 May 2026, 08:00 in the ward: the middle of the seeds' reporting period."""
    return FixedClock(datetime(2026, 5, 18, 8, 0, tzinfo=WARD_TZ))


@pytest.fixture
def org_id(session: Session, clock: FixedClock) -> int:
    """The example ward, freshly made: what every conversation test starts from."""
    from builders import make_ward

    return make_ward(session, clock)


@pytest.fixture
def dialog(engine: Engine, clock: FixedClock):  # type: ignore[no-untyped-def]
    """The channel-agnostic dialog on the test's database and clock."""
    from bots.dialog import Dialog

    return Dialog(engine, clock)
