"""/duyet, /mo and /huy: office staff (and leaders, the administrator) confirm the tasks units report done,
reopen a task with a reason, or cancel one with a reason."""

from __future__ import annotations

from typing import Any

from bots.dialog import texts
from bots.dialog.picking import task_from_args, task_list
from bots.dialog.registry import Answer, Command, Registry, Step
from bots.dialog.turn import Turn
from bots.dialog.ward_views import WARD_PEOPLE, ward_only
from bots.messages import Reply
from tracker.access import Action, require
from tracker.messages import LIST_LIMIT, render
from tracker.models import TaskStatus
from tracker.usecases.chat_actions import task_for_action
from tracker.usecases.queries import OPEN_STATUSES, list_tasks
from tracker.usecases.tasks import cancel_task, confirm_done, reopen_task

REVIEW_ACTION = "review"
REASON = "status_reason"
REASON_LIMIT = 1000
REOPEN, CANCEL = "mo", "huy"
_VERBS = {REOPEN: "mở lại", CANCEL: "hủy"}
_ACTIONS = {REOPEN: Action.REOPEN, CANCEL: Action.CANCEL}


def awaiting(turn: Turn, args: str) -> list[Reply]:
    """/duyet: the tasks reported done and awaiting confirmation, each with Xác nhận / Mở lại buttons."""
    if refused := ward_only(turn):
        return refused
    require(turn.person, Action.CONFIRM, org_id=turn.person.org_id)
    tasks = list_tasks(turn.session, actor=turn.person, statuses=(TaskStatus.REPORTED_DONE,))
    rows = tuple((turn.button(f"Xác nhận {n}", REVIEW_ACTION, task=t.id, confirm=True),
                  turn.button(f"Mở lại {n}", REVIEW_ACTION, task=t.id, confirm=False))
                 for n, t in enumerate(tasks[:LIST_LIMIT], 1))
    return [Reply(render("chat/awaiting_confirmation", tasks=tasks, today=turn.today), rows)]


def press_review(turn: Turn, payload: dict[str, Any]) -> list[Reply]:
    """Xác nhận confirms at once (the use case checks the person and the task's state again); Mở lại asks
    the reason."""
    task_id = int(payload["task"])
    if not payload.get("confirm"):
        return ask_reason(turn, task_id, REOPEN)
    task = confirm_done(turn.session, clock=turn.clock, actor=turn.person, task_id=task_id, channel=turn.channel)
    return [Reply(f"Đã xác nhận hoàn thành nhiệm vụ #{task.id}: {texts.short(task.title)}")]


def reopen_command(turn: Turn, args: str) -> list[Reply]:
    """/mo [số]: the tasks done or reported done to choose from, then the reason."""
    return _pick(turn, args, REOPEN, (TaskStatus.REPORTED_DONE, TaskStatus.DONE),
                 "Chọn nhiệm vụ cần mở lại:", "Không có nhiệm vụ nào đã hoàn thành để mở lại.")


def cancel_command(turn: Turn, args: str) -> list[Reply]:
    """/huy [số]: the open tasks to choose from, then the reason (required)."""
    return _pick(turn, args, CANCEL, OPEN_STATUSES, "Chọn nhiệm vụ cần hủy:", "Không có nhiệm vụ nào đang thực hiện.")


def _pick(turn: Turn, args: str, verb: str, statuses: tuple[TaskStatus, ...], header: str, empty: str) -> list[Reply]:
    if refused := ward_only(turn):
        return refused
    require(turn.person, _ACTIONS[verb], org_id=turn.person.org_id)
    tasks = list_tasks(turn.session, actor=turn.person, statuses=statuses)
    chosen = task_from_args(args)
    if chosen is not None:
        return ask_reason(turn, chosen, verb)
    return task_list(turn, tasks, flow=verb, header=header, empty=empty)


def ask_reason(turn: Turn, task_id: int, verb: str) -> list[Reply]:
    """Wait for the reason to reopen or cancel the task, if the person may do that on it now."""
    task = task_for_action(turn.session, actor=turn.person, task_id=task_id, action=_ACTIONS[verb])
    turn.begin(REASON, task=task.id, verb=verb)
    return [Reply(f"{texts.task_heading(task, turn.today)}\nLý do {_VERBS[verb]} nhiệm vụ? {texts.EXIT_HINT}")]


def on_reason(turn: Turn, answer: Answer) -> list[Reply]:
    """The reason typed: reopen or cancel the task with it (the use case checks everything again)."""
    if problem := texts.too_long(answer.text, REASON_LIMIT):
        return [Reply(f"{problem} {texts.EXIT_HINT}")]
    task_id, verb = int(turn.data["task"]), str(turn.data["verb"])
    change = reopen_task if verb == REOPEN else cancel_task
    task = change(turn.session, clock=turn.clock, actor=turn.person, task_id=task_id, reason=answer.text,
                  channel=turn.channel)
    turn.end()
    done = "Đã mở lại" if verb == REOPEN else "Đã hủy"
    return [Reply(f"{done} nhiệm vụ #{task.id}: {texts.short(task.title)}\nLý do: {texts.short(answer.text, 200)}")]


def register(registry: Registry) -> None:
    """Add /duyet, /mo, /huy, the review buttons, their flows and the reason step."""
    registry.add_command(Command("duyet", awaiting, "xác nhận nhiệm vụ đơn vị báo đã hoàn thành", WARD_PEOPLE))
    registry.add_command(Command(REOPEN, reopen_command, "mở lại một nhiệm vụ đã hoàn thành, kèm lý do",
                                 WARD_PEOPLE, "[số]"))
    registry.add_command(Command(CANCEL, cancel_command, "hủy một nhiệm vụ, kèm lý do", WARD_PEOPLE, "[số]"))
    registry.add_action(REVIEW_ACTION, press_review)
    registry.add_flow(REOPEN, lambda turn, task_id: ask_reason(turn, task_id, REOPEN))
    registry.add_flow(CANCEL, lambda turn, task_id: ask_reason(turn, task_id, CANCEL))
    registry.add_step(Step(REASON, on_reason, "ghi lý do mở lại hoặc hủy nhiệm vụ", "duyet"))
