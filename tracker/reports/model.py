"""The appendices as plain data: what the Word and Excel renderers receive. Nothing here reads the
database; tracker.reports.data builds these from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class AppendixKind(StrEnum):
    RESULTS = "results"  # Phụ lục 1: the month's results
    PLAN = "plan"  # Phụ lục 5: next month's plan


RESULTS_COLUMNS_BEFORE_FORECAST = ("STT", "Nhiệm vụ trọng tâm", "Kết quả/ Sản phẩm", "Thời hạn", "Kết quả thực hiện")
PLAN_COLUMNS = ("STT", "Nhiệm vụ trọng tâm", "Kết quả/ Sản phẩm", "Thời hạn", "Đơn vị phối hợp")
NO_TASKS_LINE = "Không có nhiệm vụ nào trong tháng {month}/{year}."


@dataclass(frozen=True)
class AppendixRow:
    """One task. `number` is "unit.task" ("1.2"); the texts are as they go in the cells, already joined."""

    number: str
    title: str
    expected_output: str
    deadline: str
    result: str = ""
    forecast: str = ""
    recommendation: str = ""
    coordinating: str = ""
    task_id: int | None = None

    def cells(self, kind: AppendixKind) -> tuple[str, ...]:
        """The row's cells in the appendix's column order."""
        head = (self.number, self.title, self.expected_output, self.deadline)
        if kind is AppendixKind.PLAN:
            return (*head, self.coordinating)
        return (*head, self.result, self.forecast, self.recommendation)


@dataclass(frozen=True)
class AppendixUnit:
    """A unit's group: its number in the appendix, its name and its task rows."""

    number: int
    name: str
    rows: tuple[AppendixRow, ...]

    @property
    def heading(self) -> str:
        """The unit row's text, as the seeds write it: "Phòng Văn hóa - Xã hội (22 nhiệm vụ)"."""
        return f"{self.name} ({len(self.rows):02d} nhiệm vụ)"


@dataclass(frozen=True)
class Appendix:
    """One appendix of the monthly report: Phụ lục 1 (results of `month`) or Phụ lục 5 (plan for `month`).
    `report_number` and `report_date` fill the "(Kèm theo Báo cáo số ...)" line; left as dots when None."""

    kind: AppendixKind
    label: str  # "1" or "5"
    year: int
    month: int
    ward_name: str
    units: tuple[AppendixUnit, ...]
    report_number: str | None = None
    report_date: date | None = None
    place: str = ""  # the place in "Phù Liễn, ngày ... tháng ... năm ..." (the ward's short name)

    @property
    def heading(self) -> str:
        return f"PHỤ LỤC {self.label}"

    @property
    def title(self) -> str:
        if self.kind is AppendixKind.PLAN:
            return f"PHƯƠNG HƯỚNG, NHIỆM VỤ TRỌNG TÂM CỦA CÁC PHÒNG, ĐƠN VỊ THÁNG {self.month} NĂM {self.year}"
        return f"KẾT QUẢ THỰC HIỆN NHIỆM VỤ TRỌNG TÂM CỦA CÁC PHÒNG, ĐƠN VỊ THÁNG {self.month} NĂM {self.year}"

    @property
    def attachment_line(self) -> str:
        """"(Kèm theo Báo cáo số 234/BC-UBND ngày 27/5/2026 của Ủy ban nhân dân phường)", dots where unknown."""
        number = self.report_number or "......"
        if number and "/" not in number:
            number = f"{number}/BC-UBND"
        day = _written_day(self.report_date) if self.report_date else "...../...../......"
        return f"(Kèm theo Báo cáo số {number} ngày {day} của Ủy ban nhân dân phường)"

    @property
    def columns(self) -> tuple[str, ...]:
        if self.kind is AppendixKind.PLAN:
            return PLAN_COLUMNS
        forecast = f"Dự báo khả năng hoàn thành mục tiêu đã đề ra (tháng {self.month})"
        return (*RESULTS_COLUMNS_BEFORE_FORECAST, forecast, "Kiến nghị, đề xuất (Nếu có)")

    @property
    def task_count(self) -> int:
        return sum(len(unit.rows) for unit in self.units)

    @property
    def no_tasks_line(self) -> str:
        """The line an empty appendix shows instead of rows."""
        return NO_TASKS_LINE.format(month=self.month, year=self.year)


@dataclass(frozen=True)
class PeriodFigures:
    """The status-class counts of the report's text for the period `start`..`until`."""

    start: date
    until: date
    total: int
    done_on_time: int
    done_no_deadline: int
    done_late: int
    in_progress_on_time: int
    in_progress_overdue: int
    recurring: int
    by_unit: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_no_deadline + self.done_late

    @property
    def in_progress(self) -> int:
        return self.in_progress_on_time + self.in_progress_overdue

    @property
    def sentence(self) -> str:
        """The figures as the report's text writes them (seed 000, item 3.1):
        "Từ 01/5/2026 đến 18/5/2026, tổng số nhiệm vụ ... là 94 nhiệm vụ. Trong đó: - Hoàn thành đúng hạn: 04; ..."."""
        parts = [
            f"Hoàn thành đúng hạn: {_count(self.done_on_time)}",
            f"Hoàn thành nhiệm vụ không có hạn: {_count(self.done_no_deadline)}",
            f"Hoàn thành quá hạn: {_count(self.done_late)}",
            f"Đang thực hiện: {_count(self.in_progress)} (trong hạn: {_count(self.in_progress_on_time)}; "
            f"quá hạn: {_count(self.in_progress_overdue)})",
            f"Nhiệm vụ thường xuyên: {_count(self.recurring)}",
        ]
        return (f"Từ {_written_day(self.start)} đến {_written_day(self.until)}, tổng số nhiệm vụ trọng tâm của các "
                f"phòng, đơn vị là {_count(self.total)} nhiệm vụ. Trong đó: - " + "; - ".join(parts) + ".")


def _count(n: int) -> str:
    # As the reports write counts: two digits ("04"), but a plain 0.
    return f"{n:02d}" if n else "0"


def _written_day(day: date) -> str:
    # As the ward's reports write a date in running text: day with two digits, month without ("27/5/2026").
    return f"{day.day:02d}/{day.month}/{day.year}"
