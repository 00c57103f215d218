"""Report speed and memory: the month's Phụ lục 1 of a ward with 12 units and 1,000 tasks with updates.

It builds the ward in a temporary SQLite file (the example ward with three more units), 1,000 tasks of May
2026 spread over the units, and two or three updates per task with results written as the units write
them (document references, several lines). Then it measures, each stage on its own:
(a) the report data: tracker.usecases.reports.month_results (select the tasks, read their updates, build rows);
(b) the Word file: tracker.reports.word.write_docx of that data;
(c) the Excel file: tracker.reports.excel.write_xlsx of that data;
each as the median of --repeat runs, and the process's peak resident memory after each stage. The ward is
built in a child process, so the peak is that of making the report (with the libraries loaded), not of
filling the database; resident memory, not tracemalloc, because python-docx and openpyxl keep much of
their data in lxml's C structures, which tracemalloc does not see. Aims (from the reports issue): the
.docx under 3 s, the .xlsx under 2 s (each with its data), under 200 MB. Nothing is asserted: this prints
measurements.

Run from the project folder:  uv run python benchmarks/report_speed.py [--tasks 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from tracker.clock import WARD_TZ, FixedClock
from tracker.config import load_ward_file
from tracker.config.ward import UnitConfig
from tracker.db import make_engine
from tracker.migrate import upgrade
from tracker.models import Person, Unit
from tracker.reports.excel import write_xlsx
from tracker.reports.model import Appendix
from tracker.reports.word import write_docx
from tracker.usecases import TaskDraft, apply_ward_config, record_update
from tracker.usecases.reports import month_results
from tracker.usecases.tasks import create_tasks

ROOT = Path(__file__).resolve().parent.parent
CLOCK = FixedClock(datetime(2026, 5, 27, 9, 0, tzinfo=WARD_TZ))
EXTRA_UNITS = ("Hội Liên hiệp Phụ nữ phường", "Đoàn Thanh niên phường", "Hội Cựu chiến binh phường")
GOAL_DOCX, GOAL_XLSX, GOAL_MB = 3.0, 2.0, 200
TITLES = ("Tham mưu UBND phường ban hành kế hoạch", "Tổ chức triển khai", "Kiểm tra, rà soát", "Phối hợp xử lý")
TOPICS = ("phòng, chống dịch sốt xuất huyết", "chỉnh trang đô thị, trật tự vỉa hè", "chuyển đổi số",
          "an toàn thực phẩm", "giải phóng mặt bằng dự án", "thu ngân sách nhà nước")
FORECASTS = ("Hoàn thành", "Dự kiến hoàn thành tháng 6")
DEADLINES = ("Tháng 5", "Tháng 5, 6", "Quý II", "Thường xuyên", "Trước ngày 20/5/2026")


def build_ward(url: str, tasks: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    config = load_ward_file(ROOT / "config" / "ward.example.toml")
    extra = [UnitConfig(key=f"dv{i}", name=name, order=10 + i) for i, name in enumerate(EXTRA_UNITS, start=1)]
    config = config.model_copy(update={"units": [*config.units, *extra]})
    rng = random.Random(20260527)
    with Session(engine) as session:
        apply_ward_config(session, clock=CLOCK, config=config)
        session.commit()
        clerk = session.exec(select(Person).where(Person.key == "van-thu")).one()
        units = list(session.exec(select(Unit)))
        drafts = [_draft(rng, rng.choice(units).id or 0) for _ in range(tasks)]
        created = create_tasks(session, clock=CLOCK, actor=clerk, drafts=drafts)
        for task in created:
            for _ in range(rng.randint(2, 3)):
                record_update(session, clock=CLOCK, actor=clerk, task_id=task.id or 0, month="2026-05",
                              result_text=_result(rng), forecast=rng.choice(FORECASTS),
                              recommendation=rng.choice(("", "", "Đề nghị bổ sung kinh phí thực hiện.")))
        session.commit()
    engine.dispose()


def _draft(rng: random.Random, unit_id: int) -> TaskDraft:
    deadline = rng.choice(DEADLINES)
    return TaskDraft(title=f"{rng.choice(TITLES)} {rng.choice(TOPICS)} trên địa bàn phường năm 2026",
                     owner_unit_id=unit_id, expected_output="Kế hoạch; Công văn; Báo cáo", deadline_text=deadline,
                     deadline_kind="recurring" if deadline == "Thường xuyên" else "month",  # type: ignore[arg-type]
                     due_on=None if deadline == "Thường xuyên" else date(2026, 6, 30), assigned_on=date(2026, 5, 4))


def _result(rng: random.Random) -> str:
    number = rng.randint(100, 2000)
    return (f"- Kế hoạch số {number}/KH-UBND ngày {rng.randint(1, 28):02d}/5/2026;\n"
            f"- Công văn {number + 1}/UBND-VHXH ngày {rng.randint(1, 28):02d}/5/2026 về việc triển khai thực hiện;\n"
            f"- Đã tổ chức {rng.randint(2, 30)} cuộc kiểm tra, kết quả đạt yêu cầu.")


def median_seconds(operation: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    result = operation()  # warm-up, also the value returned
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đo thời gian và bộ nhớ khi lập phụ lục báo cáo tháng.")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'report.db'}"
        start = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(target=build_ward, args=(url, options.tasks))
        child.start()
        child.join()
        print(f"Đã tạo phường 12 đơn vị, {options.tasks} nhiệm vụ có báo cáo kết quả trong "
              f"{time.perf_counter() - start:.1f} s.")
        engine = make_engine(url)

        def data() -> Appendix:
            with Session(engine) as session:
                clerk = session.exec(select(Person).where(Person.key == "van-thu")).one()
                return month_results(session, actor=clerk, month="2026-05", report_number="234",
                                     report_date=date(2026, 5, 27))

        data_s, appendix = median_seconds(data, options.repeat)
        after_data = peak_rss_mib()
        docx_s, _ = median_seconds(lambda: write_docx([appendix], BytesIO()), options.repeat)
        after_docx = peak_rss_mib()
        xlsx_s, _ = median_seconds(lambda: write_xlsx([appendix], BytesIO()), options.repeat)
        after_xlsx = peak_rss_mib()
        engine.dispose()
    print(f"Phụ lục 1: {appendix.task_count} nhiệm vụ của {len(appendix.units)} đơn vị.")
    print(f"(a) dữ liệu báo cáo: {data_s:.2f} s; bộ nhớ thường trú tối đa đến đây {after_data:.0f} MiB.")
    print(f"(b) tệp Word: {docx_s:.2f} s, cả dữ liệu {data_s + docx_s:.2f} s (mục tiêu < {GOAL_DOCX:g} s: "
          f"{_verdict(data_s + docx_s < GOAL_DOCX)}); bộ nhớ tối đa đến đây {after_docx:.0f} MiB.")
    print(f"(c) tệp Excel: {xlsx_s:.2f} s, cả dữ liệu {data_s + xlsx_s:.2f} s (mục tiêu < {GOAL_XLSX:g} s: "
          f"{_verdict(data_s + xlsx_s < GOAL_XLSX)}); bộ nhớ tối đa đến đây {after_xlsx:.0f} MiB.")
    print(f"Bộ nhớ thường trú tối đa: {after_xlsx * 1.048576:.0f} MB (mục tiêu < {GOAL_MB} MB: "
          f"{_verdict(after_xlsx * 1.048576 < GOAL_MB)}).")
    return 0


def _verdict(met: bool) -> str:
    return "đạt" if met else "chưa đạt"


if __name__ == "__main__":
    raise SystemExit(main())
