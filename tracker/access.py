"""Who may do what. Every use case asks here before it reads or writes a task."""

from __future__ import annotations

from enum import StrEnum

from tracker.errors import ForbiddenError, NotFoundError
from tracker.models import Person, Role, Task
from tracker.names import nfc


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    RECORD_UPDATE = "record_update"
    REPORT_DONE = "report_done"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    CANCEL = "cancel"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    MANAGE_PEOPLE = "manage_people"
    REPORT = "report"
    MANAGE_OUTBOX = "manage_outbox"
    RUN_JOBS = "run_jobs"
    VIEW_AUDIT = "view_audit"


_WARD_WIDE = {
    Role.ADMIN: set(Action) - {Action.DECIDE_EXTENSION},
    Role.OFFICE: set(Action) - {Action.DECIDE_EXTENSION, Action.MANAGE_PEOPLE, Action.RUN_JOBS},
    Role.LEADER: set(Action) - {Action.MANAGE_PEOPLE, Action.RUN_JOBS},
}
_OWN_UNIT = {
    Role.UNIT_HEAD: {Action.VIEW, Action.RECORD_UPDATE, Action.REPORT_DONE, Action.REQUEST_EXTENSION},
    Role.MEMBER: {Action.VIEW, Action.RECORD_UPDATE},
}

_ACTION_WORDS = {
    Action.VIEW: "xem nhiệm vụ này",
    Action.CREATE: "giao nhiệm vụ",
    Action.EDIT: "sửa nhiệm vụ",
    Action.RECORD_UPDATE: "báo cáo kết quả nhiệm vụ này",
    Action.REPORT_DONE: "báo hoàn thành nhiệm vụ này",
    Action.CONFIRM: "xác nhận hoàn thành",
    Action.REOPEN: "mở lại nhiệm vụ",
    Action.CANCEL: "hủy nhiệm vụ",
    Action.REQUEST_EXTENSION: "xin gia hạn nhiệm vụ này",
    Action.DECIDE_EXTENSION: "duyệt gia hạn",
    Action.MANAGE_PEOPLE: "quản lý người dùng và mã mời",
    Action.REPORT: "lập báo cáo tháng của phường",
    Action.MANAGE_OUTBOX: "xem hoặc gửi lại tin nhắn trong hộp thư đi",
    Action.RUN_JOBS: "chạy việc theo lịch bằng tay",
    Action.VIEW_AUDIT: "xem nhật ký thay đổi của phường",
}


def may(actor: Person, action: Action, *, org_id: int, unit_id: int | None = None) -> bool:
    """Whether the actor may do `action` in the ward `org_id`, on a task of `unit_id` when given."""
    if not actor.active or actor.org_id != org_id:
        return False
    if action in _WARD_WIDE.get(actor.role, set()):
        return True
    allowed = _OWN_UNIT.get(actor.role, set())
    if action not in allowed:
        return False
    return unit_id is None or unit_id == actor.unit_id


CHAIRMAN_TITLE = "chủ tịch"


def is_chairman(person: Person) -> bool:
    """Whether the person is the ward's chairman: a title that starts with "Chủ tịch" (not "Phó Chủ tịch")."""
    return nfc(person.title).casefold().startswith(CHAIRMAN_TITLE)


def require(actor: Person, action: Action, *, org_id: int, unit_id: int | None = None) -> None:
    """Raise ForbiddenError unless `may` says yes."""
    if not may(actor, action, org_id=org_id, unit_id=unit_id):
        raise ForbiddenError(f"{actor.name} không có quyền {_ACTION_WORDS[action]}.")


def require_on_task(actor: Person, action: Action, task: Task | None, task_id: int) -> Task:
    """The task, if the actor may do `action` on it. Another ward's task looks missing, not forbidden."""
    if task is None or task.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy nhiệm vụ số {task_id}.")
    require(actor, action, org_id=task.org_id, unit_id=task.owner_unit_id)
    return task
