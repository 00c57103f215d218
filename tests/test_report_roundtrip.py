"""Round trip on seed 000, the May 2026 report: its Phụ lục 1 imported into a fresh ward gives back May's
Phụ lục 1, and its Phụ lục 5 imported into another gives back June's plan, as Word and Excel files read
back row by row; and a file we wrote, imported again, gives the same appendix."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from sqlmodel import Session

from tests.builders import make_ward, person
from tracker.clock import Clock
from tracker.importer.model import ParsedDocument, ParsedTask
from tracker.importer.parse import parse_document
from tracker.importer.reading import read_path
from tracker.reports.excel import write_xlsx
from tracker.reports.model import Appendix, AppendixKind
from tracker.reports.word import write_docx
from tracker.usecases.imports import import_document, unit_directory
from tracker.usecases.reports import month_plan, month_results

REPORT = "000_fd44b82cfd10d0b4.txt"
RESULTS_COUNTS = [22, 19, 14, 4, 11, 8, 6, 7, 3]
PLAN_COUNTS = [16, 13, 13, 4, 6, 6, 10, 6, 2]
MAX_BYTES = 20 * 1024 * 1024


def seed_section(shared_dir: Path, start: str, end: str | None) -> list[str]:
    """The seed's lines from the heading `start` to `end`, read as plain text, independently of the importer."""
    lines = (shared_dir / "seeds" / REPORT).read_text(encoding="utf-8").splitlines()
    first = lines.index(start)
    last = lines.index(end, first) if end else len(lines)
    return lines[first:last]


def seed_units(section: list[str]) -> list[tuple[str, int]]:
    """The unit rows of a seed appendix: "1\tPhòng Văn hóa - Xã hội phường (22 nhiệm vụ)" → (name, 22)."""
    found = (re.match(r"^\d+\t(.+?) \((\d+) nhiệm vụ\)", line) for line in section)
    return [(m[1], int(m[2])) for m in found if m]


def seed_numbers(section: list[str]) -> list[str]:
    return [line.split("\t", 1)[0] for line in section if re.match(r"^\d+\.\d+\t", line)]


def import_appendix(session: Session, clock: Clock, shared_dir: Path, key: str, label: str
                    ) -> tuple[int, ParsedDocument]:
    """A fresh ward holding only the tasks (and results) of the seed's appendix `label` ("PL1", "PL5"):
    its id, and what the importer read."""
    org_id = make_ward(session, clock, key)
    office = person(session, org_id, "van-thu")
    source = read_path(shared_dir / "seeds" / REPORT, max_bytes=MAX_BYTES)
    parsed = parse_document(source.text, units=unit_directory(session, org_id=org_id), today=date(2026, 5, 27))
    parsed = replace(parsed, tasks=[t for t in parsed.tasks if t.ref.startswith(f"{label}-")])
    import_document(session, clock=clock, actor=office, source=source, parsed=parsed)
    session.commit()
    return org_id, parsed


def docx_rows(path: Path) -> list[list[str]]:
    table = Document(str(path)).tables[0]
    return [[cell.text for cell in row.cells] for row in table.rows][1:]


def xlsx_rows(path: Path, width: int) -> list[list[str]]:
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    return [[c or "" for c in row[:width]] for row in rows[header + 1:]]


def unit_rows(rows: list[list[str]]) -> list[tuple[str, int]]:
    found = (re.match(r"^(.+) \((\d+) nhiệm vụ\)$", row[1]) for row in rows if "." not in row[0])
    return [(m[1], int(m[2])) for m in found if m]


def task_rows(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row for row in rows if "." in row[0]}


def written(appendix: Appendix, tmp_path: Path, name: str) -> dict[str, list[list[str]]]:
    docx, xlsx = tmp_path / f"{name}.docx", tmp_path / f"{name}.xlsx"
    write_docx([appendix], docx)
    write_xlsx([appendix], xlsx)
    return {"Word": docx_rows(docx), "Excel": xlsx_rows(xlsx, len(appendix.columns))}


def same_unit(session: Session, org_id: int, seed_name: str, our_name: str) -> bool:
    return unit_directory(session, org_id=org_id).resolve(seed_name).unit == our_name


def flat(text: str) -> str:
    # The seed's cells and the importer's keep their words; line breaks may have become spaces on the way.
    return " ".join(unicodedata.normalize("NFC", text).split())


