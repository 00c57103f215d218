"""The console's HTML: one jinja2 environment over app/web/templates (autoescaped; dates as people write
them, whatever a template forgets), and the status-class bar chart drawn as SVG on the server."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from tracker.dates import as_date, format_day
from tracker.enums import DEADLINE_KIND_LABELS, EXTENSION_STATUS_LABELS, ROLE_LABELS, STATUS_LABELS, Role
from tracker.messages import as_people_write, short
from tracker.status import STATUS_CLASS_LABELS, StatusClass

# The report's order of the status classes, and a colour for each in the chart (readable in grey too).
CLASS_ORDER = (StatusClass.DONE_ON_TIME, StatusClass.DONE_LATE, StatusClass.DONE_NO_DEADLINE,
               StatusClass.IN_PROGRESS_ON_TIME, StatusClass.IN_PROGRESS_OVERDUE, StatusClass.RECURRING)
CLASS_COLOURS = {StatusClass.DONE_ON_TIME: "#2e7d32", StatusClass.DONE_LATE: "#9e9d24",
                 StatusClass.DONE_NO_DEADLINE: "#66bb6a", StatusClass.IN_PROGRESS_ON_TIME: "#1565c0",
                 StatusClass.IN_PROGRESS_OVERDUE: "#c62828", StatusClass.RECURRING: "#757575"}


EVERYONE = frozenset(Role)
# The menu: address, label, the `active` name of its pages, and the roles that see it.
NAV = (
    ("/", "Tổng quan", "overview", EVERYONE),
    ("/nhiem-vu", "Nhiệm vụ", "tasks", EVERYONE),
    ("/van-ban", "Văn bản", "documents", frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})),
    ("/nguoi-dung", "Người dùng", "people", frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})),
    ("/bao-cao", "Báo cáo", "report", frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})),
    ("/hop-thu-di", "Hộp thư đi", "outbox", frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})),
    ("/nhat-ky", "Nhật ký", "log", frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})),
)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("app.web", "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=as_people_write)
    env.filters["day"] = format_day
    env.filters["short"] = short
    env.filters["days"] = lambda values: ", ".join(format_day(as_date(v)) for v in values)
    env.globals.update(STATUS_LABELS=STATUS_LABELS, STATUS_CLASS_LABELS=STATUS_CLASS_LABELS,
                       DEADLINE_KIND_LABELS=DEADLINE_KIND_LABELS, ROLE_LABELS=ROLE_LABELS,
                       EXTENSION_STATUS_LABELS=EXTENSION_STATUS_LABELS, CLASS_ORDER=CLASS_ORDER,
                       CLASS_COLOURS=CLASS_COLOURS, NAV=NAV)
    return env


ENVIRONMENT = _environment()


def page(template: str, **context: Any) -> str:
    """The page `template` rendered with `context`."""
    return ENVIRONMENT.get_template(template).render(**context)


def bar_chart(rows: list[tuple[str, dict[StatusClass, int]]], *, width: int = 360, bar: int = 16) -> str:
    """A stacked bar per unit (label, counts by class) under the unit's name, scaled to the largest total, in a
    box as wide as a phone; each segment carries a <title> with its count, for a screen reader and a hover."""
    from markupsafe import escape

    label, gap = 16, 10
    row = label + bar + gap
    longest = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    scale = (width - 36) / longest
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {len(rows) * row}" role="img" '
             'aria-label="Tình hình thực hiện theo đơn vị" class="chart">']
    for index, (name, counts) in enumerate(rows):
        top = index * row
        parts.append(f'<text x="0" y="{top + 12}" font-size="13">{escape(short(name, 48))}</text>')
        x = 0.0
        for status_class in CLASS_ORDER:
            count = counts.get(status_class, 0)
            if count:
                parts.append(f'<rect x="{x:.1f}" y="{top + label}" width="{count * scale:.1f}" height="{bar}" '
                             f'fill="{CLASS_COLOURS[status_class]}"><title>{escape(name)}: '
                             f'{escape(STATUS_CLASS_LABELS[status_class])} {count}</title></rect>')
                x += count * scale
        parts.append(f'<text x="{x + 4:.1f}" y="{top + label + 13}" font-size="13">{sum(counts.values())}</text>')
    parts.append("</svg>")
    return "".join(parts)
