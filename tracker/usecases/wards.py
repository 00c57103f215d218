"""The sample ward of the first start, and removing a ward nobody has used.

The first start loads the example ward with a few sample tasks so that a newcomer sees the system work.
A ward office then brings its own ward file: the sample, still untouched, is replaced rather than kept
beside it (which would make every command ask for --org). Removal is the one hard delete of the system
and is allowed only for a ward with no real data: a ward that was used keeps its history for good."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from tracker.errors import ConflictError, NotFoundError
from tracker.models import (
    AuditEvent,
    ChatButton,
    ChatIdentity,
    Conversation,
    ExtensionRequest,
    InviteCode,
    JobRun,
    Notification,
    Organization,
    Person,
    SourceDocument,
    Update,
)

log = logging.getLogger("tracker.wards")

# What makes a ward "used", beyond changes after its setup: people reached it, or it reached people.
_USE = ((ChatIdentity, "tài khoản chat đã liên kết"), (InviteCode, "mã mời"), (Update, "báo cáo kết quả"),
        (ExtensionRequest, "đề nghị gia hạn"), (SourceDocument, "văn bản đã nhập"), (Notification, "tin nhắn"),
        (JobRun, "lượt chạy việc theo lịch"))


def mark_as_sample(session: Session, org: Organization) -> None:
    """Mark `org`, just set up from the example file, as the sample ward. Does not commit."""
    session.flush()
    org.sample_setup_event = session.exec(
        select(sa.func.max(AuditEvent.id)).where(AuditEvent.org_id == org.id)).one() or 0
    session.add(org)


def why_used(session: Session, org: Organization) -> list[str]:
    """What shows that people used the ward (empty: nobody did): changes after its setup, chats, codes,
    results, requests, documents, messages, job runs. A ward that was not made as the sample counts as used."""
    if org.sample_setup_event is None:
        return ["không phải phường/xã mẫu"]
    reasons = [words for model, words in _USE
               if session.exec(select(sa.func.count()).select_from(model).where(model.org_id == org.id)).one()]
    later = session.exec(select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.org_id == org.id, col(AuditEvent.id) > org.sample_setup_event)).one()
    if later:
        reasons.append(f"{later} thay đổi sau khi tạo")
    return reasons


def untouched_sample(session: Session) -> Organization | None:
    """The database's only ward when it is the sample nobody used, else None."""
    wards = list(session.exec(select(Organization)))
    if len(wards) == 1 and not why_used(session, wards[0]):
        return wards[0]
    return None


def remove_ward(session: Session, *, key: str) -> Organization:
    """Delete the ward `key` and everything under it, when nobody used it (why_used is empty); logged.
    Raises NotFoundError for an unknown ward, ConflictError naming what it holds. Does not commit."""
    org = session.exec(select(Organization).where(Organization.key == key)).first()
    if org is None:
        raise NotFoundError(f"Không có phường/xã nào có khóa «{key}».")
    if reasons := why_used(session, org):
        raise ConflictError(f"Không xóa {org.name}: phường/xã này đã có dữ liệu thật ({', '.join(reasons)}); "
                            "dữ liệu đã dùng được giữ lại.")
    people = select(Person.id).where(Person.org_id == org.id)
    for model in (ChatButton, Conversation):
        session.execute(sa.delete(model).where(col(model.person_id).in_(people)))
    # Children before parents: the metadata's order, reversed, follows the foreign keys.
    for table in reversed(SQLModel.metadata.sorted_tables):
        if "org_id" in table.c:
            session.execute(sa.delete(table).where(table.c.org_id == org.id))
    session.execute(sa.delete(Organization).where(Organization.id == org.id))
    log.warning("Đã xóa phường/xã %s (%s), chưa từng được dùng.", org.name, org.key)
    return org
