"""One notice, one import: recognising a document already imported in any file, applying a corrected
version to its tasks, undoing an import and listing imports (tracker.usecases.reimports)."""

import unicodedata
from datetime import date

import pytest
from sqlmodel import select

from tests.builders import make_ward, person, unit
from tests.document_files import as_docx, as_pdf
from tracker.errors import ForbiddenError, InvalidInputError
from tracker.importer.parse import parse_document
from tracker.importer.reading import read_document
from tracker.models import AuditEvent, SourceDocument, Task
from tracker.usecases.imports import import_document, unit_directory
from tracker.usecases.progress import record_update
from tracker.usecases.reimports import (
    apply_reimport,
    earlier_import,
    find_document,
    imported_words,
    list_imports,
    plan_reimport,
    same_words,
    undo_import,
)
from tracker.usecases.tasks import confirm_done

PARAGRAPHS = [
    "Số: 31/TB-UBND",
    "Phường Mẫu, ngày 08 tháng 6 năm 2026",
    "THÔNG BÁO",
    "Kết luận của Chủ tịch UBND phường tại cuộc họp giao ban tháng 6 năm 2026",
    "Ngày 08/6/2026, Chủ tịch UBND phường chủ trì cuộc họp giao ban.",
    "2.1. Phòng Văn hóa - Xã hội phường",
    "- Rà soát danh sách hộ cận nghèo hoàn thành trước ngày 20/6/2026.",
    "- Tổ chức Ngày hội gia đình hoàn thành trước ngày 28/6/2026.",
    "2.2. Công an phường",
    "- Tăng cường tuần tra khu vực chợ trong tháng 6/2026.",
    "Nơi nhận:",
    "- Lưu: VT.",
]
NOTICE = "\n\n".join(PARAGRAPHS) + "\n"


def read(data: bytes, name: str):
    return read_document(data=data, name=name, max_bytes=5_000_000)


def parsed_from(session, org_id, source):
    return parse_document(source.text, units=unit_directory(session, org_id=org_id), today=date(2026, 6, 8))


def imported(session, clock, org_id, data: bytes = NOTICE.encode(), name: str = "tb-31.txt"):
    source = read(data, name)
    outcome = import_document(session, clock=clock, actor=person(session, org_id, "van-thu"), source=source,
                              parsed=parsed_from(session, org_id, source))
    session.commit()
    return outcome


@pytest.mark.parametrize(("data", "name"), [
    (lambda: as_docx(PARAGRAPHS), "tb-31.docx"),
    (lambda: as_pdf(PARAGRAPHS), "tb-31-da-ky.pdf"),
    (lambda: (NOTICE + "   \n").encode(), "tb-31-them-khoang-trang.txt"),
    (lambda: unicodedata.normalize("NFD", NOTICE).encode(), "tb-31-nfd.txt"),
], ids=["docx", "pdf", "trailing space", "NFD"])
def test_the_same_notice_in_another_file_is_recognised_and_creates_nothing(session, clock, data, name):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    again = imported(session, clock, org_id, data(), name)
    assert not again.created and again.document.id == first.document.id
    assert len(session.exec(select(Task)).all()) == len(first.tasks) == 3


def test_a_corrected_version_changes_one_deadline_adds_one_item_and_cancels_a_removed_one(session, clock):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    corrected = [p.replace("28/6/2026", "30/6/2026") for p in PARAGRAPHS if "tuần tra" not in p]
    corrected.insert(corrected.index("- Lưu: VT.") - 1, "2.3. Trạm Y tế phường")
    corrected.insert(corrected.index("- Lưu: VT.") - 1, "- Tiêm vắc xin sởi cho trẻ em trước ngày 25/6/2026.")
    source = read("\n\n".join(corrected).encode(), "tb-31-sua.txt")
    parsed = parsed_from(session, org_id, source)
    clerk = person(session, org_id, "van-thu")
    document = earlier_import(session, org_id=org_id, source=source, parsed=parsed)
    assert document is not None and document.id == first.document.id  # same number, same day

    changes = apply_reimport(session, clock=clock, actor=clerk, document=document, source=source, parsed=parsed)
    session.commit()

    assert [d.item_ref for d in changes.added] == ["2.3.1"]
    assert [(c.task.item_ref, c.fields) for c in changes.changed] == [("2.1.2", ["title", "deadline_text", "due_on"])]
    assert [t.item_ref for t in changes.removed] == ["2.2.1"]
    tasks = {t.item_ref: t for t in session.exec(select(Task))}
    assert len(tasks) == 4 and tasks["2.1.2"].due_on == date(2026, 6, 30)
    assert tasks["2.2.1"].status == "cancelled" and "sửa đổi" in tasks["2.2.1"].status_reason
    assert tasks["2.3.1"].source_document_id == first.document.id
    actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "source_document"))]
    assert actions == ["import", "reimport"]
    # Applying the same version again changes nothing more.
    assert plan_reimport(session, actor=clerk, document=document, parsed=parsed).empty


