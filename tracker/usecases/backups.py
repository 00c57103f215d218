"""Backing up and restoring the whole database.

SQLite is copied through its online backup API, page by page under SQLite's own locking, so a backup taken
while the service writes is a consistent snapshot. PostgreSQL goes through pg_dump and pg_restore (custom
format) when they are installed. A restore checks the file first, refuses to overwrite a database holding
newer work unless forced, brings the restored schema up to date, and leaves an audit event in every ward
of the restored database."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tracker import audit
from tracker.clock import WARD_TZ, Clock
from tracker.errors import ConflictError, InvalidInputError
from tracker.migrate import upgrade
from tracker.models import AuditEvent, Organization

SQLITE_HEADER = b"SQLite format 3\x00"
POSTGRES_CLIENT = "postgresql-client"


@dataclass(frozen=True)
class RestoreOutcome:
    """What was restored: the file, and the time of the newest change it holds (None when unknown)."""

    source: Path
    newest: datetime | None


def is_sqlite(engine: Engine) -> bool:
    """Whether the database is the embedded SQLite."""
    return engine.dialect.name == "sqlite"


def backup_database(engine: Engine, *, out: Path) -> Path:
    """Write a consistent copy of the whole database to `out` (a SQLite file, or a pg_dump archive), through
    a temporary file renamed at the end, so that a failed backup leaves no half file. Returns `out`.
    Raises InvalidInputError when pg_dump is missing or fails."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.unlink(missing_ok=True)
    if is_sqlite(engine):
        _sqlite_backup(engine, partial)
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", _libpq_url(engine)],
             "sao lưu")
    partial.replace(out)
    return out


def restore_database(engine: Engine, *, clock: Clock, source: Path, force: bool = False) -> RestoreOutcome:
    """Replace the whole database with the backup `source`, then upgrade its schema and audit the restore
    in every ward it holds. Refuses (ConflictError) to overwrite a database whose newest change is later than
    the backup's (PostgreSQL: any database that holds data) unless `force`. Raises InvalidInputError for a
    file that is not a backup of this system."""
    if not source.is_file():
        raise InvalidInputError(f"Không tìm thấy tệp sao lưu «{source}».")
    if is_sqlite(engine):
        newest = _check_sqlite_backup(source)
        current = newest_change(engine)
        # Audit events are numbered in the order they happen: a database whose last one comes after the
        # backup's last has work the backup does not hold (whatever the clocks said).
        if current is not None and (newest is None or current[0] > newest[0]) and not force:
            raise ConflictError(_newer_refusal(current[1], newest[1] if newest else None))
        engine.dispose()
        _sqlite_copy(source, _sqlite_path(engine))
    else:
        _run([_tool("pg_restore"), "--list", str(source)], "đọc tệp sao lưu")
        current = newest_change(engine)
        if current is not None and not force:
            raise ConflictError(_newer_refusal(current[1], None))
        engine.dispose()
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq_url(engine)}",
              str(source)], "khôi phục")
        newest = None
    upgrade(engine)
    _audit_restore(engine, clock=clock, source=source)
    return RestoreOutcome(source=source, newest=newest[1] if newest else None)


def newest_change(engine: Engine) -> tuple[int, datetime | None] | None:
    """The number and time of the database's newest audited change, or None for a database without any
    (or without the tables yet)."""
    try:
        with Session(engine) as session:
            newest = session.exec(select(AuditEvent.id, AuditEvent.at).order_by(AuditEvent.id.desc()).limit(1)).first()
    except sa.exc.DatabaseError:
        return None
    return (newest[0], _as_datetime(newest[1])) if newest else None


def default_backup_path(folder: Path, now: datetime, *, sqlite: bool) -> Path:
    """`folder`/tracker-YYYYmmdd-HHMMSS.db (.dump for PostgreSQL), in the ward's time."""
    return folder / f"tracker-{now.astimezone(WARD_TZ):%Y%m%d-%H%M%S}.{'db' if sqlite else 'dump'}"


def format_moment(moment: datetime | None) -> str:
    """"HH:MM dd/mm/yyyy" in the ward's time, as people read it."""
    return _when(moment)


def prune_backups(folder: Path, *, keep: int, pattern: str = "tracker-*.db") -> list[Path]:
    """Remove all but the `keep` newest backups matching `pattern` in `folder` (their names carry the time
    they were made); returns those removed."""
    found = sorted(folder.glob(pattern), key=lambda path: path.name, reverse=True)
    removed = found[max(keep, 0):]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise InvalidInputError("Cơ sở dữ liệu trong bộ nhớ không sao lưu hay khôi phục được.")
    return Path(database)


def _sqlite_backup(engine: Engine, out: Path) -> None:
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(out)
        try:
            raw.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()
    finally:
        raw.close()


def _sqlite_copy(source: Path, target: Path) -> None:
    # The backup API again, the other way: it writes the target under SQLite's locks, so another process
    # that still holds the database open sees either the old pages or the new ones.
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target)
        try:
            origin.backup(destination)
        finally:
            destination.close()
    finally:
        origin.close()


def _check_sqlite_backup(source: Path) -> tuple[int, datetime | None] | None:
    with source.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise InvalidInputError(f"Tệp «{source.name}» không phải bản sao lưu SQLite của hệ thống.")
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise InvalidInputError(f"Tệp sao lưu «{source.name}» bị hỏng.")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"alembic_version", "audit_event", "task"} <= tables:
            raise InvalidInputError(f"Tệp «{source.name}» không phải bản sao lưu của hệ thống theo dõi nhiệm vụ.")
        newest = connection.execute("SELECT id, at FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
        return (newest[0], _as_datetime(newest[1])) if newest else None
    except sqlite3.DatabaseError as exc:
        raise InvalidInputError(f"Tệp sao lưu «{source.name}» không đọc được ({exc}).") from exc
    finally:
        connection.close()


def _audit_restore(engine: Engine, *, clock: Clock, source: Path) -> None:
    with Session(engine) as session:
        for org in session.exec(select(Organization)):
            audit.record(session, clock=clock, actor=None, org_id=org.id or 0, entity="database", entity_id=0,
                         action="restore", before=None, after={"file": source.name}, channel="cli")
        session.commit()


def _newer_refusal(current: datetime | None, newest: datetime | None) -> str:
    since = f"bản sao lưu có thay đổi cuối lúc {_when(newest)}" if newest else "bản sao lưu không cho biết"
    return (f"Cơ sở dữ liệu hiện tại có thay đổi lúc {_when(current)}, mới hơn ({since}); khôi phục sẽ xóa các "
            "thay đổi đó. Dùng --force nếu vẫn muốn khôi phục.")


def _when(moment: datetime | None) -> str:
    return moment.astimezone(WARD_TZ).strftime("%H:%M %d/%m/%Y") if moment else ""


def _as_datetime(value: object) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    # SQLite gives the stored instants back without their offset; they are compared with each other only.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InvalidInputError(f"Không tìm thấy lệnh {name}: hãy cài gói {POSTGRES_CLIENT} (apt-get install "
                                f"{POSTGRES_CLIENT}).")
    return found


def _libpq_url(engine: Engine) -> str:
    # pg_dump reads a libpq URL: no SQLAlchemy driver name. The password, if any, goes with it as the
    # environment's PGPASSWORD would; it is never printed.
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["không rõ lỗi"])[-1]
        raise InvalidInputError(f"Không {what} được: {first.replace(_url_in(command), '***')}")


def _url_in(command: list[str]) -> str:
    """The database URL among the arguments (it may carry a password), so that an error never repeats it."""
    return next((part for part in command if "://" in part), "\x00")
