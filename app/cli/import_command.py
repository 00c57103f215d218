"""`tracker import FILE`: read a notice or a task table, show what was found, fix, confirm, store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from app.cli.context import Acting, AsOption, OrgOption, acting, state
from app.cli.import_history import print_imports
from app.cli.import_history import undo as history_undo
from app.cli.render import console, errors, print_json
from tracker.clock import local_today
from tracker.dates import format_day
from tracker.errors import InvalidInputError
from tracker.importer.model import FIELDS_HELP, ParsedDocument

if TYPE_CHECKING:
    from tracker.importer.directory import UnitDirectory
    from tracker.importer.reading import DocumentText
    from tracker.models import SourceDocument
    from tracker.usecases.import_preview import PreviewTask


def import_file(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(
        help="Tệp .docx, .doc, .odt, .rtf, .pdf (cả bản scan), ảnh .jpg/.png/.tif, .txt hoặc .xlsx.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ đọc và in; không lưu, không cần CSDL.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="Tệp cấu hình phường/xã (cho --dry-run).")] = None,
    edits: Annotated[list[str] | None, typer.Option("--set", help=f"Sửa trước khi lưu: «<mã> {FIELDS_HELP}».")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Lưu luôn, không hỏi lại.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="Liệt kê các văn bản đã nhập và số nhiệm vụ.")] = False,
    undo: Annotated[str | None, typer.Option("--undo", help="Hủy việc nhập một văn bản (số TT hoặc số văn bản).",
                                             metavar="DOCUMENT")] = None,
    force: Annotated[bool, typer.Option("--force", help="Với --undo: giữ nhiệm vụ đã có kết quả, hủy phần còn lại.")
                     ] = False,
    reason: Annotated[str, typer.Option("--reason", help="Với --undo: lý do hủy.")] = "",
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Nhập thông báo kết luận, văn bản chỉ đạo hoặc bảng nhiệm vụ thành các nhiệm vụ."""
    from tracker.importer.edits import apply_edit
    from tracker.jobdays import ward_rules
    from tracker.usecases.import_preview import parse_for_ward
    from tracker.usecases.imports import import_document, nothing_to_store, unit_directory
    from tracker.usecases.reimports import earlier_import

    _check_modes(file, list_=list_, undo=undo, force=force, reason=reason)
    if list_ or undo:
        with acting(ctx, org, as_) as a:
            if list_:
                print_imports(a, as_json=as_json)
            else:
                history_undo(a, undo or "", reason=reason, force=force, yes=yes)
        return
    if file is None:
        raise InvalidInputError("Thiếu tệp cần nhập (hoặc dùng --list, --undo).")
    if dry_run:
        _dry_run(ctx, file, config, edits or [], as_json)
        return
    with acting(ctx, org, as_) as a:
        source = _read(file, max_bytes=ward_rules(a.org).policy.upload_max_mb * 1024 * 1024)
        units = unit_directory(a.session, org_id=a.org.id or 0)
        parsed = parse_for_ward(a.session, clock=a.clock, actor=a.actor, text=source.text)
        earlier = earlier_import(a.session, org_id=a.org.id or 0, source=source, parsed=parsed)
        if earlier is not None:
            _reimport(a, earlier, source, parsed, edits or [], yes)
            return
        on = parsed.issued or a.today()
        for edit in edits or []:
            console.print(apply_edit(parsed, edit, units=units, on=on))
        _print_document(parsed, source)
        if not parsed.tasks:
            raise InvalidInputError(nothing_to_store(source.file_name))
        if not yes:
            a.before_waiting_for_a_person()
        if not yes and not _review_interactively(parsed, units, on):
            console.print("Đã hủy, không lưu gì.")
            raise typer.Exit(1)
        outcome = import_document(a.session, clock=a.clock, actor=a.actor, source=source, parsed=parsed)
        console.print(f"Đã lưu {len(outcome.tasks)} nhiệm vụ"
                      + (f" và {outcome.updates} báo cáo kết quả" if outcome.updates else "")
                      + f" từ {source.file_name}.")


def _check_modes(file: Path | None, *, list_: bool, undo: str | None, force: bool, reason: str) -> None:
    """Raises InvalidInputError for options that do not go together."""
    if list_ and undo is not None:
        raise InvalidInputError("Dùng --list hoặc --undo, không dùng cả hai cùng lúc.")
    if file is not None and (list_ or undo is not None):
        raise InvalidInputError("--list và --undo không đi kèm tệp cần nhập.")
    if undo is None and (force or reason):
        raise InvalidInputError("--force và --reason chỉ dùng với --undo.")


