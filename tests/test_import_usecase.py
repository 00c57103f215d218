"""import_document: what the importer found becomes tasks, once, in one transaction."""

from datetime import date

import pytest
from sqlmodel import select

from tests.builders import make_ward, person
from tracker.errors import ForbiddenError, InvalidInputError
from tracker.importer.parse import parse_document
from tracker.importer.reading import read_document
from tracker.models import AuditEvent, SourceDocument, Task, Update
from tracker.usecases import list_units
from tracker.usecases.imports import import_document, unit_directory

NOTICE = (
    "Số: 12/TB-UBND\n\nPhường Mẫu, ngày 05 tháng 6 năm 2026\n\nTHÔNG BÁO\n\n"
    "Kết luận của Chủ tịch UBND phường tại phiên họp thường kỳ tháng 6 năm 2026\n\n"
    "Ngày 05/6/2026, Ủy ban nhân dân phường tổ chức phiên họp thường kỳ tháng 6 năm 2026.\n\n"
    "2. Yêu cầu các phòng, cơ quan, đơn vị thực hiện các nhiệm vụ, cụ thể:\n\n"
    "2.1. Phòng Văn hoá - Xã hội phường\n\n"
    "- Phối hợp với Trạm Y tế tổ chức tiêm chủng mở rộng hoàn thành trước ngày 20/6/2026.\n\n"
    "- Rà soát hộ nghèo theo Quyết định số 15/QĐ-UBND ngày 02/6/2026.\n\n"
    "2.2. Các phòng, cơ quan, đơn vị\n\n"
    "- Cập nhật thông tin lên Cổng thông tin điện tử phường.\n\n"
    "Nơi nhận:\n\n- Lưu: VT.\n"
)


def _read(text: str, name: str = "tb-12.txt"):
    return read_document(data=text.encode("utf-8"), name=name, max_bytes=1_000_000)


def _import(session, clock, org_id, text=NOTICE, name="tb-12.txt", actor="van-thu"):
    source = _read(text, name)
    parsed = parse_document(source.text, units=unit_directory(session, org_id=org_id), today=date(2026, 6, 5))
    outcome = import_document(session, clock=clock, actor=person(session, org_id, actor), source=source, parsed=parsed)
    session.commit()
    return outcome


def test_a_notice_becomes_tasks_with_owners_partners_deadlines_and_its_source(session, clock):
    org_id = make_ward(session, clock)
    outcome = _import(session, clock, org_id)
    units = list_units(session, org_id=org_id)
    assert outcome.created and len(outcome.tasks) == 2 + len(units)
    first = outcome.tasks[0]
    assert (first.item_ref, first.due_on, first.deadline_kind, first.due_is_default) == (
        "2.1.1", date(2026, 6, 20), "date", False)
    assert first.coordinating_unit_ids == [u.id for u in units if u.key == "tyt"]
    assert first.assigned_on == date(2026, 6, 5) and first.source_document_id == outcome.document.id
    second = outcome.tasks[1]
    assert (second.due_on, second.deadline_kind, second.due_is_default) == (date(2026, 6, 30), "none", True)
    document = session.exec(select(SourceDocument)).one()
    assert (document.number, document.kind, document.meeting_on) == ("12/TB-UBND", "conclusion_notice",
                                                                      date(2026, 6, 5))


def test_the_all_units_task_is_expanded_to_every_unit_on_confirm(session, clock):
    org_id = make_ward(session, clock)
    outcome = _import(session, clock, org_id)
    expanded = [t for t in outcome.tasks if t.item_ref == "2.2.1"]
    assert sorted(t.owner_unit_id for t in expanded) == sorted(u.id for u in list_units(session, org_id=org_id))


def test_importing_the_same_file_again_creates_nothing(session, clock):
    org_id = make_ward(session, clock)
    _import(session, clock, org_id)
    tasks, events = len(session.exec(select(Task)).all()), len(session.exec(select(AuditEvent)).all())
    again = _import(session, clock, org_id, name="ban-sao.txt")
    assert not again.created and again.tasks == []
    assert len(session.exec(select(Task)).all()) == tasks
    assert len(session.exec(select(AuditEvent)).all()) == events


def test_every_imported_task_is_audited_with_the_import_channel(session, clock):
    org_id = make_ward(session, clock)
    outcome = _import(session, clock, org_id)
    events = session.exec(select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.action == "create")).all()
    assert {e.entity_id for e in events} == {t.id for t in outcome.tasks}


def test_a_task_whose_owner_is_unknown_stops_the_import_and_stores_nothing(session, clock):
    org_id = make_ward(session, clock)
    source = _read(NOTICE)
    parsed = parse_document(source.text, units=unit_directory(session, org_id=org_id), today=date(2026, 6, 5))
    parsed.tasks[0].owner.unit = None
    with pytest.raises(InvalidInputError, match="2.1.1"):
        import_document(session, clock=clock, actor=person(session, org_id, "van-thu"), source=source, parsed=parsed)
    session.rollback()
    assert session.exec(select(SourceDocument)).all() == [] and session.exec(select(Task)).all() == []


def test_a_unit_head_cannot_import(session, clock):
    org_id = make_ward(session, clock)
    with pytest.raises(ForbiddenError):
        _import(session, clock, org_id, actor="tp-vhxh")


def test_a_results_appendix_stores_each_result_as_an_update_of_its_month(session, clock, shared_dir):
    org_id = make_ward(session, clock)
    text = (shared_dir / "seeds" / "000_fd44b82cfd10d0b4.txt").read_text(encoding="utf-8")
    outcome = _import(session, clock, org_id, text=text, name="bc-234.txt")
    updates = session.exec(select(Update)).all()
    assert outcome.updates == len(updates) and len(updates) >= 90
    assert {u.month for u in updates} == {"2026-05"}
    assert any("Quyết định số 1559/QĐ-UBND ngày 18/5/2026" in u.document_refs for u in updates)
