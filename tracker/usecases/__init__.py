"""The use cases: the only code that changes the database. Each takes the session, the clock and
the acting person by keyword and enforces who may do what."""

from tracker.usecases.common import organization, person_in_ward, ward_today
from tracker.usecases.people import (
    Invite,
    add_person,
    bind_chat,
    issue_invite,
    list_people,
    person_for_chat,
)
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
