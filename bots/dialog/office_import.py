"""A notice sent to the bot as a file (.docx, .pdf, an old .doc, .odt or .rtf) or as a photo of the paper
(.jpg, .png, .tif: read by OCR): the importer reads it, the office sees what it found and saves
it with Lưu or drops it with Hủy.

Between the preview and Lưu the conversation keeps the document's extracted text (with its name and hash),
not the parsed document nor the file: the text is small and JSON, parsing it again is cheap and gives the
same tasks, and Lưu then needs neither the chat platform (a file link may have expired) nor a serialized
form of the importer's model."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable

from bots.channels import ChannelError
from bots.dialog import texts
from bots.dialog.help import exit_button
from bots.dialog.registry import Answer, Registry, Step
from bots.dialog.turn import Turn
from bots.messages import Button, InboundFile, Reply
from tracker.access import Action, may
from tracker.config.ward import PolicyConfig
from tracker.dates import format_day
from tracker.errors import InvalidInputError
from tracker.importer.edits import apply_edit
from tracker.importer.isolation import read_document_isolated
from tracker.importer.model import FIELDS_HELP, ParsedDocument
from tracker.importer.reading import DocumentText
from tracker.jobdays import ward_rules
from tracker.messages import render
from tracker.models import Organization, SourceDocument
from tracker.usecases.import_preview import PreviewTask, parse_for_ward, preview_import
from tracker.usecases.imports import import_document, unit_directory
from tracker.usecases.reimports import apply_reimport, earlier_import, imported_words, plan_reimport, same_words

REVIEW = "import_review"
PICTURES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
SLOW = (".doc", ".odt", ".rtf", *PICTURES)  # read by OCR or LibreOffice: seconds to a minute
ACCEPTED = (".docx", ".pdf", *SLOW)
TASKS_SHOWN = 5
WARNINGS_SHOWN = 5
SAVE, DROP = "save", "drop"


def _policy(turn: Turn) -> PolicyConfig:
    org = turn.session.get(Organization, turn.person.org_id)
    assert org is not None  # the person is bound, so the ward exists
    return ward_rules(org).policy


def _size_problem(file: InboundFile, max_mb: int) -> str | None:
    if os.path.splitext(file.name)[1].lower() not in ACCEPTED:
        return (f"Bot chỉ nhập được văn bản Word (.docx, .doc), .odt, .rtf, PDF hoặc ảnh chụp (.jpg, .png, .tif); "
                f"tệp «{texts.short(file.name, 60)}» không phải loại đó.")
    if file.size > max_mb * 1024 * 1024:
        return f"Tệp «{texts.short(file.name, 60)}» quá lớn ({file.size / 1024 / 1024:.1f} MB); tối đa {max_mb} MB."
    return None


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _reading_words(name: str, picture: bool, pages: int = 0) -> str:
    what = f"bản scan {pages} trang" if pages else ("ảnh" if picture else "tệp")
    how = "nhận dạng chữ" if picture or pages else "chuyển đổi"
    return f"Đang đọc {what} «{texts.short(name, 60)}» ({how}, có thể mất đến vài phút)…"


def _first_page_said(turn: Turn, name: str) -> Callable[[int, int], None]:
    """The reading's progress callback for a PDF: at its first scanned page, the chat is told that the
    reading will take a while (pictures and old formats were told before the reading began)."""
    said = _extension(name) in SLOW

    def progress(done: int, total: int) -> None:
        nonlocal said
        if not said:
            said = True
            turn.say_now(_reading_words(name, False, total))

    return progress


def receive(turn: Turn) -> list[Reply]:
    """A file sent: from someone who may create tasks, a file of an ACCEPTED type within the ward's
    upload_max_mb is fetched, read (a photo or a scan by OCR) and parsed, and its preview shown with Lưu /
    Hủy; a file imported before is said so. Type and size are checked before the bytes are fetched. Unit
    heads and members get the "no files" line. A permanent fetch failure is answered in words; a
    retryable one is raised for the adapter to deliver the message again."""
    file = turn.inbound.file
    assert file is not None
    if not may(turn.person, Action.CREATE, org_id=turn.person.org_id):
        return [Reply(texts.NO_FILES)]
    policy = _policy(turn)
    if problem := _size_problem(file, policy.upload_max_mb):
        return [Reply(problem)]
    if turn.fetch_file is None:
        return [Reply("Kênh này chưa tải được tệp. Hãy nhập bằng lệnh «tracker import» trên máy chủ.")]
    max_bytes = policy.upload_max_mb * 1024 * 1024
    fetch = turn.fetch_file
    if _extension(file.name) in SLOW:
        turn.say_now(_reading_words(file.name, _extension(file.name) in PICTURES))
    try:
        # The download and the reading (in a child process of bounded memory and time, so that a
        # forwarded file cannot take the service down) hold no database lock: others go on meanwhile.
        source = turn.outside_transaction(lambda: read_document_isolated(
            data=fetch(file.ref, max_bytes), name=file.name, max_bytes=max_bytes,
            progress=_first_page_said(turn, file.name)))
    except ChannelError as error:
        if error.retryable:
            raise
        return [Reply(f"Không tải được tệp «{texts.short(file.name, 60)}». Hãy gửi lại, hoặc nhập bằng lệnh "
                      "«tracker import» trên máy chủ.")]
    parsed = _parse(turn, source.text)
    if (earlier := earlier_import(turn.session, org_id=turn.person.org_id, source=source, parsed=parsed)) is not None:
        return _reimport_preview(turn, earlier, source, parsed)
    turn.begin(REVIEW, text=source.text, file_name=source.file_name, file_hash=source.file_hash, media=source.media)
    if not parsed.tasks:
        turn.end()
        return [Reply(_preview(parsed, source))]
    return [Reply(_preview(parsed, source), _save_buttons(turn))]


def _reimport_preview(turn: Turn, earlier: SourceDocument, source: DocumentText, parsed: ParsedDocument
                      ) -> list[Reply]:
    """A document imported before: nothing to do when it says the same; else what the corrected version
    changes, with Lưu to apply it and Hủy to leave the tasks as they are."""
    if same_words(earlier, source):
        return [Reply(f"Văn bản này đã {imported_words(earlier)}: không có gì thay đổi, không tạo gì thêm.")]
    changes = plan_reimport(turn.session, actor=turn.person, document=earlier, parsed=parsed)
    shown = changes.lines(TASKS_SHOWN)
    text = render("chat/reimport_preview", imported=imported_words(earlier), summary=changes.summary(), lines=shown,
                  hidden=len(changes.added) + len(changes.changed) + len(changes.removed) - len(shown),
                  empty=changes.empty)
    turn.begin(REVIEW, text=source.text, file_name=source.file_name, file_hash=source.file_hash, media=source.media,
               reimport_of=earlier.id)
    return [Reply(text, _save_buttons(turn))]


def _parse(turn: Turn, text: str) -> ParsedDocument:
    return parse_for_ward(turn.session, clock=turn.clock, actor=turn.person, text=text)


def _owner(task: PreviewTask) -> str:
    return task.owner or f"chưa rõ đơn vị ({texts.short(task.owner_text, 40) or 'không ghi'})"


def _deadline(task: PreviewTask) -> str:
    if task.due:
        return f"hạn {format_day(task.due)}" + (" (mặc định)" if task.due_is_default else "")
    return texts.short(task.deadline_text, 40) or "không có hạn"


def _preview(parsed: ParsedDocument, source: DocumentText) -> str:
    preview = preview_import(parsed, file_name=source.file_name, reading=source)
    return render("chat/import_preview", preview=preview, owner_counts=Counter(map(_owner, preview.tasks)).items(),
                  owner_words=_owner, deadline_words=_deadline, shown=TASKS_SHOWN, warnings_shown=WARNINGS_SHOWN)


def on_review(turn: Turn, answer: Answer) -> list[Reply]:
    """Lưu stores the document and its tasks (the use case checks the person again, refuses tasks without an
    owner, and creates nothing for a file imported meanwhile); Hủy stores nothing."""
    if answer.choice == DROP:
        turn.end()
        return [Reply("Đã hủy, không lưu gì.")]
    if answer.choice is None and answer.text.strip():
        return _correct(turn, answer.text.strip())
    if answer.choice != SAVE:
        return [Reply(f"Chọn Lưu để lưu các nhiệm vụ, Hủy để bỏ, hoặc gõ một lệnh sửa: «<mã> {FIELDS_HELP}».",
                      (exit_button(turn),))]
    data = turn.data
    source = DocumentText(text=str(data["text"]), file_name=str(data["file_name"]),
                          file_hash=str(data["file_hash"]), media=str(data["media"]))
    parsed = _edited(turn, _parse(turn, source.text))
    if data.get("reimport_of"):
        return _apply_correction(turn, int(data["reimport_of"]), source, parsed)
    outcome = import_document(turn.session, clock=turn.clock, actor=turn.person, source=source, parsed=parsed,
                              channel=turn.channel)
    turn.end()
    if not outcome.created:
        return [Reply("Tệp này đã nhập trước đây: không tạo gì thêm.")]
    updates = f" và {outcome.updates} báo cáo kết quả" if outcome.updates else ""
    return [Reply(f"Đã lưu {len(outcome.tasks)} nhiệm vụ{updates} từ {source.file_name}. "
                  "Các đơn vị sẽ được nhắc theo hạn.")]


def _correct(turn: Turn, edit: str) -> list[Reply]:
    """A correction typed before Lưu ("2.1 owner=Phòng Văn hóa - Xã hội"): checked now on the parsed
    document, kept in the conversation and applied again when Lưu parses the text once more."""
    parsed = _edited(turn, _parse(turn, str(turn.data["text"])))
    units = unit_directory(turn.session, org_id=turn.person.org_id)
    try:
        said = apply_edit(parsed, edit, units=units, on=parsed.issued or turn.today)
    except InvalidInputError as error:
        return [Reply(error.message, _save_buttons(turn))]
    turn.goto(REVIEW, edits=[*turn.data.get("edits", []), edit])
    missing = [t.ref for t in parsed.tasks if t.owner.unit is None]
    tail = f" Còn {len(missing)} nhiệm vụ chưa rõ đơn vị: {', '.join(missing[:10])}." if missing else ""
    return [Reply(said + tail, _save_buttons(turn))]


def _edited(turn: Turn, parsed: ParsedDocument) -> ParsedDocument:
    units = unit_directory(turn.session, org_id=turn.person.org_id)
    for edit in turn.data.get("edits", []):
        apply_edit(parsed, str(edit), units=units, on=parsed.issued or turn.today)
    return parsed


def _save_buttons(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return ((turn.choice("Lưu", SAVE, "luu"), turn.choice("Hủy", DROP, "huy")),)


def _apply_correction(turn: Turn, document_id: int, source: DocumentText, parsed: ParsedDocument) -> list[Reply]:
    document = turn.session.get(SourceDocument, document_id)
    turn.end()
    if document is None or document.org_id != turn.person.org_id or document.undone_at is not None:
        return [Reply("Văn bản cũ đã bị hủy nhập trong lúc chờ: hãy gửi lại tệp để nhập mới.")]
    changes = apply_reimport(turn.session, clock=turn.clock, actor=turn.person, document=document, source=source,
                             parsed=parsed, channel=turn.channel)
    return [Reply(f"Đã cập nhật theo văn bản sửa đổi: thêm {len(changes.added)}, sửa {len(changes.changed)}, "
                  f"hủy {len(changes.removed)} nhiệm vụ.")]


def register(registry: Registry) -> None:
    """Handle files sent to the bot, and the Lưu / Hủy step."""
    registry.file_handler = receive
    registry.add_step(Step(REVIEW, on_review, "nhập văn bản", "trogiup"))
