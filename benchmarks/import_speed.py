"""Import speed and peak memory: notice 004 from the seeds, a generated 300-page notice, a generated
300-page directive in prose, and the 39 documents of the public corpus (parsing only).

For each document it prints the time to import it into a SQLite database that already holds the ward
(read, parse, store the tasks with their audit events: what `tracker import FILE --yes` does after
start-up), the time of reading and parsing alone (what `--dry-run` does), and the peak of Python memory
(tracemalloc, in a separate run) of the import. Aims (from the importer issue): notice 004 under 0.5 s,
the 300-page notice under 15 s. Nothing is asserted: this prints measurements.

Run from the project folder:  uv run python benchmarks/import_speed.py [--pages 300]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from tracker.clock import FixedClock
from tracker.config import load_ward_file
from tracker.db import make_engine, session_scope
from tracker.importer.directory import UnitDirectory
from tracker.importer.parse import parse_document
from tracker.importer.reading import read_document
from tracker.migrate import upgrade
from tracker.models import Person
from tracker.usecases import apply_ward_config
from tracker.usecases.imports import import_document, unit_directory

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TRACKER_SHARED_DIR", ROOT.parent / "shared"))
WARD = load_ward_file(ROOT / "config" / "ward.example.toml")
UNITS = UnitDirectory.from_config(WARD)
CLOCK = FixedClock(datetime(2026, 5, 8, 1, 0, tzinfo=UTC))
PAGE_CHARS = 3000  # a page of an A4 notice in Times New Roman 13 holds about this much text


def generated_notice(pages: int) -> str:
    """A long notice in the shape of 004: its unit sections repeated, renumbered, until `pages` pages."""
    seed = (SHARED / "seeds" / "004_43a30539afeed7f9.txt").read_text(encoding="utf-8")
    head, body = seed.split("2.1. ", 1)
    body = "2.1. " + body.split("\n2.7. ", 1)[0]
    sections = [body]
    while sum(len(s) for s in sections) < pages * PAGE_CHARS:
        sections.append(_renumber(body, first=len(sections) * 6))
    return head + "\n\n".join(sections) + "\n\nNơi nhận:\n\n- Lưu: VT.\n"


_PROSE = (
    "Giao {unit} chủ trì, phối hợp với {partner} rà soát hồ sơ đợt {i} của khu phố {k}; hoàn thành trước "
    "ngày {day}/{month}/2026. ",
    "Chủ tịch UBND phường yêu cầu Trưởng {partner} tăng cường kiểm tra địa bàn số {i}, báo cáo kết quả "
    "trong tháng {month}/2026. ",
    "Đề nghị các phòng, đơn vị cập nhật số liệu chuyên đề {i} lên phần mềm thường xuyên. ",
    "{unit} có trách nhiệm hướng dẫn tổ dân phố {k} thực hiện nội dung {i}. ",
)


def generated_directive(pages: int) -> str:
    """A long directive in prose: paragraphs of the common forms (giao ... chủ trì, phối hợp; yêu cầu
    Trưởng ...; đề nghị các phòng, đơn vị ...; ... có trách nhiệm ...), each about its own matter."""
    names = UNITS.names
    paragraphs, size, i = [], 0, 0
    while size < pages * PAGE_CHARS:
        text = "".join(form.format(unit=names[i % len(names)], partner=names[(i + 3) % len(names)], i=i,
                                   k=i % 40 + 1, day=i % 28 + 1, month=i % 12 + 1) for form in _PROSE)
        paragraphs.append(text)
        size += len(text)
        i += 1
    return ("UỶ BAN NHÂN DÂN\nPHƯỜNG MẪU\nSố: 99/TB-UBND\nPhường Mẫu, ngày 08 tháng 5 năm 2026\n\nTHÔNG BÁO\n"
            "Ý kiến chỉ đạo của Chủ tịch UBND phường\n\n" + "\n\n".join(paragraphs) + "\n")


def corpus_parse_seconds() -> tuple[int, int, float]:
    """Documents and tasks of the public corpus, and the seconds to read and parse them all."""
    files = sorted((SHARED / "corpus" / "notices").glob("*.txt"))
    started = time.perf_counter()
    tasks = sum(parse_only(path.read_bytes(), path.name) for path in files)
    return len(files), tasks, time.perf_counter() - started


def _renumber(section: str, *, first: int) -> str:
    # Sections 2.1 ... 2.6 of the seed become 2.(first+1) ... 2.(first+6), so every heading stays unique.
    lines = []
    for line in section.splitlines():
        for old in range(1, 7):
            if line.startswith(f"2.{old}. "):
                line = f"2.{first + old}. " + line[len(f"2.{old}. "):]
        lines.append(line)
    return "\n".join(lines)


def prepared_database(folder: Path, name: str) -> tuple[Engine, int]:
    """A migrated SQLite database holding the example ward, and the office clerk's person id."""
    engine = make_engine(f"sqlite:///{folder / (name + '.db')}")
    upgrade(engine)
    with session_scope(engine) as session:
        org = apply_ward_config(session, clock=CLOCK, config=WARD).organization
        clerk = session.exec(select(Person).where(Person.org_id == org.id, Person.key == "van-thu")).one()
    return engine, clerk.id or 0


