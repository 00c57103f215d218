"""`tracker report ...`: the monthly report's appendices as Word or Excel files, its figures, the results
still missing, and adding or removing a task from a month's appendix by hand."""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.context import AsOption, JsonOption, OrgOption, acting
from app.cli.render import console, print_json
from tracker.dates import format_day, parse_day
from tracker.errors import InvalidInputError

if TYPE_CHECKING:
    from tracker.reports.model import Appendix, PeriodFigures


report_app = typer.Typer(help="Báo cáo tháng: phụ lục, số liệu, kết quả còn thiếu.", no_args_is_help=True)

MonthOption = Annotated[str, typer.Option("--month", help="Tháng báo cáo, ví dụ 2026-05 hoặc 5/2026.")]
OutOption = Annotated[Path, typer.Option("--out", help="Tệp kết quả: .docx (Word) hoặc .xlsx (Excel).")]
NumberOption = Annotated[str | None, typer.Option("--number", help="Số báo cáo, ví dụ 234 hoặc 234/BC-UBND.")]
DateOption = Annotated[str | None, typer.Option("--date", help="Ngày báo cáo, ví dụ 27/5/2026.")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Ngày chốt số liệu, ví dụ 18/5/2026.")]
FORMATS = {".docx": "Word", ".xlsx": "Excel"}


@report_app.command("appendix")
def appendix(
    ctx: typer.Context, month: MonthOption, out: OutOption, until: UntilOption = None, number: NumberOption = None,
    date: DateOption = None, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Phụ lục 1: kết quả thực hiện nhiệm vụ trọng tâm của các phòng, đơn vị trong tháng."""
    from tracker.usecases.reports import month_results

    _check_format(out)
    with acting(ctx, org, as_) as a:
        data = month_results(a.session, actor=a.actor, month=month, until=_day(until), report_number=number,
                             report_date=_day(date))
    _write(data, out)


@report_app.command("plan")
def plan(
    ctx: typer.Context, month: MonthOption, out: OutOption, number: NumberOption = None, date: DateOption = None,
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Phụ lục 5: phương hướng, nhiệm vụ trọng tâm của tháng (kèm báo cáo của tháng trước)."""
    from tracker.usecases.reports import month_plan

    _check_format(out)
    with acting(ctx, org, as_) as a:
        data = month_plan(a.session, actor=a.actor, month=month, report_number=number, report_date=_day(date))
    _write(data, out)


@report_app.command("stats")
def stats(
    ctx: typer.Context, month: MonthOption, until: UntilOption = None, as_json: JsonOption = False,
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Số liệu nhiệm vụ của kỳ báo cáo và câu văn để đưa vào báo cáo."""
    from tracker.usecases.reports import month_figures

    with acting(ctx, org, as_) as a:
        figures = month_figures(a.session, actor=a.actor, month=month, until=_day(until))
    if as_json:
        print_json(_figures_json(figures))
        return
    console.print(figures.sentence)
    for name, count in figures.by_unit.items():
        console.print(f"  {name}: {count}")


@report_app.command("missing")
def missing(
    ctx: typer.Context, month: MonthOption,
    unit: Annotated[str | None, typer.Option("--unit", help="Chỉ một đơn vị (khóa hoặc tên).")] = None,
    as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Nhiệm vụ của phụ lục tháng mà đơn vị chưa báo cáo kết quả, theo từng đơn vị."""
    from tracker.models import Task
    from tracker.reports.selection import parse_month
    from tracker.usecases.missing import tasks_missing_results
    from tracker.usecases.units import list_units, resolve_unit

    key = parse_month(month)
    with acting(ctx, org, as_) as a:
        unit_id = resolve_unit(a.session, org_id=a.org.id or 0, ref=unit).id if unit else None
        tasks = tasks_missing_results(a.session, actor=a.actor, month=key, unit_id=unit_id)
        names = {u.id: u.name for u in list_units(a.session, org_id=a.org.id or 0, include_inactive=True)}
    by_unit: dict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        by_unit[names.get(task.owner_unit_id, "")].append(task)
    if as_json:
        print_json({"month": key, "units": [
            {"unit": name, "tasks": [{"id": t.id, "title": t.title, "due": t.due_on.isoformat() if t.due_on else None}
                                     for t in items]}
            for name, items in by_unit.items()]})
        return
    if not by_unit:
        console.print(f"Mọi nhiệm vụ của phụ lục tháng {int(key[5:])}/{key[:4]} đã có kết quả báo cáo.")
        return
    console.print(f"{len(tasks)} nhiệm vụ chưa có kết quả tháng {int(key[5:])}/{key[:4]}:")
    for name, items in by_unit.items():
        console.print(f"{name} ({len(items)}):")
        for task in items:
            due = f" (hạn {format_day(task.due_on)})" if task.due_on else ""
            console.print(f"  [{task.id}] {task.title}{due}")


@report_app.command("include")
def include(
    ctx: typer.Context, task_id: Annotated[int, typer.Argument(help="Số nhiệm vụ.")], month: MonthOption,
    reason: Annotated[str, typer.Option("--reason", help="Lý do đưa vào phụ lục.")] = "",
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Đưa một nhiệm vụ vào phụ lục của tháng, dù quy tắc chọn không chọn nó."""
    _override(ctx, task_id, month, reason, org, as_, include=True)


@report_app.command("exclude")
def exclude(
    ctx: typer.Context, task_id: Annotated[int, typer.Argument(help="Số nhiệm vụ.")], month: MonthOption,
    reason: Annotated[str, typer.Option("--reason", help="Lý do bỏ khỏi phụ lục.")] = "",
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Bỏ một nhiệm vụ khỏi phụ lục của tháng."""
    _override(ctx, task_id, month, reason, org, as_, include=False)


def _override(ctx: typer.Context, task_id: int, month: str, reason: str, org: str | None, as_: str | None,
              *, include: bool) -> None:
    from tracker.reports.selection import parse_month
    from tracker.usecases.tasks import set_report_override

    with acting(ctx, org, as_) as a:
        task = set_report_override(a.session, clock=a.clock, actor=a.actor, task_id=task_id, month=month,
                                   include=include, reason=reason)
    key = parse_month(month)
    verb = "Đã đưa" if include else "Đã bỏ"
    where = "vào" if include else "khỏi"
    console.print(f"{verb} nhiệm vụ số {task.id} {where} phụ lục tháng {int(key[5:])}/{key[:4]}.")


def _day(text: str | None):  # type: ignore[no-untyped-def]
    return parse_day(text) if text else None


def _check_format(out: Path) -> None:
    if out.suffix.lower() not in FORMATS:
        raise InvalidInputError(f"Tệp «{out.name}» phải có đuôi .docx (Word) hoặc .xlsx (Excel).")


def _write(data: Appendix, out: Path) -> None:
    """Render into memory, then replace the file in one step: a failure never leaves half a file."""
    buffer = BytesIO()
    if out.suffix.lower() == ".docx":
        from tracker.reports.word import write_docx

        write_docx([data], buffer)
    else:
        from tracker.reports.excel import write_xlsx

        write_xlsx([data], buffer)
    folder = out.resolve().parent
    if not folder.is_dir():
        raise InvalidInputError(f"Thư mục «{folder}» không tồn tại.")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".phu-luc-", suffix=out.suffix)
    with os.fdopen(handle, "wb") as file:
        file.write(buffer.getvalue())
    os.replace(temporary, out)
    units = len(data.units)
    console.print(f"Đã ghi {data.heading} tháng {data.month}/{data.year} ({FORMATS[out.suffix.lower()]}): "
                  f"{data.task_count} nhiệm vụ của {units} đơn vị vào {out}.")


def _figures_json(figures: PeriodFigures) -> dict[str, Any]:
    return {
        "start": figures.start.isoformat(), "until": figures.until.isoformat(), "total": figures.total,
        "done_on_time": figures.done_on_time, "done_no_deadline": figures.done_no_deadline,
        "done_late": figures.done_late, "in_progress_on_time": figures.in_progress_on_time,
        "in_progress_overdue": figures.in_progress_overdue, "recurring": figures.recurring,
        "by_unit": figures.by_unit, "sentence": figures.sentence,
    }