def check_tasks(rows: list[list[str]], parsed: list[ParsedTask], label: str, *, results: bool) -> None:
    by_number = task_rows(rows)
    assert list(by_number) == [t.ref.removeprefix(f"{label}-") for t in parsed]
    for task in parsed:
        row = by_number[task.ref.removeprefix(f"{label}-")]
        assert [flat(row[1]), flat(row[2]), flat(row[3])] == [flat(task.title), flat(task.expected_output),
                                                             flat(task.deadline.text)], task.ref
        if results:
            update = task.update
            expected = [update.result, update.forecast, update.recommendation] if update else ["", "", ""]
            assert [flat(c) for c in row[4:7]] == [flat(e) for e in expected], task.ref
        assert all(unicodedata.is_normalized("NFC", cell) for cell in row)


def check_files(session: Session, org_id: int, appendix: Appendix, tmp_path: Path, section: list[str],
                parsed: list[ParsedTask], label: str, counts: list[int]) -> None:
    """The Word and the Excel file of `appendix` against the seed's `section`: the same units (as the ward
    resolves the seed's names) in the same order with `counts` tasks, the same STT, and row by row the
    importer's reading of the seed."""
    for fmt, rows in written(appendix, tmp_path, label).items():
        units = unit_rows(rows)
        assert [count for _, count in units] == counts, fmt
        assert all(same_unit(session, org_id, s, ours) for (s, _), (ours, _) in
                   zip(seed_units(section), units, strict=True)), fmt
        assert list(task_rows(rows)) == seed_numbers(section), fmt
        check_tasks(rows, parsed, label, results=appendix.kind == AppendixKind.RESULTS)


def test_may_phu_luc_1_comes_back_from_the_seeds_phu_luc_1(session, clock, shared_dir, tmp_path):
    org_id, parsed = import_appendix(session, clock, shared_dir, "ket-qua", "PL1")
    appendix = month_results(session, actor=person(session, org_id, "van-thu"), month="2026-05", report_number="234",
                             report_date=date(2026, 5, 27))
    section = seed_section(shared_dir, "PHỤ LỤC 1", "PHỤ LỤC 2")
    assert appendix.title == section[1] and appendix.attachment_line == section[2]
    assert [c for _, c in seed_units(section)] == RESULTS_COUNTS
    check_files(session, org_id, appendix, tmp_path, section, parsed.tasks, "PL1", RESULTS_COUNTS)


def test_junes_phu_luc_5_comes_back_from_the_seeds_phu_luc_5(session, clock, shared_dir, tmp_path):
    org_id, parsed = import_appendix(session, clock, shared_dir, "ke-hoach", "PL5")
    appendix = month_plan(session, actor=person(session, org_id, "van-thu"), month="2026-06")
    section = seed_section(shared_dir, "PHỤ LỤC 5", None)
    assert appendix.title == section[1]
    assert [c for _, c in seed_units(section)] == PLAN_COUNTS
    check_files(session, org_id, appendix, tmp_path, section, parsed.tasks, "PL5", PLAN_COUNTS)
    # The plan for June is not May's: those tasks start on 1 June.
    assert month_plan(session, actor=person(session, org_id, "van-thu"), month="2026-05").task_count == 0


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_an_appendix_we_wrote_imports_into_the_same_appendix(session, clock, shared_dir, tmp_path, suffix):
    source_org, _ = import_appendix(session, clock, shared_dir, "nguon", "PL1")
    first = month_results(session, actor=person(session, source_org, "van-thu"), month="2026-05",
                          report_number="234", report_date=date(2026, 5, 27))
    path = tmp_path / f"phu-luc-1{suffix}"
    (write_docx if suffix == ".docx" else write_xlsx)([first], path)
    org_id = make_ward(session, clock, "dich")
    office = person(session, org_id, "van-thu")
    source = read_path(path, max_bytes=MAX_BYTES)
    parsed = parse_document(source.text, units=unit_directory(session, org_id=org_id), today=date(2026, 5, 27))
    import_document(session, clock=clock, actor=office, source=source, parsed=parsed)
    session.commit()
    again = month_results(session, actor=office, month="2026-05", report_number="234", report_date=date(2026, 5, 27))

    def cells(appendix: Appendix) -> list[tuple[str, ...]]:
        return [(u.heading,) for u in appendix.units] + [
            tuple(flat(c) for c in row.cells(appendix.kind)) for u in appendix.units for row in u.rows]

    assert cells(again) == cells(first)
