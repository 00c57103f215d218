"""Choosing a task: a numbered list with a button per task, a number typed back, or "#12" typed."""

from __future__ import annotations

import re
from typing import Any

from bots.dialog import texts
from bots.dialog.help import exit_button
from bots.dialog.registry import Answer, Registry, Step
from bots.dialog.turn import Turn
from bots.messages import Button, Reply
from tracker.errors import InvalidInputError
from tracker.messages import LIST_LIMIT, render
from tracker.models import Task

PICK = "pick"
TASK_ACTION = "task"
_TASK_ID = re.compile(r"^#\s*(\d{1,9})$")


def number_rows(buttons: list[Button]) -> list[tuple[Button, ...]]:
    """Number buttons in rows of texts.NUMBERS_PER_ROW."""
    size = texts.NUMBERS_PER_ROW
    return [tuple(buttons[i:i + size]) for i in range(0, len(buttons), size)]


def task_list(
    turn: Turn, tasks: list[Task], *, flow: str, header: str, empty: str, wait: bool = True, draft: str = "",
) -> list[Reply]:
    """The numbered list of `tasks` under `header`, one number button per shown task that starts `flow`
    on it. With `wait`, the conversation waits at the pick step (with a "Thoát" button), keeping `draft`
    (a result already typed) for the flow. `empty` is the whole reply when there is no task."""
    if not tasks:
        return [Reply(empty)]
    shown = tasks[:LIST_LIMIT]
    if wait:
        turn.begin(PICK, flow=flow, count=len(shown), draft=draft)
    buttons = [turn.button(str(n), TASK_ACTION, task=task.id, flow=flow) for n, task in enumerate(shown, 1)]
    rows = number_rows(buttons)
    if wait:
        rows.append(exit_button(turn))
    other_flow = flow if len(tasks) > len(shown) and flow != "menu" else ""
    text = render("chat/task_list", header=header, tasks=tasks, today=turn.today, other_flow=other_flow)
    return [Reply(text, tuple(rows))]


def task_from_args(args: str, tasks: list[Task]) -> int | None:
    """The task an argument names: "#12" is task 12, "3" the third of `tasks` (the list the person was
    shown). None for no argument. Raises InvalidInputError for anything else."""
    args = args.strip()
    if not args:
        return None
    if match := _TASK_ID.match(args):
        return int(match.group(1))
    if args.isdigit() and 1 <= int(args) <= len(tasks):
        return tasks[int(args) - 1].id
    raise InvalidInputError(f"Không có nhiệm vụ «{args[:20]}» trong danh sách. Gửi số thứ tự, hoặc #số của nhiệm vụ.")


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
    registry.add_step(Step(PICK, answer_pick, "chọn nhiệm vụ", "viec"))
