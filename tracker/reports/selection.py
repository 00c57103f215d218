"""Which tasks a month's appendix lists, as SQL conditions over the task table (design.md, Rules).

Phụ lục 1 of month M (the month's results) lists a task when
- it is not cancelled, and its period has begun by M's last day: it was assigned by then and the period its
  deadline names (Task.starts_on, "Tháng 6" → 1 June) does not start after M;
- and it was not finished before M: a task confirmed done in April drops out of May, one finished in May
  is listed in May with its result; an overdue task is carried from month to month until it is finished;
  recurring tasks and tasks without a deadline stay while they are open.
Phụ lục 5 of month M (the plan for M, attached to the report of the month before) lists the tasks whose
period has begun by M's last day and that are not finished: what the units still have to do in M.
Office staff may add a task to, or remove it from, one month's appendices by hand (Task.report_month_overrides,
{"2026-05": {"action": "include" | "exclude", "reason": ...}}); the hand-made choice wins over the rule.
A task a unit reported done but nobody confirmed yet is not finished: it stays until it is confirmed."""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import col

from tracker.errors import InvalidInputError
from tracker.models import Task, TaskStatus

_MONTH = re.compile(r"^\s*(?:(?P<y1>\d{4})-(?P<m1>\d{1,2})|(?P<m2>\d{1,2})/(?P<y2>\d{4}))\s*$")


class Override(StrEnum):
    INCLUDE = "include"
    EXCLUDE = "exclude"


def parse_month(text: str) -> str:
    """A month written "2026-05", "2026-5" or "5/2026", as the key "2026-05". Raises InvalidInputError."""
    match = _MONTH.match(text or "")
    if match:
        year, month = int(match["y1"] or match["y2"]), int(match["m1"] or match["m2"])
        if 1 <= month <= 12 and 1900 <= year <= 9999:
            return f"{year:04d}-{month:02d}"
    raise InvalidInputError(f"Tháng «{text}» không đúng dạng năm-tháng, ví dụ 2026-05 hoặc 5/2026.")


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a month key ("2026-05"). Raises InvalidInputError on anything else."""
    key = parse_month(month)
    first = date(int(key[:4]), int(key[5:]), 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def _override(month: str) -> sa.ColumnElement[str]:
    # JSON path access that SQLAlchemy renders for SQLite (json_extract) and PostgreSQL (#>>) alike.
    return sa.func.coalesce(col(Task.report_month_overrides)[(month, "action")].as_string(), "")


def _begun_by(last: date) -> sa.ColumnElement[bool]:
    return sa.and_(Task.assigned_on <= last, sa.or_(col(Task.starts_on).is_(None), col(Task.starts_on) <= last))


def _with_overrides(month: str, rule: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    action = _override(month)
    chosen = sa.and_(action != Override.EXCLUDE.value, rule)
    return sa.and_(Task.status != TaskStatus.CANCELLED, sa.or_(action == Override.INCLUDE.value, chosen))


def in_results_appendix(month: str) -> sa.ColumnElement[bool]:
    """Whether a task belongs in month `month`'s Phụ lục 1 (see the module's rules)."""
    first, last = month_bounds(month)
    finished_before = sa.and_(Task.status == TaskStatus.DONE, col(Task.finished_on) < first)
    return _with_overrides(month, sa.and_(_begun_by(last), sa.not_(finished_before)))


def in_plan_appendix(month: str) -> sa.ColumnElement[bool]:
    """Whether a task belongs in the plan for month `month` (Phụ lục 5; see the module's rules)."""
    _, last = month_bounds(month)
    return _with_overrides(month, sa.and_(_begun_by(last), Task.status != TaskStatus.DONE))
