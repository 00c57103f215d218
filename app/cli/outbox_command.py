"""`tracker outbox ...`: the messages the system owes people, and sending a failed one again."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from app.cli.context import AsOption, JsonOption, OrgOption, acting
from app.cli.render import console, print_json
from tracker.channels import channel_label
from tracker.enums import NotificationStatus
from tracker.errors import InvalidInputError

if TYPE_CHECKING:
    from tracker.models import Notification, Person

outbox_app = typer.Typer(help="Hộp thư đi: các tin nhắn đã và sẽ gửi.", no_args_is_help=True)

STATUS_LABELS = {
    NotificationStatus.PENDING: "chờ gửi",
    NotificationStatus.SENDING: "đang gửi",
    NotificationStatus.SENT: "đã gửi",
    NotificationStatus.FAILED: "gửi lỗi",
}


def _when(instant: datetime | None, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%d/%m/%Y %H:%M") if instant else ""


def _iso(instant: datetime | None, tz: ZoneInfo) -> str | None:
    return instant.astimezone(tz).isoformat() if instant else None


def _row(row: Notification, person: Person | None, tz: ZoneInfo) -> dict[str, Any]:
    from tracker.models import NotificationStatus
    from tracker.outbox import readable_body

    return {
        "id": row.id, "kind": row.kind, "day": row.day.isoformat() if row.day else None,
        "person_id": row.person_id, "person": person.name if person else None, "channel": row.channel,
        "status": row.status, "status_label": STATUS_LABELS[NotificationStatus(row.status)],
        "attempts": row.attempts, "last_error": row.last_error, "created_at": _iso(row.created_at, tz),
        "next_attempt_at": _iso(row.next_attempt_at, tz), "sent_at": _iso(row.sent_at, tz), "body": readable_body(row),
    }


@outbox_app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="pending, sending, sent, failed.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Số tin nhắn mới nhất tối đa.")] = 200,
    as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Liệt kê tin nhắn trong hộp thư đi, mới nhất trước."""
    from tracker.models import NotificationStatus, Person
    from tracker.outbox import list_notifications

    if status is not None and status not in set(NotificationStatus):
        raise InvalidInputError(f"Trạng thái «{status}» không có; chọn một trong: {', '.join(NotificationStatus)}.")
    with acting(ctx, org, as_) as a:
        tz = ZoneInfo(a.org.timezone)
        rows = list_notifications(a.session, actor=a.actor, status=status, limit=limit)
        people = {p: a.session.get(Person, p) for p in {r.person_id for r in rows if r.person_id}}
        data = [_row(r, people.get(r.person_id) if r.person_id else None, tz) for r in rows]
    if as_json:
        print_json(data)
    elif not data:
        console.print("Hộp thư đi không có tin nhắn nào" + (f" ở trạng thái «{status}»." if status else "."))
    else:
        console.print(_table(rows, data, tz))


def _table(rows: list[Notification], data: list[dict[str, Any]], tz: ZoneInfo) -> Table:
    table = Table(title=f"{len(rows)} tin nhắn", title_justify="left")
    for header in ("Số", "Loại", "Người nhận", "Kênh", "Trạng thái", "Số lần gửi", "Lỗi gần nhất", "Tạo lúc",
                   "Gửi lúc"):
        table.add_column(header, overflow="fold")
    for row, item in zip(rows, data, strict=True):
        table.add_row(str(row.id), row.kind, item["person"] or "", channel_label(row.channel),
                      item["status_label"], str(row.attempts), row.last_error, _when(row.created_at, tz),
                      _when(row.sent_at, tz))
    return table


@outbox_app.command("retry")
def retry(
    ctx: typer.Context,
    notification_id: Annotated[int, typer.Argument(help="Số tin nhắn gửi lỗi.")],
    as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Gửi lại một tin nhắn bị lỗi: tin nhắn trở lại hàng chờ gửi ngay."""
    from tracker.models import Person
    from tracker.outbox import retry_notification

    with acting(ctx, org, as_) as a:
        row = retry_notification(a.session, clock=a.clock, actor=a.actor, notification_id=notification_id)
        person = a.session.get(Person, row.person_id) if row.person_id else None
        data = _row(row, person, ZoneInfo(a.org.timezone))
    if as_json:
        print_json(data)
    else:
        console.print(f"Đã đưa tin nhắn số {notification_id} trở lại hàng chờ gửi"
                      + (f" cho {person.name}." if person else "."))
