"""`tracker task ...`: office staff's commands on tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.context import AsOption, JsonOption, OrgOption, acting
from app.cli.render import console, deadline_words, print_json, task_dict, tasks_table
from tracker.clock import WARD_TZ
from tracker.dates import format_day, month_words, parse_day
from tracker.enums import EXTENSION_STATUS_LABELS, TaskStatus
from tracker.errors import InvalidInputError

if TYPE_CHECKING:
    from tracker.models import DeadlineKind, Task

app = typer.Typer(help="Nhiệm vụ: giao, xem, sửa, báo cáo, hoàn thành, mở lại, hủy, gia hạn.", no_args_is_help=True)

TaskId = Annotated[int, typer.Argument(help="Số nhiệm vụ.")]
Reason = Annotated[str, typer.Option("--reason", help="Lý do (bắt buộc).")]
Version = Annotated[int | None, typer.Option("--version", help="Phiên bản bạn đã xem; báo lỗi nếu đã bị sửa.")]
# "open" means unfinished: it includes tasks a unit reported done that nobody confirmed yet.
_STATUS_CHOICES = {**{s.value: (s,) for s in TaskStatus}, "open": (TaskStatus.OPEN, TaskStatus.REPORTED_DONE),
                   "all": None}


def _kind(text: str | None) -> DeadlineKind | None:
    from tracker.models import DeadlineKind

    if text is None:
        return None
    try:
        return DeadlineKind(text)
    except ValueError as exc:
        raise InvalidInputError(f"Loại thời hạn «{text}» không có; chọn một trong: {', '.join(DeadlineKind)}.") from exc


def _day(text: str | None):  # type: ignore[no-untyped-def]
    return parse_day(text) if text else None


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="Nội dung nhiệm vụ.")],
    unit: Annotated[str, typer.Option("--unit", help="Đơn vị chủ trì (tên, tên viết tắt hoặc khóa).")],
    due: Annotated[str | None, typer.Option("--due", help="Hạn hoàn thành, ví dụ 31/5/2026.")] = None,
    deadline_text: Annotated[str, typer.Option("--deadline-text", help="Thời hạn như văn bản ghi.")] = "",
    kind: Annotated[str | None, typer.Option("--kind", help="date, month, quarter, year, recurring, none.")] = None,
    output: Annotated[str, typer.Option("--output", help="Kết quả/Sản phẩm.")] = "",
    coordinate: Annotated[list[str] | None, typer.Option("--coordinate", help="Đơn vị phối hợp.")] = None,
    outside: Annotated[list[str] | None, typer.Option("--outside", help="Cơ quan ngoài phối hợp.")] = None,
    as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Giao một nhiệm vụ mới."""
    from tracker.usecases import TaskDraft, create_task, resolve_unit

    with acting(ctx, org, as_) as a:
        owner = resolve_unit(a.session, org_id=a.org.id or 0, text=unit)
        helpers = [resolve_unit(a.session, org_id=a.org.id or 0, text=u).id or 0 for u in coordinate or []]
        draft = TaskDraft(
            title=title, owner_unit_id=owner.id or 0, expected_output=output, coordinating_unit_ids=helpers,
            outside_bodies=outside or [], deadline_text=deadline_text, deadline_kind=_kind(kind), due_on=_day(due),
        )
        task = create_task(a.session, clock=a.clock, actor=a.actor, draft=draft)
        _report(a, task, as_json, f"Đã giao nhiệm vụ số {task.id} cho {owner.name}.")


def _report(a, task: Task, as_json: bool, sentence: str) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        print_json(task_dict(a.session, task, a.today()))
    else:
        console.print(sentence)


