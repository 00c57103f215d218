"""Choosing a task: a numbered list with a button per task, a number typed back, or "#12" typed."""

from __future__ import annotations

import re
from typing import Any

from bots.dialog import texts
from bots.dialog.help import exit_button
from bots.dialog.registry import Answer, Registry, Step
from bots.dialog.turn import Turn
from bots.messages import Button, Reply
from tracker.access import Action
from tracker.errors import ForbiddenError, InvalidInputError, NotFoundError
from tracker.messages import LIST_LIMIT, render
from tracker.models import Task
from tracker.usecases.chat_actions import task_for_action

PICK = "pick"
TASK_ACTION = "task"
_TASK_ID = re.compile(r"^#\s*(\d{1,9})$")
_BARE_ID = re.compile(r"^(\d{1,9})$")
MORE_ACTION = "more"
MORE_LABEL = "Xem tiếp"


def number_rows(buttons: list[Button]) -> list[tuple[Button, ...]]:
    """Number buttons in rows of texts.NUMBERS_PER_ROW."""
    size = texts.NUMBERS_PER_ROW
    return [tuple(buttons[i:i + size]) for i in range(0, len(buttons), size)]


def task_list(
    turn: Turn, tasks: list[Task], *, flow: str, header: str, empty: str, wait: bool = True, draft: str = "",
    start: int = 0,
) -> list[Reply]:
    """The numbered list of `tasks` under `header`, LIST_LIMIT at a time from `start`, one number button per
    shown task that starts `flow` on it, and "Xem tiếp" for the next ones. With `wait`, the conversation
    waits at the pick step (with a "Thoát" button), keeping `draft` (a result already typed) for the flow.
    `empty` is the whole reply when there is no task."""
    if not tasks:
        return [Reply(empty)]
    shown = tasks[start:start + LIST_LIMIT]
    if wait:
        turn.begin(PICK, flow=flow, count=len(shown), draft=draft)
    buttons = [turn.button(str(n), TASK_ACTION, task=task.id, flow=flow)
               for n, task in enumerate(shown, start + 1)]
    rows = number_rows(buttons)
    if start + len(shown) < len(tasks):
        rows.append((turn.button(MORE_LABEL, MORE_ACTION, flow=flow, header=header, empty=empty, wait=wait,
                                 draft=draft, start=start + len(shown), tasks=[task.id for task in tasks]),))
    if wait:
        rows.append(exit_button(turn))
    other_flow = flow if len(tasks) > LIST_LIMIT and flow != "menu" else ""
    text = render("chat/task_list", header=header, tasks=tasks[start:], today=turn.today, other_flow=other_flow,
                  first=start + 1)
    return [Reply(text, tuple(rows))]


def show_more(turn: Turn, payload: dict[str, Any]) -> list[Reply]:
    """"Xem tiếp": the next page of the list the person was shown, each task checked again (one that
    can no longer be seen is left out)."""
    tasks = []
    for task_id in payload.get("tasks", []):
        try:
            tasks.append(task_for_action(turn.session, actor=turn.person, task_id=int(task_id), action=Action.VIEW))
        except (NotFoundError, ForbiddenError):
            continue
    return task_list(turn, tasks, flow=str(payload["flow"]), header=str(payload["header"]),
                     empty=str(payload["empty"]), wait=bool(payload["wait"]), draft=str(payload.get("draft", "")),
                     start=min(int(payload["start"]), max(len(tasks) - 1, 0)))


def task_from_args(args: str) -> int | None:
    """The task an argument names, by its number: "#12" and "12" are both task 12 (lists show each task's
    number after "#"; a position in a list is never read from a command). None for no argument. Raises
    InvalidInputError for anything else."""
    args = args.strip()
    if not args:
        return None
    if match := _TASK_ID.match(args) or _BARE_ID.match(args):
        return int(match.group(1))
    raise InvalidInputError(f"Không hiểu «{args[:20]}»: gửi số của nhiệm vụ, là số sau dấu # trong danh sách, "
                            "ví dụ #12.")


def start_flow(turn: Turn, payload: dict[str, Any]) -> list[Reply]:
    """A task button: start its flow on its task (the flow checks the person's rights again)."""
    starter = turn.registry.flows.get(str(payload.get("flow")))
    if starter is None:
        return [Reply(texts.STALE_BUTTON)]
    return starter(turn, int(payload["task"]))


def answer_pick(turn: Turn, answer: Answer) -> list[Reply]:
    """Text typed at the pick step that is not one of its numbers: "#12" picks task 12, anything else is
    asked again."""
    if match := _TASK_ID.match(answer.text.strip()):
        return start_flow(turn, {"flow": turn.data.get("flow"), "task": int(match.group(1))})
    count = int(turn.data.get("count", 1))
    span = "1" if count == 1 else f"từ 1 đến {count}"
    return [Reply(f"Hãy trả lời số thứ tự {span}, hoặc gửi /thoat để dừng.")]


def register(registry: Registry) -> None:
    """Add the task buttons and the pick step."""
    registry.add_action(TASK_ACTION, start_flow)
    registry.add_action(MORE_ACTION, show_more)
    registry.add_step(Step(PICK, answer_pick, "chọn nhiệm vụ", "viec"))
