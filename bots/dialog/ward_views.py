"""/tonghop and /donvi: the ward's overdue tasks by unit, and one unit's open tasks, for leaders, office staff
and the administrator."""

from __future__ import annotations

from typing import Any

from bots.dialog import texts
from bots.dialog.picking import task_list
from bots.dialog.registry import Command, Registry
from bots.dialog.turn import Turn
from bots.messages import Reply
from tracker.messages import render
from tracker.models import Role
from tracker.usecases.common import unit_in_ward
from tracker.usecases.overview import ward_overdue
from tracker.usecases.queries import OPEN_STATUSES, list_tasks
from tracker.usecases.units import list_units

WARD_PEOPLE = frozenset({Role.LEADER, Role.OFFICE, Role.ADMIN})
WARD_ONLY = ("Lệnh này dành cho lãnh đạo UBND phường và Văn phòng. "
             "Đồng chí dùng /viec và /quahan để xem nhiệm vụ của đơn vị mình.")
UNIT_ACTION = "unit_tasks"
ESCALATED_SHOWN = 10


def ward_only(turn: Turn) -> list[Reply] | None:
    """The polite refusal for a unit head or member, else None."""
    return None if turn.person.role in WARD_PEOPLE else [Reply(WARD_ONLY)]


def summary(turn: Turn, args: str) -> list[Reply]:
    """/tonghop: the counts of overdue tasks by unit, then the tasks overdue past the ward's threshold."""
    if refused := ward_only(turn):
        return refused
    overdue = ward_overdue(turn.session, actor=turn.person, day=turn.today)
    escalated = [(u.unit.name, t) for u in overdue.units for t in u.tasks if t.escalated]
    escalated.sort(key=lambda pair: -pair[1].working_days)
    return [Reply(render("chat/ward_summary", today=turn.today, units=overdue.units, total=overdue.total,
                         escalated_total=overdue.escalated, limit=overdue.escalate_after, escalated=escalated,
                         shown=ESCALATED_SHOWN))]


def pick_unit(turn: Turn, args: str) -> list[Reply]:
    """/donvi: a button per active unit; pressing one lists its open tasks."""
    if refused := ward_only(turn):
        return refused
    units = list_units(turn.session, org_id=turn.person.org_id)
    if not units:
        return [Reply("Phường chưa có đơn vị nào.")]
    rows = tuple((turn.button(texts.short(u.name, 60), UNIT_ACTION, unit=u.id),) for u in units)
    return [Reply("Chọn đơn vị để xem nhiệm vụ đang thực hiện:", rows)]


def unit_tasks(turn: Turn, payload: dict[str, Any]) -> list[Reply]:
    """A unit's button: its open tasks, numbered, with due dates and status; a number opens the task.
    The person's role and the unit's ward are checked again."""
    if refused := ward_only(turn):
        return refused
    unit = unit_in_ward(turn.session, org_id=turn.person.org_id, unit_id=int(payload["unit"]))
    tasks = list_tasks(turn.session, actor=turn.person, unit_id=unit.id, statuses=OPEN_STATUSES)
    return task_list(turn, tasks, flow="menu", wait=False,
                     header=f"{unit.name}: {len(tasks)} nhiệm vụ đang thực hiện.",
                     empty=f"{unit.name} không có nhiệm vụ nào đang thực hiện.")


def register(registry: Registry) -> None:
    """Add /tonghop, /donvi and the unit buttons."""
    registry.add_command(Command("tonghop", summary, "tổng hợp nhiệm vụ quá hạn theo đơn vị", WARD_PEOPLE))
    registry.add_command(Command("donvi", pick_unit, "nhiệm vụ đang thực hiện của một đơn vị", WARD_PEOPLE))
    registry.add_action(UNIT_ACTION, unit_tasks)
