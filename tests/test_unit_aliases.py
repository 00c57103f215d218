"""Owners outside the ward's list: kept as written, and once a reviewer maps them to a unit, learned as
that unit's name for the ward (tracker.usecases.units.learn_unit_alias, through import_document)."""

from datetime import date

import pytest
from sqlmodel import select

from tests.builders import example_config, make_ward, person, unit
from tracker.errors import ForbiddenError
from tracker.importer.edits import apply_edit
from tracker.importer.model import ALL_UNITS, Deadline, ParsedDocument, ParsedTask, UnitRef, unresolved_owner_review
from tracker.importer.parse import parse_document
from tracker.importer.reading import DocumentText, read_document
from tracker.models import AuditEvent
from tracker.usecases import apply_ward_config
from tracker.usecases.imports import import_document, unit_directory
from tracker.usecases.units import learn_unit_alias

DIRECTIVE = ("Số: {n}/TB-UBND\n\nPhường Mẫu, ngày 08 tháng 6 năm 2026\n\nTHÔNG BÁO\n\nKết luận của Chủ tịch UBND "
             "phường\n\nGiao Phòng Văn hóa và Thông tin rà soát các điểm kinh doanh karaoke số {n}.\n")


def parsed(session, org_id, number: int):
    source = read_document(data=DIRECTIVE.format(n=number).encode(), name=f"tb-{number}.txt", max_bytes=100_000)
    return source, parse_document(source.text, units=unit_directory(session, org_id=org_id), today=date(2026, 6, 8))


def test_a_mapped_owner_is_learned_so_the_next_notice_resolves_it(session, clock):
    org_id = make_ward(session, clock)
    source, first = parsed(session, org_id, 40)
    assert (first.tasks[0].owner.text, first.tasks[0].owner.unit) == ("Phòng Văn hóa và Thông tin", None)
    apply_edit(first, "1 owner=Phòng Văn hóa - Xã hội", units=unit_directory(session, org_id=org_id),
               on=date(2026, 6, 8))
    import_document(session, clock=clock, actor=person(session, org_id, "van-thu"), source=source, parsed=first)
    session.commit()
    _, second = parsed(session, org_id, 41)
    assert second.tasks[0].owner.unit == "Phòng Văn hóa - Xã hội" and second.tasks[0].review == []
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "learn_alias")).all()
    assert event.after == {"learned_aliases": ["Phòng Văn hóa và Thông tin"]}


def test_words_that_already_resolve_or_name_nobody_are_not_learned(session, clock):
    org_id = make_ward(session, clock)
    clerk = person(session, org_id, "van-thu")
    for words in ("Phòng VH-XH", "Phòng Văn hoá - Xã hội phường.", "các đơn vị liên quan", "các phòng, đơn vị",
                  "Các phòng, cơ quan, đơn vị", "Phòng", "cơ quan chức năng", "x" * 200, " "):
        assert not learn_unit_alias(session, clock=clock, actor=clerk, unit_name="Phòng Văn hóa - Xã hội",
                                    words=words)
    assert unit(session, org_id, "vhxh").learned_aliases == []


def test_a_unit_head_cannot_teach_names(session, clock):
    org_id = make_ward(session, clock)
    with pytest.raises(ForbiddenError):
        learn_unit_alias(session, clock=clock, actor=person(session, org_id, "tp-vhxh"),
                         unit_name="Phòng Văn hóa - Xã hội", words="Phòng VH&TT")


def test_a_learned_name_belongs_to_one_ward_and_survives_the_ward_file_applied_again(session, clock):
    org_id = make_ward(session, clock)
    other = make_ward(session, clock, key="phuong-khac")
    assert learn_unit_alias(session, clock=clock, actor=person(session, org_id, "van-thu"),
                            unit_name="Phòng Văn hóa - Xã hội", words="Phòng VH&TT")
    apply_ward_config(session, clock=clock, config=example_config())
    session.commit()
    assert unit(session, org_id, "vhxh").learned_aliases == ["Phòng VH&TT"]
    assert unit_directory(session, org_id=org_id).resolve("Phòng VH&TT").unit == "Phòng Văn hóa - Xã hội"
    assert unit_directory(session, org_id=other).resolve("Phòng VH&TT").unit is None


