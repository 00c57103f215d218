"""Printing for people (rich tables in Vietnamese) and for programs (--json)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from tracker.dates import format_day
from tracker.enums import DEADLINE_KIND_LABELS, ROLE_LABELS, STATUS_LABELS

if TYPE_CHECKING:
    from sqlmodel import Session

    from tracker.models import Person, Task

# No markup: task titles and messages are printed as written, brackets included.
console = Console(highlight=False, soft_wrap=True, markup=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def print_json(data: Any) -> None:
    """JSON on stdout, UTF-8 as it is (no \\u escapes), so Vietnamese stays readable."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def unit_names(session: Session, ids: list[int]) -> list[str]:
    from tracker.models import Unit

    names = []
    for unit_id in ids:
        unit = session.get(Unit, unit_id)
        names.append(unit.name if unit else f"#{unit_id}")
    return names


def task_dict(session: Session, task: Task, day: date) -> dict[str, Any]:
    """The JSON shape of a task, shared by `task show`, `task list` and `overdue`."""
    from tracker.models import Person, Unit
    from tracker.status import STATUS_CLASS_LABELS, TaskFacts, classify

    owner = session.get(Unit, task.owner_unit_id)
    leader = session.get(Person, task.supervising_leader_id) if task.supervising_leader_id else None
    status_class = classify(TaskFacts.of(task), day)
    return {
        "id": task.id,
        "title": task.title,
        "expected_output": task.expected_output,
        "owner_unit": owner.name if owner else None,
        "owner_unit_key": owner.key if owner else None,
        "coordinating_units": unit_names(session, task.coordinating_unit_ids),
        "outside_bodies": task.outside_bodies,
        "supervising_leader": leader.name if leader else None,
        "deadline_text": task.deadline_text,
        "deadline_kind": task.deadline_kind,
        "due_on": task.due_on.isoformat() if task.due_on else None,
        "original_due_on": task.original_due_on.isoformat() if task.original_due_on else None,
        "milestones": task.milestones,
        "due_is_default": task.due_is_default,
        "recurrence": task.recurrence,
        "status": task.status,
        "status_label": STATUS_LABELS[task.status],
        "status_class": status_class.value if status_class else None,
        "status_class_label": STATUS_CLASS_LABELS[status_class] if status_class else None,
        "assigned_on": task.assigned_on.isoformat(),
        "finished_on": task.finished_on.isoformat() if task.finished_on else None,
        "status_reason": task.status_reason,
        "source_document_id": task.source_document_id,
        "item_ref": task.item_ref,
        "version": task.version,
    }


def deadline_words(task: Task) -> str:
    """The deadline as a person reads it: the date, else the words, else the kind."""
    if task.due_on:
        text = format_day(task.due_on)
        if task.due_is_default:
            text += " (mặc định)"
        return text
    return task.deadline_text or DEADLINE_KIND_LABELS[task.deadline_kind]


def tasks_table(session: Session, tasks: list[Task], day: date, title: str) -> Table:
    from tracker.models import Unit
    from tracker.status import STATUS_CLASS_LABELS, TaskFacts, classify

    table = Table(title=title, show_lines=False, title_justify="left")
    for header in ("Số", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Tình trạng"):
        table.add_column(header, overflow="fold")
    for task in tasks:
        owner = session.get(Unit, task.owner_unit_id)
        status_class = classify(TaskFacts.of(task), day)
        label = STATUS_LABELS[task.status]
        if status_class and task.status not in ("done", "cancelled"):
            label = STATUS_CLASS_LABELS[status_class]
        table.add_row(str(task.id), task.title, owner.name if owner else "", deadline_words(task), label)
    return table


def person_dict(session: Session, person: Person) -> dict[str, Any]:
    from tracker.models import Unit

    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    return {
        "id": person.id,
        "key": person.key,
        "name": person.name,
        "title": person.title,
        "role": person.role,
        "role_label": ROLE_LABELS[person.role],
        "unit": unit.name if unit else None,
        "unit_key": unit.key if unit else None,
        "phone": person.phone,
        "active": person.active,
    }
