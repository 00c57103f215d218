"""Pictures, scans and old office files as the importer reads them: tracker.importer.ocr and
tracker.importer.office_convert do the work; this module turns what they raise into one Vietnamese
sentence for the person who sent the file, and says in notes what the preview should tell them (the
text came from OCR, with what confidence; pages left unread)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.importer.file_types import KINDS, ImportFileError, corrupt

# Pillow, pypdfium2 and pytesseract (tracker.importer.ocr) are imported where a picture is read.

Progress = Callable[[int, int], None]  # (pages done, pages in all)

OCR_PACKAGE = "tesseract-ocr-vie"
CONVERTER_PACKAGE = "libreoffice-writer-nogui"


@dataclass
class PictureText:
    """Text read from pictures: the mean word confidence (%), the doubtful words, notes for the preview."""

    text: str
    confidence: float
    doubtful: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def picture_text(name: str, data: bytes, progress: Progress | None = None) -> PictureText:
    """The text of a photo or a scanned picture file (.jpg, .png, .tif). Raises ImportFileError."""
    from tracker.importer import ocr

    _check_ocr(name, "ảnh chụp")
    try:
        count, pages = ocr.picture_pages(data)
        total = min(count, ocr.MAX_PAGES)
        result = ocr.read_pages(pages, total, progress)
    except ocr.PictureTooLarge as exc:
        raise ImportFileError(
            f"Ảnh «{name}» quá lớn ({exc.width}×{exc.height} điểm ảnh); hệ thống chỉ đọc ảnh đến "
            f"{ocr.MAX_IMAGE_PIXELS // 1_000_000} megapixel, hãy thu nhỏ ảnh hoặc chụp lại rồi gửi lại.",
            "too_large",
        ) from exc
    except ocr.Unreadable as exc:
        raise unreadable(name) from exc
    except RuntimeError as exc:  # pytesseract's time limit
        raise _too_slow(name) from exc
    except ImportFileError:
        raise
    except Exception as exc:  # Pillow raises anything on a damaged picture
        raise corrupt(name, "image") from exc
    notes = [ocr_note(result.pages, result.mean_confidence)]
    if count > total:
        notes.append(_cut_note(total, count))
    return PictureText(result.text, result.mean_confidence, result.doubtful, notes)


def scanned_pdf_text(name: str, data: bytes, pages: list[int], page_count: int, *, whole: bool,
                     progress: Progress | None = None) -> tuple[dict[int, str], PictureText]:
    """The text of the scanned `pages` (indexes) of a PDF of `page_count` pages, by page. `whole`: the PDF
    has no text layer at all, so a missing OCR or an unreadable scan refuses the file; otherwise they
    only leave notes and the pages with a text layer are read as usual."""
    from tracker.importer import ocr

    read = pages[: ocr.MAX_PAGES]
    try:
        _check_ocr(name, "bản scan không có lớp chữ")
        texts: dict[int, str] = {}
        confidences: list[tuple[float, int]] = []
        doubtful: list[str] = []
        for done, index in enumerate(read, 1):
            try:
                result = ocr.read_pages(ocr.pdf_pages(data, [index]), 1)
            except ocr.Unreadable:
                continue
            finally:
                if progress is not None:
                    progress(done, len(read))
            texts[index] = result.text
            confidences.append((result.mean_confidence, len(result.text)))
            doubtful += [word for word in result.doubtful if word not in doubtful]
        if not texts:
            raise unreadable(name)
    except ImportFileError as error:
        if whole:
            raise
        return {}, PictureText("", 0.0, notes=[_pages_left_note(pages, error)])
    except RuntimeError as exc:  # pytesseract's time limit
        raise _too_slow(name) from exc
    weight = sum(size for _, size in confidences) or 1
    confidence = sum(value * size for value, size in confidences) / weight
    notes = [ocr_note(len(texts), confidence)]
    if len(pages) > len(read):
        notes.append(_cut_note(len(read), len(pages)))
    return texts, PictureText("", confidence, doubtful, notes)


def converted_docx(name: str, data: bytes, media: str, max_bytes: int) -> bytes:
    """An old Word, OpenDocument or RTF file as .docx bytes. Raises ImportFileError."""
    from tracker.importer import office_convert

    # Within the reading's own deadline (tracker.importer.isolation gives it to the child process).
    seconds = min(office_convert.CONVERT_SECONDS, 0.75 * float(os.environ.get("TRACKER_IMPORT_SECONDS", "inf")))
    try:
        return office_convert.convert_to_docx(data, extension=f".{media}", max_bytes=max_bytes, seconds=seconds)
    except office_convert.ConverterMissing as exc:
        raise ImportFileError(
            f"Tệp «{name}» là {KINDS[media]} mà máy chủ chưa đọc được vì chưa cài LibreOffice (gói "
            f"{CONVERTER_PACKAGE}); hãy cài gói đó, hoặc mở tệp bằng Word, lưu thành .docx rồi gửi lại.",
            "converter_missing",
        ) from exc
    except office_convert.ConversionTimedOut as exc:
        raise _too_slow(name) from exc
    except office_convert.ConvertedTooLarge as exc:
        raise ImportFileError(
            f"Tệp «{name}» khi chuyển sang .docx lớn bất thường nên bị từ chối để bảo vệ hệ thống; "
            "hãy kiểm tra lại tệp.",
            "too_large",
        ) from exc
    except office_convert.ConversionFailed as exc:
        raise corrupt(name, media) from exc


def ocr_note(pages: int, confidence: float) -> str:
    """The preview's line saying the text came from OCR."""
    return (f"Chữ được nhận dạng từ ảnh (OCR) {pages} trang, độ tin cậy trung bình {confidence:.0f}%; "
            "hãy đối chiếu với bản giấy trước khi lưu, nhất là các mục được đánh dấu cần xem lại.")