def outside_task(ref: str, words: str) -> ParsedTask:
    return ParsedTask(ref=ref, owner=UnitRef(words, None), title=f"Rà soát điểm karaoke khu {ref}",
                      deadline=Deadline(text=""), review=unresolved_owner_review(UnitRef(words, None)))


def notice(*tasks: ParsedTask) -> tuple[DocumentText, ParsedDocument]:
    source = DocumentText(text="Giao Phòng Văn hóa và Thông tin rà soát.", file_name="tb.txt", file_hash="ab" * 32,
                          media="txt")
    return source, ParsedDocument(kind="conclusion_notice", number="50/TB-UBND", issued=date(2026, 6, 8),
                                  tasks=list(tasks))


def test_an_unknown_owner_is_kept_as_written_with_one_note_saying_how_to_choose():
    assert unresolved_owner_review(UnitRef("Phòng Văn hóa và Thông tin", None)) == [
        "Đơn vị chủ trì «Phòng Văn hóa và Thông tin» không có trong danh sách đơn vị của phường: hãy chọn đơn vị "
        "(owner=...)."]
    assert unresolved_owner_review(UnitRef("", None)) == ["Chưa rõ đơn vị chủ trì: hãy chọn đơn vị (owner=...)."]
    assert unresolved_owner_review(UnitRef("Các phòng, đơn vị", ALL_UNITS)) == []


def test_only_an_unknown_owner_mapped_to_a_unit_carries_its_words_to_be_learned(session, clock):
    org_id = make_ward(session, clock)
    units = unit_directory(session, org_id=org_id)
    known = ParsedTask(ref="2", owner=units.resolve("Công an phường"), title="Tuần tra", deadline=Deadline(text=""))
    _, document = notice(outside_task("1", "Phòng Văn hóa và Thông tin"), known)
    assert apply_edit(document, "1 owner=VH-XH", units=units, on=date(2026, 6, 8)) == (
        "Nhiệm vụ 1: đơn vị chủ trì là Phòng Văn hóa - Xã hội.")
    apply_edit(document, "1 owner=Công an", units=units, on=date(2026, 6, 8))  # the reviewer changes their mind
    apply_edit(document, "2 owner=Trạm Y tế", units=units, on=date(2026, 6, 8))
    first, second = document.tasks
    assert (first.owner.unit, first.owner_learned_from, first.review) == (
        "Công an phường", "Phòng Văn hóa và Thông tin", [])
    assert second.owner_learned_from == ""  # a known unit replaced by another teaches nothing


def test_the_same_words_on_many_tasks_are_learned_once_and_audited_with_the_channel(session, clock):
    org_id = make_ward(session, clock)
    clerk = person(session, org_id, "van-thu")
    source, document = notice(outside_task("1", "Phòng VH&TT"), outside_task("2", "Phòng VH&TT"))
    for ref in ("1", "2"):
        apply_edit(document, f"{ref} owner=Phòng Văn hóa - Xã hội", units=unit_directory(session, org_id=org_id),
                   on=date(2026, 6, 8))
    import_document(session, clock=clock, actor=clerk, source=source, parsed=document, channel="telegram")
    session.commit()
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "learn_alias")).all()
    vhxh = unit(session, org_id, "vhxh")
    assert (event.entity, event.entity_id, event.actor_id, event.channel, event.at) == (
        "unit", vhxh.id, clerk.id, "telegram", clock.now())
    assert (event.before, event.after) == ({"learned_aliases": []}, {"learned_aliases": ["Phòng VH&TT"]})
    assert vhxh.learned_aliases == ["Phòng VH&TT"] and "Phòng VH&TT" not in vhxh.aliases


def test_a_leader_may_teach_a_name_by_the_units_key(session, clock):
    org_id = make_ward(session, clock)
    assert learn_unit_alias(session, clock=clock, actor=person(session, org_id, "chu-tich"), unit_name="ca",
                            words="  Trưởng Công an  phường ")
    assert unit(session, org_id, "ca").learned_aliases == ["Trưởng Công an phường"]
