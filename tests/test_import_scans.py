"""Scanned PDFs and photos read by OCR (Tesseract's Vietnamese model), through the same bounded reading
the command line and the chat use. The paper is made by the test: conclusion notice 004 of the seeds
drawn on A4 pages with DejaVu Sans (tests/scanned_pages.py), then tilted, blurred and speckled like a
scan or a phone photo. Needs tesseract-ocr-vie and fonts-dejavu-core (CI installs them: .ci/run); the
tests that read pictures skip without them. The drawn pages are made once per module, and each test
reads few pages."""

from __future__ import annotations

import io
import json
import shutil
import struct
import tempfile
import unicodedata
import zlib
from datetime import date
from pathlib import Path

import pytest
from corpus_scoring import score_document
from scanned_pages import (
    as_jpeg,
    as_png,
    as_scanned_pdf,
    draw_page,
    font_missing_reason,
    page_lines,
    phone_photo,
    scanned,
)

from tracker.config import load_ward_file
from tracker.importer.directory import UnitDirectory
from tracker.importer.isolation import read_document_isolated
from tracker.importer.parse import parse_document
from tracker.importer.reading import DocumentText, ImportFileError, read_document
from tracker.usecases.import_preview import preview_import

ROOT = Path(__file__).resolve().parent.parent
SEED = "004_43a30539afeed7f9"
UNITS = UnitDirectory.from_config(load_ward_file(ROOT / "config" / "ward.example.toml"))
TODAY = date(2026, 5, 8)
MB = 1024 * 1024


def _ocr_missing_reason() -> str | None:
    if shutil.which("tesseract") is None:
        return "tesseract is not installed (Debian packages tesseract-ocr, tesseract-ocr-vie)"
    import pytesseract

    if "vie" not in pytesseract.get_languages():
        return "Tesseract's Vietnamese model is not installed (Debian package tesseract-ocr-vie)"
    return font_missing_reason()


_MISSING = _ocr_missing_reason()
needs_ocr = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")


