"""/viec and /quahan, and the card of one task with what the person may do on it."""

from __future__ import annotations

from collections import defaultdict

from bots.dialog import texts
from bots.dialog.picking import TASK_ACTION, task_list
from bots.dialog.registry import EVERYONE, UNIT_PEOPLE, Command, Registry
from bots.dialog.turn import Turn
from bots.messages import Button, Reply
from tracker.access import Action, may
from tracker.messages import render
from tracker.models import Task, TaskStatus
from tracker.usecases.chat_actions import task_for_action, tasks_for_action
from tracker.usecases.common import unit_in_ward
from tracker.usecases.queries import list_tasks
from tracker.usecases.units import list_units

WARD_OVERDUE_PER_UNIT = 3


def unit_name(turn: Turn) -> str:
    """The name of the person's unit ("" without one)."""
    if turn.person.unit_id is None:
        return ""
    return unit_in_ward(turn.session, org_id=turn.person.org_id, unit_id=turn.person.unit_id).name


def my_tasks(turn: Turn, args: str) -> list[Reply]:
    """/viec: the open tasks of the person's unit, numbered, each with a button to open it."""
    if turn.person.role not in UNIT_PEOPLE:
        return [Reply(texts.UNIT_LISTS_ONLY)]
    tasks = tasks_for_action(turn.session, actor=turn.person, action=Action.VIEW)
    name = unit_name(turn)
    return task_list(turn, tasks, flow="menu", wait=False,
                     header=f"{name}: {len(tasks)} nhiệm vụ đang thực hiện. Chọn số để xem và báo cáo:",
                     empty=f"{name} không có nhiệm vụ nào đang thực hiện.")


def overdue(turn: Turn, args: str) -> list[Reply]:
    """/quahan: the unit's overdue tasks; for leaders, office staff and the administrator the ward's, by unit."""
    if turn.person.role not in UNIT_PEOPLE:
        return [Reply(_ward_overdue(turn))]
    tasks = tasks_for_action(turn.session, actor=turn.person, action=Action.VIEW, overdue_on=turn.today)
    name = unit_name(turn)
    return task_list(turn, tasks, flow="menu", wait=False,
                     header=f"{name}: {len(tasks)} nhiệm vụ quá hạn. Chọn số để xem và báo cáo:",
                     empty=f"{name} không có nhiệm vụ nào quá hạn.")


def _ward_overdue(turn: Turn) -> str:
    tasks = list_tasks(turn.session, actor=turn.person, overdue_on=turn.today)
    by_unit: dict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        by_unit[task.owner_unit_id].append(task)
    units = [(unit.name, by_unit[unit.id or 0])
             for unit in list_units(turn.session, org_id=turn.person.org_id, include_inactive=True)
             if by_unit.get(unit.id or 0)]
    return render("chat/ward_overdue", today=turn.today, total=len(tasks), units=units,
                  per_unit=WARD_OVERDUE_PER_UNIT)


def task_card(turn: Turn, task_id: int) -> list[Reply]:
    """One task in full, with a button for each thing the person may do on it now."""
    task = task_for_action(turn.session, actor=turn.person, task_id=task_id, action=Action.VIEW)
    buttons = _actions(turn, task)
    text = render("chat/task_card", task=task, today=turn.today, can_act=bool(buttons))
    return [Reply(text, tuple((b,) for b in buttons))]


def _actions(turn: Turn, task: Task) -> list[Button]:
    person, open_now = turn.person, task.status == TaskStatus.OPEN
    offered = [
        ("Cập nhật kết quả", "capnhat", Action.RECORD_UPDATE,
         task.status in (TaskStatus.OPEN, TaskStatus.REPORTED_DONE)),
        ("Báo đã hoàn thành", "xong", Action.REPORT_DONE, open_now),
        ("Xin gia hạn", "giahan", Action.REQUEST_EXTENSION, open_now),
    ]
    return [
        turn.button(label, TASK_ACTION, task=task.id, flow=flow)
        for label, flow, action, fits in offered
        if fits and flow in turn.registry.flows
        and may(person, action, org_id=task.org_id, unit_id=task.owner_unit_id)
    ]


def register(registry: Registry) -> None:
    """Add /viec, /quahan and the task card."""
    registry.add_command(Command("viec", my_tasks, "nhiệm vụ đang thực hiện của đơn vị", UNIT_PEOPLE))
    registry.add_command(Command("quahan", overdue, "nhiệm vụ quá hạn", EVERYONE))
    registry.add_flow("menu", task_card)
