"""`tracker import --list` and `tracker import --undo DOCUMENT`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from app.cli.context import Acting
from app.cli.render import console, print_json
from tracker.dates import format_day
from tracker.importer.model import DOCUMENT_KIND_WORDS

if TYPE_CHECKING:
    from tracker.models import SourceDocument



def print_imports(a: Acting, *, as_json: bool) -> None:
    """The ward's imported documents with their task counts."""
    from tracker.usecases.reimports import list_imports

    rows = list_imports(a.session, actor=a.actor)
    if as_json:
        print_json([{
            "id": r.document.id, "kind": r.document.kind, "number": r.document.number,
            "issued": r.document.issued_on.isoformat() if r.document.issued_on else None,
            "file_name": r.document.file_name, "imported_at": r.document.created_at.isoformat(),
            "undone": r.document.undone_at is not None,
            "tasks": {"total": r.tasks, "open": r.open, "done": r.done, "cancelled": r.cancelled},
        } for r in rows])
        return
    if not rows:
        console.print("Chưa nhập văn bản nào.")
        return
    table = Table(show_lines=False)
    for header in ("Số TT", "Văn bản", "Ngày", "Tệp", "Nhập ngày", "Nhiệm vụ", "Đang làm", "Xong", "Đã hủy"):
        table.add_column(header, overflow="fold")
    for r in rows:
        number = f"số {r.document.number}" if r.document.number else "chưa có số"
        name = f"{DOCUMENT_KIND_WORDS.get(r.document.kind, r.document.kind)} {number}"
        if r.document.undone_at is not None:
            name += " — đã hủy nhập"
        table.add_row(str(r.document.id), name, format_day(r.document.issued_on) if r.document.issued_on else "",
                      r.document.file_name, format_day(r.document.created_at.date()), str(r.tasks), str(r.open),
                      str(r.done), str(r.cancelled))
    console.print(table)


def undo(a: Acting, key: str, *, reason: str, force: bool, yes: bool) -> None:
    """Cancel the tasks of one imported document, after a confirmation unless --yes."""
    from tracker.usecases.reimports import find_document, undo_import

    document = find_document(a.session, org_id=a.org.id or 0, key=key)
    label = describe(document)
    if not yes:
        a.before_waiting_for_a_person()
    if not yes and not typer.confirm(f"Hủy việc nhập {label} và hủy các nhiệm vụ của văn bản này?", default=False):
        console.print("Đã thôi, không thay đổi gì.")
        raise typer.Exit(1)
    cancelled, kept = undo_import(a.session, clock=a.clock, actor=a.actor, document_id=document.id or 0,
                                  reason=reason, force=force)
    console.print(f"Đã hủy việc nhập {label}: hủy {len(cancelled)} nhiệm vụ"
                  + (f", giữ {len(kept)} nhiệm vụ đã có kết quả hoặc đã hoàn thành." if kept else "."))


def describe(document: SourceDocument) -> str:
    """"thông báo kết luận số 12/TB-UBND ngày 04/6/2026 (nhập ngày 05/6/2026)"."""
    number = f"số {document.number}" if document.number else "chưa có số"
    words = f"{DOCUMENT_KIND_WORDS.get(document.kind, document.kind)} {number}"
    if document.issued_on:
        words += f" ngày {format_day(document.issued_on)}"
    return words + f" (nhập ngày {format_day(document.created_at.date())})"
