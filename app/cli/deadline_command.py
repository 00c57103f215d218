"""`tracker deadline "<phrase>"`: how the tracker understands a deadline phrase (no database needed)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.context import JsonOption, state
from app.cli.render import console, print_json
from tracker.clock import local_today
from tracker.dates import format_day, parse_day
from tracker.enums import DEADLINE_KIND_LABELS, DeadlineKind
from tracker.importer.model import Deadline

OnOption = Annotated[str | None, typer.Option("--on", help="Ngày của văn bản, ví dụ 7/5/2026 (mặc định: hôm nay).")]


def deadline(
    ctx: typer.Context,
    phrase: Annotated[str, typer.Argument(help="Thời hạn như văn bản ghi, ví dụ \"Quý II/2026\".")],
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cho biết một thời hạn được hiểu thế nào: loại, ngày đến hạn, các mốc sau, lặp lại, điểm cần kiểm tra."""
    from tracker.importer.deadlines import parse_deadline

    day = parse_day(on) if on else local_today(state(ctx).clock())
    understood = parse_deadline(phrase, on=day)
    if as_json:
        print_json(understood.to_json(with_review=True))
        return
    for line in describe(understood):
        console.print(line)


def describe(understood: Deadline) -> list[str]:
    """The reading in Vietnamese words, one line each."""
    lines = [f"Thời hạn: «{understood.text}»", f"Loại: {DEADLINE_KIND_LABELS[DeadlineKind(understood.kind)]}"]
    if understood.starts:
        lines.append(f"Kỳ bắt đầu: {format_day(understood.starts)}")
    if understood.due:
        lines.append(f"Đến hạn: {format_day(understood.due)}")
    elif understood.kind not in (DeadlineKind.RECURRING, DeadlineKind.NONE):
        lines.append("Đến hạn: chưa xác định")
    if understood.milestones:
        lines.append(f"Các mốc sau: {', '.join(format_day(d) for d in understood.milestones)}")
    if understood.recurrence:
        lines.append(f"Lặp lại: {understood.recurrence}")
    lines += [f"Cần kiểm tra: {reason}" for reason in understood.review]
    return lines