def _reimport(a: Acting, earlier: SourceDocument, source: DocumentText, parsed: ParsedDocument, edits: list[str],
              yes: bool) -> None:
    """A document imported before: nothing when it says the same; else its changes, confirmed, applied."""
    from tracker.importer.edits import apply_edit
    from tracker.usecases.imports import unit_directory
    from tracker.usecases.reimports import apply_reimport, imported_words, plan_reimport, same_words

    if same_words(earlier, source):
        console.print(f"Văn bản này đã {imported_words(earlier)}. Không có gì thay đổi, không tạo gì thêm.")
        return
    units = unit_directory(a.session, org_id=a.org.id or 0)
    every_ref = {task.ref for task in parsed.tasks}
    for edit in edits:
        console.print(apply_edit(parsed, edit, units=units, on=parsed.issued or a.today()))
    # A skipped item leaves its tasks as they are, as "Bỏ qua" does in the web console's review table.
    skipped = every_ref - {task.ref for task in parsed.tasks}
    changes = plan_reimport(a.session, actor=a.actor, document=earlier, parsed=parsed, skipped=skipped)
    console.print(f"Văn bản này đã {imported_words(earlier)}. Thay đổi: {changes.summary()}.")
    for line in changes.lines():
        console.print(f"  {line}", markup=False, highlight=False)
    if changes.empty:
        console.print("Các nhiệm vụ không có gì phải sửa.")
    if not yes:
        a.before_waiting_for_a_person()
    if not yes and not typer.confirm("Áp dụng các thay đổi này?", default=True):
        console.print("Đã hủy, không lưu gì.")
        raise typer.Exit(1)
    applied = apply_reimport(a.session, clock=a.clock, actor=a.actor, document=earlier, source=source, parsed=parsed,
                             skipped=skipped)
    console.print(f"Đã cập nhật theo văn bản sửa đổi: thêm {len(applied.added)}, sửa {len(applied.changed)}, "
                  f"hủy {len(applied.removed)} nhiệm vụ.")


def _dry_run(ctx: typer.Context, file: Path, config: Path | None, edits: list[str], as_json: bool) -> None:
    from tracker.config import load_ward_file
    from tracker.importer.directory import UnitDirectory
    from tracker.importer.edits import apply_edit
    from tracker.importer.parse import parse_document
    from tracker.workdays import WorkCalendar

    ward = load_ward_file(config or state(ctx).settings.config)
    source = _read(file, max_bytes=ward.policy.upload_max_mb * 1024 * 1024)
    units = UnitDirectory.from_config(ward)
    today = local_today(state(ctx).clock())
    parsed = parse_document(source.text, units=units, today=today, default_due=ward.policy.default_due,
                            calendar=WorkCalendar.from_policy(ward.policy))
    for edit in edits:
        apply_edit(parsed, edit, units=units, on=parsed.issued or today)
    if as_json:
        print_json(parsed.to_json())
    else:
        _print_document(parsed, source)


def _print_document(parsed: ParsedDocument, source: DocumentText) -> None:
    from tracker.usecases.import_preview import preview_import

    preview = preview_import(parsed, file_name=source.file_name, reading=source)
    console.print(preview.heading)
    for note in preview.notes:
        console.print(f"Lưu ý: {note}")
    table = Table(show_lines=True)
    for header in ("Mã", "Đơn vị chủ trì", "Phối hợp", "Nhiệm vụ", "Thời hạn", "Cần xem lại"):
        table.add_column(header, overflow="fold")
    for task in preview.tasks:
        table.add_row(task.ref, task.owner or f"? {task.owner_text}", task.coordinating, _short(task.title),
                      _deadline_cell(task), "\n".join(task.review))
    console.print(table)
    for warning in preview.warnings:
        console.print(f"Lưu ý: {warning}")


def _read(file: Path, *, max_bytes: int) -> DocumentText:
    """The file's text, read in the bounded child process; pages read by OCR are counted on stderr."""
    from tracker.importer.isolation import read_path_isolated

    return read_path_isolated(file, max_bytes=max_bytes, progress=_page_read)


def _page_read(done: int, total: int) -> None:
    errors.print(f"Đang nhận dạng chữ từ ảnh (OCR): đã đọc {done}/{total} trang…")


def _deadline_cell(task: PreviewTask) -> str:
    if task.due_is_default:
        return f"(không ghi) → {format_day(task.due)} (mặc định)"
    if task.due:
        return f"{task.deadline_text} → {format_day(task.due)}"
    return task.deadline_text or "không có"


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _review_interactively(parsed: ParsedDocument, units: UnitDirectory, on) -> bool:  # type: ignore[no-untyped-def]
    """Ask for corrections until an empty line; returns whether to save. Saving is refused, with the reason,
    while a deadline names a date that does not exist."""
    from tracker.importer.edits import apply_edit
    from tracker.usecases.imports import check_dates

    while True:
        answer = typer.prompt(
            f"Sửa gì? (<mã> {FIELDS_HELP}; Enter để lưu; «hủy» để thôi)", default="", show_default=False
        ).strip()
        if answer.lower() in ("hủy", "huy", "q"):
            return False
        if not answer:
            try:
                check_dates(parsed.tasks)
            except InvalidInputError as exc:
                console.print(exc.message)
                continue
            return True
        try:
            console.print(apply_edit(parsed, answer, units=units, on=on))
        except InvalidInputError as exc:
            console.print(exc.message)
