"""The engine factory: SQLite opens the way the design asks; PostgreSQL URLs reach psycopg 3."""

import pytest
import sqlalchemy as sa

from tracker.db import make_engine, normalize_url


def test_sqlite_opens_with_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'tracker.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()
    assert (tmp_path / "sub" / "tracker.db").exists()


def test_sqlite_refuses_a_row_that_points_nowhere(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE a (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql("CREATE TABLE b (a_id INTEGER REFERENCES a(id))")
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO b VALUES (42)")
    engine.dispose()


@pytest.mark.parametrize("url", ["postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"])
def test_every_usual_postgresql_url_goes_through_psycopg_3(url):
    assert normalize_url(url) == "postgresql+psycopg://u@h/db"