def unreadable(name: str) -> ImportFileError:
    """The refusal of a picture or scan from which too little could be read."""
    return ImportFileError(
        f"Không đọc được chữ trong «{name}»: ảnh mờ/nghiêng quá hoặc không phải văn bản, hãy chụp lại "
        "thẳng, đủ sáng, rõ nét (hoặc scan lại) rồi gửi lại.",
        "unreadable_scan",
    )


def _check_ocr(name: str, what: str) -> None:
    from tracker.importer import ocr

    try:
        ocr.check_tesseract()
    except ocr.OcrUnavailable as exc:
        raise ImportFileError(
            f"Tệp «{name}» là {what}; máy chủ chưa cài bộ nhận dạng chữ tiếng Việt (gói {OCR_PACKAGE}) nên "
            "chưa đọc được, hãy cài gói đó hoặc gửi tệp Word, PDF có chữ.",
            "ocr_missing",
        ) from exc


def _cut_note(read: int, total: int) -> str:
    return (f"Chỉ đọc {read} trang ảnh đầu trong {total} trang; nếu còn nhiệm vụ ở các trang sau, "
            "hãy gửi riêng các trang đó.")


def _pages_left_note(pages: list[int], error: ImportFileError) -> str:
    shown = ", ".join(str(index + 1) for index in pages[:10]) + (" …" if len(pages) > 10 else "")
    why = f"máy chủ chưa cài gói {OCR_PACKAGE}" if error.reason == "ocr_missing" else "ảnh mờ, không đọc được chữ"
    return f"Trang {shown} là ảnh scan nên chưa được đọc ({why}); hãy kiểm tra các trang đó trên bản giấy."


def _too_slow(name: str) -> ImportFileError:
    return ImportFileError(
        f"Tệp «{name}» cần quá lâu để đọc nên bị dừng để bảo vệ hệ thống; hãy chỉ gửi các trang có nhiệm vụ.",
        "too_complex",
    )
