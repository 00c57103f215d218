"""What the import preview shows of a document read by OCR: the reading's notes, and a review flag on
every task whose owner, deadline or a date in its text rests on a word read with little confidence. The
text and its doubtful words are given as the reading reports them (tests/test_import_scans.py reads real
pictures)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tracker.config import load_ward_file
from tracker.importer.directory import UnitDirectory
from tracker.importer.parse import parse_document
from tracker.importer.reading import DocumentText
from tracker.usecases.import_preview import preview_import

UNITS = UnitDirectory.from_config(load_ward_file(Path(__file__).resolve().parent.parent / "config" /
                                                 "ward.example.toml"))
NOTICE = (
    "THÔNG BÁO\n\nKết luận của Chủ tịch UBND phường tại Phiên họp thường kỳ tháng 5 năm 2026\n\n"
    "2.1. Phòng Kinh tế, Hạ tầng và Đô thị phường\n\n"
    "- Rà soát các thửa đất; hoàn thành trước ngày 15/5/2026.\n\n"
    "- Triển khai Quyết định 1637/QĐ-UBND ngày 24/4/2026 về giải phóng mặt bằng.\n\n"
    "2.2. Phòng Văn hóa - Xã hội phường\n\n"
    "- Hoàn thành việc thu thập thông tin điều tra cơ sở hành chính.\n"
)
NOTE = "Chữ được nhận dạng từ ảnh (OCR) 1 trang, độ tin cậy trung bình 81%; hãy đối chiếu với bản giấy."


def preview(doubtful: list[str], notes: list[str] | None = None):  # type: ignore[no-untyped-def]
    reading = DocumentText(text=NOTICE, file_name="anh.jpg", file_hash="ab" * 32, media="image",
                           ocr_confidence=81.0, doubtful_words=doubtful, notes=notes or [NOTE])
    parsed = parse_document(NOTICE, units=UNITS, today=date(2026, 5, 8))
    return preview_import(parsed, file_name="anh.jpg", reading=reading)


def flags(result) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {task.ref: [note for note in task.review if "không chắc" in note] for task in result.tasks}


def test_the_preview_of_a_picture_says_it_was_read_by_ocr_with_its_confidence() -> None:
    result = preview([])

    assert result.notes == (NOTE,) and result.ocr_confidence == 81.0
    assert flags(result) == {"2.1.1": [], "2.1.2": [], "2.2.1": []}


def test_a_doubtful_word_in_a_units_heading_flags_every_task_of_that_unit() -> None:
    result = preview(["Hạ"])

    assert flags(result) == {
        "2.1.1": ["Chữ nhận dạng từ ảnh không chắc ở đơn vị chủ trì: «Hạ»; hãy đối chiếu bản giấy."],
        "2.1.2": ["Chữ nhận dạng từ ảnh không chắc ở đơn vị chủ trì: «Hạ»; hãy đối chiếu bản giấy."],
        "2.2.1": [],
    }


def test_a_doubtful_deadline_or_date_flags_only_its_task() -> None:
    result = preview(["15/5/2026.", "24/4/2026"])

    assert flags(result) == {
        "2.1.1": ["Chữ nhận dạng từ ảnh không chắc ở thời hạn: «15/5/2026»; hãy đối chiếu bản giấy."],
        "2.1.2": ["Chữ nhận dạng từ ảnh không chắc ở ngày tháng: «24/4/2026»; hãy đối chiếu bản giấy."],
        "2.2.1": [],
    }


def test_a_document_with_a_text_layer_has_no_notes_and_no_flags() -> None:
    parsed = parse_document(NOTICE, units=UNITS, today=date(2026, 5, 8))
    reading = DocumentText(text=NOTICE, file_name="tb.docx", file_hash="cd" * 32, media="docx")

    result = preview_import(parsed, file_name="tb.docx", reading=reading)

    assert result.notes == () and result.ocr_confidence is None and all(not f for f in flags(result).values())