def test_undo_cancels_every_task_and_the_document_no_longer_counts_as_imported(session, clock):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    cancelled, kept = undo_import(session, clock=clock, actor=person(session, org_id, "van-thu"),
                                  document_id=first.document.id, reason="Nhập nhầm văn bản.")
    session.commit()
    assert (len(cancelled), kept) == (3, [])
    assert {t.status for t in session.exec(select(Task))} == {"cancelled"}
    assert {t.status_reason for t in session.exec(select(Task))} == {"Nhập nhầm văn bản."}
    again = imported(session, clock, org_id)  # the same file after an undo is a new import
    assert again.created and len(again.tasks) == 3
    assert session.exec(select(SourceDocument)).one().undone_at is None


def test_undo_is_refused_for_tasks_with_results_unless_forced_which_keeps_them(session, clock):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    clerk = person(session, org_id, "van-thu")
    record_update(session, clock=clock, actor=clerk, task_id=first.tasks[0].id, result_text="Đã rà soát 40 hộ.")
    session.commit()
    with pytest.raises(InvalidInputError, match="--force"):
        undo_import(session, clock=clock, actor=clerk, document_id=first.document.id, reason="Nhập nhầm.")
    session.rollback()
    assert {t.status for t in session.exec(select(Task))} == {"open"}
    cancelled, kept = undo_import(session, clock=clock, actor=clerk, document_id=first.document.id,
                                  reason="Nhập nhầm.", force=True)
    assert (len(cancelled), [t.id for t in kept]) == (2, [first.tasks[0].id])


def test_the_list_counts_each_documents_tasks_and_a_document_is_found_by_number(session, clock):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    clerk = person(session, org_id, "van-thu")
    [row] = list_imports(session, actor=clerk)
    assert (row.document.id, row.tasks, row.open, row.done, row.cancelled) == (first.document.id, 3, 3, 0, 0)
    assert find_document(session, org_id=org_id, key="31/tb-ubnd").id == first.document.id
    assert find_document(session, org_id=org_id, key=str(first.document.id)).id == first.document.id


def test_another_wards_document_is_not_found_and_cannot_be_undone(session, clock):
    org_id = make_ward(session, clock)
    other = make_ward(session, clock, key="phuong-khac")
    first = imported(session, clock, org_id)
    with pytest.raises(Exception, match="Không có văn bản"):
        undo_import(session, clock=clock, actor=person(session, other, "van-thu"), document_id=first.document.id,
                    reason="thử")


def reimport(session, clock, org_id, text: str, name: str):
    """Recognise `text` as the earlier import and apply it; returns (document, changes)."""
    source = read(text.encode(), name)
    parsed = parsed_from(session, org_id, source)
    document = earlier_import(session, org_id=org_id, source=source, parsed=parsed)
    assert document is not None
    changes = apply_reimport(session, clock=clock, actor=person(session, org_id, "van-thu"), document=document,
                             source=source, parsed=parsed)
    session.commit()
    return document, changes


def test_a_version_that_only_capitalises_a_word_is_not_the_same_words_and_changes_that_title(session, clock):
    # Why: a key that ignored case said "nothing changed" while the task's title did change.
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    source = read(NOTICE.replace("hộ cận nghèo", "hộ Cận nghèo").encode(), "tb-31-hoa.txt")
    parsed = parsed_from(session, org_id, source)
    document = earlier_import(session, org_id=org_id, source=source, parsed=parsed)
    assert document is not None and document.id == first.document.id and not same_words(document, source)
    changes = plan_reimport(session, actor=person(session, org_id, "van-thu"), document=document, parsed=parsed)
    assert [(c.task.item_ref, c.fields) for c in changes.changed] == [("2.1.1", ["title"])]