@app.command("list")
def list_(
    ctx: typer.Context,
    unit: Annotated[str | None, typer.Option("--unit", help="Chỉ một đơn vị.")] = None,
    status: Annotated[str, typer.Option("--status", help="open, reported_done, done, cancelled, all.")] = "open",
    overdue: Annotated[bool, typer.Option("--overdue", help="Chỉ nhiệm vụ quá hạn.")] = False,
    on: Annotated[str | None, typer.Option("--on", help="Tính quá hạn vào ngày này.")] = None,
    as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Liệt kê nhiệm vụ."""
    from tracker.usecases import list_tasks, resolve_unit

    if status not in _STATUS_CHOICES:
        raise InvalidInputError(f"Tình trạng «{status}» không có; chọn một trong: {', '.join(_STATUS_CHOICES)}.")
    with acting(ctx, org, as_) as a:
        day = _day(on) or a.today()
        unit_id = resolve_unit(a.session, org_id=a.org.id or 0, text=unit).id if unit else None
        tasks = list_tasks(a.session, actor=a.actor, unit_id=unit_id, statuses=_STATUS_CHOICES[status],
                           overdue_on=day if overdue else None)
        if as_json:
            print_json([task_dict(a.session, t, day) for t in tasks])
        elif not tasks:
            console.print("Không có nhiệm vụ nào.")
        else:
            console.print(tasks_table(a.session, tasks, day, f"{len(tasks)} nhiệm vụ (ngày {format_day(day)})"))


@app.command("show")
def show(ctx: typer.Context, task_id: TaskId, as_json: JsonOption = False, org: OrgOption = None,
         as_: AsOption = None) -> None:
    """Xem chi tiết một nhiệm vụ, các báo cáo kết quả, đề nghị gia hạn và lịch sử thay đổi."""
    from tracker.usecases.task_details import task_details

    with acting(ctx, org, as_) as a:
        details = task_details(a.session, actor=a.actor, task_id=task_id)
        task = details.task
        data = task_dict(a.session, task, a.today())
        data["updates"] = [{"month": u.month, "result": u.result_text, "document_refs": u.document_refs,
                            "forecast": u.forecast, "recommendation": u.recommendation,
                            "reports_completion": u.reports_completion, "channel": u.channel}
                           for u, _ in details.updates]
        data["extension_requests"] = [{"id": r.id, "requested_due_on": r.requested_due_on.isoformat(),
                                       "reason": r.reason, "status": r.status}
                                      for r, _, _ in details.extension_requests]
        data["history"] = [{"at": line.at.isoformat(), "who": line.who, "channel": line.channel,
                            "action": line.action, "reason": line.reason,
                            "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in line.changes]}
                           for line in details.history]
        if as_json:
            print_json(data)
            return
        _print_task(data, task)


def _print_task(data: dict, task: Task) -> None:
    lines = [
        f"Nhiệm vụ số {data['id']} (phiên bản {data['version']})",
        f"Nội dung: {data['title']}",
        f"Kết quả/Sản phẩm: {data['expected_output'] or '—'}",
        f"Đơn vị chủ trì: {data['owner_unit']}",
        f"Đơn vị phối hợp: {', '.join(data['coordinating_units'] + data['outside_bodies']) or '—'}",
        f"Lãnh đạo chỉ đạo: {data['supervising_leader'] or '—'}",
        f"Thời hạn: {deadline_words(task)}" + (f" (như văn bản: {task.deadline_text})" if task.deadline_text else ""),
        f"Tình trạng: {data['status_label']}"
        + (f" — {data['status_class_label']}" if data["status_class_label"] else ""),
    ]
    if task.original_due_on:
        lines.append(f"Hạn ban đầu: {format_day(task.original_due_on)}")
    if task.status_reason:
        lines.append(f"Lý do: {task.status_reason}")
    for u in data["updates"]:
        lines.append(f"- Báo cáo tháng {month_words(u['month'])}: {u['result']}")
    for r in data["extension_requests"]:
        label = EXTENSION_STATUS_LABELS[r["status"]]
        day = format_day(date.fromisoformat(r["requested_due_on"]))
        lines.append(f"- Đề nghị gia hạn số {r['id']} đến {day}: {r['reason']} ({label})")
    lines += [_history_line(h) for h in data["history"]]
    console.print("\n".join(lines))


def _history_line(event: dict) -> str:
    at = datetime.fromisoformat(event["at"]).astimezone(WARD_TZ)
    changes = "; ".join(f"{c['field']}: {c['before'] or '—'} → {c['after'] or '—'}" for c in event["changes"])
    reason = f" — lý do: {event['reason']}" if event["reason"] else ""
    return (f"* {at:%H:%M} {format_day(at.date())} {event['who']} ({event['channel']}): {event['action']}{reason}"
            + (f" ({changes})" if changes and event["action"] != "giao nhiệm vụ" else ""))


@app.command("update")
def update(
    ctx: typer.Context, task_id: TaskId,
    title: Annotated[str | None, typer.Option("--title")] = None,
    output: Annotated[str | None, typer.Option("--output")] = None,
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    due: Annotated[str | None, typer.Option("--due")] = None,
    deadline_text: Annotated[str | None, typer.Option("--deadline-text")] = None,
    kind: Annotated[str | None, typer.Option("--kind")] = None,
    version: Version = None, as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Sửa nội dung, đơn vị hoặc thời hạn của nhiệm vụ."""
    from tracker.usecases import TaskChanges, resolve_unit, update_task

    with acting(ctx, org, as_) as a:
        owner = resolve_unit(a.session, org_id=a.org.id or 0, text=unit).id if unit else None
        changes = TaskChanges(title=title, expected_output=output, owner_unit_id=owner, due_on=_day(due),
                              deadline_text=deadline_text, deadline_kind=_kind(kind))
        task = update_task(a.session, clock=a.clock, actor=a.actor, task_id=task_id, changes=changes,
                           expected_version=version)
        _report(a, task, as_json, f"Đã cập nhật nhiệm vụ số {task.id}.")


@app.command("report")
def report(
    ctx: typer.Context, task_id: TaskId,
    result: Annotated[str, typer.Option("--result", help="Kết quả thực hiện.")],
    forecast: Annotated[str, typer.Option("--forecast", help="Dự báo khả năng hoàn thành.")] = "",
    recommendation: Annotated[str, typer.Option("--recommendation", help="Kiến nghị, đề xuất.")] = "",
    finished: Annotated[bool, typer.Option("--finished", help="Báo nhiệm vụ đã hoàn thành.")] = False,
    month: Annotated[str | None, typer.Option("--month", help="Tháng báo cáo, ví dụ 2026-05.")] = None,
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Ghi kết quả thực hiện của đơn vị trong tháng."""
    from tracker.usecases import record_update

    with acting(ctx, org, as_) as a:
        update_row = record_update(a.session, clock=a.clock, actor=a.actor, task_id=task_id, result_text=result,
                                   forecast=forecast, recommendation=recommendation,
                                   reports_completion=finished, month=month)
        console.print(f"Đã ghi kết quả tháng {month_words(update_row.month)} cho nhiệm vụ số {task_id}.")


@app.command("done")
def done(ctx: typer.Context, task_id: TaskId, version: Version = None, as_json: JsonOption = False,
         org: OrgOption = None, as_: AsOption = None) -> None:
    """Đơn vị báo đã hoàn thành nhiệm vụ (chờ Văn phòng hoặc lãnh đạo xác nhận)."""
    from tracker.usecases import report_done

    with acting(ctx, org, as_) as a:
        task = report_done(a.session, clock=a.clock, actor=a.actor, task_id=task_id, expected_version=version)
        _report(a, task, as_json, f"Nhiệm vụ số {task.id}: đã báo hoàn thành, chờ xác nhận.")


@app.command("confirm")
def confirm(
    ctx: typer.Context, task_id: TaskId,
    finished_on: Annotated[str | None, typer.Option("--finished-on", help="Ngày đơn vị hoàn thành.")] = None,
    version: Version = None, as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Xác nhận nhiệm vụ đã hoàn thành."""
    from tracker.usecases import confirm_done

    with acting(ctx, org, as_) as a:
        task = confirm_done(a.session, clock=a.clock, actor=a.actor, task_id=task_id,
                            finished_on=_day(finished_on), expected_version=version)
        _report(a, task, as_json, f"Nhiệm vụ số {task.id}: đã xác nhận hoàn thành ngày {format_day(task.finished_on)}.")


@app.command("reopen")
def reopen(ctx: typer.Context, task_id: TaskId, reason: Reason, version: Version = None,
           as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None) -> None:
    """Mở lại một nhiệm vụ đã hoàn thành."""
    from tracker.usecases import reopen_task

    with acting(ctx, org, as_) as a:
        task = reopen_task(a.session, clock=a.clock, actor=a.actor, task_id=task_id, reason=reason,
                           expected_version=version)
        _report(a, task, as_json, f"Đã mở lại nhiệm vụ số {task.id}.")


@app.command("cancel")
def cancel(ctx: typer.Context, task_id: TaskId, reason: Reason, version: Version = None,
           as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None) -> None:
    """Hủy một nhiệm vụ (không xóa; ghi lý do)."""
    from tracker.usecases import cancel_task

    with acting(ctx, org, as_) as a:
        task = cancel_task(a.session, clock=a.clock, actor=a.actor, task_id=task_id, reason=reason,
                           expected_version=version)
        _report(a, task, as_json, f"Đã hủy nhiệm vụ số {task.id}.")


@app.command("extend")
def extend(
    ctx: typer.Context, task_id: TaskId,
    to: Annotated[str, typer.Option("--to", help="Ngày xin gia hạn đến, ví dụ 30/6/2026.")],
    reason: Reason,
    approve: Annotated[bool, typer.Option("--approve", help="Lãnh đạo duyệt luôn.")] = False,
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Xin gia hạn nhiệm vụ (lãnh đạo có thể duyệt luôn bằng --approve)."""
    from tracker.usecases import decide_extension, request_extension

    with acting(ctx, org, as_) as a:
        request = request_extension(a.session, clock=a.clock, actor=a.actor, task_id=task_id,
                                    requested_due_on=parse_day(to), reason=reason, notify=not approve)
        if approve:
            decide_extension(a.session, clock=a.clock, actor=a.actor, request_id=request.id or 0, approve=True)
            console.print(f"Đã gia hạn nhiệm vụ số {task_id} đến {format_day(request.requested_due_on)}.")
        else:
            console.print(f"Đã gửi đề nghị gia hạn số {request.id} cho nhiệm vụ số {task_id}, chờ lãnh đạo duyệt.")


@app.command("decide")
def decide(
    ctx: typer.Context, request_id: Annotated[int, typer.Argument(help="Số đề nghị gia hạn.")],
    approve: Annotated[bool, typer.Option("--approve/--refuse", help="Đồng ý hoặc không đồng ý.")],
    note: Annotated[str, typer.Option("--note", help="Ý kiến của lãnh đạo.")] = "",
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Lãnh đạo duyệt hoặc không duyệt một đề nghị gia hạn."""
    from tracker.usecases import decide_extension

    with acting(ctx, org, as_) as a:
        request = decide_extension(a.session, clock=a.clock, actor=a.actor, request_id=request_id,
                                   approve=approve, note=note)
        word = "đồng ý" if approve else "không đồng ý"
        console.print(f"Đề nghị gia hạn số {request.id}: {word}.")


@app.command("requests")
def requests(ctx: typer.Context, as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None) -> None:
    """Các đề nghị gia hạn đang chờ duyệt."""
    from tracker.usecases import list_extension_requests

    with acting(ctx, org, as_) as a:
        rows = list_extension_requests(a.session, actor=a.actor)
        data = [{"id": r.id, "task_id": r.task_id, "requested_due_on": r.requested_due_on.isoformat(),
                 "reason": r.reason, "status": r.status} for r in rows]
        if as_json:
            print_json(data)
            return
        if not data:
            console.print("Không có đề nghị gia hạn nào đang chờ.")
        for r in data:
            due = format_day(date.fromisoformat(r["requested_due_on"]))
            console.print(f"Số {r['id']}: nhiệm vụ {r['task_id']} xin gia hạn đến {due} — {r['reason']}")

