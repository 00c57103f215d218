"""What `tracker doctor` checks in the database and on the disk: the schema, each ward's last job runs, the
outbox's failed and stuck messages, the last backup, free disk space and the clocks. Each check says
whether it passed and, when not, what to do."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.clock import Clock
from tracker.dates import as_date, format_day
from tracker.jobdays import JOBS, job_due_on, job_label, ward_rules
from tracker.jobruns import last_runs
from tracker.migrate import current_revision, head_revision
from tracker.models import Notification, NotificationStatus, Organization

MIN_FREE_BYTES = 1024 ** 3
BACKUP_MAX_AGE = timedelta(days=2)
CLOCK_SKEW_MAX = timedelta(seconds=60)


@dataclass(frozen=True)
class Check:
    """One check: its name, whether it passed, what was found, and what to do when it did not pass."""

    name: str
    ok: bool
    found: str
    fix: str = ""


def database_checks(engine: Engine, *, clock: Clock, wall: Clock) -> list[Check]:
    """The schema is at this version's head, the database server's clock agrees with `wall` (this machine's
    real clock, whatever instant `clock` simulates), each ward's daily jobs ran on its last working day
    before `clock`'s today, and no message failed or is stuck."""
    current, head = current_revision(engine), head_revision(engine)
    checks = [Check("cấu trúc cơ sở dữ liệu", current == head, f"phiên bản {current or 'trống'} (mới nhất {head})",
                    "chạy «tracker db upgrade»")]
    checks.append(_clock_check(engine, wall))
    with Session(engine) as session:
        for org in session.exec(select(Organization).order_by(col(Organization.id))):
            checks.append(_jobs_check(session, org, clock))
            checks.append(_outbox_check(session, org, clock))
    return checks


def _clock_check(engine: Engine, clock: Clock) -> Check:
    if engine.dialect.name == "sqlite":
        return Check("đồng hồ", True, "SQLite dùng đồng hồ của máy này")
    with engine.connect() as connection:
        database_now = connection.execute(sa.text("SELECT now()")).scalar_one()
    skew = abs(database_now - clock.now())
    return Check("đồng hồ", skew <= CLOCK_SKEW_MAX,
                 f"máy này và máy cơ sở dữ liệu lệch {skew.total_seconds():.0f} giây",
                 "đồng bộ giờ của hai máy (chrony hoặc systemd-timesyncd)")


def _jobs_check(session: Session, org: Organization, clock: Clock) -> Check:
    rules = ward_rules(org)
    today = rules.day_of(clock.now())
    last_working = rules.calendar.working_day_on_or_before(today - timedelta(days=1))
    ran = {run.job: run for run in last_runs(session, org.id or 0)}
    late = [job_label(job) for job, spec in JOBS.items()
            if not spec.repeatable and job_due_on(rules, job, last_working)
            and (job not in ran or as_date(ran[job].day) < last_working)]
    if not ran:
        return Check(f"việc theo lịch của {org.name}", False, "chưa có lần chạy nào",
                     "chạy «tracker serve» (dịch vụ thường trực)")
    found = "; ".join(f"{job_label(job)}: {format_day(as_date(run.day))}" for job, run in sorted(ran.items()))
    return Check(f"việc theo lịch của {org.name}", not late, found,
                 f"chưa chạy ngày {format_day(last_working)}: {', '.join(late)}; kiểm tra «tracker serve» đang chạy")


def _outbox_check(session: Session, org: Organization, clock: Clock) -> Check:
    failed = session.exec(select(sa.func.count()).select_from(Notification).where(
        Notification.org_id == org.id, Notification.status == NotificationStatus.FAILED)).one()
    stuck = session.exec(select(sa.func.count()).select_from(Notification).where(
        Notification.org_id == org.id, Notification.status == NotificationStatus.SENDING,
        col(Notification.claimed_until) < clock.now())).one()
    return Check(f"hộp thư đi của {org.name}", not failed and not stuck,
                 f"{failed} tin gửi lỗi, {stuck} tin kẹt ở trạng thái đang gửi",
                 "xem «tracker outbox list --status failed», sửa nguyên nhân rồi «tracker outbox retry <số>»")


def backup_check(folder: Path, *, clock: Clock) -> Check:
    """The newest backup in `folder` is less than two days old by `clock`, the real clock: a file's time is
    the machine's, whatever instant the other checks simulate."""
    found = sorted(folder.glob("tracker-*"), key=lambda path: path.name) if folder.is_dir() else []
    if not found:
        return Check("sao lưu", False, f"chưa có bản sao lưu nào trong {folder}",
                     "chạy «tracker db backup» (dịch vụ tự sao lưu mỗi đêm)")
    newest = found[-1]
    made = datetime.fromtimestamp(newest.stat().st_mtime, tz=clock.now().tzinfo)
    return Check("sao lưu", clock.now() - made <= BACKUP_MAX_AGE, f"mới nhất: {newest.name}",
                 "kiểm tra dịch vụ có chạy qua đêm không, hoặc chạy «tracker db backup»")


def disk_check(folder: Path) -> Check:
    """At least a gigabyte free where the data, logs and backups are written."""
    usage = shutil.disk_usage(folder if folder.exists() else Path("."))
    return Check("dung lượng đĩa", usage.free >= MIN_FREE_BYTES, f"còn trống {usage.free / 1024 ** 3:.1f} GB",
                 "dọn bớt tệp cũ (nhật ký, bản sao lưu) hoặc thêm dung lượng")

