"""Corrections office staff make to what the importer found, before confirming: "2.1.3 owner=Công an phường"."""

from __future__ import annotations

import re
from datetime import date

from tracker.errors import InvalidInputError
from tracker.importer.deadlines import parse_deadline
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import FIELDS_HELP, ParsedDocument
from tracker.names import nfc

_EDIT = re.compile(r"^\s*(\S+)\s+(owner|deadline|title|skip)\s*(?:=\s*(.*))?$", re.IGNORECASE)


def apply_edit(document: ParsedDocument, edit: str, *, units: UnitDirectory, on: date) -> str:
    """Apply one correction such as "2.1.3 deadline=31/5/2026" and return a sentence saying what changed.
    Raises InvalidInputError for an unknown ref, field or unit."""
    match = _EDIT.match(nfc(edit))
    if not match:
        raise InvalidInputError(f"Không hiểu lệnh sửa «{edit}». Viết: <mã nhiệm vụ> {FIELDS_HELP}.")
    ref, field, value = match.group(1), match.group(2).lower(), (match.group(3) or "").strip()
    task = next((t for t in document.tasks if t.ref == ref), None)
    if task is None:
        raise InvalidInputError(f"Không có nhiệm vụ mã «{ref}» trong văn bản này.")
    if field == "skip":
        document.tasks.remove(task)
        return f"Bỏ nhiệm vụ {ref}."
    if not value:
        raise InvalidInputError(f"Thiếu giá trị sau «{field}=».")
    if field == "owner":
        owner = units.resolve(value)
        if owner.unit is None:
            raise InvalidInputError(f"Không có đơn vị «{value}». Các đơn vị: {'; '.join(units.names)}.")
        if task.owner.unit is None and task.owner.text:
            task.owner_learned_from = task.owner_learned_from or task.owner.text
        task.owner = owner
        task.review = [r for r in task.review if "đơn vị chủ trì" not in r.lower()]
        return f"Nhiệm vụ {ref}: đơn vị chủ trì là {owner.unit}."
    if field == "deadline":
        deadline = parse_deadline(value, on=on, base=task.starts)  # a plan's "cuối tháng" is its own month
        deadline.default = task.deadline.default if deadline.kind == "none" else None
        task.deadline = deadline
        return f"Nhiệm vụ {ref}: thời hạn «{value}»."
    task.title = value
    return f"Nhiệm vụ {ref}: đã sửa nội dung."