@pytest.fixture(scope="module")
def layout(shared_dir: Path) -> list[list[str]]:
    """The lines of each page of notice 004 as drawn."""
    return page_lines((shared_dir / "seeds" / f"{SEED}.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages(layout: list[list[str]]) -> list:
    return [draw_page(lines) for lines in layout]


def read(data: bytes, name: str, progress=None) -> DocumentText:  # type: ignore[no-untyped-def]
    return read_document_isolated(data=data, name=name, max_bytes=50 * MB, seconds=900, progress=progress)


def refusal(data: bytes, name: str) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read_document(data=data, name=name, max_bytes=50 * MB)
    assert "\n" not in caught.value.message and f"«{name}»" in caught.value.message
    return caught.value


def tasks_of(text: str) -> list[tuple[str, str | None, date | None]]:
    parsed = parse_document(text, units=UNITS, today=TODAY)
    return [(task.title[:50], task.owner.unit, task.deadline.due) for task in parsed.tasks]


@needs_ocr
def test_a_scanned_notice_gives_the_tasks_of_its_gold_and_says_it_was_read_by_ocr(shared_dir, pages) -> None:
    gold = json.loads((shared_dir / "gold" / f"{SEED}.json").read_text(encoding="utf-8"))
    progress: list[tuple[int, int]] = []
    scan = as_scanned_pdf([scanned(page, seed=i) for i, page in enumerate(pages)])

    source = read(scan, "thong-bao-scan.pdf", progress=lambda done, total: progress.append((done, total)))

    parsed = parse_document(source.text, units=UNITS, today=TODAY)
    score = score_document(SEED, gold, parsed)
    assert score.matched >= 0.95 * score.required and score.false_tasks == 0
    assert score.owners >= 0.95 * score.matched and score.dues >= 0.95 * score.matched
    assert source.media == "pdf" and unicodedata.is_normalized("NFC", source.text)
    assert progress == [(n, len(pages)) for n in range(1, len(pages) + 1)]
    assert source.ocr_confidence is not None and source.ocr_confidence > 80
    [note] = preview_import(parsed, file_name=source.file_name, reading=source).notes
    assert note.startswith(f"Chữ được nhận dạng từ ảnh (OCR) {len(pages)} trang, độ tin cậy trung bình ")


@needs_ocr
def test_a_phone_photo_of_a_page_gives_the_tasks_of_that_page(layout, pages) -> None:
    photo = as_jpeg(phone_photo(pages[0], seed=3))

    source = read(photo, "anh-trang-1.jpg")

    wanted = tasks_of("\n".join(layout[0]))
    found = tasks_of(source.text)
    assert len(wanted) >= 5
    assert sum(1 for task in wanted if task in found) >= 0.8 * len(wanted)
    assert source.media == "image" and source.notes[0].startswith("Chữ được nhận dạng từ ảnh (OCR) 1 trang")


@needs_ocr
def test_an_upside_down_page_is_turned_before_it_is_read(pages) -> None:
    upside_down = as_png(scanned(pages[-1], seed=5).rotate(180))

    source = read(upside_down, "nguoc.png")

    assert "Thừa lệnh Chủ tịch Ủy ban nhân dân phường" in source.text


@needs_ocr
def test_a_pdf_with_a_text_layer_on_one_page_and_a_scan_on_another_reads_both(pages) -> None:
    """Why: the bomb check's inflating loop never ended on the Flate-compressed page image fpdf2 writes
    (zlib at the end of a stream left one byte it decompressed to nothing, again and again)."""
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_font("dejavu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("dejavu", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 7, "THÔNG BÁO kết luận của Chủ tịch Ủy ban nhân dân phường tại phiên họp tháng 5 năm 2026.")
    pdf.add_page()
    pdf.image(scanned(pages[-1], seed=6), x=0, y=0, w=210, h=297)

    source = read(bytes(pdf.output()), "hon-hop.pdf")

    first, second = source.text.index("THÔNG BÁO kết luận"), source.text.index("Thừa lệnh Chủ tịch")
    assert first < second, "the pages keep their order"
    assert any(note.startswith("Chữ được nhận dạng từ ảnh (OCR) 1 trang") for note in source.notes)


@needs_ocr
@pytest.mark.parametrize("what", ["a blank page", "a photo of something that is not a document"])
def test_a_picture_without_readable_text_gets_one_line_asking_for_a_new_photo(what: str) -> None:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (1600, 1200), "white")
    if what != "a blank page":  # a sunny street: a sky, a road, a few round shapes
        draw = ImageDraw.Draw(picture)
        draw.rectangle((0, 0, 1600, 500), fill=(120, 170, 230))
        draw.polygon([(300, 1200), (700, 500), (900, 500), (1300, 1200)], fill=(90, 90, 90))
        for x in range(100, 1600, 330):
            draw.ellipse((x, 380, x + 180, 560), fill=(40, 140, 60))

    error = refusal(as_jpeg(picture), "anh.jpg")

    assert error.reason == "unreadable_scan" and "ảnh mờ/nghiêng quá" in error.message
    assert "hãy chụp lại" in error.message


@needs_ocr
def test_a_blurred_low_resolution_photo_is_refused_rather_than_giving_wrong_tasks(pages) -> None:
    """Why: such a photo read at a fifth of its words wrong gave 5 of the notice's 38 tasks, one of them
    false and two with a wrong deadline."""
    poor = as_jpeg(phone_photo(pages[0], seed=8, angle=-3.5, scale=0.55, blur=1.3), quality=50)

    error = refusal(poor, "anh-mo.jpg")

    assert error.reason == "unreadable_scan" and "hãy chụp lại" in error.message


def _png_header(width: int, height: int) -> bytes:
    """The start of a PNG that claims `width` × `height` pixels: enough for a reader to learn its size."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@needs_ocr
def test_a_picture_of_twenty_thousand_pixels_a_side_is_refused_before_it_is_decoded() -> None:
    error = refusal(_png_header(20_000, 20_000), "khong-lo.png")

    assert error.reason == "too_large" and "20000×20000 điểm ảnh" in error.message


def test_without_tesseract_a_photo_is_refused_naming_the_package_to_install(monkeypatch, tmp_path) -> None:
    pytest.importorskip("PIL")
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where Tesseract is not installed
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (400, 300), 255).save(buffer, "PNG")

    error = refusal(buffer.getvalue(), "anh.png")

    assert error.reason == "ocr_missing" and "gói tesseract-ocr-vie" in error.message


def _ours() -> set[Path]:
    """The temporary files and folders the reading and pytesseract make (others may be at work here too)."""
    folder = Path(tempfile.gettempdir())
    return {path for prefix in ("tracker-read-", "tracker-convert-", "tess_") for path in folder.glob(f"{prefix}*")}


@needs_ocr
def test_reading_a_photo_leaves_no_temporary_files_behind(pages) -> None:
    before = _ours()

    read(as_jpeg(phone_photo(pages[-1], seed=7)), "anh.jpg")

    assert _ours() - before == set()
