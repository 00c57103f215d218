"""Owners outside the ward's list: kept as written, and once a reviewer maps them to a unit, learned as
that unit's name for the ward (tracker.usecases.units.learn_unit_alias, through import_document)."""

from datetime import date

import pytest
from sqlmodel import select

from tests.builders import example_config, make_ward, person, unit
from tracker.errors import ForbiddenError
from tracker.importer.edits import apply_edit
from tracker.importer.parse import parse_document
from tracker.importer.reading import read_document
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
    for words in ("Phòng VH-XH", "các đơn vị liên quan", "các phòng, đơn vị", "x" * 200, " "):
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
