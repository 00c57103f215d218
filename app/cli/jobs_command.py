"""`tracker jobs ...`: run a scheduled job for any instant, and see what ran."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.context import AsOption, JsonOption, OrgOption, acting, state
from app.cli.render import console, print_json
from tracker.clock import WARD_TZ
from tracker.dates import format_day
from tracker.enums import JobRunStatus
from tracker.errors import InvalidInputError
from tracker.jobdays import JOBS

if TYPE_CHECKING:
    from tracker.models import JobRun, Organization

jobs_app = typer.Typer(help="Việc chạy theo lịch: nhắc việc, tổng hợp, báo cáo tuần, thu thập kết quả.",
                       no_args_is_help=True)

RUN_STATUS_LABELS = {
    JobRunStatus.RUNNING: "đang chạy",
    JobRunStatus.DONE: "đã chạy xong",
    JobRunStatus.SKIPPED: "bỏ lỡ (dịch vụ không chạy)",
}


@jobs_app.command("run")
def jobs_run(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(help=f"Việc cần chạy: {', '.join(JOBS)}.")],
    at: Annotated[str | None, typer.Option("--at", help="Chạy như thể vào thời điểm này, ví dụ "
                                                        "2026-05-12T07:30+07:00 (mặc định: bây giờ).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chạy thử: in các tin nhắn sẽ gửi, không ghi gì "
                                                            "(dùng được cho ngày chưa đến).")] = False,
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Chạy bằng tay một việc theo lịch của phường/xã (chỉ quản trị); chạy lại cùng ngày không gửi thêm gì."""
    from jobs.runner import run_job  # the jobs and their templates load for this command only
    from tracker.jobdays import ward_rules
    from tracker.usecases.job_runs import check_job_run, record_job_run

    st = state(ctx)
    instant = _instant(at) if at else st.clock().now()
    with acting(ctx, org, as_) as a:
        day = ward_rules(a.org).day_of(instant)
        check_job_run(a.session, clock=a.clock, actor=a.actor, day=day, dry_run=dry_run)
        ward_key = a.org.key
    outcomes = run_job(st.engine(), st.clock(), job, at=instant, org_key=ward_key, dry_run=dry_run)
    with acting(ctx, org, as_) as a:
        for outcome in outcomes:
            record_job_run(a.session, clock=a.clock, actor=a.actor, job=job, at=instant, day=outcome.day,
                           status=outcome.status, rows=outcome.rows, dry_run=dry_run)
    for outcome in outcomes:
        console.print(outcome.message)
        for name, text in outcome.would_send:
            console.print(f"--- gửi {name} ---\n{text}", markup=False, highlight=False)
    if any(outcome.status == "error" for outcome in outcomes):
        raise typer.Exit(1)


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(f"Thời điểm «{text}» không đúng dạng ISO, ví dụ 2026-05-12T07:30+07:00.") from exc
    return instant if instant.tzinfo else instant.replace(tzinfo=WARD_TZ)


@jobs_app.command("status")
def jobs_status(ctx: typer.Context, as_json: JsonOption = False, org: OrgOption = None) -> None:
    """Lần chạy gần nhất của từng việc, theo phường/xã; tiến trình nào đang nhận tin của từng bot và những
    tiến trình nào đang gửi tin."""
    from sqlmodel import select

    from tracker.clock import SystemClock
    from tracker.db import session_scope
    from tracker.jobdays import job_label
    from tracker.jobruns import last_runs
    from tracker.leases import holders
    from tracker.models import JobRunStatus, Organization
    from tracker.sender_leases import ROLE as SENDING_ROLE

    st = state(ctx)
    wanted = org or st.org or st.settings.org
    with session_scope(st.engine()) as session:
        query = select(Organization).order_by(Organization.id)
        if wanted:
            query = query.where(Organization.key == wanted)
        runs = [(ward, run) for ward in session.exec(query) for run in last_runs(session, ward.id or 0)]
    if as_json:
        print_json([_run_dict(ward, run) for ward, run in runs])
        return
    if not runs:
        console.print("Chưa có việc nào chạy theo lịch.")
    for ward, run in runs:
        status = RUN_STATUS_LABELS.get(JobRunStatus(run.status), run.status)
        detail = f" ({run.detail})" if run.detail else ""
        label = job_label(run.job)
        console.print(f"{ward.name}: {label} — ngày {format_day(run.day)}: {status}{detail}.")
    # The leases run on the wall clock, whatever instant the command runs "as of".
    for held in holders(st.engine(), SystemClock()):
        since = held.acquired_at.astimezone(WARD_TZ)
        started = f"từ {since:%H:%M:%S} {format_day(since.date())}"
        if held.role == "poll":
            console.print(f"Bot {held.name}: tiến trình «{held.holder}» đang nhận tin ({started}).",
                          markup=False, highlight=False)
        elif held.role == SENDING_ROLE:
            console.print(f"Tiến trình «{held.holder}» đang gửi tin trong hộp thư đi ({started}).",
                          markup=False, highlight=False)


def _run_dict(ward: Organization, run: JobRun) -> dict[str, Any]:
    return {"org": ward.key, "org_name": ward.name, "job": run.job, "day": run.day.isoformat(),
            "status": run.status, "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None, "detail": run.detail}