def test_the_first_file_sent_after_a_correction_shows_the_correction_reverted(session, clock):
    # Why: the document keeps its first file's hash, which no longer says what the document says.
    org_id = make_ward(session, clock)
    imported(session, clock, org_id)
    reimport(session, clock, org_id, NOTICE.replace("28/6/2026", "30/6/2026"), "tb-31-sua.txt")
    source = read(NOTICE.encode(), "tb-31.txt")
    parsed = parsed_from(session, org_id, source)
    document = earlier_import(session, org_id=org_id, source=source, parsed=parsed)
    assert document is not None and not same_words(document, source)
    changes = plan_reimport(session, actor=person(session, org_id, "van-thu"), document=document, parsed=parsed)
    assert [c.task.item_ref for c in changes.changed] == ["2.1.2"]
    assert "ngày đến hạn 30/06/2026 → 28/06/2026" in changes.lines()[0]


def test_an_item_given_to_another_unit_keeps_its_task_and_changes_its_owner_audited(session, clock):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    police = next(t for t in first.tasks if t.item_ref == "2.2.1")
    _, changes = reimport(session, clock, org_id, NOTICE.replace("2.2. Công an phường", "2.2. Trạm Y tế phường"),
                          "tb-31-sua.txt")
    assert (changes.added, changes.removed) == ([], [])
    assert [(c.task.id, c.fields) for c in changes.changed] == [(police.id, ["owner_unit_id"])]
    assert changes.lines() == [f"~ 2.2.1 (nhiệm vụ số {police.id}): đơn vị chủ trì Công an phường → Trạm Y tế"]
    assert session.get(Task, police.id).owner_unit_id == unit(session, org_id, "tyt").id
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.entity_id == police.id,
                                                   AuditEvent.action == "update")).all()
    assert len(events) == 1


def test_an_item_for_every_unit_changes_each_units_task_and_duplicates_none(session, clock):
    org_id = make_ward(session, clock)
    every = ["2.3. Các phòng, cơ quan, đơn vị", "- Báo cáo kết quả tháng 6 trước ngày 25/6/2026."]
    paragraphs = PARAGRAPHS[:-2] + every + PARAGRAPHS[-2:]
    first = imported(session, clock, org_id, "\n\n".join(paragraphs).encode(), "tb-31.txt")
    assert len(first.tasks) == 3 + 9  # one task for each of the ward's 9 units
    corrected = "\n\n".join(paragraphs).replace("25/6/2026", "27/6/2026")
    _, changes = reimport(session, clock, org_id, corrected, "tb-31-sua.txt")
    assert (changes.added, changes.removed) == ([], [])
    assert {c.task.item_ref for c in changes.changed} == {"2.3.1"} and len(changes.changed) == 9
    tasks = session.exec(select(Task)).all()
    assert len(tasks) == 12
    assert {t.due_on for t in tasks if t.item_ref == "2.3.1"} == {date(2026, 6, 27)}


def test_a_done_task_is_neither_changed_by_a_correction_nor_cancelled_by_an_undo(session, clock):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    clerk = person(session, org_id, "van-thu")
    finished = next(t for t in first.tasks if t.item_ref == "2.1.2")
    confirm_done(session, clock=clock, actor=clerk, task_id=finished.id)
    session.commit()
    document, changes = reimport(session, clock, org_id, NOTICE.replace("28/6/2026", "30/6/2026"), "tb-31-sua.txt")
    assert changes.empty and session.get(Task, finished.id).due_on == date(2026, 6, 28)
    cancelled, kept = undo_import(session, clock=clock, actor=clerk, document_id=document.id, reason="Nhập nhầm.")
    session.commit()
    assert len(cancelled) == 2 and [t.id for t in kept] == [finished.id]
    assert session.get(Task, finished.id).status == "done"


def test_a_document_imported_before_is_named_by_the_day_it_was_imported_and_its_number(session, clock):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    assert imported_words(first.document) == "nhập ngày 18/05/2026 (thông báo kết luận số 31/TB-UBND ngày 08/06/2026)"


def test_a_unit_head_may_neither_undo_nor_apply_a_correction(session, clock):
    org_id = make_ward(session, clock)
    first = imported(session, clock, org_id)
    head = person(session, org_id, "tp-vhxh")
    with pytest.raises(ForbiddenError):
        undo_import(session, clock=clock, actor=head, document_id=first.document.id, reason="thử")
    source = read(NOTICE.replace("28/6/2026", "30/6/2026").encode(), "tb-31-sua.txt")
    with pytest.raises(ForbiddenError):
        plan_reimport(session, actor=head, document=first.document, parsed=parsed_from(session, org_id, source))
