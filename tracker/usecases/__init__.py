"""The use cases: the only code that changes the database. Each takes the session, the clock and
the acting person by keyword and enforces who may do what.

The names below load their module on first use (PEP 562), so that a command that needs one use case
does not import them all (with the migrations, the chat and the message templates)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.usecases.common import organization, person_in_ward, ward_today
    from tracker.usecases.people import Invite, add_person, bind_chat, issue_invite, list_people, person_for_chat
    from tracker.usecases.progress import (
        decide_extension,
        document_refs,
        list_extension_requests,
        record_update,
        request_extension,
    )
    from tracker.usecases.queries import WardStats, get_task, list_tasks, ward_stats
    from tracker.usecases.setup import ApplyReport, apply_ward_config, load_sample_tasks
    from tracker.usecases.tasks import (
        TaskChanges,
        TaskDraft,
        cancel_task,
        confirm_done,
        create_task,
        reopen_task,
        report_done,
        update_task,
    )
    from tracker.usecases.units import list_units, resolve_unit

_HOMES = {
    "ApplyReport": "setup",
    "Invite": "people",
    "TaskChanges": "tasks",
    "TaskDraft": "tasks",
    "WardStats": "queries",
    "add_person": "people",
    "apply_ward_config": "setup",
    "bind_chat": "people",
    "cancel_task": "tasks",
    "confirm_done": "tasks",
    "create_task": "tasks",
    "decide_extension": "progress",
    "document_refs": "progress",
    "get_task": "queries",
    "issue_invite": "people",
    "list_extension_requests": "progress",
    "list_people": "people",
    "list_tasks": "queries",
    "list_units": "units",
    "load_sample_tasks": "setup",
    "organization": "common",
    "person_for_chat": "people",
    "person_in_ward": "common",
    "record_update": "progress",
    "reopen_task": "tasks",
    "report_done": "tasks",
    "request_extension": "progress",
    "resolve_unit": "units",
    "update_task": "tasks",
    "ward_stats": "queries",
    "ward_today": "common",
}

__all__ = [
    "ApplyReport",
    "Invite",
    "TaskChanges",
    "TaskDraft",
    "WardStats",
    "add_person",
    "apply_ward_config",
    "bind_chat",
    "cancel_task",
    "confirm_done",
    "create_task",
    "decide_extension",
    "document_refs",
    "get_task",
    "issue_invite",
    "list_extension_requests",
    "list_people",
    "list_tasks",
    "list_units",
    "load_sample_tasks",
    "organization",
    "person_for_chat",
    "person_in_ward",
    "record_update",
    "reopen_task",
    "report_done",
    "request_extension",
    "resolve_unit",
    "update_task",
    "ward_stats",
    "ward_today",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"tracker.usecases.{_HOMES[name]}"), name)