def parse_only(data: bytes, name: str) -> int:
    source = read_document(data=data, name=name, max_bytes=len(data) + 1)
    return len(parse_document(source.text, units=UNITS, today=date(2026, 5, 8)).tasks)


def full_import(engine: Engine, clerk_id: int, data: bytes, name: str) -> int:
    """What `tracker import FILE --yes` does after start-up: read, parse, store in one transaction."""
    with session_scope(engine) as session:
        clerk = session.get(Person, clerk_id)
        assert clerk is not None
        source = read_document(data=data, name=name, max_bytes=len(data) + 1)
        parsed = parse_document(source.text, units=unit_directory(session, org_id=clerk.org_id),
                                today=date(2026, 5, 8))
        return len(import_document(session, clock=CLOCK, actor=clerk, source=source, parsed=parsed).tasks)


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started


def peak_mib(step: Callable[[], Any]) -> float:
    # A second, separate run: tracemalloc slows Python down too much to time the same run.
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def report(label: str, data: bytes, name: str, folder: Path, aim: float | None) -> None:
    found, parse_seconds = timed(lambda: parse_only(data, name))
    engine, clerk = prepared_database(folder, name)
    stored, import_seconds = timed(lambda: full_import(engine, clerk, data, name))
    engine2, clerk2 = prepared_database(folder, name + "-memory")
    import_peak = peak_mib(lambda: full_import(engine2, clerk2, data, name))
    for used in (engine, engine2):
        used.dispose()
    target = f" (mục tiêu < {aim:g} s)" if aim else ""
    print(f"{label} ({len(data) / 1024:.0f} KiB): nhập {import_seconds:.2f} s{target}, "
          f"{stored} nhiệm vụ, bộ nhớ đỉnh {import_peak:.1f} MiB; "
          f"riêng đọc và phân tích {parse_seconds:.2f} s ({found} nhiệm vụ tìm thấy).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    notice = (SHARED / "seeds" / "004_43a30539afeed7f9.txt").read_bytes()
    long_notice = generated_notice(args.pages).encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        report("Thông báo 004", notice, "tb-004.txt", Path(folder), 0.5)
        report(f"Thông báo {args.pages} trang", long_notice, "tb-dai.txt", Path(folder), 15)
        report(f"Văn bản chỉ đạo văn xuôi {args.pages} trang", generated_directive(args.pages).encode("utf-8"),
               "chi-dao-dai.txt", Path(folder), None)  # "các phòng, đơn vị" tasks become one per unit
    if (SHARED / "corpus" / "notices").is_dir():
        documents, tasks, seconds = corpus_parse_seconds()
        print(f"Kho văn bản công khai: {documents} văn bản, {tasks} nhiệm vụ, đọc và phân tích {seconds:.2f} s "
              f"({1000 * seconds / documents:.0f} ms mỗi văn bản).")


if __name__ == "__main__":
    main()
